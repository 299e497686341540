import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { ErrorGroupList, ErrorLevel } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchErrorGroups(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  level: ErrorLevel,
  signal?: AbortSignal,
): Promise<ErrorGroupList> {
  return unwrap(
    api.GET("/api/errors", {
      params: { query: { from: range.from, to: range.to, level, environment: environmentParam(environments) } },
      signal,
    }),
  );
}

export function errorGroupsQueryOptions(range: ResolvedRange, environments: EnvironmentFilter, level: ErrorLevel) {
  return queryOptions({
    queryKey: ["errors", range.from, range.to, environmentKey(environments), level],
    queryFn: ({ signal }) => fetchErrorGroups(range, environments, level, signal),
    placeholderData: keepPreviousData,
  });
}

export function useErrorGroups(range: ResolvedRange, environments: EnvironmentFilter, level: ErrorLevel) {
  return useQuery(errorGroupsQueryOptions(range, environments, level));
}
