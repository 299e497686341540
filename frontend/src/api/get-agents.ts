import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, buildUrl, unwrap } from "./http-client";
import type { AgentList } from "./types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../lib/environment-filter";
import type { ResolvedRange } from "../lib/time-range";

export function fetchAgents(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<AgentList> {
  return unwrap(
    api.GET("/api/agents", {
      params: { query: { from: range.from, to: range.to, environment: environmentParam(environments) } },
      signal,
    }),
  );
}

export function agentsCsvUrl(range: ResolvedRange, environments: EnvironmentFilter): string {
  return buildUrl("/api/agents", {
    from: range.from,
    to: range.to,
    environment: environmentParam(environments),
    format: "csv",
  });
}

export function agentsQueryOptions(range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["agents", range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchAgents(range, environments, signal),
    placeholderData: keepPreviousData,
  });
}

export function useAgents(range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(agentsQueryOptions(range, environments));
}
