import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { answer } from "./api-handlers";
import agentDetail from "./fixtures/recorded/agent-detail.json";
import agents from "./fixtures/recorded/agents.json";
import daily from "./fixtures/recorded/metrics-daily.json";
import models from "./fixtures/recorded/models.json";
import modelsDaily from "./fixtures/models-daily.json";
import overview from "./fixtures/recorded/overview.json";
import sessionDetail from "./fixtures/recorded/session-detail.json";
import sessions from "./fixtures/recorded/sessions.json";
import syncStatus from "./fixtures/recorded/sync-status.json";
import agentScores from "./fixtures/recorded/agent-scores.json";
import scores from "./fixtures/recorded/scores.json";
import outcomes from "./fixtures/recorded/outcomes.json";
import errors from "./fixtures/recorded/errors.json";
import distributions from "./fixtures/recorded/distributions-sessions.json";
import comparison from "./fixtures/recorded/compare-agents.json";
import { http, HttpResponse } from "msw";
import { renderApp } from "./render";
import { server } from "./server";

// Responses recorded from a real api-server synced from the Langfuse test
// double (`npm run record:fixtures`): every page must render them.

const integer = (value: number) => value.toLocaleString("en-US");

function answerRecorded() {
  server.use(
    answer("/api/sync/status", syncStatus),
    answer("/api/overview", overview),
    answer("/api/metrics/daily", daily),
    answer("/api/agents", agents),
    answer("/api/models", models),
    // Not recorded yet: the hand-written trend (the page only needs it to render).
    answer("/api/models/daily", modelsDaily),
    answer("/api/sessions", sessions),
    answer(`/api/sessions/${sessionDetail.session.id}`, sessionDetail),
    answer(`/api/agents/${agentDetail.agent}`, agentDetail),
    http.get("/api/scores", ({ request }) =>
      HttpResponse.json(new URL(request.url).searchParams.has("agent") ? agentScores : scores),
    ),
    answer("/api/outcomes", outcomes),
    answer("/api/errors", errors),
    answer("/api/distributions/sessions", distributions),
    answer("/api/compare/agents", comparison),
  );
}

describe("pages fed with responses recorded from the real api-server", () => {
  it("the overview shows the recorded figures", async () => {
    answerRecorded();
    renderApp("/");
    expect(await screen.findByTestId("kpi-sessions")).toHaveTextContent(integer(overview.sessions));
    expect(screen.getByTestId("kpi-generations")).toHaveTextContent(integer(overview.generations));
    expect(screen.getByTestId("kpi-cost")).toHaveTextContent(`$${overview.totalCost.toFixed(2)}`);
    expect(await screen.findByRole("img", { name: "Cost per day" })).toBeInTheDocument();
    await waitFor(() =>
      expect(within(screen.getByRole("region", { name: "Sync" })).getByTestId("sync-status")).toHaveAttribute(
        "data-state",
        syncStatus.state,
      ),
    );
  });

  it("the sessions page lists the recorded page", async () => {
    answerRecorded();
    renderApp("/sessions");
    const table = await screen.findByRole("table", { name: "Sessions" });
    expect(within(table).getAllByRole("row")).toHaveLength(sessions.items.length + 1);
    expect(within(table).getByRole("link", { name: sessions.items[0]!.id })).toBeInTheDocument();
    expect(screen.getByText(new RegExp(`of ${integer(sessions.total)}$`))).toBeInTheDocument();
  });

  it("the session page shows every recorded trace", async () => {
    answerRecorded();
    renderApp(`/sessions/${sessionDetail.session.id}`);
    const timeline = await screen.findByRole("list", { name: "Traces in time order" });
    expect(timeline.querySelectorAll(":scope > li")).toHaveLength(sessionDetail.traces.length);
  });

  it("the agents page lists every recorded agent", async () => {
    answerRecorded();
    renderApp("/agents");
    const table = await screen.findByRole("table", { name: "Agents" });
    for (const agent of agents.items)
      expect(within(table).getByRole("link", { name: agent.agent })).toBeInTheDocument();
  });

  it("the agent page shows the recorded model mix and recent sessions", async () => {
    answerRecorded();
    renderApp(`/agents/${agentDetail.agent}`);
    const mix = await screen.findByRole("table", { name: "Model mix" });
    expect(within(mix).getAllByRole("row")).toHaveLength(agentDetail.modelMix.length + 1);
    const recent = screen.getByRole("table", { name: `Recent sessions of ${agentDetail.agent}` });
    expect(within(recent).getAllByRole("row")).toHaveLength(agentDetail.recentSessions.length + 1);
  });

  it("the models page lists every recorded model", async () => {
    answerRecorded();
    renderApp("/models");
    const table = await screen.findByRole("table", { name: "Models" });
    for (const model of models.items) expect(within(table).getByText(model.model)).toBeInTheDocument();
  });

  it("the agent page shows every recorded score of the agent", async () => {
    answerRecorded();
    renderApp(`/agents/${agentDetail.agent}`);
    for (const score of agentScores.items)
      expect(await screen.findByRole("region", { name: `Score ${score.name}` })).toBeInTheDocument();
  });

  it("the outcomes page shows every recorded outcome", async () => {
    answerRecorded();
    renderApp("/outcomes");
    const table = await screen.findByRole("table", { name: "Cost per outcome" });
    expect(within(table).getAllByRole("row")).toHaveLength(outcomes.items.length + 1);
    for (const score of scores.items)
      expect(await screen.findByRole("region", { name: `Score ${score.name}` })).toBeInTheDocument();
  });

  it("the errors page lists every recorded group", async () => {
    answerRecorded();
    renderApp("/errors");
    const table = await screen.findByRole("table", { name: "Error groups" });
    expect(within(table).getAllByRole("row")).toHaveLength(errors.items.length + 1);
  });

  it("the distributions page shows every recorded metric", async () => {
    answerRecorded();
    renderApp("/distributions");
    expect(await screen.findByText(`Over ${integer(distributions.sessions)} sessions`)).toBeInTheDocument();
    for (const metric of distributions.metrics)
      expect(screen.getByTestId(`distribution-${metric.metric}`)).toBeInTheDocument();
  });

  it("the compare page shows the recorded agents side by side", async () => {
    answerRecorded();
    const names = comparison.items.map((agent) => agent.agent);
    renderApp(`/compare?agents=${names.join(",")}`);
    const table = await screen.findByRole("table", { name: "Agents side by side" });
    expect(
      within(table)
        .getAllByRole("columnheader")
        .map((cell) => cell.textContent),
    ).toEqual(["Figure", ...names]);
  });
});
