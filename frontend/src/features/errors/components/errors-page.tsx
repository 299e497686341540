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

/** `level` in the URL: absent = errors only, `all` = errors and warnings. */
export function parseErrorLevel(params: URLSearchParams): ErrorLevel {
  const level = params.get("level");
  return level === "all" || level === "WARNING" ? level : "ERROR";
}

export function matchesErrorFilter(group: ErrorGroup, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (!needle) return true;
  return [group.agent, group.name, group.message, group.example].some((text) =>
    (text ?? "").toLowerCase().includes(needle),
  );
}

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

type Column = DataColumn<ErrorGroup>;

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

function columns(linkSearch: string): Column[] {
  return [
    { label: "Agent", className: "whitespace-nowrap", cell: (group) => group.agent },
    { label: "Observation", className: "font-mono text-xs", cell: (group) => group.name ?? "(unnamed)" },
    {
      label: "Message",
      className: "max-w-md",
      cell: (group) => <ErrorMessage group={group} linkSearch={linkSearch} />,
    },
    {
      label: "Count",
      align: "right",
      className: "whitespace-nowrap",
      cellTestId: "error-count",
      sortValue: (group) => group.count,
      cell: (group) => formatInteger(group.count),
    },
    {
      label: "Sessions",
      align: "right",
      className: "whitespace-nowrap",
      sortValue: (group) => group.sessions,
      cell: (group) => formatInteger(group.sessions),
    },
    {
      label: "First seen",
      className: "whitespace-nowrap",
      phoneHidden: true,
      sortValue: (group) => group.firstSeen,
      cell: (group) => <TimeText value={group.firstSeen} short />,
    },
    {
      label: "Last seen",
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
          label={`${group.name ?? "unnamed"}: ${group.message}, per day`}
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
  const level = parseErrorLevel(params);
  const filter = params.get("q") ?? "";
  const groups = useErrorGroups(range, environments, level);
  const linkSearch = viewSearch(params);

  const setParam = (name: string, value: string | null) =>
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: name === "q" },
    );

  const shownColumns = useMemo(() => columns(linkSearch), [linkSearch]);
  const shown = useMemo(
    () => (groups.data?.items ?? []).filter((group) => matchesErrorFilter(group, filter)),
    [groups.data, filter],
  );

  return (
    <>
      <PageHeader
        title="Errors"
        subtitle="Failed observations grouped by agent, observation and message."
        actions={<RangePicker />}
      />
      <div className="mb-4 flex flex-wrap items-end gap-4">
        {/* Buttons, not radios: a controlled radio snaps back until the router's navigation renders. */}
        <div role="group" aria-label="Levels" className="flex text-sm">
          {LEVEL_CHOICES.map(([choice, label], index) => (
            <button
              key={choice}
              type="button"
              aria-pressed={level === choice}
              onClick={() => setParam("level", choice === "ERROR" ? null : choice)}
              className={`border border-slate-300 px-3 py-1.5 dark:border-slate-700 ${
                index === 0 ? "rounded-l-md" : "-ml-px rounded-r-md"
              } ${
                level === choice
                  ? "bg-indigo-600 font-medium text-white"
                  : "bg-white hover:bg-slate-100 dark:bg-slate-900 dark:hover:bg-slate-800"
              }`}
            >
              {label}
            </button>
          ))}
        </div>
        <DebouncedTextInput
          label="Filter groups"
          value={filter}
          onCommit={(value) => setParam("q", value || null)}
          placeholder="agent, observation or message"
          className="w-full sm:w-80"
        />
      </div>
      <QueryContent
        query={groups}
        isEmpty={(data) => (data.items ?? []).length === 0}
        empty={level === "ERROR" ? "No errors in this range." : "No errors or warnings in this range."}
        loadingLabel="Loading errors…"
      >
        {(data) => (
          <>
            <p className="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="errors-total">
              {formatInteger(data.items.reduce((sum, group) => sum + group.count, 0))}{" "}
              {level === "ERROR" ? "errors" : "errors and warnings"} in {formatInteger(data.items.length)} groups
              {data.total > data.items.length &&
                ` (the ${formatInteger(data.items.length)} largest of ${formatInteger(data.total)})`}
              {shown.length !== data.items.length && `; ${formatInteger(shown.length)} match the filter`}
            </p>
            <DataTable
              caption="Error groups"
              columns={shownColumns}
              rows={shown}
              rowKey={(group) => group.key}
              rowTestId={(group) => `error-group-${group.key}`}
              navigable
              nowrap={false}
              verticalAlign="top"
            />
          </>
        )}
      </QueryContent>
    </>
  );
}
