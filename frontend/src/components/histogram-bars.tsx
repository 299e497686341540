import { formatCompact } from "../lib/format";

export interface HistogramBarsBin {
  from: number;
  to: number;
  count: number;
}

/** Bars of a histogram with both scales (counts on the left, bounds below), each bin's range and count in its hover title and in a screen-reader list. */
export function HistogramBars({
  bins,
  label,
  formatBound,
  countLabel = "count",
}: {
  bins: HistogramBarsBin[];
  label: string;
  formatBound: (value: number) => string;
  /** What a bar counts, named on the count axis ("sessions", "scores"). */
  countLabel?: string;
}) {
  if (bins.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No values.</p>;
  const max = Math.max(1, ...bins.map((bin) => bin.count));
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
          <span>{countLabel}</span>
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
              title={`${formatBound(bin.from)} – ${formatBound(bin.to)}: ${bin.count}`}
              className="flex-1 rounded-t bg-indigo-500"
              style={{ height: `${bin.count === 0 ? 0 : Math.max(2, (bin.count / max) * 100)}%` }}
            />
          ))}
        </div>
      </div>
      <figcaption className="mt-1 ml-11 flex justify-between text-xs text-slate-600 tabular-nums dark:text-slate-400">
        <span>{formatBound(bins[0]!.from)}</span>
        {middle && <span aria-hidden="true">{formatBound(middle.from)}</span>}
        <span>{formatBound(bins[bins.length - 1]!.to)}</span>
      </figcaption>
      <ul className="sr-only" aria-label={`${label}, per bin`}>
        {bins.map((bin, index) => (
          <li key={index}>
            {formatBound(bin.from)} to {formatBound(bin.to)}: {bin.count}
          </li>
        ))}
      </ul>
    </figure>
  );
}
