import type { Outcome } from "../../../api/types";
import { DataTable, type DataColumn } from "../../../components/data-table";
import { PageHeader, Section } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { formatInteger, formatUsd } from "../../../lib/format";
import { useDocumentTitle } from "../../../lib/use-document-title";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useScores } from "../../../api/get-scores";
import { ScoreSummaries } from "../../../components/score-summaries";
import { useOutcomes } from "../api/get-outcomes";

const COLUMNS: DataColumn<Outcome>[] = [
  {
    label: "Score",
    className: "font-mono text-xs",
    sortValue: (outcome) => outcome.name,
    cell: (outcome) => outcome.name,
  },
  {
    label: "Value",
    className: "font-mono text-xs",
    wrap: true,
    sortValue: (outcome) => outcome.value,
    cell: (outcome) => outcome.value,
  },
  {
    label: "Sessions",
    align: "right",
    sortValue: (outcome) => outcome.sessions,
    cell: (outcome) => formatInteger(outcome.sessions),
  },
  {
    label: "Total cost",
    align: "right",
    sortValue: (outcome) => outcome.totalCost,
    cell: (outcome) => formatUsd(outcome.totalCost),
  },
  {
    label: "Cost per session",
    align: "right",
    cellTestId: "cost-per-session",
    sortValue: (outcome) => outcome.costPerSession,
    cell: (outcome) => formatUsd(outcome.costPerSession),
  },
];

export function OutcomesPage() {
  useDocumentTitle("Outcomes");
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const outcomes = useOutcomes(range, environments);
  const scores = useScores(range, environments);
  return (
    <>
      <PageHeader
        title="Outcomes"
        subtitle="Game results from the Langfuse scores, and what each result cost."
        actions={<RangePicker />}
      />
      <Section title="Cost per outcome">
        <QueryContent
          query={outcomes}
          isEmpty={(data) => (data.items ?? []).length === 0}
          empty="No session in this range carries a categorical or boolean score."
          loadingLabel="Loading outcomes…"
        >
          {(data) => (
            <DataTable
              caption="Cost per outcome"
              columns={COLUMNS}
              rows={data.items}
              rowKey={(outcome) => `${outcome.name}=${outcome.value}`}
              rowTestId={(outcome) => `outcome-${outcome.name}-${outcome.value}`}
              navigable
              density="comfortable"
            />
          )}
        </QueryContent>
      </Section>
      <Section title="Scores">
        <QueryContent
          query={scores}
          isEmpty={(data) => (data.items ?? []).length === 0}
          empty="No scores in this range."
          loadingLabel="Loading scores…"
        >
          {(data) => <ScoreSummaries scores={data.items} />}
        </QueryContent>
      </Section>
    </>
  );
}
