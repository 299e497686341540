import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { getJson } from "../../../api/http-client";
import type { DailyMetrics } from "../../../api/types";
import type { ResolvedRange } from "../../../lib/time-range";

export interface DailyMetricsFilter {
  agent?: string;
  model?: string;
}

export function fetchDailyMetrics(
  range: ResolvedRange,
  filter: DailyMetricsFilter = {},
  signal?: AbortSignal,
): Promise<DailyMetrics> {
  return getJson<DailyMetrics>("/api/metrics/daily", { from: range.from, to: range.to, ...filter }, signal);
}

export function dailyMetricsQueryOptions(range: ResolvedRange, filter: DailyMetricsFilter = {}) {
  return queryOptions({
    queryKey: ["metrics-daily", range.from, range.to, filter.agent ?? null, filter.model ?? null],
    queryFn: ({ signal }) => fetchDailyMetrics(range, filter, signal),
    placeholderData: keepPreviousData,
  });
}

export function useDailyMetrics(range: ResolvedRange, filter: DailyMetricsFilter = {}) {
  return useQuery(dailyMetricsQueryOptions(range, filter));
}
