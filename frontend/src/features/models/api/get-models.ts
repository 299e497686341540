import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { ModelList } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export function fetchModels(range: ResolvedRange, signal?: AbortSignal): Promise<ModelList> {
  return getJson<ModelList>("/api/models", { from: range.from, to: range.to }, signal);
}

export function modelsQueryOptions(range: ResolvedRange) {
  return queryOptions({
    queryKey: ["models", range.from, range.to],
    queryFn: ({ signal }) => fetchModels(range, signal),
    placeholderData: keepPreviousData,
  });
}

export function useModels(range: ResolvedRange) {
  return useQuery(modelsQueryOptions(range));
}
