import type { DailyMetrics, DailyPoint } from "../../api/types";
import { formatCompact, formatInteger, formatUsd } from "../../lib/format";
import { DailyChart } from "./daily-chart";

// The five series of a range, per day or per hour (the overview, an agent's page). Loaded
// lazily by its users: it pulls in Recharts, which the first paint does not need.

const DAILY_SERIES = [
  { key: "totalCost", title: "Cost", format: formatUsd, color: "#4f46e5", integer: false },
  { key: "totalTokens", title: "Tokens", format: formatCompact, color: "#0891b2", integer: true },
  { key: "sessions", title: "Sessions", format: formatInteger, color: "#059669", integer: true },
  { key: "generations", title: "LLM calls", format: formatInteger, color: "#7c3aed", integer: true },
  { key: "errors", title: "Errors", format: formatInteger, color: "#dc2626", integer: true },
] as const;

export function DailyCharts({
  days,
  granularity = "day",
}: {
  days: DailyPoint[];
  granularity?: DailyMetrics["granularity"];
}) {
  return (
    <div className="grid gap-4 xl:grid-cols-2">
      {DAILY_SERIES.map((series) => (
        <DailyChart
          key={series.key}
          title={series.title}
          color={series.color}
          integer={series.integer}
          granularity={granularity}
          formatValue={series.format}
          points={days.map((day) => ({ date: day.date, value: day[series.key] ?? 0 }))}
        />
      ))}
    </div>
  );
}
