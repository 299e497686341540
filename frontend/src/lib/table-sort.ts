import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";

export type SortOrder = "asc" | "desc";

export interface TableSort<K extends string> {
  key: K;
  order: SortOrder;
}

/** Reads `sort`/`order` from the URL, falling back to the default for unknown values. */
export function parseTableSort<K extends string>(
  params: URLSearchParams,
  keys: readonly K[],
  fallback: TableSort<K>,
): TableSort<K> {
  const key = params.get("sort");
  const order = params.get("order");
  return {
    key: key !== null && (keys as readonly string[]).includes(key) ? (key as K) : fallback.key,
    order: order === "asc" || order === "desc" ? order : fallback.order,
  };
}

type Sortable = string | number | null | undefined;

/** A sorted copy; missing values always go last, ties keep their order. */
export function sortRows<T, K extends string>(
  rows: readonly T[],
  sort: TableSort<K>,
  value: (row: T, key: K) => Sortable,
): T[] {
  const direction = sort.order === "asc" ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, value: value(row, sort.key) }))
    .sort((a, b) => {
      const aMissing = a.value === null || a.value === undefined;
      const bMissing = b.value === null || b.value === undefined;
      if (aMissing || bMissing) return aMissing === bMissing ? a.index - b.index : aMissing ? 1 : -1;
      const compared =
        typeof a.value === "number" && typeof b.value === "number"
          ? a.value - b.value
          : String(a.value).localeCompare(String(b.value));
      return compared === 0 ? a.index - b.index : compared * direction;
    })
    .map((entry) => entry.row);
}

export function useTableSort<K extends string>(keys: readonly K[], fallback: TableSort<K>) {
  const [params, setParams] = useSearchParams();
  const sort = useMemo(() => parseTableSort(params, keys, fallback), [params, keys, fallback]);
  const toggle = useCallback(
    (key: K) =>
      setParams((previous) => {
        const next = new URLSearchParams(previous);
        const order: SortOrder = sort.key === key && sort.order === "desc" ? "asc" : "desc";
        next.set("sort", key);
        next.set("order", order);
        return next;
      }),
    [setParams, sort],
  );
  return { sort, toggle };
}
