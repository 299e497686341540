import { memo } from "react";
import { Link } from "react-router";
import type { SessionSummary } from "../api/types";
import { SortHeader } from "./sort-header";
import { TimeText } from "./time-text";
import { formatCompact, formatDuration, formatInteger, formatUsd } from "../lib/format";
import type { SortOrder } from "../lib/table-sort";
import { navRowFocusClass, navRowProps } from "../lib/keyboard";
import { scoreValueText } from "../lib/score-format";

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

const cell = "px-2 py-2 whitespace-nowrap";
const numberCell = `${cell} text-right tabular-nums`;

function PlainHeader({ label, align = "left" }: { label: string; align?: "left" | "right" }) {
  return (
    <th scope="col" className={`px-2 py-2 font-medium ${align === "right" ? "text-right" : "text-left"}`}>
      {label}
    </th>
  );
}

const SessionRow = memo(function SessionRow({
  session,
  linkSearch,
  withOutcome,
}: {
  session: SessionSummary;
  linkSearch: string;
  withOutcome: boolean;
}) {
  const users = session.users?.length ? session.users.join(", ") : (session.userId ?? "—");
  const agents = session.agents ?? [];
  return (
    <tr
      {...navRowProps}
      className={`border-t border-slate-200 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800/50 ${navRowFocusClass}`}
    >
      <td className={`${cell} max-w-44 truncate font-mono text-xs`}>
        <Link
          to={{ pathname: `/sessions/${encodeURIComponent(session.id)}`, search: linkSearch }}
          className="text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
          title={session.id}
        >
          {session.id}
        </Link>
      </td>
      <td className={`${cell} max-w-32 truncate`} title={users}>
        {users}
      </td>
      <td className={`${cell} max-w-36 truncate`} title={agents.join(", ")}>
        {agents.join(", ") || "—"}
      </td>
      <td className={cell}>
        <TimeText value={session.startTime} short />
      </td>
      <td className={numberCell}>{formatDuration(session.durationMs)}</td>
      <td className={numberCell}>{formatInteger(session.traces)}</td>
      <td className={numberCell}>{formatInteger(session.generations)}</td>
      <td className={numberCell}>{formatCompact(session.totalTokens)}</td>
      <td className={numberCell}>{formatUsd(session.totalCost)}</td>
      <td className={`${numberCell} ${session.errors > 0 ? "font-semibold text-red-700 dark:text-red-400" : ""}`}>
        {formatInteger(session.errors)}
      </td>
      {withOutcome && (
        <td className={`${cell} max-w-44 truncate`} title={outcomeText(session)}>
          {outcomeText(session) || "—"}
        </td>
      )}
    </tr>
  );
});

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
  const header = (key: SessionSortKey, label: string, align: "left" | "right" = "right") =>
    sort ? (
      <SortHeader
        label={label}
        align={align}
        active={sort.sort === key}
        order={sort.order}
        onSort={() => sort.onSort(key)}
      />
    ) : (
      <PlainHeader label={label} align={align} />
    );
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          <tr>
            <PlainHeader label="Session" />
            <PlainHeader label="User" />
            <PlainHeader label="Agents" />
            {header("startTime", "Start", "left")}
            {header("duration", "Duration")}
            <PlainHeader label="Traces" align="right" />
            <PlainHeader label="LLM calls" align="right" />
            {header("tokens", "Tokens")}
            {header("cost", "Cost")}
            {header("errors", "Errors")}
            {withOutcome && <PlainHeader label="Outcome" />}
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <SessionRow key={session.id} session={session} linkSearch={linkSearch} withOutcome={withOutcome} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
