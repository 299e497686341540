import { Link, useSearchParams } from "react-router";
import type { DistributionMetric } from "../../../api/types";
import { HistogramBars } from "../../../components/histogram-bars";
import { PageHeader } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { formatDuration, formatInteger, formatMean, formatUsd } from "../../../lib/format";
import { navRowFocusClass, navRowProps } from "../../../lib/keyboard";
import { viewSearch } from "../../../lib/view-search";
import { useDocumentTitle } from "../../../lib/use-document-title";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useSessionDistributions } from "../api/get-session-distributions";

const METRICS: Record<
  string,
  {
    title: string;
    outliers: string;
    /** What the histogram's x axis measures. */
    axis: string;
    format: (value: number) => string;
    formatMean?: (value: number) => string;
  }
> = {
  totalCost: { title: "Cost per session", outliers: "Costliest sessions", axis: "cost (USD)", format: formatUsd },
  durationMs: { title: "Duration per session", outliers: "Longest sessions", axis: "duration", format: formatDuration },
  traces: {
    title: "Traces (turns) per session",
    outliers: "Most turns",
    axis: "turns (traces)",
    format: formatInteger,
    formatMean,
  },
  errors: {
    title: "Errors per session",
    outliers: "Most errors",
    axis: "errors",
    format: formatInteger,
    formatMean,
  },
};

function describe(metric: DistributionMetric) {
  return (
    METRICS[metric.metric] ?? { title: metric.metric, outliers: "Outliers", axis: metric.metric, format: formatInteger }
  );
}

function MetricCard({ metric, linkSearch }: { metric: DistributionMetric; linkSearch: string }) {
  const { title, outliers, axis, format, formatMean: showMean = format } = describe(metric);
  const show = (value: number | null | undefined, label: string) =>
    value === null || value === undefined ? "—" : label === "Mean" ? showMean(value) : format(value);
  const figures: [string, number | null | undefined][] = [
    ["Min", metric.min],
    ["Mean", metric.mean],
    ["p50", metric.p50],
    ["p90", metric.p90],
    ["p95", metric.p95],
    ["p99", metric.p99],
    ["Max", metric.max],
  ];
  return (
    <section
      aria-label={title}
      data-testid={`distribution-${metric.metric}`}
      className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
    >
      <h2 className="mb-3 font-semibold">{title}</h2>
      <dl className="mb-4 grid grid-cols-4 gap-2 text-sm md:grid-cols-7">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt className="text-xs text-slate-600 dark:text-slate-400">{label}</dt>
            <dd className="font-medium tabular-nums" data-testid={`${metric.metric}-${label.toLowerCase()}`}>
              {show(value, label)}
            </dd>
          </div>
        ))}
      </dl>
      <HistogramBars
        bins={metric.histogram ?? []}
        label={`${title}, histogram`}
        formatBound={format}
        integer={metric.integerValued}
        axisLabel={`Sessions by ${axis}`}
        countLabel="sessions"
      />
      <h3 className="mt-4 mb-1 text-sm font-medium">{outliers}</h3>
      <ol aria-label={outliers} className="text-sm">
        {(metric.outliers ?? []).map((outlier) => (
          <li
            key={outlier.id}
            {...navRowProps}
            className={`flex justify-between gap-2 rounded px-1 ${navRowFocusClass}`}
          >
            <Link
              to={{ pathname: `/sessions/${encodeURIComponent(outlier.id)}`, search: linkSearch }}
              className="truncate font-mono text-xs text-indigo-700 underline dark:text-indigo-300"
              title={outlier.id}
            >
              {outlier.id}
            </Link>
            <span className="tabular-nums">{format(outlier.value)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function DistributionsPage() {
  useDocumentTitle("Distributions");
  const [params] = useSearchParams();
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const distributions = useSessionDistributions(range, environments);
  const linkSearch = viewSearch(params);
  return (
    <>
      <PageHeader
        title="Distributions"
        subtitle="How cost, duration, turns and errors spread over the sessions of the range."
        actions={<RangePicker />}
      />
      <QueryContent
        query={distributions}
        isEmpty={(data) => data.sessions === 0}
        empty="No sessions started in this range."
        loadingLabel="Loading distributions…"
      >
        {(data) => (
          <>
            <p className="mb-3 text-sm text-slate-600 dark:text-slate-400" data-testid="distribution-sessions">
              Over {formatInteger(data.sessions)} sessions
            </p>
            <div className="grid gap-4 xl:grid-cols-2">
              {(data.metrics ?? []).map((metric) => (
                <MetricCard key={metric.metric} metric={metric} linkSearch={linkSearch} />
              ))}
            </div>
          </>
        )}
      </QueryContent>
    </>
  );
}
