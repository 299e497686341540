import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { ErrorGroupList } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";
import { errorListQuery, type ErrorListView } from "../stores/error-list-url-state";

export function fetchErrorGroups(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  view: ErrorListView,
  signal?: AbortSignal,
): Promise<ErrorGroupList> {
  return unwrap(
    api.GET("/api/errors", {
      params: {
        query: { from: range.from, to: range.to, environment: environmentParam(environments), ...errorListQuery(view) },
      },
      signal,
    }),
  );
}

export function errorGroupsQueryOptions(range: ResolvedRange, environments: EnvironmentFilter, view: ErrorListView) {
  return queryOptions({
    queryKey: ["errors", range.from, range.to, environmentKey(environments), errorListQuery(view)],
    queryFn: ({ signal }) => fetchErrorGroups(range, environments, view, signal),
    placeholderData: keepPreviousData,
  });
}

export function useErrorGroups(range: ResolvedRange, environments: EnvironmentFilter, view: ErrorListView) {
  return useQuery(errorGroupsQueryOptions(range, environments, view));
}
