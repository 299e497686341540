import { formatAge } from "../../../lib/format";
import { useSyncStatus } from "../api/get-sync-status";
import { useSyncFollow } from "../stores/sync-follow-store";

/** Across the top of every page while the daemon has not synced for too long. */
export function StaleDataBanner() {
  const followed = useSyncFollow((state) => state.followed);
  const status = useSyncStatus(followed !== null).data;
  if (!status?.stale) return null;
  const age = status.lastSuccessAgeSeconds;
  return (
    <div
      role="alert"
      data-testid="stale-banner"
      className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      <strong className="font-semibold">The data is stale.</strong>{" "}
      {status.lastSuccessAt && typeof age === "number"
        ? `The last successful sync was ${formatAge(age)} ago`
        : "No sync has succeeded yet"}
      {status.syncIntervalSecs ? `; the daemon should sync every ${formatAge(status.syncIntervalSecs)}.` : "."} Figures
      may miss the latest games.
    </div>
  );
}
