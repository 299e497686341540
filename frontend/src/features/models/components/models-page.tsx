import { lazy, Suspense, useMemo } from "react";
import type { ModelStats } from "../../../api/types";
import { PageHeader, Section } from "../../../components/page-header";
import { LoadingState, QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { DataTable, type DataColumn } from "../../../components/data-table";
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
  {
    label: "Agents",
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
