import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, buildUrl, unwrap } from "./http-client";
import type { ModelList } from "./types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../lib/environment-filter";
import type { ResolvedRange } from "../lib/time-range";

export function fetchModels(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<ModelList> {
  return unwrap(
    api.GET("/api/models", {
      params: { query: { from: range.from, to: range.to, environment: environmentParam(environments) } },
      signal,
    }),
  );
}

/** The model list as a CSV download, for the same range and environments. */
export function modelsCsvUrl(range: ResolvedRange, environments: EnvironmentFilter): string {
  return buildUrl("/api/models", {
    from: range.from,
    to: range.to,
    environment: environmentParam(environments),
    format: "csv",
  });
}

export function modelsQueryOptions(range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["models", range.from, range.to, environmentKey(environments)],
    queryFn: ({ signal }) => fetchModels(range, environments, signal),
    placeholderData: keepPreviousData,
  });
}

export function useModels(range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(modelsQueryOptions(range, environments));
}
