import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { SessionDistributions } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchSessionDistributions(range: ResolvedRange, signal?: AbortSignal): Promise<SessionDistributions> {
  return getJson<SessionDistributions>("/api/distributions/sessions", { from: range.from, to: range.to }, signal);
}

export function sessionDistributionsQueryOptions(range: ResolvedRange) {
  return queryOptions({
    queryKey: ["distributions-sessions", range.from, range.to],
    queryFn: ({ signal }) => fetchSessionDistributions(range, signal),
    placeholderData: keepPreviousData,
  });
}

export function useSessionDistributions(range: ResolvedRange) {
  return useQuery(sessionDistributionsQueryOptions(range));
}
