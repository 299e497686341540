import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import type { ErrorGroup, ErrorLevel } from "../../../api/types";
import { DataTable, type DataColumn } from "../../../components/data-table";
import { DebouncedTextInput } from "../../../components/debounced-text-input";
import { PageHeader } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { Sparkline } from "../../../components/sparkline";
import { TimeText } from "../../../components/time-text";
import { formatInteger } from "../../../lib/format";
import { viewSearch } from "../../../lib/view-search";
import { useDocumentTitle } from "../../../lib/use-document-title";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useErrorGroups } from "../api/get-errors";
import {
  ERROR_PAGE_SIZE,
  parseErrorListView,
  withErrorSort,
  type ErrorGroupBy,
  type ErrorSortKey,
} from "../stores/error-list-url-state";

function sessionLink(sessionId: string, observationId: string | undefined, linkSearch: string) {
  return {
    pathname: `/sessions/${encodeURIComponent(sessionId)}`,
    search: linkSearch,
    hash: observationId ? `observation-${observationId}` : "",
  };
}

const LEVEL_CHOICES: [ErrorLevel, string][] = [
  ["ERROR", "Errors"],
  ["all", "Errors and warnings"],
];

const GROUPING_CHOICES: [ErrorGroupBy, string][] = [
  ["agentObservation", "By agent and observation"],
  ["message", "By message"],
];

const pagerButton =
  "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-40 disabled:hover:bg-transparent dark:border-slate-700 dark:hover:bg-slate-800";

type Column = DataColumn<ErrorGroup, ErrorSortKey>;

/** Two or more buttons of which one is pressed (buttons, not radios: a controlled radio snaps back until the router's navigation renders). */
function ChoiceButtons<T extends string>({
  label,
  choices,
  value,
  onChoose,
}: {
  label: string;
  choices: [T, string][];
  value: T;
  onChoose: (choice: T) => void;
}) {
  return (
    <div role="group" aria-label={label} className="flex text-sm">
      {choices.map(([choice, text], index) => (
        <button
          key={choice}
          type="button"
          aria-pressed={value === choice}
          onClick={() => onChoose(choice)}
          className={`border border-slate-300 px-3 py-1.5 dark:border-slate-700 ${
            index === 0 ? "rounded-l-md" : "-ml-px"
          } ${index === choices.length - 1 ? "rounded-r-md" : ""} ${
            value === choice
              ? "bg-indigo-600 font-medium text-white"
              : "bg-white hover:bg-slate-100 dark:bg-slate-900 dark:hover:bg-slate-800"
          }`}
        >
          {text}
        </button>
      ))}
    </div>
  );
}

function ErrorMessage({ group, linkSearch }: { group: ErrorGroup; linkSearch: string }) {
  const sessionIds = group.sessionIds ?? [];
  const observationIds = group.observationIds ?? [];
  const [latest, ...others] = sessionIds;
  return (
    <>
      {latest ? (
        <Link
          to={sessionLink(latest, observationIds[0], linkSearch)}
          className="break-words text-red-800 underline-offset-2 hover:underline dark:text-red-300"
          title={group.example ?? undefined}
        >
          {group.message || "(no status message)"}
        </Link>
      ) : (
        <span title={group.example ?? undefined}>{group.message || "(no status message)"}</span>
      )}
      {group.level !== "ERROR" && (
        <span className="ml-2 rounded bg-amber-400 px-1.5 py-0.5 text-[10px] font-semibold text-amber-950">
          {group.level}
        </span>
      )}
      {others.length > 0 && (
        <details className="mt-1 text-xs">
          <summary className="cursor-pointer text-slate-600 dark:text-slate-400">
            {formatInteger(sessionIds.length)} affected sessions
          </summary>
          <ul className="mt-1 space-y-0.5">
            {sessionIds.map((id, index) => (
              <li key={id}>
                <Link
                  to={sessionLink(id, observationIds[index], linkSearch)}
                  className="font-mono text-indigo-700 underline dark:text-indigo-300"
                >
                  {id}
                </Link>
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

/** The observation a group is of, as its column and (on phones) the line under its agent show it. */
const observationName = (group: ErrorGroup) => group.name ?? "(unnamed)";

function columns(linkSearch: string, groupBy: ErrorGroupBy): Column[] {
  const who: Column[] =
    groupBy === "message"
      ? [
          {
            label: "Agents",
            sortKey: "agent",
            className: "max-w-48",
            cell: (group) => (group.agents ?? []).join(", "),
          },
        ]
      : [
          {
            label: "Agent",
            sortKey: "agent",
            className: "whitespace-nowrap",
            cell: (group) => (
              <>
                {group.agent ?? "—"}
                {/* A phone has no Observation column: the name goes under its agent, leaving the width to the message. */}
                <span className="block font-mono text-xs text-slate-500 md:hidden dark:text-slate-400">
                  {observationName(group)}
                </span>
              </>
            ),
          },
          {
            label: "Observation",
            className: "font-mono text-xs",
            phoneHidden: true,
            cell: observationName,
          },
        ];
  return [
    ...who,
    {
      label: "Message",
      sortKey: "message",
      className: "max-w-md",
      cell: (group) => <ErrorMessage group={group} linkSearch={linkSearch} />,
    },
    {
      label: "Count",
      sortKey: "count",
      align: "right",
      className: "whitespace-nowrap",
      cellTestId: "error-count",
      sortValue: (group) => group.count,
      cell: (group) => formatInteger(group.count),
    },
    {
      label: "Sessions",
      sortKey: "sessions",
      align: "right",
      className: "whitespace-nowrap",
      sortValue: (group) => group.sessions,
      cell: (group) => formatInteger(group.sessions),
    },
    {
      label: "First seen",
      sortKey: "firstSeen",
      className: "whitespace-nowrap",
      phoneHidden: true,
      sortValue: (group) => group.firstSeen,
      cell: (group) => <TimeText value={group.firstSeen} short />,
    },
    {
      label: "Last seen",
      sortKey: "lastSeen",
      className: "whitespace-nowrap",
      sortValue: (group) => group.lastSeen,
      cell: (group) => <TimeText value={group.lastSeen} short />,
    },
    {
      label: "Per day",
      phoneHidden: true,
      cell: (group) => (
        <Sparkline
          values={(group.daily ?? []).map((day) => day.count)}
          label={`${group.agent === null ? (group.agents ?? []).join(", ") : (group.name ?? "unnamed")}: ${group.message}, per day`}
          className="h-6 w-24 text-red-500"
        />
      ),
    },
  ];
}

export function ErrorsPage() {
  useDocumentTitle("Errors");
  const [params, setParams] = useSearchParams();
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const view = parseErrorListView(params);
  const groups = useErrorGroups(range, environments, view);
  const linkSearch = viewSearch(params);

  /** Sets (or, with null, removes) one URL parameter; any change but the page's own goes back to page 1. */
  const setParam = (name: string, value: string | null) =>
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (value) next.set(name, value);
        else next.delete(name);
        if (name !== "page") next.delete("page");
        return next;
      },
      { replace: name === "q" },
    );

  const shownColumns = useMemo(() => columns(linkSearch, view.groupBy), [linkSearch, view.groupBy]);
  const what = view.level === "ERROR" ? "errors" : "errors and warnings";
  const page = groups.data;
  const firstRow = (view.page - 1) * ERROR_PAGE_SIZE + 1;

  return (
    <>
      <PageHeader
        title="Errors"
        subtitle={
          view.groupBy === "message"
            ? "Failed observations grouped by message, across agents and observations."
            : "Failed observations grouped by agent, observation and message."
        }
        actions={<RangePicker />}
      />
      <div className="mb-4 flex flex-wrap items-end gap-4">
        <ChoiceButtons
          label="Levels"
          choices={LEVEL_CHOICES}
          value={view.level}
          onChoose={(choice) => setParam("level", choice === "ERROR" ? null : choice)}
        />
        <ChoiceButtons
          label="Grouping"
          choices={GROUPING_CHOICES}
          value={view.groupBy}
          onChoose={(choice) => setParam("groupBy", choice === "agentObservation" ? null : choice)}
        />
        <DebouncedTextInput
          label="Filter groups"
          value={view.q}
          onCommit={(value) => setParam("q", value || null)}
          placeholder="agent, observation or message"
          className="w-full sm:w-80"
        />
      </div>
      <QueryContent
        query={groups}
        isEmpty={(data) => (data.items ?? []).length === 0 && view.page === 1}
        empty={view.q ? `No groups of ${what} match "${view.q}".` : `No ${what} in this range.`}
        loadingLabel="Loading errors…"
      >
        {(data) => (
          <>
            <p className="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="errors-total">
              {formatInteger(data.count)} {what} in {formatInteger(data.total)} groups
              {view.q && ` matching "${view.q}"`}
            </p>
            <DataTable
              caption="Error groups"
              columns={shownColumns}
              rows={data.items ?? []}
              rowKey={(group) => group.key}
              rowTestId={(group) => `error-group-${group.key}`}
              sort={{
                key: view.sort.key,
                order: view.sort.order,
                onSort: (key) => setParams(withErrorSort(params, view.sort, key)),
              }}
              navigable
              nowrap={false}
              verticalAlign="top"
            />
          </>
        )}
      </QueryContent>
      {page && page.total > ERROR_PAGE_SIZE && (
        <nav aria-label="Pages" className="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm">
          <p className="text-slate-600 tabular-nums dark:text-slate-400" data-testid="errors-page">
            {(page.items ?? []).length > 0
              ? `Page ${view.page}: groups ${formatInteger(firstRow)}–${formatInteger(firstRow + page.items.length - 1)} of ${formatInteger(page.total)}`
              : `Page ${view.page}: no groups (${formatInteger(page.total)} in all)`}
          </p>
          <div className="flex gap-2">
            <button
              type="button"
              className={pagerButton}
              disabled={view.page <= 1}
              onClick={() => setParam("page", view.page > 2 ? String(view.page - 1) : null)}
            >
              Previous
            </button>
            <button
              type="button"
              className={pagerButton}
              disabled={firstRow - 1 + (page.items ?? []).length >= page.total || groups.isPlaceholderData}
              onClick={() => setParam("page", String(view.page + 1))}
            >
              Next
            </button>
          </div>
        </nav>
      )}
    </>
  );
}
