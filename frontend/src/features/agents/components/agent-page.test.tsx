import { screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import detail from "../../../test/fixtures/agent-matchmaker.json";
import notFound from "../../../test/fixtures/error-agent-not-found.json";
import { renderApp } from "../../../test/render";
import { server } from "../../../test/server";
import scores from "../../../test/fixtures/scores-matchmaker.json";

const agentScores = () => answer("/api/scores", scores);

describe("the agent page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), agentScores(), neverAnswer("/api/agents/matchmaker"));
    renderApp("/agents/matchmaker");
    expect(await screen.findByText("Loading agent…")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Agent matchmaker" })).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), agentScores(), noDataYet("/api/agents/matchmaker"));
    renderApp("/agents/matchmaker");
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
  });

  it("says when the agent was never seen", async () => {
    server.use(syncStatusSuccess(), agentScores(), answer("/api/agents/ghost", notFound, 404));
    renderApp("/agents/ghost");
    expect(await screen.findByText("No agent named “ghost” has been seen in the synced data.")).toBeInTheDocument();
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), agentScores(), serverFailure("/api/agents/matchmaker"));
    renderApp("/agents/matchmaker");
    expect(await screen.findByRole("alert")).toHaveTextContent("502");
  });

  it("encodes an agent name that is not URL-safe", async () => {
    server.use(
      syncStatusSuccess(),
      agentScores(),
      answer("/api/agents/judge%20%2F%20v2", { ...detail, agent: "judge / v2" }),
    );
    renderApp(`/agents/${encodeURIComponent("judge / v2")}`);
    expect(await screen.findByRole("region", { name: "Summary" })).toBeInTheDocument();
  });

  it("shows the agent's figures, daily series, model mix and recent sessions", async () => {
    server.use(syncStatusSuccess(), agentScores(), answer("/api/agents/matchmaker", detail));
    renderApp("/agents/matchmaker");
    const summary = await screen.findByRole("region", { name: "Summary" });
    expect(within(summary).getByText("Cost").nextSibling).toHaveTextContent("$4.40");
    expect(within(summary).getByText("Latency p99").nextSibling).toHaveTextContent("4.80 s");
    expect(await screen.findByRole("img", { name: "Cost per day" })).toBeInTheDocument();
    const mix = screen.getByRole("table", { name: "Model mix" });
    expect(within(mix).getAllByRole("row")).toHaveLength(4);
    const gpt4oMini = within(mix).getByText("gpt-4o-mini").closest("tr")!;
    expect(gpt4oMini).toHaveTextContent("2,500");
    const recent = screen.getByRole("table", { name: "Recent sessions of matchmaker" });
    expect(within(recent).getAllByRole("row")).toHaveLength(6);
    expect(within(recent).getByRole("link", { name: "session-10234" })).toHaveAttribute(
      "href",
      "/sessions/session-10234",
    );
  });

  it("links to the sessions list filtered by the agent, keeping the range", async () => {
    server.use(syncStatusSuccess(), agentScores(), answer("/api/agents/matchmaker", detail));
    renderApp("/agents/matchmaker?range=30d");
    expect(await screen.findByRole("link", { name: "All sessions of this agent" })).toHaveAttribute(
      "href",
      "/sessions?range=30d&agent=matchmaker",
    );
  });

  it("says so when the agent had no activity in the range", async () => {
    server.use(
      syncStatusSuccess(),
      answer("/api/scores", { items: [] }),
      answer("/api/agents/matchmaker", { ...detail, daily: [], modelMix: [], recentSessions: [] }),
    );
    renderApp("/agents/matchmaker");
    expect(await screen.findByText("No activity in this range.")).toBeInTheDocument();
    expect(screen.getByText("This agent made no LLM calls in this range.")).toBeInTheDocument();
    expect(screen.getByText("No sessions in this range.")).toBeInTheDocument();
    expect(await screen.findByText("No scores for this agent in this range.")).toBeInTheDocument();
  });

  it("shows the agent's scores: average, distribution, trend and category shares", async () => {
    let askedFor: URLSearchParams | null = null;
    server.use(
      syncStatusSuccess(),
      answer("/api/agents/matchmaker", detail),
      http.get("/api/scores", ({ request }) => {
        askedFor = new URL(request.url).searchParams;
        return HttpResponse.json(scores);
      }),
    );
    renderApp("/agents/matchmaker");
    const rating = await screen.findByRole("region", { name: "Score judge_rating" });
    expect(askedFor!.get("agent")).toBe("matchmaker");
    expect(within(rating).getByTestId("score-average-judge_rating")).toHaveTextContent("3.6");
    expect(within(rating).getByRole("img", { name: "judge_rating distribution" })).toBeInTheDocument();
    // The trend has its scale: the value range in its name, the bounds and first and last day beside it.
    expect(
      within(rating).getByRole("img", { name: /^judge_rating average per day: from \S+ to \S+$/ }),
    ).toBeInTheDocument();
    expect(within(rating).getByTestId("histogram-count-axis")).toHaveTextContent(/^\d+scores0$/);
    const outcome = screen.getByRole("region", { name: "Score match_outcome" });
    const shares = within(outcome).getAllByRole("listitem");
    expect(shares.map((item) => item.textContent)).toEqual([
      "match60.0% (30)",
      "no_match30.0% (15)",
      "abandoned10.0% (5)",
    ]);
    expect(within(outcome).queryByText("Average")).toBeNull();
  });

  it("shows a failure of the scores without hiding the agent's figures", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents/matchmaker", detail), serverFailure("/api/scores"));
    renderApp("/agents/matchmaker");
    const section = await screen.findByRole("region", { name: "Scores" });
    expect(await within(section).findByRole("alert")).toHaveTextContent("502");
    expect(screen.getByRole("region", { name: "Summary" })).toBeInTheDocument();
  });
});
