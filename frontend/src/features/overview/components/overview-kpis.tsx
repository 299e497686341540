import type { DailyMetrics, DailyPoint, Overview } from "../../../api/types";
import { KpiCard } from "../../../components/kpi-card";
import { formatCompact, formatDuration, formatInteger, formatPercent, formatUsd } from "../../../lib/format";

type DailySeriesOf = (day: DailyPoint) => number;

/** Which figure of the series each card draws as its sparkline (latency has no series). */
const DAILY_SERIES: Record<string, DailySeriesOf> = {
  sessions: (day) => day.sessions,
  traces: (day) => day.traces,
  generations: (day) => day.generations,
  cost: (day) => day.totalCost,
  tokens: (day) => day.totalTokens,
  "error-rate": (day) => (day.observations > 0 ? day.errors / day.observations : 0),
};

export function OverviewKpis({ overview, series }: { overview: Overview; series?: DailyMetrics }) {
  const previous = overview.previous ?? null;
  // A previous period the daemon never synced would read as growth from nothing.
  const noDataBefore = previous && !overview.previousCovered ? overview.dataFrom : null;
  const days = series?.items;
  const cards = [
    {
      name: "sessions",
      label: "Sessions",
      value: formatInteger(overview.sessions),
      current: overview.sessions,
      before: previous?.sessions,
      upIsGood: null,
    },
    {
      name: "traces",
      label: "Traces",
      value: formatInteger(overview.traces),
      current: overview.traces,
      before: previous?.traces,
      upIsGood: null,
    },
    {
      name: "generations",
      label: "LLM calls",
      value: formatInteger(overview.generations),
      current: overview.generations,
      before: previous?.generations,
      upIsGood: null,
    },
    {
      name: "cost",
      label: "Cost",
      value: formatUsd(overview.totalCost),
      current: overview.totalCost,
      before: previous?.totalCost,
      upIsGood: false,
    },
    {
      name: "tokens",
      label: "Tokens",
      value: formatCompact(overview.totalTokens),
      current: overview.totalTokens,
      before: previous?.totalTokens,
      upIsGood: null,
    },
    {
      name: "error-rate",
      label: "Error rate",
      value: formatPercent(overview.errorRate),
      current: overview.errorRate,
      before: previous?.errorRate,
      upIsGood: false,
    },
    {
      name: "latency-p50",
      label: "Latency p50",
      value: formatDuration(overview.latencyP50Ms),
      current: overview.latencyP50Ms,
      before: previous?.latencyP50Ms,
      upIsGood: false,
    },
    {
      name: "latency-p95",
      label: "Latency p95",
      value: formatDuration(overview.latencyP95Ms),
      current: overview.latencyP95Ms,
      before: previous?.latencyP95Ms,
      upIsGood: false,
    },
  ] as const;
  return (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
      {cards.map((card) => (
        <KpiCard
          key={card.name}
          name={card.name}
          label={card.label}
          value={card.value}
          current={card.current}
          previous={card.before}
          upIsGood={card.upIsGood}
          series={days && DAILY_SERIES[card.name] ? days.map(DAILY_SERIES[card.name]!) : undefined}
          seriesGrain={series?.granularity === "hour" ? "hourly" : "daily"}
          noDataBefore={noDataBefore}
        />
      ))}
    </div>
  );
}
