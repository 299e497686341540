import type { QueryClient } from "@tanstack/react-query";
import { onDataVersion } from "../api/data-version";
import { isDataQuery } from "../features/sync/api/get-sync-status";

/**
 * Keeps the answers on screen at one data version. A page's queries are
 * answered one by one, so a sync that commits between two of them leaves
 * the page showing two states of the data (a key figure of 1,579 calls
 * above a chart of 1,582). When an answer arrives at a version other than
 * the newest seen, every data query is invalidated once none is fetching:
 * the active ones refetch (keeping their data on screen meanwhile) and all
 * come back at the newest version or later. Waiting matters: a query still
 * on its first fetch would absorb the invalidation and keep its old answer.
 * Answers at the version already seen cost nothing, and there is at most
 * one refetch per newest version: api-servers that lag one another (read
 * replicas a second behind) could otherwise answer old and new in turn and
 * keep the page refetching.
 */
export function followOneDataVersion(queryClient: QueryClient): () => void {
  let newest: number | null = null;
  let refetchedAt: number | null = null;
  let behind = false;
  const refetchOnceSettled = () => {
    if (!behind || queryClient.isFetching({ predicate: isDataQuery }) > 0) return;
    behind = false;
    refetchedAt = newest;
    void queryClient.invalidateQueries({ predicate: isDataQuery });
  };
  const stopListening = onDataVersion((version) => {
    if (newest === null) {
      newest = version;
      return;
    }
    if (version === newest) return;
    newest = Math.max(newest, version);
    if (refetchedAt !== newest) behind = true;
  });
  // The answer that reported a new version settles its query after this, and so do the others in flight.
  const stopWatching = queryClient.getQueryCache().subscribe(refetchOnceSettled);
  return () => {
    stopListening();
    stopWatching();
  };
}
