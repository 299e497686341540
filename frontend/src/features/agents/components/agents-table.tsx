import { useMemo } from "react";
import { Link } from "react-router";
import type { AgentScore, AgentStats } from "../../../api/types";
import { CategoryShareBar } from "../../../components/category-share-bar";
import { DataTable, type DataColumn } from "../../../components/data-table";
import { SessionCount } from "../../../components/session-count";
import {
  formatCompact,
  formatDuration,
  formatInteger,
  formatPercent,
  formatScore,
  formatUsd,
} from "../../../lib/format";
import { sortRows, type TableSort } from "../../../lib/table-sort";

/** Scores shown as value shares (categorical, boolean) rather than as an average. */
function hasShares(score: AgentScore): boolean {
  return (score.categories ?? []).length > 0;
}

/** "judge 4.1 · match_outcome match 62.0%": each score's average, or its most frequent value's share. */
export function agentScoresText(agent: AgentStats): string {
  return (agent.scores ?? [])
    .map((score) => {
      const top = score.categories?.[0];
      return top
        ? `${score.name} ${top.value} ${formatPercent(top.share)}`
        : `${score.name} ${formatScore(score.average)}`;
    })
    .join(" · ");
}

/** Averages as one line of text, then one share bar per categorical score. */
function AgentScores({ agent }: { agent: AgentStats }) {
  const scores = agent.scores ?? [];
  // A text score has neither an average nor shares: "name —" would say nothing.
  const averages = scores.filter((score) => !hasShares(score) && score.average !== null && score.average !== undefined);
  const shared = scores.filter(hasShares);
  if (scores.length === 0) return <>—</>;
  return (
    <div className="flex w-36 flex-col gap-1 whitespace-normal">
      {averages.map((score) => (
        <span key={score.name} className="text-xs">
          <span className="font-mono">{score.name}</span> {formatScore(score.average)}
        </span>
      ))}
      {shared.map((score) => (
        <div key={score.name} className="flex flex-col gap-0.5">
          <span className="font-mono text-xs">{score.name}</span>
          <CategoryShareBar name={score.name} categories={score.categories} total={score.count} />
        </div>
      ))}
    </div>
  );
}

export const AGENT_SORT_KEYS = [
  "agent",
  "sessions",
  "generations",
  "totalTokens",
  "totalCost",
  "latencyP50Ms",
  "latencyP95Ms",
  "latencyP99Ms",
  "errorRate",
] as const;
export type AgentSortKey = (typeof AGENT_SORT_KEYS)[number];
export const DEFAULT_AGENT_SORT: TableSort<AgentSortKey> = { key: "totalCost", order: "desc" };

type Column = DataColumn<AgentStats, AgentSortKey>;

const FIGURES: Column[] = [
  {
    label: "Sessions",
    sortKey: "sessions",
    align: "right",
    cell: (a) => <SessionCount sessions={a.sessions} traces={a.traces} />,
  },
  {
    label: "LLM calls",
    sortKey: "generations",
    align: "right",
    phoneHidden: true,
    cell: (a) => formatInteger(a.generations),
  },
  {
    label: "Tokens",
    sortKey: "totalTokens",
    align: "right",
    phoneHidden: true,
    cell: (a) => formatCompact(a.totalTokens),
  },
  { label: "Cost", sortKey: "totalCost", align: "right", cell: (a) => formatUsd(a.totalCost) },
  {
    label: "p50",
    sortKey: "latencyP50Ms",
    align: "right",
    phoneHidden: true,
    cell: (a) => formatDuration(a.latencyP50Ms),
  },
  { label: "p95", sortKey: "latencyP95Ms", align: "right", cell: (a) => formatDuration(a.latencyP95Ms) },
  {
    label: "p99",
    sortKey: "latencyP99Ms",
    align: "right",
    phoneHidden: true,
    cell: (a) => formatDuration(a.latencyP99Ms),
  },
  { label: "Error rate", sortKey: "errorRate", align: "right", cell: (a) => formatPercent(a.errorRate) },
];

// Left out on a phone: its stack of share bars sets every row's height (170 px and more), yet it sits
// past the phone's edge, so each row showed one line of figures in a tall blank band. The agent's page
// lists its scores.
const SCORES: Column = {
  label: "Scores (average)",
  phoneHidden: true,
  className: "min-w-48 max-w-72 text-xs",
  title: agentScoresText,
  cell: (agent) => <AgentScores agent={agent} />,
};

// Wrapped at the commas: a cut list hid models, and an unwrapped one ran off the page.
const MODELS: Column = {
  label: "Models",
  wrap: true,
  phoneHidden: true,
  className: "max-w-72 font-mono text-xs",
  cellTestId: "agent-models",
  cell: (agent) => (agent.models ?? []).join(", ") || "—",
};

function columns(linkSearch: string, withScores: boolean): Column[] {
  const name: Column = {
    label: "Agent",
    sortKey: "agent",
    className: "font-medium",
    cell: (agent) => (
      <Link
        to={{ pathname: `/agents/${encodeURIComponent(agent.agent)}`, search: linkSearch }}
        className="text-indigo-700 hover:underline dark:text-indigo-300"
      >
        {agent.agent}
      </Link>
    ),
  };
  return [name, ...FIGURES, ...(withScores ? [SCORES] : []), MODELS];
}

export function AgentsTable({
  agents,
  sort,
  onSort,
  linkSearch,
}: {
  agents: AgentStats[];
  sort: TableSort<AgentSortKey>;
  onSort: (key: AgentSortKey) => void;
  linkSearch: string;
}) {
  const rows = useMemo(() => sortRows(agents, sort, (agent, key) => agent[key]), [agents, sort]);
  const withScores = agents.some((agent) => (agent.scores ?? []).length > 0);
  const shown = useMemo(() => columns(linkSearch, withScores), [linkSearch, withScores]);
  return (
    <DataTable
      caption="Agents"
      columns={shown}
      rows={rows}
      rowKey={(agent) => agent.agent}
      sort={{ key: sort.key, order: sort.order, onSort }}
      navigable
      density="comfortable"
    />
  );
}
