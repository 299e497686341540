import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, buildUrl, unwrap } from "../../../api/http-client";
import type { SessionPage } from "../../../api/types";
import { environmentKey, environmentParam, type EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";
import { sessionListApiParams, type SessionListQuery } from "../stores/session-list-url-state";

export const SESSIONS_PAGE_SIZE = 50;

export function fetchSessions(
  query: SessionListQuery,
  range: ResolvedRange,
  environments: EnvironmentFilter,
  signal?: AbortSignal,
): Promise<SessionPage> {
  return unwrap(
    api.GET("/api/sessions", {
      params: {
        query: {
          from: range.from,
          to: range.to,
          environment: environmentParam(environments),
          ...sessionListApiParams(query),
          limit: SESSIONS_PAGE_SIZE,
        },
      },
      signal,
    }),
  );
}

/** The whole filtered list (not just this page) as CSV. */
export function sessionsCsvUrl(query: SessionListQuery, range: ResolvedRange, environments: EnvironmentFilter): string {
  const { cursor: _cursor, ...filters } = sessionListApiParams(query);
  return buildUrl("/api/sessions", {
    from: range.from,
    to: range.to,
    environment: environmentParam(environments),
    ...filters,
    format: "csv",
  });
}

export function sessionsQueryOptions(query: SessionListQuery, range: ResolvedRange, environments: EnvironmentFilter) {
  return queryOptions({
    queryKey: ["sessions", range.from, range.to, environmentKey(environments), sessionListApiParams(query)],
    queryFn: ({ signal }) => fetchSessions(query, range, environments, signal),
    // Keeps the old page on screen while the next one loads: no flashing table.
    placeholderData: keepPreviousData,
  });
}

export function useSessions(query: SessionListQuery, range: ResolvedRange, environments: EnvironmentFilter) {
  return useQuery(sessionsQueryOptions(query, range, environments));
}
