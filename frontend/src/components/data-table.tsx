import { memo, type ReactNode } from "react";
import { navRowFocusClass, navRowProps } from "../lib/keyboard";
import type { SortOrder } from "../lib/table-sort";
import { SortHeader } from "./sort-header";

export interface DataColumn<Row, Key extends string = string> {
  /** The header's text: the column's accessible name (and its sort button's). */
  label: string;
  align?: "left" | "right";
  /** The key the table sorts by when this header is clicked; absent for a column that does not sort. */
  sortKey?: Key;
  /** Classes of the body cells (padding and alignment come from the table), fixed or per row. */
  className?: string | ((row: Row) => string);
  cell: (row: Row) => ReactNode;
  /** A test id on each body cell of the column. */
  cellTestId?: string;
  /** A tooltip for truncated cells. */
  title?: (row: Row) => string | undefined;
}

export interface DataTableSort<Key extends string> {
  key: Key;
  order: SortOrder;
  onSort: (key: Key) => void;
}

interface DataTableProps<Row, Key extends string> {
  /** Read by screen readers only: the table's name. */
  caption: string;
  /** Stable (a constant or memoized) so that unchanged rows skip rendering. */
  columns: readonly DataColumn<Row, Key>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  sort?: DataTableSort<Key>;
  /** Rows that `j`/`k` move through and `Enter` opens (their first link). */
  navigable?: boolean;
  rowTestId?: (row: Row) => string;
  /** "compact" for tables with many columns. */
  density?: "compact" | "comfortable";
  verticalAlign?: "middle" | "top";
  /** Whether cells keep to one line (the default); a table of long messages lets them wrap. */
  nowrap?: boolean;
}

const PADDING = { compact: "px-2 py-2", comfortable: "px-3 py-2" } as const;

function alignClass(align: "left" | "right" | undefined): string {
  return align === "right" ? "text-right tabular-nums" : "text-left";
}

interface RowProps<Row, Key extends string> {
  row: Row;
  columns: readonly DataColumn<Row, Key>[];
  navigable: boolean;
  testId: string | undefined;
  cellClass: string;
}

function DataRowInner<Row, Key extends string>({ row, columns, navigable, testId, cellClass }: RowProps<Row, Key>) {
  return (
    <tr
      {...(navigable ? navRowProps : {})}
      data-testid={testId}
      className={`border-t border-slate-200 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800/50 ${
        navigable ? navRowFocusClass : ""
      }`}
    >
      {columns.map((column) => (
        <td
          key={column.label}
          className={`${cellClass} ${alignClass(column.align)} ${typeof column.className === "function" ? column.className(row) : (column.className ?? "")}`}
          title={column.title?.(row)}
          data-testid={column.cellTestId}
        >
          {column.cell(row)}
        </td>
      ))}
    </tr>
  );
}

// A page of 50 sessions re-renders on every poll and keystroke; rows whose data did not change are skipped.
const DataRow = memo(DataRowInner) as typeof DataRowInner;

/** The dashboard's data tables: a caption, a header with sort buttons (and aria-sort) where a column sorts, one row per item. */
export function DataTable<Row, Key extends string = string>({
  caption,
  columns,
  rows,
  rowKey,
  sort,
  navigable = false,
  rowTestId,
  density = "compact",
  verticalAlign = "middle",
  nowrap = true,
}: DataTableProps<Row, Key>) {
  const padding = PADDING[density];
  const cellClass = `${padding} ${nowrap ? "whitespace-nowrap" : ""} ${verticalAlign === "top" ? "align-top" : ""}`;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          <tr>
            {columns.map((column) => {
              const sortKey = column.sortKey;
              return sort && sortKey !== undefined ? (
                <SortHeader
                  key={column.label}
                  label={column.label}
                  align={column.align}
                  active={sort.key === sortKey}
                  order={sort.order}
                  onSort={() => sort.onSort(sortKey)}
                />
              ) : (
                <th
                  key={column.label}
                  scope="col"
                  className={`${padding} font-medium ${column.align === "right" ? "text-right" : "text-left"}`}
                >
                  {column.label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <DataRow
              key={rowKey(row)}
              row={row}
              columns={columns}
              navigable={navigable}
              testId={rowTestId?.(row)}
              cellClass={cellClass}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
