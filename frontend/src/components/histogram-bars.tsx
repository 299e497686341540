export interface HistogramBarsBin {
  from: number;
  to: number;
  count: number;
}

/** Bars of a histogram, with each bin's range and count in its hover title and in a screen-reader list. */
export function HistogramBars({
  bins,
  label,
  formatBound,
}: {
  bins: HistogramBarsBin[];
  label: string;
  formatBound: (value: number) => string;
}) {
  if (bins.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No values.</p>;
  const max = Math.max(1, ...bins.map((bin) => bin.count));
  return (
    <figure className="w-full">
      <div role="img" aria-label={label} className="flex h-24 items-end gap-px">
        {bins.map((bin, index) => (
          <span
            key={index}
            title={`${formatBound(bin.from)} – ${formatBound(bin.to)}: ${bin.count}`}
            className="flex-1 rounded-t bg-indigo-500"
            style={{ height: `${bin.count === 0 ? 0 : Math.max(2, (bin.count / max) * 100)}%` }}
          />
        ))}
      </div>
      <figcaption className="mt-1 flex justify-between text-xs text-slate-600 tabular-nums dark:text-slate-400">
        <span>{formatBound(bins[0]!.from)}</span>
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
