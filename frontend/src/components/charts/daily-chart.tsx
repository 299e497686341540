import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDay } from "../../lib/format";

export interface DailyValue {
  date: string;
  value: number;
}

export interface DailyChartProps {
  title: string;
  points: DailyValue[];
  formatValue: (value: number) => string;
  color: string;
  /** Counts: the axis shows whole numbers only. */
  integer?: boolean;
  /** What one point covers: a UTC day (`date` is `YYYY-MM-DD`) or hour (`date` is its ISO start). */
  granularity?: "day" | "hour";
}

/** An hour's ISO start as "14:00", in UTC like the axis says. */
function formatHour(iso: string): string {
  return iso.slice(11, 16);
}

/** One figure per UTC day (or hour) as bars. */
export function DailyChart({
  title,
  points,
  formatValue,
  color,
  integer = false,
  granularity = "day",
}: DailyChartProps) {
  const total = points.reduce((sum, point) => sum + point.value, 0);
  const hourly = granularity === "hour";
  const unit = hourly ? "hour" : "day";
  const formatTick = hourly ? formatHour : formatDay;
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <figcaption className="mb-2 flex items-baseline justify-between text-sm">
        <span className="font-medium">{title}</span>
        <span className="text-slate-600 tabular-nums dark:text-slate-400">
          {formatValue(total)} over {points.length} {points.length === 1 ? unit : `${unit}s`}
        </span>
      </figcaption>
      <div
        className="h-48 text-slate-600 dark:text-slate-400"
        role="img"
        aria-label={`${title} per ${unit}`}
        data-points={points.length}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} vertical={false} />
            <XAxis
              dataKey="date"
              tickFormatter={formatTick}
              tick={{ fill: "currentColor", fontSize: 11 }}
              minTickGap={12}
            />
            <YAxis
              tickFormatter={formatValue}
              allowDecimals={!integer}
              tick={{ fill: "currentColor", fontSize: 11 }}
              width={64}
            />
            <Tooltip
              formatter={(value) => [formatValue(Number(value)), title]}
              labelFormatter={(label) =>
                hourly
                  ? `${formatDay(String(label).slice(0, 10))} ${formatHour(String(label))} (UTC)`
                  : `${formatDay(String(label))} (UTC)`
              }
              contentStyle={{ fontSize: 12 }}
            />
            <Bar dataKey="value" fill={color} radius={[2, 2, 0, 0]} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
