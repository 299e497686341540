import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/http-client";

/** Only failures that may pass on their own are retried: no answer, or a 5xx other than "no data yet". */
export function isWorthRetrying(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.isNoData) return false;
  return error.status === 0 || error.status >= 500;
}

export function createQueryClient({ retries = 2 }: { retries?: number } = {}): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Data only changes when a sync commits; the sync panel invalidates on that.
        staleTime: 60_000,
        retry: (failureCount, error) => failureCount < retries && isWorthRetrying(error),
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
}
