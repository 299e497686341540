import { useMutation } from "@tanstack/react-query";
import { postJson } from "../../../api/http-client";
import type { SyncTriggerResponse } from "../../../api/types";

/** 202 started, or 409 when a cycle is already running: both mean "a cycle is on its way". */
export async function triggerSync(): Promise<SyncTriggerResponse> {
  const { body } = await postJson<SyncTriggerResponse>("/api/sync/trigger", [409]);
  return body;
}

export function useTriggerSync() {
  return useMutation({ mutationFn: triggerSync });
}
