import type { ErrorLevel } from "../../../api/types";
import { parseTableSort, type TableSort } from "../../../lib/table-sort";

/** How errors form groups: `groupBy` of /api/errors. */
export type ErrorGroupBy = "agentObservation" | "message";

export const ERROR_SORT_KEYS = ["count", "sessions", "firstSeen", "lastSeen", "message", "agent"] as const;
export type ErrorSortKey = (typeof ERROR_SORT_KEYS)[number];
export const DEFAULT_ERROR_SORT: TableSort<ErrorSortKey> = { key: "count", order: "desc" };

/** Groups per page. */
export const ERROR_PAGE_SIZE = 50;

/** The errors page's view, all of it in the URL so that it can be shared and reloaded. */
export interface ErrorListView {
  level: ErrorLevel;
  groupBy: ErrorGroupBy;
  sort: TableSort<ErrorSortKey>;
  /** 1-based. */
  page: number;
  /** The search box: matched by the API against agents, observation names, messages and examples. */
  q: string;
}

/** `level` in the URL: absent = errors only, `all` = errors and warnings. */
export function parseErrorLevel(params: URLSearchParams): ErrorLevel {
  const level = params.get("level");
  return level === "all" || level === "WARNING" ? level : "ERROR";
}

/** Reads the view from the URL; unknown values fall back to the defaults. */
export function parseErrorListView(params: URLSearchParams): ErrorListView {
  const page = Number(params.get("page"));
  return {
    level: parseErrorLevel(params),
    groupBy: params.get("groupBy") === "message" ? "message" : "agentObservation",
    sort: parseTableSort(params, ERROR_SORT_KEYS, DEFAULT_ERROR_SORT),
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    q: (params.get("q") ?? "").trim(),
  };
}

/** The /api/errors query parameters of a view (range and environments aside). */
export function errorListQuery(view: ErrorListView) {
  return {
    level: view.level,
    groupBy: view.groupBy,
    sort: view.sort.key,
    order: view.sort.order,
    limit: ERROR_PAGE_SIZE,
    offset: (view.page - 1) * ERROR_PAGE_SIZE,
    q: view.q || undefined,
  };
}

/** The URL after sorting by `key`: the same key flips the order, another starts descending; back to page 1. */
export function withErrorSort(params: URLSearchParams, current: TableSort<ErrorSortKey>, key: ErrorSortKey) {
  const next = new URLSearchParams(params);
  next.set("sort", key);
  next.set("order", current.key === key && current.order === "desc" ? "asc" : "desc");
  next.delete("page");
  return next;
}
