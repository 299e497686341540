import { formatChange, formatDay } from "../lib/format";
import { Sparkline } from "./sparkline";

export interface KpiCardProps {
  name: string;
  label: string;
  value: string;
  current: number | null | undefined;
  previous: number | null | undefined;
  /** Colours the change: up is good for volume, bad for cost, errors and latency. */
  upIsGood?: boolean | null;
  /** The figure per day (or hour) of the range, drawn as a sparkline. */
  series?: number[];
  /** "daily" or "hourly": what one point of `series` covers. */
  seriesGrain?: "daily" | "hourly";
  /**
   * Where the synced data begins, when it begins after the previous period
   * starts: the previous figure undercounts, so no change is shown.
   */
  noDataBefore?: string | null;
}

export function KpiCard({
  name,
  label,
  value,
  current,
  previous,
  upIsGood = null,
  series,
  seriesGrain = "daily",
  noDataBefore = null,
}: KpiCardProps) {
  const change = noDataBefore
    ? { label: `no data before ${formatDay(noDataBefore.slice(0, 10))}`, direction: "unknown" as const }
    : formatChange(current, previous);
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
      <div className="mt-1 flex items-end justify-between gap-2">
        <p className="text-2xl font-semibold tabular-nums">{value}</p>
        {series && series.length > 1 && <Sparkline values={series} label={`${label}, ${seriesGrain} trend`} />}
      </div>
      <p className={`mt-1 text-xs tabular-nums ${tone}`}>
        {arrow && <span aria-hidden="true">{arrow} </span>}
        {change.label}
        {!noDataBefore && <span className="text-slate-500 dark:text-slate-400"> vs previous period</span>}
      </p>
    </div>
  );
}
