import { lazy, Suspense, type ReactNode } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import type { AgentDetail, ModelMixEntry } from "../../../api/types";
import { DataTable, type DataColumn } from "../../../components/data-table";
import { ApiError } from "../../../api/http-client";
import { PageHeader, Section } from "../../../components/page-header";
import { EmptyState, LoadingState, QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { formatCompact, formatDuration, formatInteger, formatPercent, formatUsd } from "../../../lib/format";
import { viewSearch } from "../../../lib/view-search";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { SessionsTable } from "../../../components/sessions-table";
import { useAgent } from "../api/get-agent";
import { useScores } from "../../../api/get-scores";
import { ScoreSummaries } from "../../../components/score-summaries";
import { SessionCount } from "../../../components/session-count";
import { useDocumentTitle } from "../../../lib/use-document-title";

const DailyCharts = lazy(() =>
  import("../../../components/charts/daily-charts").then((m) => ({ default: m.DailyCharts })),
);

function AgentFacts({ agent }: { agent: AgentDetail }) {
  const facts: [string, ReactNode][] = [
    ["Sessions", <SessionCount key="sessions" sessions={agent.sessions} traces={agent.traces} />],
    ["Traces", formatInteger(agent.traces)],
    ["LLM calls", formatInteger(agent.generations)],
    ["Tokens", formatCompact(agent.totalTokens)],
    ["Cost", formatUsd(agent.totalCost)],
    ["Latency p50", formatDuration(agent.latencyP50Ms)],
    ["Latency p95", formatDuration(agent.latencyP95Ms)],
    ["Latency p99", formatDuration(agent.latencyP99Ms)],
    ["Errors", formatInteger(agent.errors)],
    ["Error rate", formatPercent(agent.errorRate)],
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm md:grid-cols-5 dark:border-slate-800 dark:bg-slate-900">
      {facts.map(([label, value]) => (
        <div key={label}>
          <dt className="text-xs text-slate-600 dark:text-slate-400">{label}</dt>
          <dd className="font-medium tabular-nums">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function ShareBar({ share }: { share: number }) {
  return (
    <span className="flex items-center gap-2">
      <span className="h-2 w-24 rounded bg-slate-200 dark:bg-slate-700" aria-hidden="true">
        <span className="block h-2 rounded bg-indigo-500" style={{ width: `${share * 100}%` }} />
      </span>
      <span className="tabular-nums">{formatPercent(share)}</span>
    </span>
  );
}

type MixRow = ModelMixEntry & { share: number };

const MIX_COLUMNS: DataColumn<MixRow>[] = [
  {
    label: "Model",
    className: "font-mono text-xs break-all",
    wrap: true,
    sortValue: (entry) => entry.model,
    cell: (entry) => entry.model,
  },
  {
    label: "LLM calls",
    align: "right",
    sortValue: (entry) => entry.generations,
    cell: (entry) => formatInteger(entry.generations),
  },
  {
    label: "Tokens",
    align: "right",
    phoneHidden: true,
    sortValue: (entry) => entry.totalTokens,
    cell: (entry) => formatCompact(entry.totalTokens),
  },
  { label: "Cost", align: "right", sortValue: (entry) => entry.totalCost, cell: (entry) => formatUsd(entry.totalCost) },
  { label: "Share of cost", sortValue: (entry) => entry.share, cell: (entry) => <ShareBar share={entry.share} /> },
];

function ModelMix({ agent }: { agent: AgentDetail }) {
  const mix = agent.modelMix ?? [];
  if (mix.length === 0) return <EmptyState>This agent made no LLM calls in this range.</EmptyState>;
  const totalCost = mix.reduce((sum, entry) => sum + (entry.totalCost ?? 0), 0);
  const rows = mix.map((entry) => ({ ...entry, share: totalCost > 0 ? (entry.totalCost ?? 0) / totalCost : 0 }));
  return (
    <DataTable
      caption="Model mix"
      columns={MIX_COLUMNS}
      rows={rows}
      rowKey={(entry) => entry.model}
      density="comfortable"
    />
  );
}

function viewSearchWithAgent(params: URLSearchParams, agent: string): string {
  const search = new URLSearchParams(viewSearch(params));
  search.set("agent", agent);
  return `?${search.toString()}`;
}

export function AgentPage() {
  const { agentName = "" } = useParams();
  useDocumentTitle(`Agent ${agentName}`);
  const [params] = useSearchParams();
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const agent = useAgent(agentName, range, environments);
  const scores = useScores(range, environments, agentName);
  const notFound = agent.error instanceof ApiError && agent.error.isNotFound;
  const keptRange = viewSearch(params);

  return (
    <>
      <PageHeader
        title={`Agent ${agentName}`}
        subtitle={
          <>
            <Link
              to={{ pathname: "/agents", search: keptRange }}
              className="text-indigo-700 underline dark:text-indigo-300"
            >
              ← All agents
            </Link>
            {" · "}
            <Link
              to={{ pathname: "/versions", search: viewSearchWithAgent(params, agentName) }}
              className="text-indigo-700 underline dark:text-indigo-300"
            >
              Did its new version win?
            </Link>
          </>
        }
        actions={<RangePicker />}
      />
      {notFound ? (
        <p role="alert" className="text-sm">
          No agent named “{agentName}” has been seen in the synced data.
        </p>
      ) : (
        <QueryContent query={agent} loadingLabel="Loading agent…">
          {(data) => (
            <>
              <Section title="Summary">
                <AgentFacts agent={data} />
              </Section>
              <Section title={data.dailyGranularity === "hour" ? "Per hour (UTC)" : "Per day (UTC)"}>
                {(data.daily ?? []).length === 0 ? (
                  <EmptyState>No activity in this range.</EmptyState>
                ) : (
                  <Suspense fallback={<LoadingState label="Loading chart…" />}>
                    <DailyCharts days={data.daily} granularity={data.dailyGranularity} />
                  </Suspense>
                )}
              </Section>
              <Section title="Scores">
                <QueryContent
                  query={scores}
                  isEmpty={(list) => (list.items ?? []).length === 0}
                  empty="No scores for this agent in this range."
                  loadingLabel="Loading scores…"
                >
                  {(list) => <ScoreSummaries scores={list.items} />}
                </QueryContent>
              </Section>
              <Section title="Model mix">
                <ModelMix agent={data} />
              </Section>
              <Section
                title="Recent sessions"
                actions={
                  <Link
                    to={{ pathname: "/sessions", search: viewSearchWithAgent(params, agentName) }}
                    className="text-sm text-indigo-700 underline dark:text-indigo-300"
                  >
                    All sessions of this agent
                  </Link>
                }
              >
                {(data.recentSessions ?? []).length === 0 ? (
                  <EmptyState>No sessions in this range.</EmptyState>
                ) : (
                  <SessionsTable
                    sessions={data.recentSessions}
                    caption={`Recent sessions of ${agentName}`}
                    linkSearch={keptRange}
                  />
                )}
              </Section>
            </>
          )}
        </QueryContent>
      )}
    </>
  );
}
