import { Link } from "react-router";
import type { AgentStats } from "../../../api/types";
import { SortHeader } from "../../../components/sort-header";
import { formatCompact, formatDuration, formatInteger, formatPercent, formatUsd } from "../../../lib/format";
import { sortRows, type TableSort } from "../../../lib/table-sort";
import { navRowFocusClass, navRowProps } from "../../../lib/keyboard";
import { formatScore } from "../../../lib/score-format";

/** "win_rate 0.62 · judge 4.1": the average of each score the agent has. */
export function agentScoresText(agent: AgentStats): string {
  return (agent.scores ?? []).map((score) => `${score.name} ${formatScore(score.average)}`).join(" · ");
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

const COLUMNS: { key: AgentSortKey; label: string; render: (agent: AgentStats) => string }[] = [
  { key: "sessions", label: "Sessions", render: (a) => formatInteger(a.sessions) },
  { key: "generations", label: "LLM calls", render: (a) => formatInteger(a.generations) },
  { key: "totalTokens", label: "Tokens", render: (a) => formatCompact(a.totalTokens) },
  { key: "totalCost", label: "Cost", render: (a) => formatUsd(a.totalCost) },
  { key: "latencyP50Ms", label: "p50", render: (a) => formatDuration(a.latencyP50Ms) },
  { key: "latencyP95Ms", label: "p95", render: (a) => formatDuration(a.latencyP95Ms) },
  { key: "latencyP99Ms", label: "p99", render: (a) => formatDuration(a.latencyP99Ms) },
  { key: "errorRate", label: "Error rate", render: (a) => formatPercent(a.errorRate) },
];

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
  const rows = sortRows(agents, sort, (agent, key) => agent[key]);
  const withScores = agents.some((agent) => (agent.scores ?? []).length > 0);
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-sm">
        <caption className="sr-only">Agents</caption>
        <thead className="bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          <tr>
            <SortHeader label="Agent" active={sort.key === "agent"} order={sort.order} onSort={() => onSort("agent")} />
            {COLUMNS.map((column) => (
              <SortHeader
                key={column.key}
                label={column.label}
                align="right"
                active={sort.key === column.key}
                order={sort.order}
                onSort={() => onSort(column.key)}
              />
            ))}
            {withScores && (
              <th scope="col" className="px-3 py-2 text-left font-medium">
                Scores (average)
              </th>
            )}
            <th scope="col" className="px-3 py-2 text-left font-medium">
              Models
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((agent) => (
            <tr
              key={agent.agent}
              {...navRowProps}
              className={`border-t border-slate-200 dark:border-slate-800 ${navRowFocusClass}`}
            >
              <td className="px-3 py-2 font-medium whitespace-nowrap">
                <Link
                  to={{ pathname: `/agents/${encodeURIComponent(agent.agent)}`, search: linkSearch }}
                  className="text-indigo-700 hover:underline dark:text-indigo-300"
                >
                  {agent.agent}
                </Link>
              </td>
              {COLUMNS.map((column) => (
                <td key={column.key} className="px-3 py-2 text-right whitespace-nowrap tabular-nums">
                  {column.render(agent)}
                </td>
              ))}
              {withScores && (
                <td className="max-w-64 truncate px-3 py-2 text-xs" title={agentScoresText(agent)}>
                  {agentScoresText(agent) || "—"}
                </td>
              )}
              <td className="max-w-64 truncate px-3 py-2 font-mono text-xs" title={(agent.models ?? []).join(", ")}>
                {(agent.models ?? []).join(", ") || "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
