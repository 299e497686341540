import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { TraceDetail } from "../../../api/types";

export function fetchTrace(id: string, signal?: AbortSignal): Promise<TraceDetail> {
  return unwrap(api.GET("/api/traces/{id}", { params: { path: { id } }, signal }));
}

export function traceQueryOptions(id: string) {
  return queryOptions({
    queryKey: ["trace", id],
    queryFn: ({ signal }) => fetchTrace(id, signal),
  });
}

export function useTrace(id: string) {
  return useQuery(traceQueryOptions(id));
}
