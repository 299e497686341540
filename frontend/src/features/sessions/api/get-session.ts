import { queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { SessionDetail } from "../../../api/types";

export function fetchSession(id: string, signal?: AbortSignal): Promise<SessionDetail> {
  return getJson<SessionDetail>(`/api/sessions/${encodeURIComponent(id)}`, undefined, signal);
}

export function sessionQueryOptions(id: string) {
  return queryOptions({
    queryKey: ["session", id],
    queryFn: ({ signal }) => fetchSession(id, signal),
  });
}

export function useSession(id: string) {
  return useQuery(sessionQueryOptions(id));
}
