import { lazy, Suspense } from "react";
import type { ModelStats } from "../../../api/types";
import { PageHeader, Section } from "../../../components/page-header";
import { LoadingState, QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { SortHeader } from "../../../components/sort-header";
import { formatCompact, formatDuration, formatInteger, formatUsd } from "../../../lib/format";
import { sortRows, useTableSort, type TableSort } from "../../../lib/table-sort";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useModels } from "../../../api/get-models";
import { useDocumentTitle } from "../../../lib/use-document-title";

const ModelsCharts = lazy(() => import("./models-charts").then((m) => ({ default: m.ModelsCharts })));

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

const COLUMNS: { key: ModelSortKey; label: string; render: (model: ModelStats) => string }[] = [
  { key: "generations", label: "LLM calls", render: (m) => formatInteger(m.generations) },
  { key: "inputTokens", label: "Input tokens", render: (m) => formatCompact(m.inputTokens) },
  { key: "outputTokens", label: "Output tokens", render: (m) => formatCompact(m.outputTokens) },
  { key: "totalTokens", label: "Tokens", render: (m) => formatCompact(m.totalTokens) },
  { key: "totalCost", label: "Cost", render: (m) => formatUsd(m.totalCost) },
  { key: "latencyP50Ms", label: "p50", render: (m) => formatDuration(m.latencyP50Ms) },
  { key: "latencyP95Ms", label: "p95", render: (m) => formatDuration(m.latencyP95Ms) },
];

function ModelsTable({ models }: { models: ModelStats[] }) {
  const { sort, toggle } = useTableSort(MODEL_SORT_KEYS, DEFAULT_MODEL_SORT);
  const rows = sortRows(models, sort, (model, key) => model[key]);
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-sm">
        <caption className="sr-only">Models</caption>
        <thead className="bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          <tr>
            <SortHeader label="Model" active={sort.key === "model"} order={sort.order} onSort={() => toggle("model")} />
            {COLUMNS.map((column) => (
              <SortHeader
                key={column.key}
                label={column.label}
                align="right"
                active={sort.key === column.key}
                order={sort.order}
                onSort={() => toggle(column.key)}
              />
            ))}
            <th scope="col" className="px-3 py-2 text-left font-medium">
              Agents
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((model) => (
            <tr key={model.model} className="border-t border-slate-200 dark:border-slate-800">
              <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">{model.model}</td>
              {COLUMNS.map((column) => (
                <td key={column.key} className="px-3 py-2 text-right whitespace-nowrap tabular-nums">
                  {column.render(model)}
                </td>
              ))}
              <td className="max-w-64 truncate px-3 py-2" title={(model.agents ?? []).join(", ")}>
                {(model.agents ?? []).join(", ") || "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ModelsPage() {
  useDocumentTitle("Models");
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const models = useModels(range, environments);
  return (
    <>
      <PageHeader title="Models" subtitle="Cost and tokens by model." actions={<RangePicker />} />
      <QueryContent
        query={models}
        loadingLabel="Loading models…"
        isEmpty={(data) => (data.items ?? []).length === 0}
        empty="No LLM calls in this range."
      >
        {(data) => (
          <>
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
