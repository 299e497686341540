import { PageHeader, Section } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { formatInteger, formatUsd } from "../../../lib/format";
import { navRowFocusClass, navRowProps } from "../../../lib/keyboard";
import { useDocumentTitle } from "../../../lib/use-document-title";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useScores } from "../../../api/get-scores";
import { ScoreSummaries } from "../../../components/score-summaries";
import { useOutcomes } from "../api/get-outcomes";

const head = "px-3 py-2 font-medium";
const cell = "px-3 py-2";
const numberCell = `${cell} text-right tabular-nums`;

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
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
              <table className="w-full text-sm">
                <caption className="sr-only">Cost per outcome</caption>
                <thead className="bg-slate-100 text-left text-slate-700 dark:bg-slate-800 dark:text-slate-300">
                  <tr>
                    <th scope="col" className={head}>
                      Score
                    </th>
                    <th scope="col" className={head}>
                      Value
                    </th>
                    <th scope="col" className={`${head} text-right`}>
                      Sessions
                    </th>
                    <th scope="col" className={`${head} text-right`}>
                      Total cost
                    </th>
                    <th scope="col" className={`${head} text-right`}>
                      Cost per session
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((outcome) => (
                    <tr
                      key={`${outcome.name}=${outcome.value}`}
                      {...navRowProps}
                      data-testid={`outcome-${outcome.name}-${outcome.value}`}
                      className={`border-t border-slate-200 dark:border-slate-800 ${navRowFocusClass}`}
                    >
                      <td className={`${cell} font-mono text-xs`}>{outcome.name}</td>
                      <td className={`${cell} font-mono text-xs`}>{outcome.value}</td>
                      <td className={numberCell}>{formatInteger(outcome.sessions)}</td>
                      <td className={numberCell}>{formatUsd(outcome.totalCost)}</td>
                      <td className={numberCell} data-testid="cost-per-session">
                        {formatUsd(outcome.costPerSession)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
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
