import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./http-client";
import type { ScoreList } from "./types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../lib/environment-filter";
import type { ResolvedRange } from "../lib/time-range";

export function fetchScores(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  agent: string | undefined,
  signal?: AbortSignal,
): Promise<ScoreList> {
  return unwrap(
    api.GET("/api/scores", {
      params: { query: { from: range.from, to: range.to, environment: environmentParam(environments), agent } },
      signal,
    }),
  );
}

export function scoresQueryOptions(range: ResolvedRange, environments: EnvironmentFilter, agent?: string) {
  return queryOptions({
    queryKey: ["scores", range.from, range.to, environmentKey(environments), agent ?? null],
    queryFn: ({ signal }) => fetchScores(range, environments, agent, signal),
    placeholderData: keepPreviousData,
  });
}

export function useScores(range: ResolvedRange, environments: EnvironmentFilter, agent?: string) {
  return useQuery(scoresQueryOptions(range, environments, agent));
}
