import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { AlertList } from "../../../api/types";

export const ALERTS_KEY = ["alerts"] as const;

export function fetchAlerts(signal?: AbortSignal): Promise<AlertList> {
  return unwrap(api.GET("/api/alerts", { signal }));
}

/** The daemon evaluates its rules after each cycle; polling every 30 s keeps the badge current. */
export function alertsQueryOptions() {
  return queryOptions({
    queryKey: ALERTS_KEY,
    queryFn: ({ signal }) => fetchAlerts(signal),
    staleTime: 0,
    refetchInterval: 30_000,
    refetchIntervalInBackground: false,
  });
}

export function useAlerts() {
  return useQuery(alertsQueryOptions());
}
