import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ModelSeries } from "../../../api/types";
import { formatCompact, formatDay, formatInteger, formatUsd } from "../../../lib/format";

// Kept in its own module: it pulls in Recharts, which the first paint does not need.

export const TREND_METRICS = {
  totalCost: { label: "Cost", format: formatUsd, integer: false },
  generations: { label: "LLM calls", format: formatInteger, integer: true },
  totalTokens: { label: "Tokens", format: formatCompact, integer: true },
} as const;
export type TrendMetric = keyof typeof TREND_METRICS;

const COLORS = ["#4f46e5", "#0891b2", "#d97706", "#16a34a", "#db2777", "#7c3aed", "#dc2626", "#0d9488", "#ca8a04"];

/** One row per day with each model's figure under its name, in the days' order. */
export function trendRows(series: readonly ModelSeries[], metric: TrendMetric): Record<string, string | number>[] {
  const rows = new Map<string, Record<string, string | number>>();
  for (const model of series) {
    for (const point of model.points ?? []) {
      const row = rows.get(point.date) ?? { date: point.date };
      row[model.model] = point[metric];
      rows.set(point.date, row);
    }
  }
  return [...rows.values()].sort((a, b) => String(a.date).localeCompare(String(b.date)));
}

/** Each model's figure per UTC day, stacked. */
export function ModelsTrend({ series, metric }: { series: readonly ModelSeries[]; metric: TrendMetric }) {
  const { label, format, integer } = TREND_METRICS[metric];
  const rows = trendRows(series, metric);
  return (
    <div
      className="h-64 rounded-lg border border-slate-200 bg-white p-4 text-slate-600 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400"
      role="img"
      aria-label={`${label} by model per day`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} vertical={false} />
          <XAxis
            dataKey="date"
            tickFormatter={formatDay}
            tick={{ fill: "currentColor", fontSize: 11 }}
            minTickGap={12}
          />
          <YAxis
            tickFormatter={format}
            allowDecimals={!integer}
            tick={{ fill: "currentColor", fontSize: 11 }}
            width={64}
          />
          <Tooltip
            formatter={(value, name) => [format(Number(value)), String(name)]}
            labelFormatter={(day) => `${formatDay(String(day))} (UTC)`}
            contentStyle={{ fontSize: 12 }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map((model, index) => (
            <Bar
              key={model.model}
              dataKey={model.model}
              stackId="models"
              fill={COLORS[index % COLORS.length]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
