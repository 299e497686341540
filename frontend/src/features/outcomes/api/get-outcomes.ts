import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { OutcomeList } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchOutcomes(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<OutcomeList> {
  return unwrap(
    api.GET("/api/outcomes", {
      params: { query: { from: range.from, to: range.to, environment: environmentParam(environments) } },
      signal,
    }),
  );
}

export function outcomesQueryOptions(range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["outcomes", range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchOutcomes(range, environments, signal),
    placeholderData: keepPreviousData,
  });
}

export function useOutcomes(range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(outcomesQueryOptions(range, environments));
}
