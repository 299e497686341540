import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse, type JsonBodyType } from "msw";
import { describe, expect, it } from "vitest";
import { dataVersionOf } from "../api/data-version";
import { syncStatusSuccess } from "../test/api-handlers";
import agents from "../test/fixtures/agents.json";
import daily from "../test/fixtures/metrics-daily-7d.json";
import models from "../test/fixtures/models.json";
import overview from "../test/fixtures/overview-7d.json";
import { renderApp } from "../test/render";
import { server } from "../test/server";

/** GET `path` answers `answers[i]` (data version, body) on its i-th call, and the last one after that. */
function answerAtVersions(path: string, answers: [number, JsonBodyType][], calls: Map<string, number>) {
  return http.get(path, () => {
    const call = calls.get(path) ?? 0;
    calls.set(path, call + 1);
    const chosen = answers[Math.min(call, answers.length - 1)];
    if (!chosen) throw new Error(`no answer for ${path}`);
    const [version, body] = chosen;
    return HttpResponse.json(body, { headers: { ETag: `"dv-${version}-00000000000003e8"` } });
  });
}

function answerOverviewPage(overviewAnswers: [number, JsonBodyType][], othersAt: number) {
  const calls = new Map<string, number>();
  server.use(
    syncStatusSuccess(),
    answerAtVersions("/api/overview", overviewAnswers, calls),
    answerAtVersions("/api/metrics/daily", [[othersAt, daily]], calls),
    answerAtVersions("/api/agents", [[othersAt, agents]], calls),
    answerAtVersions("/api/models", [[othersAt, models]], calls),
  );
  return calls;
}

async function sessionsKeyFigure(): Promise<string> {
  const figures = await screen.findByRole("region", { name: "Key figures" });
  return within(figures).getByText("Sessions").parentElement?.textContent ?? "";
}

describe("answers on screen at one data version", () => {
  it.each([
    ['"dv-12"', 12],
    ['W/"dv-3"', 3],
    ['"dv-41-00c0ffee12345678"', 41],
    ['W/"dv-7-0a"', 7],
    ['"dv-"', null],
    ['"dv-9-"', null],
    ['"dv-9-xyz"', null],
    ['"abc"', null],
    [null, null],
  ])("reads the data version of the ETag %s as %s", (etag, expected) => {
    expect(dataVersionOf(etag)).toBe(expected);
  });

  it("refetches an answer read before a sync commit that the page's other answers came after", async () => {
    const calls = answerOverviewPage(
      [
        [5, overview],
        [6, { ...overview, sessions: 775 }],
      ],
      6,
    );
    const { queryClient } = renderApp("/");
    await waitFor(async () => expect(await sessionsKeyFigure()).toContain("775"));
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    expect(calls.get("/api/overview")).toBe(2);
  });

  it("refetches once per data version when an api-server keeps answering at an older one", async () => {
    const calls = new Map<string, number>();
    server.use(
      syncStatusSuccess(),
      answerAtVersions("/api/overview", [[6, overview]], calls),
      answerAtVersions("/api/metrics/daily", [[6, daily]], calls),
      answerAtVersions("/api/agents", [[6, agents]], calls),
      answerAtVersions("/api/models", [[5, models]], calls),
    );
    const { queryClient } = renderApp("/");
    await waitFor(() => expect(calls.get("/api/models")).toBe(2));
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Object.fromEntries(calls)).toEqual({
      "/api/overview": 2,
      "/api/metrics/daily": 2,
      "/api/agents": 2,
      "/api/models": 2,
    });
  });

  it("fetches each answer once when all were read at the same data version", async () => {
    const calls = answerOverviewPage([[6, overview]], 6);
    const { queryClient } = renderApp("/");
    await waitFor(async () => expect(await sessionsKeyFigure()).toContain("772"));
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    expect(Object.fromEntries(calls)).toEqual({
      "/api/overview": 1,
      "/api/metrics/daily": 1,
      "/api/agents": 1,
      "/api/models": 1,
    });
  });
});
