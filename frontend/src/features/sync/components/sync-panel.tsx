import { useEffect, useRef } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { SyncState, SyncStatus } from "../../../api/types";
import { ApiError } from "../../../api/http-client";
import { describeError } from "../../../components/query-states";
import { TimeText } from "../../../components/time-text";
import {
  formatDateTime,
  formatDuration,
  formatInteger,
  formatPercent,
  formatRelative,
  formatUtc,
} from "../../../lib/format";
import { SYNC_STATUS_KEY, useSyncStatus } from "../api/get-sync-status";
import { useTriggerSync } from "../api/trigger-sync";
import { useSyncFollow } from "../stores/sync-follow-store";

const STATE_STYLES: Record<SyncState | "unknown", { dot: string; label: string }> = {
  idle: { dot: "bg-slate-400", label: "Waiting for the next cycle" },
  running: { dot: "bg-indigo-500 animate-pulse", label: "Syncing from Langfuse" },
  success: { dot: "bg-emerald-500", label: "Up to date" },
  error: { dot: "bg-red-500", label: "Last sync failed" },
  rate_limited: { dot: "bg-amber-500", label: "Paused by Langfuse's rate limit" },
  unknown: { dot: "bg-slate-300", label: "Status unavailable" },
};

function knownState(status: SyncStatus | undefined): SyncState | "unknown" {
  const state = status?.state;
  return state !== undefined && Object.hasOwn(STATE_STYLES, state) ? (state as SyncState) : "unknown";
}

/** A moment the daemon waits for; once passed it is due, not "ago". */
function FutureTime({ value }: { value: string }) {
  // Read while rendering on purpose: the panel re-renders on every status poll, as fresh as the relative time beside it.
  // eslint-disable-next-line react-hooks/purity
  const due = Date.parse(value) <= Date.now();
  return (
    <time dateTime={value} title={`${formatDateTime(value)} (${formatUtc(value)})`}>
      {due ? "any moment" : formatRelative(value)}
    </time>
  );
}

/** How old the newest data is, how much quota the last cycles used, and what a running backfill still needs. */
function Freshness({ status }: { status: SyncStatus }) {
  const cycles = (status.recentCycles ?? []).slice(0, 10);
  const shares = cycles.map((cycle) => cycle.quotaUsedShare).filter((share): share is number => share !== null);
  const lastShare = shares[0];
  const backfill = status.backfill;
  return (
    <>
      {typeof status.newestDataAgeSeconds === "number" && (
        <div className="flex flex-wrap gap-1">
          <dt>Newest data:</dt>
          <dd data-testid="data-age">{formatDuration(status.newestDataAgeSeconds * 1000)} old</dd>
        </div>
      )}
      {lastShare !== undefined && (
        <div className="flex flex-wrap gap-1">
          <dt>Quota used:</dt>
          <dd>
            <span data-testid="quota-used">
              {formatPercent(lastShare)} last cycle
              {status.quotaPerMinute ? ` (of ${status.quotaPerMinute}/min)` : ""}
            </span>
            <span className="mt-1 flex h-4 items-end gap-px" aria-label="Quota used by the last cycles" role="img">
              {[...shares].reverse().map((share, index) => (
                <span
                  key={index}
                  title={formatPercent(share)}
                  className={`w-2 ${share > 0.9 ? "bg-amber-500" : "bg-indigo-400"}`}
                  style={{ height: `${Math.max(8, Math.min(1, share) * 100)}%` }}
                />
              ))}
            </span>
          </dd>
        </div>
      )}
      {backfill && !backfill.complete && (
        <div className="flex flex-wrap gap-1">
          <dt>Backfill:</dt>
          <dd data-testid="backfill-remaining">
            {typeof backfill.remainingSecondsEstimate === "number"
              ? `about ${formatDuration(backfill.remainingSecondsEstimate * 1000)} left`
              : "running"}
          </dd>
        </div>
      )}
    </>
  );
}

/** How the daemon reads Langfuse right now, in words: which endpoints and why, and how many rows a request asks for. */
function ReadingDetails({ status }: { status: SyncStatus }) {
  const mode =
    status.apiMode === "v2"
      ? "read from Langfuse's v2 endpoints"
      : status.apiMode === "legacy"
        ? "read from Langfuse's older (legacy) endpoints"
        : status.apiMode
          ? `read in "${status.apiMode}" mode`
          : "no request sent yet";
  const scores =
    status.scoresEndpoint === "v3" || status.scoresEndpoint === "v2"
      ? `read from the ${status.scoresEndpoint} scores endpoint`
      : status.scoresEndpoint
        ? `read from the "${status.scoresEndpoint}" endpoint`
        : "not read yet";
  const pageSize =
    typeof status.pageSize === "number" ? `${formatInteger(status.pageSize)} rows per request` : "not recorded yet";
  return (
    <details className="mt-2 text-slate-600 dark:text-slate-400">
      <summary className="cursor-pointer rounded font-medium text-slate-700 dark:text-slate-300">
        How it reads Langfuse
      </summary>
      <dl className="mt-1 space-y-1">
        <div>
          <dt className="inline">Observations: </dt>
          <dd className="inline" data-testid="sync-api-mode">
            {mode}
            {status.apiModeReason && <span className="block text-xs">Why: {status.apiModeReason}</span>}
          </dd>
        </div>
        <div>
          <dt className="inline">Scores: </dt>
          <dd className="inline" data-testid="sync-scores-endpoint">
            {scores}
          </dd>
        </div>
        <div>
          <dt className="inline">Page size: </dt>
          <dd className="inline" data-testid="sync-page-size">
            {pageSize}
          </dd>
        </div>
      </dl>
    </details>
  );
}

function invalidateDataQueries(queryClient: QueryClient) {
  void queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== SYNC_STATUS_KEY[0] });
}

export function SyncPanel() {
  const followed = useSyncFollow((state) => state.followed);
  const triggerError = useSyncFollow((state) => state.triggerError);
  const lastOutcome = useSyncFollow((state) => state.lastOutcome);
  const startFollowing = useSyncFollow((state) => state.startFollowing);
  const failTrigger = useSyncFollow((state) => state.failTrigger);
  const observe = useSyncFollow((state) => state.observe);
  const statusQuery = useSyncStatus(followed !== null);
  const trigger = useTriggerSync();
  const status = statusQuery.data;

  const queryClient = useQueryClient();
  const seenLastSuccessAt = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (!status) return;
    // A followed cycle that failed may still have committed pages, so its end refreshes too.
    const followedCycleEnded = observe(status, Date.now()) === "finished";
    const newSuccess =
      seenLastSuccessAt.current !== undefined && seenLastSuccessAt.current !== (status.lastSuccessAt ?? null);
    seenLastSuccessAt.current = status.lastSuccessAt ?? null;
    if (followedCycleEnded || newSuccess) invalidateDataQueries(queryClient);
  }, [status, observe, queryClient]);

  const expire = useSyncFollow((state) => state.expire);
  useEffect(() => {
    if (!followed) return;
    const timer = window.setInterval(() => expire(Date.now()), 5_000);
    return () => window.clearInterval(timer);
  }, [followed, expire]);

  const state = knownState(status);
  const style = STATE_STYLES[state];
  const busy = followed !== null || trigger.isPending;
  const noSyncYet = statusQuery.error instanceof ApiError && statusQuery.error.isNoData;

  function refresh() {
    const baseline = status;
    trigger.mutate(undefined, {
      onSuccess: () => {
        startFollowing(baseline, Date.now());
        void statusQuery.refetch();
      },
      onError: (error) => failTrigger(describeError(error)),
    });
  }

  return (
    <section
      aria-label="Sync"
      className="rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <h2 className="mb-2 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">Sync</h2>
      <p data-testid="sync-status" className="flex items-center gap-2" title={style.label}>
        <span className={`inline-block size-2.5 shrink-0 rounded-full ${style.dot}`} aria-hidden="true" />
        <span className="font-medium">{status?.state ?? "unknown"}</span>
        <span className="sr-only">: {style.label}</span>
      </p>
      <dl className="mt-2 space-y-1 text-slate-600 dark:text-slate-400">
        <div className="flex gap-1">
          <dt>Last sync:</dt>
          <dd>{status?.lastSuccessAt ? <TimeText value={status.lastSuccessAt} relative /> : "never"}</dd>
        </div>
        {status && <Freshness status={status} />}
        {state === "rate_limited" && status?.rateLimitedUntil && (
          <div className="flex flex-wrap gap-1">
            <dt>Resumes:</dt>
            <dd>
              <FutureTime value={status.rateLimitedUntil} />
            </dd>
          </div>
        )}
        {state !== "running" && state !== "rate_limited" && status?.nextRunAt && (
          <div className="flex flex-wrap gap-1">
            <dt>Next sync:</dt>
            <dd>
              <FutureTime value={status.nextRunAt} />
            </dd>
          </div>
        )}
        {status?.lastError && (state === "error" || state === "rate_limited") && (
          <div>
            <dt className="sr-only">Last error</dt>
            <dd className="break-words text-red-700 dark:text-red-400">{status.lastError}</dd>
          </div>
        )}
      </dl>
      {status && <ReadingDetails status={status} />}
      {noSyncYet && <p className="mt-2 text-slate-600 dark:text-slate-400">No sync recorded yet.</p>}
      {statusQuery.isError && !noSyncYet && (
        <p className="mt-2 text-red-700 dark:text-red-400">{describeError(statusQuery.error)}</p>
      )}
      <button
        type="button"
        onClick={refresh}
        disabled={busy}
        aria-busy={busy}
        className="mt-3 w-full rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-700 disabled:cursor-wait disabled:opacity-70"
      >
        Refresh
      </button>
      <p aria-live="polite" className="mt-2 min-h-5 text-xs text-slate-600 dark:text-slate-400">
        {busy ? (
          "Sync in progress…"
        ) : triggerError ? (
          <span className="text-red-700 dark:text-red-400">{triggerError}</span>
        ) : lastOutcome === "finished" ? (
          `Sync finished: ${state}.`
        ) : lastOutcome === "timed_out" ? (
          "Stopped following the sync; it is taking long."
        ) : null}
      </p>
    </section>
  );
}
