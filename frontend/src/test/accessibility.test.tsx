import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { answer } from "./api-handlers";
import agentDetail from "./fixtures/agent-matchmaker.json";
import agents from "./fixtures/agents.json";
import daily from "./fixtures/metrics-daily-7d.json";
import models from "./fixtures/models.json";
import modelsDaily from "./fixtures/models-daily.json";
import overview from "./fixtures/overview-7d.json";
import sessionDetail from "./fixtures/session-detail.json";
import sessions from "./fixtures/sessions-page-1.json";
import syncStatus from "./fixtures/sync-status-rate-limited.json";
import trace from "./fixtures/trace-detail.json";
import scores from "./fixtures/scores-matchmaker.json";
import outcomes from "./fixtures/outcomes.json";
import errors from "./fixtures/errors.json";
import distributions from "./fixtures/distributions-sessions.json";
import comparison from "./fixtures/compare-matchmaker-referee.json";
import scoredSession from "./fixtures/session-detail-scored.json";
import environments from "./fixtures/environments.json";
import alerts from "./fixtures/alerts-firing.json";
import { renderApp } from "./render";
import { server } from "./server";

// axe-core's structural rules (names, labels, roles, landmarks, lists, tables).
// jsdom has no layout, so contrast is checked by eye in both colour schemes instead.
async function violations(container: HTMLElement): Promise<string[]> {
  const results = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
  return results.violations.map(
    (violation) =>
      `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`,
  );
}

function answerEverything() {
  server.use(
    answer("/api/sync/status", syncStatus),
    answer("/api/overview", overview),
    answer("/api/metrics/daily", daily),
    answer("/api/agents", agents),
    answer("/api/models", models),
    answer("/api/models/daily", modelsDaily),
    answer("/api/sessions", sessions),
    answer(`/api/sessions/${sessionDetail.session.id}`, sessionDetail),
    answer(`/api/agents/${agentDetail.agent}`, agentDetail),
    answer(`/api/traces/${trace.id}`, trace),
    answer("/api/scores", scores),
    answer("/api/outcomes", outcomes),
    answer("/api/errors", errors),
    answer("/api/distributions/sessions", distributions),
    answer("/api/compare/agents", comparison),
    answer("/api/environments", environments),
    answer("/api/alerts", alerts),
    answer("/api/sessions/scored", { ...scoredSession, session: { ...scoredSession.session, id: "scored" } }),
  );
}

describe("accessibility of every page with data", () => {
  beforeEach(() => {
    // axe probes fonts through a canvas, which jsdom lacks.
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
  });

  it.each([
    ["the overview", "/", "region", "Key figures"],
    ["the sessions list", "/sessions", "table", "Sessions"],
    ["a session", `/sessions/${sessionDetail.session.id}`, "region", "Summary"],
    ["the agents list", "/agents", "table", "Agents"],
    ["an agent", `/agents/${agentDetail.agent}`, "region", "Summary"],
    ["the models", "/models", "table", "Models"],
    ["a trace", `/traces/${trace.id}`, "region", "Summary"],
    ["a scored session", "/sessions/scored", "region", "Scores"],
    ["the outcomes", "/outcomes", "table", "Cost per outcome"],
    ["the errors", "/errors", "table", "Error groups"],
    ["the distributions", "/distributions", "region", "Cost per session"],
    ["the comparison", "/compare?agents=matchmaker,referee", "table", "Agents side by side"],
    ["the alerts", "/alerts", "table", "Alert rules"],
  ] as const)("%s has no axe violations", async (_name, path, role, name) => {
    answerEverything();
    const { container } = renderApp(path);
    await screen.findByRole(role, { name });
    await screen.findByText(/Rate-limited, retrying/);
    expect(await violations(container)).toEqual([]);
  });

  it("an expanded observation with its payloads has no axe violations", async () => {
    answerEverything();
    const { container } = renderApp(`/sessions/${sessionDetail.session.id}`);
    await userEvent.click(await screen.findByRole("button", { name: /judge-date/ }));
    await userEvent.click(screen.getByRole("button", { name: /^round-1/ }));
    await userEvent.click(screen.getByRole("button", { name: /rank-candidates/ }));
    expect(await violations(container)).toEqual([]);
  });

  it("the open environment picker, with a chosen environment and an internal one, has no axe violations", async () => {
    answerEverything();
    const { container } = renderApp("/models?environment=staging,langfuse-llm-as-a-judge");
    await screen.findByRole("table", { name: "Models" });
    await userEvent.click(screen.getByRole("button", { name: /^Environment:/ }));
    await screen.findByRole("group", { name: "Internal (Langfuse evaluations)" });
    expect(await violations(container)).toEqual([]);
  });
});
