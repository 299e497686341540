import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { ModelDailySeries } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchModelDaily(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<ModelDailySeries> {
  return unwrap(
    api.GET("/api/models/daily", {
      params: { query: { from: range.from, to: range.to, environment: environmentParam(environments) } },
      signal,
    }),
  );
}

export function modelDailyQueryOptions(range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["models-daily", range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchModelDaily(range, environments, signal),
    placeholderData: keepPreviousData,
  });
}

export function useModelDaily(range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(modelDailyQueryOptions(range, environments));
}
