import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { Overview } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchOverview(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<Overview> {
  return unwrap(
    api.GET("/api/overview", {
      params: { query: { from: range.from, to: range.to, environment: environmentParam(environments) } },
      signal,
    }),
  );
}

export function overviewQueryOptions(range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["overview", range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchOverview(range, environments, signal),
    placeholderData: keepPreviousData,
  });
}

export function useOverview(range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(overviewQueryOptions(range, environments));
}
