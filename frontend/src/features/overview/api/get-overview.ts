import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { Overview } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchOverview(range: ResolvedRange, signal?: AbortSignal): Promise<Overview> {
  return getJson<Overview>("/api/overview", { from: range.from, to: range.to }, signal);
}

export function overviewQueryOptions(range: ResolvedRange) {
  return queryOptions({
    queryKey: ["overview", range.from, range.to],
    queryFn: ({ signal }) => fetchOverview(range, signal),
    placeholderData: keepPreviousData,
  });
}

export function useOverview(range: ResolvedRange) {
  return useQuery(overviewQueryOptions(range));
}
