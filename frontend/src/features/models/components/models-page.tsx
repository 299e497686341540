import { lazy, Suspense, useMemo, useState } from "react";
import type { ModelStats } from "../../../api/types";
import { CsvLink } from "../../../components/csv-link";
import { PageHeader, Section } from "../../../components/page-header";
import { LoadingState, QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { DataTable, type DataColumn } from "../../../components/data-table";
import { formatCompact, formatDuration, formatInteger, formatUsd } from "../../../lib/format";
import { sortRows, useTableSort, type TableSort } from "../../../lib/table-sort";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { modelsCsvUrl, useModels } from "../../../api/get-models";
import type { EnvironmentFilter } from "../../../lib/environment-filter";
import type { ResolvedRange } from "../../../lib/time-range";
import { useModelDaily } from "../api/get-model-daily";
import type { TrendMetric } from "./models-trend";
import { useDocumentTitle } from "../../../lib/use-document-title";

const ModelsCharts = lazy(() => import("./models-charts").then((m) => ({ default: m.ModelsCharts })));
const ModelsTrend = lazy(() => import("./models-trend").then((m) => ({ default: m.ModelsTrend })));

const TREND_CHOICES: [TrendMetric, string][] = [
  ["totalCost", "Cost"],
  ["generations", "LLM calls"],
  ["totalTokens", "Tokens"],
];

/** The costliest models per UTC day, with a choice of figure. */
function ModelsTrendSection({ range, environments }: { range: ResolvedRange; environments: EnvironmentFilter }) {
  const trend = useModelDaily(range, environments);
  const [metric, setMetric] = useState<TrendMetric>("totalCost");
  const choices = (
    <div role="group" aria-label="Trend figure" className="flex text-sm">
      {TREND_CHOICES.map(([choice, label], index) => (
        <button
          key={choice}
          type="button"
          aria-pressed={metric === choice}
          onClick={() => setMetric(choice)}
          className={`border border-slate-300 px-3 py-1.5 dark:border-slate-700 ${index === 0 ? "rounded-l-md" : "-ml-px"} ${
            index === TREND_CHOICES.length - 1 ? "rounded-r-md" : ""
          } ${
            metric === choice
              ? "bg-indigo-600 font-medium text-white"
              : "bg-white hover:bg-slate-100 dark:bg-slate-900 dark:hover:bg-slate-800"
          }`}
        >
          {label}
        </button>
      ))}
    </div>
  );
  return (
    <Section title="Daily trend" actions={choices}>
      <QueryContent
        query={trend}
        loadingLabel="Loading the daily trend…"
        isEmpty={(data) => (data.items ?? []).length === 0}
        empty="No LLM calls in this range."
      >
        {(data) => (
          <>
            <Suspense fallback={<LoadingState label="Loading chart…" />}>
              <ModelsTrend series={data.items} metric={metric} />
            </Suspense>
            {data.total > data.items.length && (
              <p className="mt-1 text-xs text-slate-600 dark:text-slate-400" data-testid="models-trend-cut">
                The {formatInteger(data.items.length)} costliest of {formatInteger(data.total)} models.
              </p>
            )}
          </>
        )}
      </QueryContent>
    </Section>
  );
}

const MODEL_SORT_KEYS = [
  "model",
  "generations",
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "totalCost",
  "latencyP50Ms",
  "latencyP95Ms",
] as const;
type ModelSortKey = (typeof MODEL_SORT_KEYS)[number];
const DEFAULT_MODEL_SORT: TableSort<ModelSortKey> = { key: "totalCost", order: "desc" };

type Column = DataColumn<ModelStats, ModelSortKey>;

const COLUMNS: Column[] = [
  { label: "Model", sortKey: "model", className: "font-mono text-xs", cell: (m) => m.model },
  { label: "LLM calls", sortKey: "generations", align: "right", cell: (m) => formatInteger(m.generations) },
  {
    label: "Input tokens",
    sortKey: "inputTokens",
    align: "right",
    phoneHidden: true,
    cell: (m) => formatCompact(m.inputTokens),
  },
  {
    label: "Output tokens",
    sortKey: "outputTokens",
    align: "right",
    phoneHidden: true,
    cell: (m) => formatCompact(m.outputTokens),
  },
  { label: "Tokens", sortKey: "totalTokens", align: "right", cell: (m) => formatCompact(m.totalTokens) },
  { label: "Cost", sortKey: "totalCost", align: "right", cell: (m) => formatUsd(m.totalCost) },
  { label: "p50", sortKey: "latencyP50Ms", align: "right", cell: (m) => formatDuration(m.latencyP50Ms) },
  { label: "p95", sortKey: "latencyP95Ms", align: "right", cell: (m) => formatDuration(m.latencyP95Ms) },
  // Left out on a phone: wrapped past the phone's edge, it made every row many lines tall around one
  // line of figures.
  {
    label: "Agents",
    phoneHidden: true,
    wrap: true,
    className: "max-w-72",
    cell: (m) => (m.agents ?? []).join(", ") || "—",
  },
];

function ModelsTable({ models }: { models: ModelStats[] }) {
  const { sort, toggle } = useTableSort(MODEL_SORT_KEYS, DEFAULT_MODEL_SORT);
  const rows = useMemo(() => sortRows(models, sort, (model, key) => model[key]), [models, sort]);
  return (
    <DataTable
      caption="Models"
      columns={COLUMNS}
      rows={rows}
      rowKey={(model) => model.model}
      sort={{ key: sort.key, order: sort.order, onSort: toggle }}
      density="comfortable"
    />
  );
}

export function ModelsPage() {
  useDocumentTitle("Models");
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const models = useModels(range, environments);
  return (
    <>
      <PageHeader
        title="Models"
        subtitle="Cost and tokens by model."
        actions={
          <>
            <RangePicker />
            <CsvLink href={modelsCsvUrl(range, environments)} />
          </>
        }
      />
      <QueryContent
        query={models}
        loadingLabel="Loading models…"
        isEmpty={(data) => (data.items ?? []).length === 0}
        empty="No LLM calls in this range."
      >
        {(data) => (
          <>
            <ModelsTrendSection range={range} environments={environments} />
            <Section title="Breakdown">
              <Suspense fallback={<LoadingState label="Loading chart…" />}>
                <ModelsCharts models={data.items} />
              </Suspense>
            </Section>
            <Section title="All models">
              <ModelsTable models={data.items} />
            </Section>
          </>
        )}
      </QueryContent>
    </>
  );
}
