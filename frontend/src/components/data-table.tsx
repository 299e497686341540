import { memo, useMemo, useState, type ReactNode } from "react";
import { navRowFocusClass, navRowProps } from "../lib/keyboard";
import { sortRows, type SortOrder } from "../lib/table-sort";
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
  /** Long text (lists of names, messages) wraps inside the column instead of being cut or widening the table. */
  wrap?: boolean;
  /** Left out below the md breakpoint, so that a phone shows the important columns first. */
  phoneHidden?: boolean;
  /** Tables without a `sort` sort themselves by this value when its header is clicked. */
  sortValue?: (row: Row) => string | number | null | undefined;
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

const PHONE_HIDDEN = "hidden md:table-cell";
const WRAP = "min-w-40 whitespace-normal break-words";

/** Tables longer than this scroll inside a frame of their own, so that their sticky header stays in view. */
const FRAMED_ROWS = 25;

function columnClass<Row, Key extends string>(column: DataColumn<Row, Key>): string {
  return `${column.phoneHidden ? PHONE_HIDDEN : ""} ${column.wrap ? WRAP : ""}`;
}

interface RowProps<Row, Key extends string> {
  row: Row;
  columns: readonly DataColumn<Row, Key>[];
  navigable: boolean;
  testId: string | undefined;
  cellClass: string;
  nowrap: boolean;
}

function DataRowInner<Row, Key extends string>({
  row,
  columns,
  navigable,
  testId,
  cellClass,
  nowrap,
}: RowProps<Row, Key>) {
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
          className={`${cellClass} ${nowrap && !column.wrap ? "whitespace-nowrap" : ""} ${alignClass(column.align)} ${columnClass(column)} ${typeof column.className === "function" ? column.className(row) : (column.className ?? "")}`}
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
  const cellClass = `${padding} ${verticalAlign === "top" ? "align-top" : ""}`;
  // A table the page does not sort sorts itself by the columns that give a sort value.
  const [localSort, setLocalSort] = useState<{ label: string; order: SortOrder } | null>(null);
  const localColumn = localSort && columns.find((column) => column.label === localSort.label);
  const shownRows = useMemo(
    () =>
      localColumn?.sortValue && localSort
        ? sortRows(rows, { key: "value", order: localSort.order }, (row) => localColumn.sortValue?.(row))
        : rows,
    [rows, localColumn, localSort],
  );
  const framed = rows.length > FRAMED_ROWS;
  return (
    <div
      className={`${framed ? "max-h-[75vh] overflow-auto" : "overflow-x-auto"} rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900`}
    >
      <table className="w-full text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="sticky top-0 z-10 bg-slate-100 text-slate-700 shadow-[0_1px_0_0] shadow-slate-200 dark:bg-slate-800 dark:text-slate-300 dark:shadow-slate-700">
          <tr>
            {columns.map((column) => {
              const sortKey = column.sortKey;
              const extra = column.phoneHidden ? PHONE_HIDDEN : "";
              if (sort && sortKey !== undefined) {
                return (
                  <SortHeader
                    key={column.label}
                    label={column.label}
                    align={column.align}
                    active={sort.key === sortKey}
                    order={sort.order}
                    onSort={() => sort.onSort(sortKey)}
                    className={extra}
                  />
                );
              }
              if (!sort && column.sortValue) {
                const active = localSort?.label === column.label;
                return (
                  <SortHeader
                    key={column.label}
                    label={column.label}
                    align={column.align}
                    active={active}
                    order={localSort?.order ?? "desc"}
                    onSort={() =>
                      setLocalSort({
                        label: column.label,
                        order: active && localSort.order === "desc" ? "asc" : "desc",
                      })
                    }
                    className={extra}
                  />
                );
              }
              return (
                <th
                  key={column.label}
                  scope="col"
                  className={`${padding} font-medium ${column.align === "right" ? "text-right" : "text-left"} ${extra}`}
                >
                  {column.label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {shownRows.map((row) => (
            <DataRow
              key={rowKey(row)}
              row={row}
              columns={columns}
              navigable={navigable}
              testId={rowTestId?.(row)}
              cellClass={cellClass}
              nowrap={nowrap}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
