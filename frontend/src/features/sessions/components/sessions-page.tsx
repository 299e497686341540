import { useCallback, useEffect, useMemo } from "react";
import { useSearchParams } from "react-router";
import { CsvLink } from "../../../components/csv-link";
import { DebouncedTextInput } from "../../../components/debounced-text-input";
import { PageHeader } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { formatInteger } from "../../../lib/format";
import { viewSearch } from "../../../lib/view-search";
import { useTimeRange } from "../../../lib/use-time-range";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useAgents } from "../../../api/get-agents";
import { SESSIONS_PAGE_SIZE, sessionsCsvUrl, useSessions } from "../api/get-sessions";
import {
  parseSessionListQuery,
  sessionListSignature,
  withFilters,
  withSort,
  writeSessionListQuery,
  type ErrorFilter,
  type SessionListQuery,
} from "../stores/session-list-url-state";
import { useSessionPageTrail } from "../stores/session-page-trail-store";
import { SessionsTable } from "../../../components/sessions-table";
import { useDocumentTitle } from "../../../lib/use-document-title";

const selectClass =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";
const labelClass = "flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400";
const pagerButton =
  "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-40 disabled:hover:bg-transparent dark:border-slate-700 dark:hover:bg-slate-800";

export function SessionsPage() {
  useDocumentTitle("Sessions");
  const [params, setParams] = useSearchParams();
  const { range, selection } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const query = useMemo(() => parseSessionListQuery(params), [params]);
  const signature = sessionListSignature(query, selection, environments);
  const sessions = useSessions(query, range, environments);
  const agents = useAgents(range, environments);
  const remember = useSessionPageTrail((state) => state.remember);
  const cursorFor = useSessionPageTrail((state) => state.cursorFor);

  const update = useCallback(
    (next: SessionListQuery, options: { replace?: boolean } = {}) =>
      setParams((previous) => writeSessionListQuery(previous, next), options),
    [setParams],
  );

  useEffect(() => {
    remember(signature, query.page, query.cursor);
  }, [remember, signature, query.page, query.cursor]);

  const agentNames = useMemo(() => {
    const names = (agents.data?.items ?? []).map((agent) => agent.agent);
    return query.agent && !names.includes(query.agent) ? [query.agent, ...names] : names;
  }, [agents.data, query.agent]);

  function goToNextPage(nextCursor: string) {
    remember(signature, query.page + 1, nextCursor);
    update({ ...query, cursor: nextCursor, page: query.page + 1 });
  }

  function goToPreviousPage() {
    const page = query.page - 1;
    const cursor = cursorFor(signature, page);
    // Cursors only go forward; after a reload the way back starts from page 1.
    update(cursor === undefined || page <= 1 ? { ...query, cursor: null, page: 1 } : { ...query, cursor, page });
  }

  const page = sessions.data;
  const firstRow = (query.page - 1) * SESSIONS_PAGE_SIZE + 1;

  return (
    <>
      <PageHeader
        title="Sessions"
        subtitle="Every game session, with what its agents did."
        actions={
          <>
            <RangePicker />
            <CsvLink href={sessionsCsvUrl(query, range, environments)} />
          </>
        }
      />
      <div className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter sessions">
        <DebouncedTextInput
          label="Search sessions"
          placeholder="Session or user id"
          value={query.q}
          onCommit={(q) => update(withFilters(query, { q }), { replace: true })}
          className="w-64"
        />
        <label className={labelClass}>
          Agent
          <select
            className={selectClass}
            value={query.agent}
            onChange={(event) => update(withFilters(query, { agent: event.target.value }))}
          >
            <option value="">All agents</option>
            {agentNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <DebouncedTextInput
          label="User"
          type="text"
          placeholder="User id"
          value={query.user}
          onCommit={(user) => update(withFilters(query, { user }), { replace: true })}
          className="w-44"
        />
        <label className={labelClass}>
          Errors
          <select
            className={selectClass}
            value={query.errors}
            onChange={(event) => update(withFilters(query, { errors: event.target.value as ErrorFilter }))}
          >
            <option value="any">Any</option>
            <option value="with">With errors</option>
            <option value="without">Without errors</option>
          </select>
        </label>
      </div>
      <QueryContent
        query={sessions}
        loadingLabel="Loading sessions…"
        isEmpty={(data) => (data.items ?? []).length === 0}
        empty={query.page > 1 ? "No more sessions." : "No sessions match these filters in this range."}
      >
        {(data) => (
          <SessionsTable
            sessions={data.items}
            caption="Sessions"
            linkSearch={viewSearch(params)}
            sort={{ sort: query.sort, order: query.order, onSort: (key) => update(withSort(query, key)) }}
          />
        )}
      </QueryContent>
      {page && (
        <nav aria-label="Pages" className="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm">
          <p className="text-slate-600 tabular-nums dark:text-slate-400">
            {(page.items ?? []).length > 0
              ? `Page ${query.page}: sessions ${formatInteger(firstRow)}–${formatInteger(firstRow + page.items.length - 1)} of ${formatInteger(page.total)}`
              : `${formatInteger(page.total)} sessions`}
          </p>
          <div className="flex gap-2">
            <button type="button" className={pagerButton} disabled={query.page <= 1} onClick={goToPreviousPage}>
              Previous
            </button>
            <button
              type="button"
              className={pagerButton}
              disabled={!page.nextCursor || sessions.isPlaceholderData}
              onClick={() => page.nextCursor && goToNextPage(page.nextCursor)}
            >
              Next
            </button>
          </div>
        </nav>
      )}
    </>
  );
}
