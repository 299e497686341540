import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { AgentComparison } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchAgentComparison(
  agents: string[],
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<AgentComparison> {
  return unwrap(
    api.GET("/api/compare/agents", {
      params: {
        query: {
          agents: agents.join(","),
          from: range.from,
          to: range.to,
          environment: environmentParam(environments),
        },
      },
      signal,
    }),
  );
}

/** Runs only with at least two agents: the API answers 400 to fewer. */
export function agentComparisonQueryOptions(agents: string[], range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["compare-agents", agents.join(","), range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchAgentComparison(agents, range, environments, signal),
    placeholderData: keepPreviousData,
    enabled: agents.length >= 2,
  });
}

export function useAgentComparison(agents: string[], range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(agentComparisonQueryOptions(agents, range, environments));
}
