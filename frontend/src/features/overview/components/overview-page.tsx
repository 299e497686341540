import { lazy, Suspense } from "react";
import { PageHeader, Section } from "../../../components/page-header";
import { ApiError } from "../../../api/http-client";
import { LoadingState, NoDataState, QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useAgents } from "../../../api/get-agents";
import { useModels } from "../../../api/get-models";
import { CsvLink } from "../../../components/csv-link";
import { dailyMetricsCsvUrl, useDailyMetrics } from "../api/get-daily-metrics";
import { useOverview } from "../api/get-overview";
import { OverviewKpis } from "./overview-kpis";
import { useDocumentTitle } from "../../../lib/use-document-title";

const charts = () => import("./overview-charts");
const DailyCharts = lazy(() =>
  import("../../../components/charts/daily-charts").then((m) => ({ default: m.DailyCharts })),
);
const CostByAgentChart = lazy(() => charts().then((m) => ({ default: m.CostByAgentChart })));
const CostByModelChart = lazy(() => charts().then((m) => ({ default: m.CostByModelChart })));

const chartFallback = <LoadingState label="Loading chart…" />;

export function OverviewPage() {
  useDocumentTitle("Overview");
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const overview = useOverview(range, environments);
  const daily = useDailyMetrics(range, environments);
  const agents = useAgents(range, environments);
  const models = useModels(range, environments);
  const header = (
    <PageHeader title="Overview" subtitle="What the Cupid agents did and what it cost." actions={<RangePicker />} />
  );

  // Before the first sync every section would say so: say it once.
  if ([overview, daily, agents, models].every((query) => query.error instanceof ApiError && query.error.isNoData)) {
    return (
      <>
        {header}
        <NoDataState />
      </>
    );
  }

  return (
    <>
      {header}
      <Section title="Key figures">
        <QueryContent query={overview} loadingLabel="Loading key figures…">
          {(data) => <OverviewKpis overview={data} series={daily.data} />}
        </QueryContent>
      </Section>
      <Section
        title={daily.data?.granularity === "hour" ? "Per hour (UTC)" : "Per day (UTC)"}
        actions={<CsvLink href={dailyMetricsCsvUrl(range, environments)} />}
      >
        <QueryContent
          query={daily}
          isEmpty={(data) => (data.items ?? []).length === 0}
          empty="No activity in this range."
          loadingLabel="Loading daily figures…"
        >
          {(data) => (
            <Suspense fallback={chartFallback}>
              <DailyCharts days={data.items} granularity={data.granularity} />
            </Suspense>
          )}
        </QueryContent>
      </Section>
      <div className="grid gap-4 xl:grid-cols-2">
        <Section title="By agent">
          <QueryContent
            query={agents}
            isEmpty={(data) => (data.items ?? []).length === 0}
            empty="No agent activity in this range."
          >
            {(data) => (
              <Suspense fallback={chartFallback}>
                <CostByAgentChart agents={data.items} />
              </Suspense>
            )}
          </QueryContent>
        </Section>
        <Section title="By model">
          <QueryContent
            query={models}
            isEmpty={(data) => (data.items ?? []).length === 0}
            empty="No LLM calls in this range."
          >
            {(data) => (
              <Suspense fallback={chartFallback}>
                <CostByModelChart models={data.items} />
              </Suspense>
            )}
          </QueryContent>
        </Section>
      </div>
    </>
  );
}
