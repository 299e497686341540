import { useEffect, useId, useRef, useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { SyncStatus } from "../../../api/types";
import { ApiError } from "../../../api/http-client";
import { describeError } from "../../../components/query-states";
import { formatAge, formatInteger, formatPercent } from "../../../lib/format";
import { isDataQuery, useSyncStatus } from "../api/get-sync-status";
import { useTriggerSync } from "../api/trigger-sync";
import { useSyncFollow } from "../stores/sync-follow-store";
import { FutureTime, SyncHeadline, syncTone, TONE_STYLES, type SyncTone } from "./sync-headline";

/** The quota the last cycle used, as a bar that turns amber near the limit; the recent peak in words beside it. */
function QuotaMeter({ status }: { status: SyncStatus }) {
  const shares = (status.recentCycles ?? [])
    .slice(0, 10)
    .map((cycle) => cycle.quotaUsedShare)
    .filter((share): share is number => typeof share === "number");
  const last = shares[0];
  if (last === undefined) return null;
  const peak = Math.max(...shares);
  const filled = Math.min(1, Math.max(0, last));
  return (
    <div className="space-y-1">
      <div className="flex items-baseline justify-between gap-2">
        <span>Quota, last cycle</span>
        <span data-testid="quota-used" className="text-right tabular-nums">
          {formatPercent(last)}
        </span>
      </div>
      <div
        role="meter"
        aria-label="Quota used by the last cycle"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(filled * 1000) / 10}
        aria-valuetext={formatPercent(last)}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
      >
        <div
          className={`h-full rounded-full ${last > 0.9 ? "bg-amber-500" : "bg-indigo-500"}`}
          style={{ width: `${filled * 100}%` }}
        />
      </div>
      <p className="text-xs" data-testid="quota-peak">
        {status.quotaPerMinute ? `of ${formatInteger(status.quotaPerMinute)} requests/min` : "of the quota"}
        {shares.length > 1 && ` · peak ${formatPercent(peak)} in ${shares.length} cycles`}
      </p>
    </div>
  );
}

/** When the next cycle runs, how old the newest data is, and what a running backfill still needs. */
function Freshness({ status, tone }: { status: SyncStatus; tone: SyncTone }) {
  const backfill = status.backfill;
  return (
    <dl className="space-y-1">
      {tone !== "running" && tone !== "rate_limited" && status.nextRunAt && (
        <div className="flex justify-between gap-2">
          <dt>Next sync</dt>
          <dd>
            <FutureTime value={status.nextRunAt} />
          </dd>
        </div>
      )}
      {typeof status.newestDataAgeSeconds === "number" && (
        <div className="flex justify-between gap-2">
          <dt>Newest data</dt>
          <dd data-testid="data-age">{formatAge(status.newestDataAgeSeconds)} old</dd>
        </div>
      )}
      {backfill && !backfill.complete && (
        <div className="flex justify-between gap-2">
          <dt>Backfill</dt>
          <dd data-testid="backfill-remaining">
            {typeof backfill.remainingSecondsEstimate === "number"
              ? `about ${formatAge(backfill.remainingSecondsEstimate)} left`
              : "running"}
          </dd>
        </div>
      )}
    </dl>
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
    <details className="text-xs text-slate-600 dark:text-slate-400">
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
  void queryClient.invalidateQueries({ predicate: isDataQuery });
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

  const noSyncYet = statusQuery.error instanceof ApiError && statusQuery.error.isNoData;
  const tone = syncTone(status, noSyncYet);
  const style = TONE_STYLES[tone];
  const busy = followed !== null || trigger.isPending;
  // On a phone the panel folds into a status dot in the header; from the lg breakpoint it is always open.
  const [open, setOpen] = useState(false);
  const bodyId = useId();

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

  const dot = <span className={`inline-block size-2.5 shrink-0 rounded-full ${style.dot}`} aria-hidden="true" />;
  return (
    <section aria-label="Sync" className="relative text-sm">
      <button
        type="button"
        data-testid="sync-toggle"
        aria-expanded={open}
        aria-controls={bodyId}
        onClick={() => setOpen((value) => !value)}
        className="flex items-center gap-2 rounded-full border border-slate-300 bg-white px-3 py-1 text-xs font-medium lg:hidden dark:border-slate-700 dark:bg-slate-900"
      >
        {dot}
        {style.short}
        <span className="sr-only">: sync details</span>
      </button>
      <div
        id={bodyId}
        data-testid="sync-body"
        className={`${open ? "block" : "hidden"} absolute top-full right-0 z-20 mt-2 w-72 max-w-[calc(100vw-2rem)] space-y-2 rounded-lg border border-slate-200 bg-white p-3 shadow-lg lg:static lg:mt-0 lg:block lg:w-auto lg:max-w-none lg:shadow-none dark:border-slate-800 dark:bg-slate-900`}
      >
        <h2 className="flex items-center gap-2 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
          {dot}
          Sync
        </h2>
        {/* The sentence takes the panel's full width, so that "Up to date · synced 12 min ago" fits one line. */}
        <p data-testid="sync-status" data-state={status?.state ?? "unknown"} className="text-[13px] font-medium">
          <SyncHeadline status={status} tone={tone} />
        </p>
        {status?.lastError && tone === "rate_limited" && (
          <p className="text-xs break-words text-slate-600 dark:text-slate-400">{status.lastError}</p>
        )}
        {status && (
          <div className="space-y-2 text-slate-600 dark:text-slate-400">
            <Freshness status={status} tone={tone} />
            <QuotaMeter status={status} />
          </div>
        )}
        {statusQuery.isError && !noSyncYet && (
          <p className="text-red-700 dark:text-red-400">{describeError(statusQuery.error)}</p>
        )}
        <button
          type="button"
          onClick={refresh}
          disabled={busy}
          aria-busy={busy}
          className="w-full rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-700 disabled:cursor-wait disabled:opacity-70"
        >
          Refresh
        </button>
        <p aria-live="polite" className="text-xs text-slate-600 dark:text-slate-400">
          {busy ? (
            "Sync in progress…"
          ) : triggerError ? (
            <span className="text-red-700 dark:text-red-400">{triggerError}</span>
          ) : lastOutcome === "finished" ? (
            tone === "error" ? (
              "The sync failed."
            ) : (
              `Sync finished: ${style.short.toLowerCase()}.`
            )
          ) : lastOutcome === "timed_out" ? (
            "Stopped following the sync; it is taking long."
          ) : null}
        </p>
        {status && <ReadingDetails status={status} />}
      </div>
    </section>
  );
}
