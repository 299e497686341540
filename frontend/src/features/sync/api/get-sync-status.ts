import { queryOptions, useQuery, type Query } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { SyncStatus } from "../../../api/types";

export const SYNC_STATUS_KEY = ["sync-status"] as const;

/** Every query but the sync status's own: those whose answers a sync commit can change. */
export function isDataQuery(query: Query): boolean {
  return query.queryKey[0] !== SYNC_STATUS_KEY[0];
}

export function fetchSyncStatus(signal?: AbortSignal): Promise<SyncStatus> {
  return unwrap(api.GET("/api/sync/status", { signal }));
}

/** Polls fast while a cycle runs or is being followed, slowly otherwise. */
export function syncStatusQueryOptions(fastPolling: boolean) {
  return queryOptions({
    queryKey: SYNC_STATUS_KEY,
    queryFn: ({ signal }) => fetchSyncStatus(signal),
    staleTime: 0,
    refetchInterval: (query) => (fastPolling || query.state.data?.state === "running" ? 1_000 : 15_000),
    refetchIntervalInBackground: false,
  });
}

export function useSyncStatus(fastPolling: boolean) {
  return useQuery(syncStatusQueryOptions(fastPolling));
}
