/** A tiny line of a daily series, drawn as SVG so no chart library loads for it. */
export function Sparkline({
  values,
  label,
  className = "h-6 w-24 text-indigo-500",
}: {
  values: (number | null | undefined)[];
  label: string;
  className?: string;
}) {
  const points = values.map((value) => (typeof value === "number" && Number.isFinite(value) ? value : 0));
  if (points.length === 0) return null;
  const width = 100;
  const height = 24;
  const max = Math.max(...points);
  const min = Math.min(0, ...points);
  const span = max - min || 1;
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const path = points
    .map((value, index) => {
      const x = points.length > 1 ? index * step : width / 2;
      const y = height - 1 - ((value - min) / span) * (height - 2);
      return `${index === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  return (
    <svg
      role="img"
      aria-label={label}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      className={className}
      data-points={points.join(",")}
    >
      <path d={path} fill="none" stroke="currentColor" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
