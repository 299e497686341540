import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { SyncTriggerResponse } from "../../../api/types";

/** 202 started, or 409 when a cycle is already running: both mean "a cycle is on its way". */
export function triggerSync(): Promise<SyncTriggerResponse> {
  return unwrap(api.POST("/api/sync/trigger"), [409]);
}

export function useTriggerSync() {
  return useMutation({ mutationFn: triggerSync });
}
