import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { AgentDetail } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchAgent(
  name: string,
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<AgentDetail> {
  return unwrap(
    api.GET("/api/agents/{name}", {
      params: {
        path: { name },
        query: { from: range.from, to: range.to, environment: environmentParam(environments) },
      },
      signal,
    }),
  );
}

export function agentQueryOptions(name: string, range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["agent", name, range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchAgent(name, range, environments, signal),
    placeholderData: keepPreviousData,
  });
}

export function useAgent(name: string, range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(agentQueryOptions(name, range, environments));
}
