import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, buildUrl, unwrap } from "../../../api/http-client";
import type { DailyMetrics } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";

export interface DailyMetricsFilter {
  agent?: string;
  model?: string;
}

export function fetchDailyMetrics(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  filter: DailyMetricsFilter = {},
  signal?: AbortSignal,
): Promise<DailyMetrics> {
  return unwrap(
    api.GET("/api/metrics/daily", {
      params: { query: { from: range.from, to: range.to, environment: environmentParam(environments), ...filter } },
      signal,
    }),
  );
}

/** The series as a CSV download: a row per day, or per hour for ranges of up to 48 hours. */
export function dailyMetricsCsvUrl(range: ResolvedRange, environments: EnvironmentFilter): string {
  return buildUrl("/api/metrics/daily", {
    from: range.from,
    to: range.to,
    environment: environmentParam(environments),
    format: "csv",
  });
}

export function dailyMetricsQueryOptions(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  filter: DailyMetricsFilter = {},
) {
  return queryOptions({
    queryKey: [
      "metrics-daily",
      range.from,
      range.to,
      environmentKey(environments),
      filter.agent ?? null,
      filter.model ?? null,
    ],
    queryFn: ({ signal }) => fetchDailyMetrics(range, environments, filter, signal),
    placeholderData: keepPreviousData,
  });
}

export function useDailyMetrics(
  range: ResolvedRange,
  environments: EnvironmentFilter,
  filter: DailyMetricsFilter = {},
) {
  return useQuery(dailyMetricsQueryOptions(range, environments, filter));
}
