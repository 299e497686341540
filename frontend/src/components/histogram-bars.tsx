import { formatCompact } from "../lib/format";

export interface HistogramBarsBin {
  from: number;
  to: number;
  count: number;
}

/** Most value labels under the bars of whole-number bins; more would overlap. */
const MAX_TICKS = 6;

/**
 * A whole-number bin's values: `from` ≤ value < `to`, so `[3, 4)` is "3" and `[3, 6)` is "3–5".
 */
export function integerBinLabel(bin: HistogramBarsBin, format: (value: number) => string): string {
  const last = bin.to - 1;
  return last <= bin.from ? format(bin.from) : `${format(bin.from)}–${format(last)}`;
}

/**
 * The bins labelled under the axis: evenly spaced, always the first and the last. A label that would sit less than
 * a step before the last gives way to it: side by side, "64–67" and "68–71" ran into each other.
 */
export function tickedBins(count: number, maxTicks: number = MAX_TICKS): Set<number> {
  if (count <= maxTicks) return new Set(Array.from({ length: count }, (_, index) => index));
  const step = Math.ceil((count - 1) / (maxTicks - 1));
  const ticks = new Set<number>();
  for (let index = 0; index <= count - 1 - step; index += step) ticks.add(index);
  ticks.add(count - 1);
  return ticks;
}

/**
 * Bars of a histogram with both scales: counts on the left (`countLabel` names what a bar counts), values below.
 * Whole-number bins (`integer`) are labelled by the values they hold; others by their bounds. Each bin's range and
 * count is in its hover title and in a screen-reader list; `axisLabel` names what the x axis measures.
 */
export function HistogramBars({
  bins,
  label,
  formatBound,
  integer = false,
  axisLabel,
  countLabel,
}: {
  bins: HistogramBarsBin[];
  label: string;
  formatBound: (value: number) => string;
  integer?: boolean;
  axisLabel?: string;
  /** What a bar counts, named on the count axis ("sessions", "scores"). */
  countLabel?: string;
}) {
  if (bins.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No values.</p>;
  const max = Math.max(1, ...bins.map((bin) => bin.count));
  const range = (bin: HistogramBarsBin) =>
    integer ? integerBinLabel(bin, formatBound) : `${formatBound(bin.from)} – ${formatBound(bin.to)}`;
  const counted = (count: number) => (countLabel ? `${count} ${countLabel}` : String(count));
  const ticks = tickedBins(bins.length);
  // The axis's midpoint falls on a bin boundary only for an even number of (equally wide) bars.
  const middle = bins.length % 2 === 0 && bins.length > 2 ? bins[bins.length / 2]! : null;
  return (
    <figure className="w-full">
      <div className="flex gap-1">
        <div
          className="flex w-10 shrink-0 flex-col justify-between text-right text-[10px] text-slate-600 tabular-nums dark:text-slate-400"
          aria-hidden="true"
          data-testid="histogram-count-axis"
        >
          <span>{formatCompact(max)}</span>
          <span>{countLabel ?? "count"}</span>
          <span>0</span>
        </div>
        <div
          role="img"
          aria-label={label}
          className="relative flex h-24 min-w-0 flex-1 items-end gap-px border-b border-l border-slate-300 dark:border-slate-600"
        >
          <span
            className="pointer-events-none absolute inset-x-0 top-1/2 border-t border-dashed border-slate-300/60 dark:border-slate-600/60"
            aria-hidden="true"
          />
          {bins.map((bin, index) => (
            <span
              key={index}
              title={`${range(bin)}: ${counted(bin.count)}`}
              className="flex-1 rounded-t bg-indigo-500"
              style={{ height: `${bin.count === 0 ? 0 : Math.max(2, (bin.count / max) * 100)}%` }}
            />
          ))}
        </div>
      </div>
      {integer ? (
        <div
          aria-hidden="true"
          className="mt-1 ml-11 flex gap-px text-xs text-slate-600 tabular-nums dark:text-slate-400"
        >
          {bins.map((bin, index) => (
            <span
              key={index}
              data-testid="histogram-tick"
              className="flex-1 overflow-visible text-center whitespace-nowrap"
            >
              {ticks.has(index) ? range(bin) : ""}
            </span>
          ))}
        </div>
      ) : (
        <div className="mt-1 ml-11 flex justify-between text-xs text-slate-600 tabular-nums dark:text-slate-400">
          <span>{formatBound(bins[0]!.from)}</span>
          {middle && <span aria-hidden="true">{formatBound(middle.from)}</span>}
          <span>{formatBound(bins[bins.length - 1]!.to)}</span>
        </div>
      )}
      {axisLabel && (
        <figcaption className="mt-0.5 ml-11 text-center text-xs text-slate-600 dark:text-slate-400">
          {axisLabel}
        </figcaption>
      )}
      <ul className="sr-only" aria-label={`${label}, per bin`}>
        {bins.map((bin, index) => (
          <li key={index}>
            {integer ? range(bin) : `${formatBound(bin.from)} to ${formatBound(bin.to)}`}: {counted(bin.count)}
          </li>
        ))}
      </ul>
    </figure>
  );
}
