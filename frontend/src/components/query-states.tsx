import type { ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { ApiError } from "../api/http-client";

export function LoadingState({ label = "Loading…" }: { label?: string }) {
  return (
    <div
      role="status"
      aria-live="polite"
      className="flex items-center gap-3 p-6 text-sm text-slate-600 dark:text-slate-300"
    >
      <span
        className="size-4 animate-spin rounded-full border-2 border-slate-300 border-t-indigo-600"
        aria-hidden="true"
      />
      {label}
    </div>
  );
}

export function NoDataState() {
  return (
    <div role="status" className="rounded-lg border border-dashed border-slate-300 p-6 text-sm dark:border-slate-700">
      <p className="font-medium">No data yet: the first sync is running.</p>
      <p className="mt-1 text-slate-600 dark:text-slate-400">
        The dashboard fills in as soon as the sync daemon has copied traces from Langfuse. The sync panel shows its
        progress.
      </p>
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <div
      role="status"
      className="rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400"
    >
      {children}
    </div>
  );
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    return error.parameter ? `${error.message} (parameter: ${error.parameter})` : error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong while loading this view.";
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div
      role="alert"
      className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
    >
      <p className="font-medium">Could not load this view.</p>
      <p className="mt-1">{describeError(error)}</p>
      {onRetry && (
        <button
          type="button"
          onClick={onRetry}
          className="mt-3 rounded-md border border-red-400 px-3 py-1 font-medium hover:bg-red-100 dark:border-red-700 dark:hover:bg-red-900"
        >
          Try again
        </button>
      )}
    </div>
  );
}

interface QueryContentProps<T> {
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loadingLabel?: string;
}

/**
 * The loading / no data yet / error / empty / data states of one query.
 * A failed refresh keeps the data already shown and says so above it.
 */
export function QueryContent<T>({ query, children, isEmpty, empty, loadingLabel }: QueryContentProps<T>) {
  if (query.isPending) return <LoadingState label={loadingLabel} />;
  if (query.data === undefined) {
    if (query.error instanceof ApiError && query.error.isNoData) return <NoDataState />;
    return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  }
  const stale = query.isError ? (
    <p
      role="alert"
      className="mb-3 rounded-md bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100"
    >
      Showing earlier figures: the refresh failed ({describeError(query.error)}).
    </p>
  ) : null;
  if (isEmpty?.(query.data)) {
    return (
      <>
        {stale}
        <EmptyState>{empty ?? "Nothing to show for this range."}</EmptyState>
      </>
    );
  }
  // The previous range's figures stay while the new ones load (no flashing), dimmed to say so.
  const updating = query.isPlaceholderData;
  return (
    <>
      {stale}
      <div aria-busy={updating} className={updating ? "opacity-60 transition-opacity" : undefined}>
        {children(query.data)}
      </div>
    </>
  );
}
