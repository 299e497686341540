import type { SyncState, SyncStatus } from "../../../api/types";
import { TimeText } from "../../../components/time-text";
import { formatDateTime, formatInteger, formatRelative, formatUtc } from "../../../lib/format";

/** What the panel shows: the daemon's state, "stale" when no cycle succeeded for too long, or no answer yet. */
export type SyncTone = SyncState | "stale" | "unknown" | "none";

export const TONE_STYLES: Record<SyncTone, { dot: string; short: string }> = {
  success: { dot: "bg-emerald-500", short: "Up to date" },
  idle: { dot: "bg-slate-400", short: "Idle" },
  running: { dot: "bg-indigo-500 animate-pulse", short: "Syncing…" },
  rate_limited: { dot: "bg-amber-500", short: "Rate-limited" },
  error: { dot: "bg-red-500", short: "Sync error" },
  stale: { dot: "bg-amber-500", short: "Behind" },
  unknown: { dot: "bg-slate-300", short: "Checking…" },
  none: { dot: "bg-slate-300", short: "No sync yet" },
};

function isKnownState(state: string): state is SyncState {
  return ["idle", "running", "success", "error", "rate_limited"].includes(state);
}

export function syncTone(status: SyncStatus | undefined, noSyncYet: boolean): SyncTone {
  if (noSyncYet) return "none";
  if (!status || !isKnownState(status.state)) return "unknown";
  // A daemon that has been "successful" but not for a long while is behind, whatever its last state says.
  if (status.stale && (status.state === "success" || status.state === "idle")) return "stale";
  return status.state;
}

/** A moment the daemon waits for; once passed it is due, not "ago". */
export function FutureTime({ value }: { value: string }) {
  // Read while rendering on purpose: the panel re-renders on every status poll, as fresh as the relative time beside it.
  // eslint-disable-next-line react-hooks/purity
  const due = Date.parse(value) <= Date.now();
  return (
    <time dateTime={value} title={`${formatDateTime(value)} (${formatUtc(value)})`}>
      {due ? "any moment" : formatRelative(value)}
    </time>
  );
}

function SyncedAgo({ status }: { status: SyncStatus }) {
  return status.lastSuccessAt ? (
    <>
      {" · synced "}
      <TimeText value={status.lastSuccessAt} relative />
    </>
  ) : (
    " · never synced"
  );
}

/** The daemon's state as one plain sentence: "Up to date · synced 37 s ago", "Syncing… page 12", … */
export function SyncHeadline({ status, tone }: { status: SyncStatus | undefined; tone: SyncTone }) {
  if (tone === "none") return <>No sync recorded yet</>;
  if (!status || tone === "unknown") return <>Checking the sync status…</>;
  switch (tone) {
    case "success":
      return (
        <>
          Up to date
          <SyncedAgo status={status} />
        </>
      );
    case "stale":
      return (
        <>
          Behind
          <SyncedAgo status={status} />
        </>
      );
    case "idle":
      return (
        <>
          Waiting for the next sync
          <SyncedAgo status={status} />
        </>
      );
    case "running": {
      const pages = status.cycleRequestsSent;
      return (
        <>
          Syncing…{pages > 0 && ` page ${formatInteger(pages)}`}
          {status.cycleRowsWritten > 0 && ` · ${formatInteger(status.cycleRowsWritten)} rows`}
        </>
      );
    }
    case "rate_limited":
      return status.rateLimitedUntil ? (
        <>
          Rate-limited, retrying <FutureTime value={status.rateLimitedUntil} />
        </>
      ) : (
        <>Rate-limited, retrying soon</>
      );
    case "error":
      return (
        <>
          Error:{" "}
          <span className="break-words" data-testid="sync-error">
            {status.lastError ?? "the last sync failed"}
          </span>
        </>
      );
  }
}
