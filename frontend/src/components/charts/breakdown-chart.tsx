import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface BreakdownItem {
  name: string;
  value: number;
}

export interface BreakdownChartProps {
  title: string;
  items: BreakdownItem[];
  formatValue: (value: number) => string;
  color: string;
  /** Only the largest entries are drawn; the rest are summed as "other". */
  maxBars?: number;
}

export function limitBreakdown(items: BreakdownItem[], maxBars: number): BreakdownItem[] {
  const sorted = [...items].sort((a, b) => b.value - a.value);
  if (sorted.length <= maxBars) return sorted;
  const kept = sorted.slice(0, maxBars - 1);
  const other = sorted.slice(maxBars - 1).reduce((sum, item) => sum + item.value, 0);
  return [...kept, { name: "other", value: other }];
}

/** A share of one figure (cost, tokens) by agent or model, as horizontal bars. */
export function BreakdownChart({ title, items, formatValue, color, maxBars = 10 }: BreakdownChartProps) {
  const bars = limitBreakdown(items, maxBars);
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <figcaption className="mb-2 text-sm font-medium">{title}</figcaption>
      <div
        className="text-slate-600 dark:text-slate-400"
        style={{ height: Math.max(96, bars.length * 30 + 24) }}
        role="img"
        aria-label={title}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={bars} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} horizontal={false} />
            <XAxis type="number" tickFormatter={formatValue} tick={{ fill: "currentColor", fontSize: 11 }} />
            <YAxis type="category" dataKey="name" width={120} tick={{ fill: "currentColor", fontSize: 11 }} />
            <Tooltip formatter={(value) => [formatValue(Number(value)), title]} contentStyle={{ fontSize: 12 }} />
            <Bar dataKey="value" fill={color} radius={[0, 2, 2, 0]} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
