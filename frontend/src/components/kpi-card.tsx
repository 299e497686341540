import { formatChange } from "../lib/format";

export interface KpiCardProps {
  name: string;
  label: string;
  value: string;
  current: number | null | undefined;
  previous: number | null | undefined;
  /** Colours the change: up is good for volume, bad for cost, errors and latency. */
  upIsGood?: boolean | null;
}

export function KpiCard({ name, label, value, current, previous, upIsGood = null }: KpiCardProps) {
  const change = formatChange(current, previous);
  const good =
    upIsGood === null || change.direction === "flat" || change.direction === "unknown"
      ? null
      : (change.direction === "up") === upIsGood;
  const tone =
    good === null
      ? "text-slate-600 dark:text-slate-400"
      : good
        ? "text-emerald-700 dark:text-emerald-400"
        : "text-red-700 dark:text-red-400";
  const arrow = change.direction === "up" ? "▲" : change.direction === "down" ? "▼" : "";
  return (
    <div
      data-testid={`kpi-${name}`}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <p className="text-sm text-slate-600 dark:text-slate-400">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums">{value}</p>
      <p className={`mt-1 text-xs tabular-nums ${tone}`}>
        {arrow && <span aria-hidden="true">{arrow} </span>}
        {change.label} <span className="text-slate-500 dark:text-slate-400">vs previous period</span>
      </p>
    </div>
  );
}
