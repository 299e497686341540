import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { AgentDetail } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchAgent(name: string, range: ResolvedRange, signal?: AbortSignal): Promise<AgentDetail> {
  return getJson<AgentDetail>(`/api/agents/${encodeURIComponent(name)}`, { from: range.from, to: range.to }, signal);
}

export function agentQueryOptions(name: string, range: ResolvedRange) {
  return queryOptions({
    queryKey: ["agent", name, range.from, range.to],
    queryFn: ({ signal }) => fetchAgent(name, range, signal),
    placeholderData: keepPreviousData,
  });
}

export function useAgent(name: string, range: ResolvedRange) {
  return useQuery(agentQueryOptions(name, range));
}
