import { formatDay } from "../lib/format";

export interface TrendPoint {
  date: string;
  value: number | null | undefined;
}

const WIDTH = 200;
const HEIGHT = 60;

/**
 * A daily line with its scale: the value axis's bounds on the left, the first and last day below. Days without a
 * value leave a gap rather than dropping to zero. SVG, so that no chart library loads for a score card.
 */
export function TrendChart({
  points,
  label,
  formatValue,
}: {
  points: TrendPoint[];
  label: string;
  formatValue: (value: number) => string;
}) {
  const values = points.map((point) =>
    typeof point.value === "number" && Number.isFinite(point.value) ? point.value : null,
  );
  const known = values.filter((value): value is number => value !== null);
  if (points.length < 2 || known.length === 0) return null;
  let low = Math.min(...known);
  let high = Math.max(...known);
  if (low === high) {
    low -= 1;
    high += 1;
  }
  const step = WIDTH / (points.length - 1);
  const y = (value: number) => HEIGHT - 2 - ((value - low) / (high - low)) * (HEIGHT - 4);
  let path = "";
  values.forEach((value, index) => {
    if (value === null) return;
    const command = index > 0 && values[index - 1] !== null ? "L" : "M";
    path += `${command}${(index * step).toFixed(1)},${y(value).toFixed(1)} `;
  });
  const lone = values
    .map((value, index) => ({ value, index }))
    .filter(
      ({ value, index }) =>
        value !== null && (values[index - 1] ?? null) === null && (values[index + 1] ?? null) === null,
    );
  return (
    <figure className="text-[10px] text-slate-600 tabular-nums dark:text-slate-400">
      <div className="flex gap-1">
        <div className="flex w-10 shrink-0 flex-col justify-between text-right" aria-hidden="true">
          <span>{formatValue(high)}</span>
          <span>{formatValue(low)}</span>
        </div>
        <svg
          role="img"
          aria-label={`${label}: from ${formatValue(Math.min(...known))} to ${formatValue(Math.max(...known))}`}
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          preserveAspectRatio="none"
          className="h-16 min-w-0 flex-1 border-b border-l border-slate-300 text-indigo-500 dark:border-slate-600"
        >
          <line x1="0" x2={WIDTH} y1={HEIGHT / 2} y2={HEIGHT / 2} stroke="currentColor" strokeOpacity="0.15" />
          <path d={path} fill="none" stroke="currentColor" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
          {lone.map(({ value, index }) => (
            <circle key={index} cx={index * step} cy={y(value!)} r="1.5" fill="currentColor" />
          ))}
        </svg>
      </div>
      <figcaption className="mt-0.5 ml-11 flex justify-between">
        <span>{formatDay(points[0]!.date)}</span>
        <span className="sr-only">{label}</span>
        <span>{formatDay(points[points.length - 1]!.date)}</span>
      </figcaption>
    </figure>
  );
}
