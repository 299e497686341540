import type { QueryClient } from "@tanstack/react-query";
import type { LoaderFunctionArgs } from "react-router";
import { parseEnvironments } from "../../../lib/environment-filter";
import { parseRangeSelection, resolveRange } from "../../../lib/time-range";
import { dailyMetricsQueryOptions } from "./get-daily-metrics";
import { overviewQueryOptions } from "./get-overview";

/**
 * The overview route's loader: asks for the key figures and their daily
 * series on navigation, with the range and environments the page will read
 * from the same URL, so they are on their way while the page's code loads
 * and renders. Left to the page, they would start only after its first
 * render. It never waits: the page shows its own loading state, and its
 * queries join these (same keys) instead of asking again.
 */
export function prefetchKeyFigures(queryClient: QueryClient, now: () => number = Date.now) {
  return ({ request }: LoaderFunctionArgs): null => {
    const params = new URL(request.url).searchParams;
    const range = resolveRange(parseRangeSelection(params), now());
    const environments = parseEnvironments(params);
    void queryClient.prefetchQuery(overviewQueryOptions(range, environments));
    void queryClient.prefetchQuery(dailyMetricsQueryOptions(range, environments));
    return null;
  };
}
