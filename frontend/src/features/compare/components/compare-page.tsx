import type { ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import type { AgentStats } from "../../../api/types";
import { PageHeader, Section } from "../../../components/page-header";
import { CategoryShareBar } from "../../../components/category-share-bar";
import { EmptyState, QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import {
  formatCompact,
  formatDuration,
  formatInteger,
  formatPercent,
  formatScore,
  formatUsd,
} from "../../../lib/format";
import { viewSearch } from "../../../lib/view-search";
import { useDocumentTitle } from "../../../lib/use-document-title";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useAgents } from "../../../api/get-agents";
import { useAgentComparison } from "../api/get-agent-comparison";
import {
  MAX_COMPARED_AGENTS,
  parseComparedAgents,
  toggleComparedAgent,
  writeComparedAgents,
} from "../stores/compare-url-state";

type Row = [string, (agent: AgentStats) => ReactNode];

const FIXED_ROWS: Row[] = [
  ["Sessions", (agent) => formatInteger(agent.sessions)],
  ["Traces", (agent) => formatInteger(agent.traces)],
  ["LLM calls", (agent) => formatInteger(agent.generations)],
  ["Tokens", (agent) => formatCompact(agent.totalTokens)],
  ["Cost", (agent) => formatUsd(agent.totalCost)],
  ["Cost per session", (agent) => formatUsd(agent.sessions > 0 ? agent.totalCost / agent.sessions : null)],
  ["Latency p50", (agent) => formatDuration(agent.latencyP50Ms)],
  ["Latency p95", (agent) => formatDuration(agent.latencyP95Ms)],
  ["Latency p99", (agent) => formatDuration(agent.latencyP99Ms)],
  ["Errors", (agent) => formatInteger(agent.errors)],
  ["Error rate", (agent) => formatPercent(agent.errorRate)],
];

function scoreRows(agents: AgentStats[]): Row[] {
  const names = [...new Set(agents.flatMap((agent) => (agent.scores ?? []).map((score) => score.name)))].sort();
  return names.map((name) => [
    `Score ${name}`,
    (agent) => {
      const score = (agent.scores ?? []).find((entry) => entry.name === name);
      if (!score) return "—";
      if ((score.categories ?? []).length > 0)
        return <CategoryShareBar name={`${agent.agent} ${name}`} categories={score.categories} total={score.count} />;
      return `${formatScore(score.average)} (${formatInteger(score.count)})`;
    },
  ]);
}

function AgentLink({ agent, linkSearch }: { agent: string; linkSearch: string }) {
  return (
    <Link
      to={{ pathname: `/agents/${encodeURIComponent(agent)}`, search: linkSearch }}
      className="text-indigo-700 underline dark:text-indigo-300"
    >
      {agent}
    </Link>
  );
}

/** Wide screens: a figure per row, an agent per column. */
function ComparisonTable({ agents, rows, linkSearch }: { agents: AgentStats[]; rows: Row[]; linkSearch: string }) {
  return (
    <div className="hidden overflow-x-auto rounded-lg border border-slate-200 bg-white sm:block dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-sm">
        <caption className="sr-only">Agents side by side</caption>
        <thead className="bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          <tr>
            <th scope="col" className="px-3 py-2 text-left font-medium">
              Figure
            </th>
            {agents.map((agent) => (
              <th key={agent.agent} scope="col" className="px-3 py-2 text-right font-medium">
                <AgentLink agent={agent.agent} linkSearch={linkSearch} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label} className="border-t border-slate-200 dark:border-slate-800">
              <th scope="row" className="px-3 py-2 text-left font-normal text-slate-700 dark:text-slate-300">
                {label}
              </th>
              {agents.map((agent) => (
                <td key={agent.agent} className="px-3 py-2 text-right tabular-nums">
                  {value(agent)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Phones: a block per figure with a line per agent, so that every agent's figure and each score's whole
 * legend fit the width instead of scrolling sideways out of view.
 */
function ComparisonByFigure({ agents, rows, linkSearch }: { agents: AgentStats[]; rows: Row[]; linkSearch: string }) {
  return (
    <section
      aria-label="Agents side by side, figure by figure"
      className="rounded-lg border border-slate-200 bg-white text-sm sm:hidden dark:border-slate-800 dark:bg-slate-900"
    >
      <p className="flex flex-wrap gap-x-3 gap-y-1 px-3 py-2">
        {agents.map((agent) => (
          <AgentLink key={agent.agent} agent={agent.agent} linkSearch={linkSearch} />
        ))}
      </p>
      <dl>
        {rows.map(([label, value]) => (
          <div key={label} className="border-t border-slate-200 px-3 py-2 dark:border-slate-800">
            <dt className="font-medium text-slate-700 dark:text-slate-300">{label}</dt>
            {agents.map((agent) => (
              <dd key={agent.agent} className="mt-1 flex items-start justify-between gap-3">
                <span className="max-w-[40%] shrink-0 truncate text-slate-600 dark:text-slate-400">{agent.agent}</span>
                <span className="flex min-w-0 flex-1 justify-end text-right tabular-nums">{value(agent)}</span>
              </dd>
            ))}
          </div>
        ))}
      </dl>
    </section>
  );
}

function Comparison({ agents, linkSearch }: { agents: AgentStats[]; linkSearch: string }) {
  const rows = [...FIXED_ROWS, ...scoreRows(agents)];
  return (
    <>
      <ComparisonTable agents={agents} rows={rows} linkSearch={linkSearch} />
      <ComparisonByFigure agents={agents} rows={rows} linkSearch={linkSearch} />
    </>
  );
}

export function ComparePage() {
  useDocumentTitle("Compare agents");
  const [params, setParams] = useSearchParams();
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const picked = parseComparedAgents(params);
  const agents = useAgents(range, environments);
  const comparison = useAgentComparison(picked, range, environments);
  const known = (agents.data?.items ?? []).map((agent) => agent.agent);
  const choices = [...picked.filter((name) => !known.includes(name)), ...known];

  const toggle = (agent: string) =>
    setParams((previous) => writeComparedAgents(previous, toggleComparedAgent(parseComparedAgents(previous), agent)));

  return (
    <>
      <PageHeader
        title="Compare agents"
        subtitle="Two or more agents side by side over the same range."
        actions={<RangePicker />}
      />
      {/* Toggle buttons, not checkboxes: a controlled checkbox snaps back until the router's navigation renders. */}
      <div role="group" aria-labelledby="compare-agents-label" className="mb-6">
        <p id="compare-agents-label" className="mb-2 text-sm font-medium">
          Agents (up to {MAX_COMPARED_AGENTS})
        </p>
        <div className="flex flex-wrap gap-2 text-sm">
          {choices.map((name) => {
            const chosen = picked.includes(name);
            return (
              <button
                key={name}
                type="button"
                aria-pressed={chosen}
                disabled={!chosen && picked.length >= MAX_COMPARED_AGENTS}
                onClick={() => toggle(name)}
                className={`rounded-md border px-2 py-1 disabled:opacity-50 ${
                  chosen
                    ? "border-indigo-600 bg-indigo-600 font-medium text-white"
                    : "border-slate-300 bg-white hover:bg-slate-100 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
                }`}
              >
                {name}
              </button>
            );
          })}
        </div>
      </div>
      <Section title="Side by side">
        {picked.length < 2 ? (
          <EmptyState>Pick at least two agents to compare them.</EmptyState>
        ) : (
          <QueryContent query={comparison} loadingLabel="Loading comparison…">
            {(data) => <Comparison agents={data.items} linkSearch={viewSearch(params)} />}
          </QueryContent>
        )}
      </Section>
    </>
  );
}
