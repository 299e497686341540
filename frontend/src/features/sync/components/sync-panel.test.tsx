import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet } from "../../../test/api-handlers";
import agents from "../../../test/fixtures/agents.json";
import daemonUnavailable from "../../../test/fixtures/error-daemon-unavailable.json";
import daily from "../../../test/fixtures/metrics-daily-7d.json";
import models from "../../../test/fixtures/models.json";
import overview from "../../../test/fixtures/overview-7d.json";
import syncError from "../../../test/fixtures/sync-status-error.json";
import rateLimited from "../../../test/fixtures/sync-status-rate-limited.json";
import running from "../../../test/fixtures/sync-status-running.json";
import success from "../../../test/fixtures/sync-status-success.json";
import { renderApp, renderRoute } from "../../../test/render";
import { server } from "../../../test/server";
import { SyncPanel } from "./sync-panel";

const renderPanel = () => renderRoute(<SyncPanel />);

describe("the sync panel", () => {
  it("says that it is checking the status while it loads", () => {
    server.use(neverAnswer("/api/sync/status"));
    renderPanel();
    expect(screen.getByTestId("sync-status")).toHaveTextContent("Checking the sync status…");
    expect(screen.getByTestId("sync-status")).toHaveAttribute("data-state", "unknown");
  });

  it.each([
    ["success", success, /^Up to date · synced \d+ (s|min|h|days?) ago$/],
    ["running", running, /^Syncing… page 12 · 2,310 rows$/],
    ["error", syncError, new RegExp(`^Error: ${syncError.lastError.replace(/[()]/g, "\\$&")}$`)],
    ["rate_limited", rateLimited, /^Rate-limited, retrying (any moment|in .+)$/],
  ])("says the %s state in one plain sentence, never the raw state word", async (state, status, sentence) => {
    server.use(answer("/api/sync/status", status));
    renderPanel();
    const line = screen.getByTestId("sync-status");
    await waitFor(() => expect(line).toHaveAttribute("data-state", state));
    expect(line.textContent).toMatch(sentence);
    expect(line.textContent).not.toContain(state === "rate_limited" ? "rate_limited" : ` ${state}`);
  });

  it("says the data is behind when no cycle succeeded for too long", async () => {
    server.use(answer("/api/sync/status", { ...success, stale: true }));
    renderPanel();
    await waitFor(() => expect(screen.getByTestId("sync-status")).toHaveTextContent(/^Behind · synced/));
  });

  it("shows the last sync relatively, with the exact UTC time on hover", async () => {
    server.use(answer("/api/sync/status", success));
    renderPanel();
    const time = await screen.findByText(/ago$/);
    expect(time).toHaveAttribute("dateTime", success.lastSuccessAt);
    expect(time).toHaveAttribute("title", expect.stringContaining("2026-11-25 20:40:31 UTC"));
  });

  it("shows when the rate limit lifts and the last error", async () => {
    server.use(answer("/api/sync/status", rateLimited));
    renderPanel();
    expect(await screen.findByText(rateLimited.lastError)).toBeInTheDocument();
    expect(
      screen.getByTestId("sync-status").querySelector(`time[datetime="${rateLimited.rateLimitedUntil}"]`),
    ).not.toBeNull();
  });

  it("shows when the next sync is due, or that it is due now", async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toISOString();
    server.use(answer("/api/sync/status", { ...success, nextRunAt: inTwoMinutes }));
    const { unmount } = renderPanel();
    expect(await screen.findByText("in 2 min")).toHaveAttribute("dateTime", inTwoMinutes);
    expect(screen.getByText("Next sync")).toBeInTheDocument();
    unmount();
    server.use(answer("/api/sync/status", { ...rateLimited, rateLimitedUntil: "2000-01-01T00:00:00.000Z" }));
    renderPanel();
    expect(await screen.findByText("any moment")).toBeInTheDocument();
  });

  it("shows the error message of a failed sync", async () => {
    server.use(answer("/api/sync/status", syncError));
    renderPanel();
    expect(await screen.findByTestId("sync-error")).toHaveTextContent(syncError.lastError);
  });

  it("folds into a status button for phones that opens the details", async () => {
    server.use(answer("/api/sync/status", success));
    renderPanel();
    const toggle = screen.getByTestId("sync-toggle");
    await waitFor(() => expect(toggle).toHaveTextContent("Up to date"));
    const body = screen.getByTestId("sync-body");
    expect(toggle).toHaveAttribute("aria-controls", body.id);
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    // Folded below the lg breakpoint; always shown from it.
    expect(body).toHaveClass("hidden", "lg:block");
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(body).not.toHaveClass("hidden");
  });

  it("says in words how it reads Langfuse: the observations mode and why, the scores endpoint, the page size", async () => {
    server.use(answer("/api/sync/status", syncError));
    renderPanel();
    await userEvent.click(await screen.findByText("How it reads Langfuse"));
    expect(screen.getByTestId("sync-api-mode")).toHaveTextContent("read from Langfuse's older (legacy) endpoints");
    expect(screen.getByTestId("sync-api-mode")).toHaveTextContent(`Why: ${syncError.apiModeReason}`);
    expect(screen.getByTestId("sync-scores-endpoint")).toHaveTextContent("read from the v2 scores endpoint");
    expect(screen.getByTestId("sync-page-size")).toHaveTextContent("250 rows per request");
  });

  it("names the v2 endpoints and a full page", async () => {
    server.use(answer("/api/sync/status", success));
    renderPanel();
    await screen.findByText(/ago$/);
    expect(screen.getByTestId("sync-api-mode")).toHaveTextContent("read from Langfuse's v2 endpoints");
    expect(screen.getByTestId("sync-scores-endpoint")).toHaveTextContent("read from the v3 scores endpoint");
    expect(screen.getByTestId("sync-page-size")).toHaveTextContent("1,000 rows per request");
  });

  it("says what a daemon has not recorded yet instead of showing blanks", async () => {
    const { apiModeReason: _reason, scoresEndpoint: _scores, pageSize: _pageSize, ...older } = success;
    server.use(answer("/api/sync/status", { ...older, apiMode: null }));
    renderPanel();
    await screen.findByText(/ago$/);
    expect(screen.getByTestId("sync-api-mode")).toHaveTextContent("no request sent yet");
    expect(screen.getByTestId("sync-api-mode")).not.toHaveTextContent("Why:");
    expect(screen.getByTestId("sync-scores-endpoint")).toHaveTextContent("not read yet");
    expect(screen.getByTestId("sync-page-size")).toHaveTextContent("not recorded yet");
  });

  it("says no sync was recorded when the database does not exist yet", async () => {
    server.use(noDataYet("/api/sync/status"));
    renderPanel();
    await waitFor(() => expect(screen.getByTestId("sync-status")).toHaveTextContent("No sync recorded yet"));
    expect(screen.getByTestId("sync-toggle")).toHaveTextContent("No sync yet");
  });

  it("shows the refresh failure when the daemon cannot be reached", async () => {
    server.use(
      answer("/api/sync/status", success),
      http.post("/api/sync/trigger", () => HttpResponse.json(daemonUnavailable, { status: 503 })),
    );
    renderPanel();
    await screen.findByText(/ago$/);
    await userEvent.click(screen.getByRole("button", { name: "Refresh" }));
    expect(await screen.findByText(daemonUnavailable.message)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Refresh" })).toBeEnabled();
  });

  it("triggers a sync, follows it until it ends and then reloads the data", async () => {
    const finished = {
      ...success,
      cycleStartedAt: running.cycleStartedAt,
      cycleFinishedAt: "2026-11-25T20:45:30.000Z",
      lastSuccessAt: "2026-11-25T20:45:30.000Z",
    };
    let phase: "before" | "running" | "finished" = "before";
    let statusPolls = 0;
    let overviewLoads = 0;
    let triggers = 0;
    server.use(
      http.get("/api/sync/status", () => {
        statusPolls += 1;
        if (phase === "running" && statusPolls > 3) phase = "finished";
        return HttpResponse.json(phase === "before" ? success : phase === "running" ? running : finished);
      }),
      http.post("/api/sync/trigger", () => {
        triggers += 1;
        phase = "running";
        statusPolls = 0;
        return HttpResponse.json({ status: "started" }, { status: 202 });
      }),
      http.get("/api/overview", () => {
        overviewLoads += 1;
        return HttpResponse.json(overview);
      }),
      answer("/api/metrics/daily", daily),
      answer("/api/agents", agents),
      answer("/api/models", models),
    );
    renderApp("/");
    await screen.findByTestId("kpi-sessions");
    const panel = screen.getByRole("region", { name: "Sync" });
    await waitFor(() => expect(within(panel).getByTestId("sync-status")).toHaveAttribute("data-state", "success"));

    await userEvent.click(within(panel).getByRole("button", { name: "Refresh" }));
    expect(triggers).toBe(1);
    await waitFor(() => expect(within(panel).getByTestId("sync-status")).toHaveAttribute("data-state", "running"));
    expect(within(panel).getByRole("button", { name: "Refresh" })).toBeDisabled();
    expect(within(panel).getByText("Sync in progress…")).toBeInTheDocument();

    await waitFor(() => expect(within(panel).getByText("Sync finished: up to date.")).toBeInTheDocument(), {
      timeout: 8_000,
    });
    expect(within(panel).getByRole("button", { name: "Refresh" })).toBeEnabled();
    await waitFor(() => expect(overviewLoads).toBe(2));
  });

  it("follows a cycle that was already running (409)", async () => {
    let triggered = false;
    server.use(
      http.get("/api/sync/status", () => HttpResponse.json(triggered ? running : success)),
      http.post("/api/sync/trigger", () => {
        triggered = true;
        return HttpResponse.json({ status: "already_running" }, { status: 409 });
      }),
    );
    renderPanel();
    await screen.findByText(/ago$/);
    await userEvent.click(screen.getByRole("button", { name: "Refresh" }));
    expect(await screen.findByText("Sync in progress…")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("sync-status")).toHaveAttribute("data-state", "running"));
  });
});
