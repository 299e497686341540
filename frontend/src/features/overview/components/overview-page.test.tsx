import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import agents from "../../../test/fixtures/agents.json";
import badRequest from "../../../test/fixtures/error-bad-request.json";
import daily from "../../../test/fixtures/metrics-daily-7d.json";
import models from "../../../test/fixtures/models.json";
import environments from "../../../test/fixtures/environments.json";
import overview from "../../../test/fixtures/overview-7d.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";

function answerEverything() {
  server.use(
    syncStatusSuccess(),
    answer("/api/overview", overview),
    answer("/api/metrics/daily", daily),
    answer("/api/agents", agents),
    answer("/api/models", models),
  );
}

describe("the overview page", () => {
  it("shows loading states while the API has not answered", async () => {
    server.use(
      syncStatusSuccess(),
      neverAnswer("/api/overview"),
      neverAnswer("/api/metrics/daily"),
      neverAnswer("/api/agents"),
      neverAnswer("/api/models"),
    );
    renderApp("/");
    expect(await screen.findByRole("heading", { level: 1, name: "Overview" })).toBeInTheDocument();
    expect(screen.getByText("Loading key figures…")).toBeInTheDocument();
    expect(screen.getByText("Loading daily figures…")).toBeInTheDocument();
  });

  it("says the first sync is running when the database has never been synced", async () => {
    server.use(
      syncStatusSuccess(),
      noDataYet("/api/overview"),
      noDataYet("/api/metrics/daily"),
      noDataYet("/api/agents"),
      noDataYet("/api/models"),
    );
    renderApp("/");
    await screen.findByRole("heading", { level: 1, name: "Overview" });
    await waitFor(() => expect(screen.queryByRole("region", { name: "Key figures" })).toBeNull());
    expect(screen.getAllByText("No data yet: the first sync is running.")).toHaveLength(1);
  });

  it("shows the API's error next to the sections that did load", async () => {
    server.use(
      syncStatusSuccess(),
      answer("/api/overview", badRequest, 400),
      answer("/api/metrics/daily", daily),
      serverFailure("/api/agents"),
      answer("/api/models", models),
    );
    renderApp("/");
    const keyFigures = await screen.findByRole("region", { name: "Key figures" });
    const alert = await within(keyFigures).findByRole("alert");
    expect(alert).toHaveTextContent("`from` must not be after `to`. (parameter: from)");
    const byAgent = screen.getByRole("region", { name: "By agent" });
    expect(await within(byAgent).findByRole("alert")).toHaveTextContent("The server answered 502 (Bad Gateway).");
    expect(await screen.findByText("Cost by model")).toBeInTheDocument();
  });

  it("says so when the range has no activity", async () => {
    server.use(
      syncStatusSuccess(),
      answer("/api/overview", { ...overview, previous: null }),
      answer("/api/metrics/daily", { items: [] }),
      answer("/api/agents", { items: [] }),
      answer("/api/models", { items: [] }),
    );
    renderApp("/");
    expect(await screen.findByText("No activity in this range.")).toBeInTheDocument();
    expect(await screen.findByText("No agent activity in this range.")).toBeInTheDocument();
    expect(await screen.findByText("No LLM calls in this range.")).toBeInTheDocument();
  });

  it("shows every key figure formatted, with its change against the previous period", async () => {
    answerEverything();
    renderApp("/");
    const sessions = await screen.findByTestId("kpi-sessions");
    expect(sessions).toHaveTextContent("Sessions");
    expect(sessions).toHaveTextContent(overview.sessions.toLocaleString("en-US"));
    expect(sessions).toHaveTextContent("+25.");
    expect(screen.getByTestId("kpi-cost")).toHaveTextContent(`$${overview.totalCost.toFixed(2)}`);
    expect(screen.getByTestId("kpi-cost")).toHaveTextContent("-20.0%");
    expect(screen.getByTestId("kpi-traces")).toHaveTextContent(overview.traces.toLocaleString("en-US"));
    expect(screen.getByTestId("kpi-generations")).toHaveTextContent(overview.generations.toLocaleString("en-US"));
    expect(screen.getByTestId("kpi-tokens")).toHaveTextContent("8.9M");
    expect(screen.getByTestId("kpi-error-rate")).toHaveTextContent(`${(overview.errorRate * 100).toFixed(2)}%`);
    expect(screen.getByTestId("kpi-latency-p50")).toHaveTextContent("842 ms");
    expect(screen.getByTestId("kpi-latency-p95")).toHaveTextContent("3.12 s");
    expect(screen.getByTestId("kpi-latency-p95")).toHaveTextContent("+5.8%");
    expect(await screen.findByText("Cost by agent")).toBeInTheDocument();
    expect(screen.getByText("Cost by model")).toBeInTheDocument();
    for (const title of ["Cost", "Tokens", "Sessions", "LLM calls", "Errors"]) {
      expect(screen.getByRole("img", { name: `${title} per day` })).toBeInTheDocument();
    }
  });

  it("draws each volume figure's daily series as a sparkline next to it", async () => {
    answerEverything();
    renderApp("/");
    const sessions = await screen.findByTestId("kpi-sessions");
    const line = await within(sessions).findByRole("img", { name: "Sessions, daily trend" });
    expect(line).toHaveAttribute("data-points", daily.items.map((day) => day.sessions).join(","));
    const cost = within(screen.getByTestId("kpi-cost")).getByRole("img", { name: "Cost, daily trend" });
    expect(cost).toHaveAttribute("data-points", daily.items.map((day) => day.totalCost).join(","));
    const errorRate = within(screen.getByTestId("kpi-error-rate")).getByRole("img", {
      name: "Error rate, daily trend",
    });
    const first = daily.items[0]!;
    expect(errorRate.getAttribute("data-points")?.split(",")[0]).toBe(String(first.errors / first.observations));
    // Latency has no daily series in the API.
    expect(within(screen.getByTestId("kpi-latency-p50")).queryByRole("img")).toBeNull();
  });

  it("draws a day-long range per hour and says where the data begins when the previous period was never synced", async () => {
    const hourStart = Date.parse("2026-11-25T00:00:00.000Z");
    const hourly = {
      granularity: "hour",
      items: Array.from({ length: 24 }, (_, hour) => ({
        ...daily.items[0]!,
        date: new Date(hourStart + hour * 3_600_000).toISOString(),
        sessions: hour % 5,
      })),
    };
    server.use(
      syncStatusSuccess(),
      answer("/api/overview", { ...overview, previousCovered: false, dataFrom: "2026-11-20T06:00:00.000Z" }),
      answer("/api/metrics/daily", hourly),
      answer("/api/agents", agents),
      answer("/api/models", models),
    );
    renderApp("/?range=24h");
    const sessions = await screen.findByTestId("kpi-sessions");
    expect(sessions).toHaveTextContent("no data before Nov 20");
    expect(sessions).not.toHaveTextContent("vs previous period");
    const line = await within(sessions).findByRole("img", { name: "Sessions, hourly trend" });
    expect(line.getAttribute("data-points")?.split(",")).toHaveLength(24);
    expect(line).toHaveAttribute("data-points", hourly.items.map((hour) => hour.sessions).join(","));
    const section = screen.getByRole("region", { name: "Per hour (UTC)" });
    expect(await within(section).findByRole("img", { name: "Cost per hour" })).toHaveAttribute("data-points", "24");
    expect(within(section).getByRole("link", { name: "Download CSV" }).getAttribute("href")).toContain("format=csv");
  });

  it("follows the chosen environment: key figures, their changes and their sparklines", async () => {
    // Staging's own figures: a third of everything, and a previous period with twice the sessions.
    const staging = {
      ...overview,
      sessions: 40,
      totalCost: 12.5,
      previous: { ...overview.previous!, sessions: 80, totalCost: 12.5 },
    };
    const stagingDaily = { items: daily.items.map((day, index) => ({ ...day, sessions: index + 1 })) };
    const isStaging = (request: Request) => new URL(request.url).searchParams.get("environment") === "staging";
    server.use(
      syncStatusSuccess(),
      answer("/api/environments", environments),
      http.get("/api/overview", ({ request }) => HttpResponse.json(isStaging(request) ? staging : overview)),
      http.get("/api/metrics/daily", ({ request }) => HttpResponse.json(isStaging(request) ? stagingDaily : daily)),
      answer("/api/agents", agents),
      answer("/api/models", models),
    );
    const { router } = renderApp("/");
    expect(await screen.findByTestId("kpi-sessions")).toHaveTextContent(overview.sessions.toLocaleString("en-US"));
    await userEvent.click(screen.getByRole("button", { name: /^Environment:/ }));
    await userEvent.click(await screen.findByRole("button", { name: "Only staging" }));
    expect(currentUrl(router)).toBe("/?environment=staging");
    await waitFor(() => expect(screen.getByTestId("kpi-sessions")).toHaveTextContent("40"));
    expect(screen.getByTestId("kpi-sessions")).toHaveTextContent("-50.0%");
    expect(screen.getByTestId("kpi-cost")).toHaveTextContent("$12.50");
    expect(screen.getByTestId("kpi-cost")).toHaveTextContent("0.0%");
    await waitFor(() =>
      expect(
        within(screen.getByTestId("kpi-sessions")).getByRole("img", { name: "Sessions, daily trend" }),
      ).toHaveAttribute("data-points", stagingDaily.items.map((day) => day.sessions).join(",")),
    );
  });

  it("shows a dash, not a blank page, for fields the API left out", async () => {
    const { latencyP50Ms: _dropped, previous: _previous, ...partial } = overview;
    server.use(
      syncStatusSuccess(),
      answer("/api/overview", partial),
      answer("/api/metrics/daily", daily),
      answer("/api/agents", agents),
      answer("/api/models", models),
    );
    renderApp("/");
    expect(await screen.findByTestId("kpi-latency-p50")).toHaveTextContent("—");
    expect(screen.getByTestId("kpi-sessions")).toHaveTextContent(overview.sessions.toLocaleString("en-US"));
  });

  it("asks for the chosen range and keeps it in the URL", async () => {
    const asked: string[] = [];
    answerEverything();
    server.use(
      http.get("/api/overview", ({ request }) => {
        const url = new URL(request.url);
        asked.push(`${url.searchParams.get("from")}..${url.searchParams.get("to")}`);
        return HttpResponse.json(overview);
      }),
    );
    const { router } = renderApp("/");
    await screen.findByTestId("kpi-sessions");
    await userEvent.click(screen.getByRole("button", { name: "30 days" }));
    expect(currentUrl(router)).toBe("/?range=30d");
    await waitFor(() => expect(asked).toHaveLength(2));
    const [sevenDays, thirtyDays] = asked.map((bounds) => bounds.split(".."));
    const days = (bounds: string[] | undefined) => (Date.parse(bounds![1]!) - Date.parse(bounds![0]!)) / 86_400_000;
    expect(days(sevenDays)).toBe(7);
    expect(days(thirtyDays)).toBe(30);
  });

  it("applies a custom range of UTC days from the URL", async () => {
    const asked: string[] = [];
    answerEverything();
    server.use(
      http.get("/api/overview", ({ request }) => {
        asked.push(new URL(request.url).search);
        return HttpResponse.json(overview);
      }),
    );
    renderApp("/?range=custom&from=2026-11-01&to=2026-11-03");
    await screen.findByTestId("kpi-sessions");
    expect(asked[0]).toBe("?from=2026-11-01T00%3A00%3A00.000Z&to=2026-11-04T00%3A00%3A00.000Z");
    expect(screen.getByRole("button", { name: "Custom" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByLabelText("From")).toHaveValue("2026-11-01");
  });

  it("asks for the key figures and their series once per range, the loader's request serving the page", async () => {
    const asked: string[] = [];
    server.use(
      syncStatusSuccess(),
      ...(
        [
          ["/api/overview", overview],
          ["/api/metrics/daily", daily],
        ] as const
      ).map(([path, body]) =>
        http.get(path, ({ request }) => {
          const url = new URL(request.url);
          asked.push(`${url.pathname} ${url.searchParams.get("environment")} ${url.searchParams.get("from")}`);
          return HttpResponse.json(body);
        }),
      ),
      answer("/api/agents", agents),
      answer("/api/models", models),
    );
    const { queryClient } = renderApp("/?range=24h&environment=production");
    await screen.findByTestId("kpi-sessions");
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    expect(asked).toHaveLength(2);
    expect(asked.every((request) => request.includes(" production "))).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "30 days" }));
    await waitFor(() => expect(asked).toHaveLength(4));
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    expect(new Set(asked).size).toBe(4);
    expect(asked).toHaveLength(4);
  });

  it("restores the earlier range on back", async () => {
    answerEverything();
    const { router } = renderApp("/?range=24h");
    await screen.findByTestId("kpi-sessions");
    await userEvent.click(screen.getByRole("button", { name: "30 days" }));
    await waitFor(() =>
      expect(screen.getByRole("button", { name: "30 days" })).toHaveAttribute("aria-pressed", "true"),
    );
    await router.navigate(-1);
    expect(currentUrl(router)).toBe("/?range=24h");
    await waitFor(() => expect(screen.getByRole("button", { name: "24 h" })).toHaveAttribute("aria-pressed", "true"));
  });
});

describe("the custom range form", () => {
  it("applies two UTC days and refuses a reversed range", async () => {
    answerEverything();
    const { router } = renderApp("/");
    await screen.findByTestId("kpi-sessions");
    await userEvent.click(screen.getByRole("button", { name: "Custom" }));
    const from = screen.getByLabelText("From");
    const to = screen.getByLabelText("To");
    await userEvent.clear(from);
    await userEvent.type(from, "2026-11-10");
    await userEvent.clear(to);
    await userEvent.type(to, "2026-11-02");
    await userEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect(screen.getByRole("alert")).toHaveTextContent("The first day must not be after the last day.");
    expect(currentUrl(router)).toBe("/");
    await userEvent.clear(to);
    await userEvent.type(to, "2026-11-12");
    await userEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect(currentUrl(router)).toBe("/?range=custom&from=2026-11-10&to=2026-11-12");
  });

  it("shows the days of a custom range reached with back", async () => {
    answerEverything();
    const { router } = renderApp("/?range=custom&from=2026-11-01&to=2026-11-03");
    await screen.findByTestId("kpi-sessions");
    await router.navigate("/?range=custom&from=2026-10-01&to=2026-10-05");
    await waitFor(() => expect(screen.getByLabelText("From")).toHaveValue("2026-10-01"));
    await router.navigate(-1);
    await waitFor(() => expect(screen.getByLabelText("From")).toHaveValue("2026-11-01"));
    expect(screen.getByLabelText("To")).toHaveValue("2026-11-03");
  });
});
