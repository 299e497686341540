import { waitFor } from "@testing-library/react";
import type { LoaderFunctionArgs } from "react-router";
import { describe, expect, it } from "vitest";
import { parseRangeSelection, resolveRange } from "../../../lib/time-range";
import { answer } from "../../../test/api-handlers";
import daily from "../../../test/fixtures/metrics-daily-7d.json";
import overview from "../../../test/fixtures/overview-7d.json";
import { testQueryClient } from "../../../test/render";
import { server } from "../../../test/server";
import { dailyMetricsQueryOptions } from "./get-daily-metrics";
import { overviewQueryOptions } from "./get-overview";
import { prefetchKeyFigures } from "./prefetch-key-figures";

describe("the overview's loader", () => {
  it.each([
    ["/", ""],
    ["/?range=30d&environment=staging,production", "range=30d"],
    ["/?from=2026-11-02&to=2026-11-09&environment=langfuse-llm-as-a-judge", "from=2026-11-02&to=2026-11-09"],
  ])("puts the answers for %s under the keys the page reads", async (path, rangeSearch) => {
    server.use(answer("/api/overview", overview), answer("/api/metrics/daily", daily));
    const queryClient = testQueryClient();
    const now = Date.UTC(2026, 10, 30, 12, 34);
    const loaded = prefetchKeyFigures(
      queryClient,
      () => now,
    )({
      request: new Request(`http://dashboard.test${path}`),
      params: {},
    } as LoaderFunctionArgs);
    // It never waits for the answers.
    expect(loaded).toBeNull();
    const search = new URL(`http://dashboard.test${path}`).searchParams;
    const environments = (search.get("environment") ?? "").split(",").filter(Boolean).sort();
    const range = resolveRange(parseRangeSelection(new URLSearchParams(rangeSearch)), now);
    await waitFor(() =>
      expect(queryClient.getQueryData(overviewQueryOptions(range, environments).queryKey)).toEqual(overview),
    );
    expect(queryClient.getQueryData(dailyMetricsQueryOptions(range, environments).queryKey)).toEqual(daily);
  });
});
