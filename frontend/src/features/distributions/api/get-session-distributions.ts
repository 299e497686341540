import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { SessionDistributions } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchSessionDistributions(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<SessionDistributions> {
  return unwrap(
    api.GET("/api/distributions/sessions", {
      params: { query: { from: range.from, to: range.to, environment: environmentParam(environments) } },
      signal,
    }),
  );
}

export function sessionDistributionsQueryOptions(range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["distributions-sessions", range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchSessionDistributions(range, environments, signal),
    placeholderData: keepPreviousData,
  });
}

export function useSessionDistributions(range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(sessionDistributionsQueryOptions(range, environments));
}
