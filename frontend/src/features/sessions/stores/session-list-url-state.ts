import { SESSION_SORT_KEYS, type SessionSortKey } from "../../../components/sessions-table";
import type { EnvironmentFilter } from "../../../lib/environment-filter";
import type { SortOrder } from "../../../lib/table-sort";
import type { RangeSelection } from "../../../lib/time-range";

// The sessions table's filters, sort and page, read from and written to the
// URL so that links restore the exact view and back/forward walks through it.

export type ErrorFilter = "any" | "with" | "without";

export interface SessionListQuery {
  q: string;
  agent: string;
  user: string;
  errors: ErrorFilter;
  sort: SessionSortKey;
  order: SortOrder;
  /** Opaque API cursor of the page shown; null for the first page. */
  cursor: string | null;
  /** 1-based page number, for display and for walking back. */
  page: number;
}

export const DEFAULT_SESSION_LIST_QUERY: SessionListQuery = {
  q: "",
  agent: "",
  user: "",
  errors: "any",
  sort: "startTime",
  order: "desc",
  cursor: null,
  page: 1,
};

const FILTER_KEYS = ["q", "agent", "user", "errors", "sort", "order", "cursor", "page"] as const;

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function parseSessionListQuery(params: URLSearchParams): SessionListQuery {
  const cursor = params.get("cursor") || null;
  const page = Number.parseInt(params.get("page") ?? "", 10);
  return {
    q: params.get("q")?.trim() ?? "",
    agent: params.get("agent") ?? "",
    user: params.get("user") ?? "",
    errors: oneOf(params.get("errors"), ["any", "with", "without"], "any"),
    sort: oneOf(params.get("sort"), SESSION_SORT_KEYS, "startTime"),
    order: oneOf(params.get("order"), ["asc", "desc"], "desc"),
    cursor,
    // A cursor without a page number (hand-edited link) still shows the page.
    page: cursor && Number.isSafeInteger(page) && page > 1 ? page : cursor ? 2 : 1,
  };
}

/** Writes the query into a copy of `params`; defaults are left out to keep links short. */
export function writeSessionListQuery(params: URLSearchParams, query: SessionListQuery): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of FILTER_KEYS) next.delete(key);
  const defaults = DEFAULT_SESSION_LIST_QUERY;
  if (query.q.trim()) next.set("q", query.q.trim());
  if (query.agent) next.set("agent", query.agent);
  if (query.user) next.set("user", query.user);
  if (query.errors !== defaults.errors) next.set("errors", query.errors);
  if (query.sort !== defaults.sort) next.set("sort", query.sort);
  if (query.order !== defaults.order) next.set("order", query.order);
  if (query.cursor && query.page > 1) {
    next.set("cursor", query.cursor);
    next.set("page", String(query.page));
  }
  return next;
}

/** Any change of filter or sort starts again from the first page. */
export function withFilters(query: SessionListQuery, change: Partial<SessionListQuery>): SessionListQuery {
  return { ...query, ...change, cursor: null, page: 1 };
}

/** Clicking a column: the same column flips the order, a new one starts descending. */
export function withSort(query: SessionListQuery, sort: SessionSortKey): SessionListQuery {
  const order: SortOrder = query.sort === sort && query.order === "desc" ? "asc" : "desc";
  return withFilters(query, { sort, order });
}

/** API parameters for GET /api/sessions (without the range). */
export function sessionListApiParams(query: SessionListQuery) {
  return {
    q: query.q || undefined,
    agent: query.agent || undefined,
    user: query.user || undefined,
    hasErrors: query.errors === "any" ? undefined : query.errors === "with",
    sort: query.sort,
    order: query.order,
    cursor: query.cursor ?? undefined,
  };
}

/**
 * Identifies a result list (filters, sort, range, environments) regardless of the page shown; cursors are only valid within one.
 * Takes the range as chosen (preset or days), not its bounds, which for "24h" move every minute.
 */
export function sessionListSignature(
  query: SessionListQuery,
  range: RangeSelection,
  environments: EnvironmentFilter,
): string {
  return JSON.stringify([
    query.q,
    query.agent,
    query.user,
    query.errors,
    query.sort,
    query.order,
    range.preset,
    range.fromDay ?? null,
    range.toDay ?? null,
    environments.join(","),
  ]);
}
