/**
 * The data version each api-server answer was read at. Every data answer's
 * ETag is `"dv-N-F"`, N being the database's data version when its read
 * snapshot was taken and F a digest of the database file (api-server
 * `state.rs`), so two answers with different N were read on either side of
 * a sync commit and may disagree.
 */

type Listener = (version: number) => void;

const listeners = new Set<Listener>();

/** N of an ETag `"dv-N-F"` or `"dv-N"` (weak or strong), or null for any other ETag or none. */
export function dataVersionOf(etag: string | null): number | null {
  const match = etag?.trim().match(/^(?:W\/)?"dv-(\d+)(?:-[0-9a-f]+)?"$/);
  return match ? Number(match[1]) : null;
}

/** Tells every listener the data version of an answer that just arrived. */
export function reportAnswer(response: Response): void {
  const version = dataVersionOf(response.headers.get("ETag"));
  if (version === null) return;
  for (const listener of listeners) listener(version);
}

/** Calls `listener` with the data version of each answer; returns the unsubscribe. */
export function onDataVersion(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
