import { useSearchParams } from "react-router";
import { CsvLink } from "../../../components/csv-link";
import { PageHeader } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { viewSearch } from "../../../lib/view-search";
import { useTableSort } from "../../../lib/table-sort";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { agentsCsvUrl, useAgents } from "../../../api/get-agents";
import { AGENT_SORT_KEYS, AgentsTable, DEFAULT_AGENT_SORT } from "./agents-table";
import { useDocumentTitle } from "../../../lib/use-document-title";

export function AgentsPage() {
  useDocumentTitle("Agents");
  const [params] = useSearchParams();
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const agents = useAgents(range, environments);
  const { sort, toggle } = useTableSort(AGENT_SORT_KEYS, DEFAULT_AGENT_SORT);
  return (
    <>
      <PageHeader
        title="Agents"
        subtitle="Cost, volume, latency and errors of each agent."
        actions={
          <>
            <RangePicker />
            <CsvLink href={agentsCsvUrl(range, environments)} />
          </>
        }
      />
      <QueryContent
        query={agents}
        loadingLabel="Loading agents…"
        isEmpty={(data) => (data.items ?? []).length === 0}
        empty="No agent activity in this range."
      >
        {(data) => <AgentsTable agents={data.items} sort={sort} onSort={toggle} linkSearch={viewSearch(params)} />}
      </QueryContent>
    </>
  );
}
