import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./http-client";
import type { EnvironmentList } from "./types";

export function fetchEnvironments(signal?: AbortSignal): Promise<EnvironmentList> {
  return unwrap(api.GET("/api/environments", { signal }));
}

export function environmentsQueryOptions() {
  return queryOptions({
    queryKey: ["environments"],
    queryFn: ({ signal }) => fetchEnvironments(signal),
  });
}

/** Loaded only while the picker is open: the button itself needs nothing from the API. */
export function useEnvironments(enabled: boolean) {
  return useQuery({ ...environmentsQueryOptions(), enabled });
}
