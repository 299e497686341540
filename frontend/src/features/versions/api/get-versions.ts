import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/http-client";
import type { VersionList } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";
import type { VersionDimension } from "../stores/versions-url-state";

export function fetchVersions(
  agent: string,
  by: VersionDimension,
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<VersionList> {
  return unwrap(
    api.GET("/api/versions", {
      params: {
        query: { agent, by, from: range.from, to: range.to, environment: environmentParam(environments) },
      },
      signal,
    }),
  );
}

/** Runs only once an agent is chosen: the API answers 400 without one. */
export function versionsQueryOptions(
  agent: string,
  by: VersionDimension,
  range: ResolvedRange,
  environments: EnvironmentFilter,
) {
  return queryOptions({
    queryKey: ["versions", agent, by, range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchVersions(agent, by, range, environments, signal),
    placeholderData: keepPreviousData,
    enabled: agent.length > 0,
  });
}

export function useVersions(
  agent: string,
  by: VersionDimension,
  range: ResolvedRange,
  environments: EnvironmentFilter,
) {
  return useQuery(versionsQueryOptions(agent, by, range, environments));
}
