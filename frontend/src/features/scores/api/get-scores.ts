import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { ScoreList } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchScores(range: ResolvedRange, agent: string | undefined, signal?: AbortSignal): Promise<ScoreList> {
  return getJson<ScoreList>("/api/scores", { from: range.from, to: range.to, agent }, signal);
}

export function scoresQueryOptions(range: ResolvedRange, agent?: string) {
  return queryOptions({
    queryKey: ["scores", range.from, range.to, agent ?? null],
    queryFn: ({ signal }) => fetchScores(range, agent, signal),
    placeholderData: keepPreviousData,
  });
}

export function useScores(range: ResolvedRange, agent?: string) {
  return useQuery(scoresQueryOptions(range, agent));
}
