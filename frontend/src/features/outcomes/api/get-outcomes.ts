import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { OutcomeList } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchOutcomes(range: ResolvedRange, signal?: AbortSignal): Promise<OutcomeList> {
  return getJson<OutcomeList>("/api/outcomes", { from: range.from, to: range.to }, signal);
}

export function outcomesQueryOptions(range: ResolvedRange) {
  return queryOptions({
    queryKey: ["outcomes", range.from, range.to],
    queryFn: ({ signal }) => fetchOutcomes(range, signal),
    placeholderData: keepPreviousData,
  });
}

export function useOutcomes(range: ResolvedRange) {
  return useQuery(outcomesQueryOptions(range));
}
