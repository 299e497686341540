import { screen, waitFor } from "@testing-library/react";
import { http, HttpResponse, type JsonBodyType } from "msw";
import { describe, expect, it } from "vitest";
import { answer } from "./api-handlers";
import agentDetail from "./fixtures/agent-matchmaker.json";
import agents from "./fixtures/agents.json";
import comparison from "./fixtures/compare-matchmaker-referee.json";
import distributions from "./fixtures/distributions-sessions.json";
import errors from "./fixtures/errors.json";
import daily from "./fixtures/metrics-daily-7d.json";
import models from "./fixtures/models.json";
import modelsDaily from "./fixtures/models-daily.json";
import outcomes from "./fixtures/outcomes.json";
import overview from "./fixtures/overview-7d.json";
import scores from "./fixtures/scores-matchmaker.json";
import sessions from "./fixtures/sessions-page-1.json";
import syncStatus from "./fixtures/sync-status-success.json";
import { renderApp } from "./render";
import { server } from "./server";

// Every figure and list request carries the chosen environments, and leaves
// the parameter out by default so the API applies its own default (every
// environment but Langfuse's internal ones).

const FIGURE_ENDPOINTS: Record<string, JsonBodyType> = {
  "/api/overview": overview,
  "/api/metrics/daily": daily,
  "/api/agents": agents,
  [`/api/agents/${agentDetail.agent}`]: agentDetail,
  "/api/models": models,
  "/api/models/daily": modelsDaily,
  "/api/sessions": sessions,
  "/api/scores": scores,
  "/api/outcomes": outcomes,
  "/api/errors": errors,
  "/api/distributions/sessions": distributions,
  "/api/compare/agents": comparison,
};

/** Answers every figure endpoint, noting each request's `environment` (null when absent) by path. */
function recordEnvironments() {
  const asked = new Map<string, (string | null)[]>();
  server.use(
    answer("/api/sync/status", syncStatus),
    ...Object.entries(FIGURE_ENDPOINTS).map(([path, body]) =>
      http.get(path, ({ request }) => {
        const url = new URL(request.url);
        asked.set(url.pathname, [...(asked.get(url.pathname) ?? []), url.searchParams.get("environment")]);
        return HttpResponse.json(body);
      }),
    ),
  );
  return asked;
}

const PAGES = [
  ["the overview", "/", "region", "Key figures", ["/api/overview", "/api/metrics/daily", "/api/agents", "/api/models"]],
  ["the sessions list", "/sessions", "table", "Sessions", ["/api/sessions", "/api/agents"]],
  ["the agents list", "/agents", "table", "Agents", ["/api/agents"]],
  [
    "an agent",
    `/agents/${agentDetail.agent}`,
    "region",
    "Summary",
    [`/api/agents/${agentDetail.agent}`, "/api/scores"],
  ],
  ["the models", "/models", "table", "Models", ["/api/models", "/api/models/daily"]],
  ["the outcomes", "/outcomes", "table", "Cost per outcome", ["/api/outcomes", "/api/scores"]],
  ["the errors", "/errors", "table", "Error groups", ["/api/errors"]],
  ["the distributions", "/distributions", "region", "Cost per session", ["/api/distributions/sessions"]],
  [
    "the comparison",
    "/compare?agents=matchmaker,referee",
    "table",
    "Agents side by side",
    ["/api/compare/agents", "/api/agents"],
  ],
] as const;

function withEnvironment(path: string, environment: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}environment=${encodeURIComponent(environment)}`;
}

async function waitForRequests(asked: Map<string, unknown[]>, endpoints: readonly string[]) {
  await waitFor(() => {
    for (const endpoint of endpoints) expect(asked.get(endpoint), endpoint).toBeDefined();
  });
}

describe("the environment in every figure request", () => {
  it.each(PAGES)("%s asks for the chosen environments", async (_page, path, role, name, endpoints) => {
    const asked = recordEnvironments();
    renderApp(withEnvironment(path, "staging,langfuse-llm-as-a-judge"));
    await screen.findByRole(role, { name });
    // A section can render before a sibling query has left the browser, so wait for every request.
    await waitForRequests(asked, endpoints);
    for (const endpoint of endpoints) {
      expect(new Set(asked.get(endpoint)), endpoint).toEqual(new Set(["langfuse-llm-as-a-judge,staging"]));
    }
  });

  it.each(PAGES)("%s leaves the parameter out by default", async (_page, path, role, name, endpoints) => {
    const asked = recordEnvironments();
    renderApp(path);
    await screen.findByRole(role, { name });
    await waitForRequests(asked, endpoints);
    for (const endpoint of endpoints) {
      expect(new Set(asked.get(endpoint)), endpoint).toEqual(new Set([null]));
    }
  });
});

describe("the environment in CSV links", () => {
  it.each([
    ["/sessions", "/api/sessions"],
    ["/agents", "/api/agents"],
  ])("%s's CSV carries the chosen environments, and none by default", async (path, endpoint) => {
    recordEnvironments();
    const { unmount } = renderApp(withEnvironment(path, "staging"));
    const chosen = new URL(
      (await screen.findByRole("link", { name: "Download CSV" })).getAttribute("href")!,
      "http://x",
    );
    expect(chosen.pathname).toBe(endpoint);
    expect(chosen.searchParams.get("environment")).toBe("staging");
    expect(chosen.searchParams.get("format")).toBe("csv");
    unmount();

    renderApp(path);
    const byDefault = new URL(
      (await screen.findByRole("link", { name: "Download CSV" })).getAttribute("href")!,
      "http://x",
    );
    expect(byDefault.searchParams.has("environment")).toBe(false);
  });
});
