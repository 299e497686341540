import { useMemo } from "react";
import { Link } from "react-router";
import type { SessionSummary } from "../api/types";
import { DataTable, type DataColumn } from "./data-table";
import { TimeText } from "./time-text";
import { formatCompact, formatDuration, formatInteger, formatUsd } from "../lib/format";
import { scoreValueText } from "../lib/score-format";
import type { SortOrder } from "../lib/table-sort";

/** The orders the api-server sorts sessions by (its `sort` parameter). */
export const SESSION_SORT_KEYS = ["startTime", "cost", "tokens", "duration", "errors"] as const;
export type SessionSortKey = (typeof SESSION_SORT_KEYS)[number];

/** The session's outcome: its categorical and boolean scores ("result: win"), else its numeric ones. */
export function outcomeText(session: SessionSummary): string {
  const scores = session.scores ?? [];
  const outcomes = scores.filter((score) => score.dataType !== "NUMERIC");
  return (outcomes.length > 0 ? outcomes : scores).map((score) => `${score.name}: ${scoreValueText(score)}`).join(", ");
}

export interface SessionsTableSort {
  sort: SessionSortKey;
  order: SortOrder;
  onSort: (key: SessionSortKey) => void;
}

type Column = DataColumn<SessionSummary, SessionSortKey>;

function users(session: SessionSummary): string {
  return session.users?.length ? session.users.join(", ") : (session.userId ?? "—");
}

function columns(linkSearch: string, withOutcome: boolean): Column[] {
  const all: Column[] = [
    {
      label: "Session",
      className: "max-w-44 truncate font-mono text-xs",
      cell: (session) => (
        <Link
          to={{ pathname: `/sessions/${encodeURIComponent(session.id)}`, search: linkSearch }}
          className="text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
          title={session.id}
        >
          {session.id}
        </Link>
      ),
    },
    { label: "User", className: "max-w-32 truncate", title: users, cell: users, phoneHidden: true },
    {
      label: "Agents",
      wrap: true,
      className: "max-w-72",
      cellTestId: "session-agents",
      cell: (session) => (session.agents ?? []).join(", ") || "—",
    },
    { label: "Start", sortKey: "startTime", cell: (session) => <TimeText value={session.startTime} short /> },
    {
      label: "Duration",
      align: "right",
      sortKey: "duration",
      phoneHidden: true,
      cell: (session) => formatDuration(session.durationMs),
    },
    { label: "Traces", align: "right", phoneHidden: true, cell: (session) => formatInteger(session.traces) },
    { label: "LLM calls", align: "right", phoneHidden: true, cell: (session) => formatInteger(session.generations) },
    {
      label: "Tokens",
      align: "right",
      sortKey: "tokens",
      phoneHidden: true,
      cell: (session) => formatCompact(session.totalTokens),
    },
    { label: "Cost", align: "right", sortKey: "cost", cell: (session) => formatUsd(session.totalCost) },
    {
      label: "Errors",
      align: "right",
      sortKey: "errors",
      className: (session) => (session.errors > 0 ? "font-semibold text-red-700 dark:text-red-400" : ""),
      cell: (session) => formatInteger(session.errors),
    },
  ];
  if (withOutcome) {
    all.push({
      label: "Outcome",
      wrap: true,
      className: "max-w-72",
      cellTestId: "session-outcome",
      cell: (session) => outcomeText(session) || "—",
    });
  }
  return all;
}

export function SessionsTable({
  sessions,
  sort,
  caption,
  linkSearch = "",
}: {
  sessions: SessionSummary[];
  sort?: SessionsTableSort;
  caption: string;
  linkSearch?: string;
}) {
  const withOutcome = sessions.some((session) => (session.scores ?? []).length > 0);
  const shown = useMemo(() => columns(linkSearch, withOutcome), [linkSearch, withOutcome]);
  return (
    <DataTable
      caption={caption}
      columns={shown}
      rows={sessions}
      rowKey={(session) => session.id}
      sort={sort && { key: sort.sort, order: sort.order, onSort: sort.onSort }}
      navigable
    />
  );
}
