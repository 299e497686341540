import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { buildUrl, getJson } from "../../../api/http-client";
import type { AgentList } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchAgents(range: ResolvedRange, signal?: AbortSignal): Promise<AgentList> {
  return getJson<AgentList>("/api/agents", { from: range.from, to: range.to }, signal);
}

export function agentsCsvUrl(range: ResolvedRange): string {
  return buildUrl("/api/agents", { from: range.from, to: range.to, format: "csv" });
}

export function agentsQueryOptions(range: ResolvedRange) {
  return queryOptions({
    queryKey: ["agents", range.from, range.to],
    queryFn: ({ signal }) => fetchAgents(range, signal),
    placeholderData: keepPreviousData,
  });
}

export function useAgents(range: ResolvedRange) {
  return useQuery(agentsQueryOptions(range));
}
