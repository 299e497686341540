import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { AgentComparison } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchAgentComparison(
  agents: string[],
  range: ResolvedRange,
  signal?: AbortSignal,
): Promise<AgentComparison> {
  return getJson<AgentComparison>(
    "/api/compare/agents",
    { agents: agents.join(","), from: range.from, to: range.to },
    signal,
  );
}

/** Runs only with at least two agents: the API answers 400 to fewer. */
export function agentComparisonQueryOptions(agents: string[], range: ResolvedRange) {
  return queryOptions({
    queryKey: ["compare-agents", agents.join(","), range.from, range.to],
    queryFn: ({ signal }) => fetchAgentComparison(agents, range, signal),
    placeholderData: keepPreviousData,
    enabled: agents.length >= 2,
  });
}

export function useAgentComparison(agents: string[], range: ResolvedRange) {
  return useQuery(agentComparisonQueryOptions(agents, range));
}
