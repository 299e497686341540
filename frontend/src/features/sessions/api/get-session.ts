import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { SessionDetail } from "../../../api/types";

export function fetchSession(id: string, signal?: AbortSignal): Promise<SessionDetail> {
  return unwrap(api.GET("/api/sessions/{id}", { params: { path: { id } }, signal }));
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
