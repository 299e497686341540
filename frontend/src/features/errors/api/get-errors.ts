import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { ErrorGroupList, ErrorLevel } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchErrorGroups(
  range: ResolvedRange,
  level: ErrorLevel,
  signal?: AbortSignal,
): Promise<ErrorGroupList> {
  return getJson<ErrorGroupList>("/api/errors", { from: range.from, to: range.to, level }, signal);
}

export function errorGroupsQueryOptions(range: ResolvedRange, level: ErrorLevel) {
  return queryOptions({
    queryKey: ["errors", range.from, range.to, level],
    queryFn: ({ signal }) => fetchErrorGroups(range, level, signal),
    placeholderData: keepPreviousData,
  });
}

export function useErrorGroups(range: ResolvedRange, level: ErrorLevel) {
  return useQuery(errorGroupsQueryOptions(range, level));
}
