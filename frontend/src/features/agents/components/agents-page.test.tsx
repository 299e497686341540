import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import agents from "../../../test/fixtures/agents.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";

const agentColumn = (table: HTMLElement) =>
  within(table)
    .getAllByRole("row")
    .slice(1)
    .map((row) => within(row).getAllByRole("cell")[0]?.textContent);

describe("the agents page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), neverAnswer("/api/agents"));
    renderApp("/agents");
    expect(await screen.findByText("Loading agents…")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Agents" })).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), noDataYet("/api/agents"));
    renderApp("/agents");
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), serverFailure("/api/agents"));
    renderApp("/agents");
    expect(await screen.findByRole("alert")).toHaveTextContent("502");
  });

  it("says why an agent with LLM calls outside any game has no session", async () => {
    const indexer = { ...agents.items[0]!, agent: "profile-indexer", sessions: 0, traces: 40 };
    server.use(syncStatusSuccess(), answer("/api/agents", { items: [...agents.items, indexer] }));
    renderApp("/agents");
    const table = await screen.findByRole("table", { name: "Agents" });
    const row = within(table).getByRole("link", { name: "profile-indexer" }).closest("tr")!;
    expect(within(row).getByTestId("no-session")).toHaveTextContent("no session");
    expect(within(row).getByTestId("no-session")).toHaveAttribute("title", expect.stringContaining("outside any game"));
    expect(within(table).getAllByTestId("no-session")).toHaveLength(1);
  });

  it("says so when no agent was active", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", { items: [] }));
    renderApp("/agents");
    expect(await screen.findByText("No agent activity in this range.")).toBeInTheDocument();
  });

  it("lists each agent's cost, volume, latency percentiles and error rate", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents));
    renderApp("/agents");
    const table = await screen.findByRole("table", { name: "Agents" });
    const matchmaker = within(table).getByRole("link", { name: "matchmaker" }).closest("tr")!;
    expect(
      within(matchmaker)
        .getAllByRole("cell")
        .map((cell) => cell.textContent),
    ).toEqual([
      "matchmaker",
      "900",
      "4,000",
      "4M",
      "$4.40",
      "700 ms",
      "2.50 s",
      "4.80 s",
      "0.08%",
      "gpt-4o-mini, claude-3-5-haiku, gpt-4o",
    ]);
    // An unknown p99 shows as a dash.
    const coach = within(table).getByRole("link", { name: "conversation-coach" }).closest("tr")!;
    expect(within(coach).getAllByRole("cell")[7]).toHaveTextContent("—");
  });

  it("sorts by a column, keeping the sort in the URL", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents));
    const { router } = renderApp("/agents");
    const table = await screen.findByRole("table", { name: "Agents" });
    expect(agentColumn(table)).toEqual(["matchmaker", "profile-writer", "referee", "conversation-coach"]);
    await userEvent.click(within(table).getByRole("button", { name: /Error rate/ }));
    expect(currentUrl(router)).toBe("/agents?sort=errorRate&order=desc");
    expect(agentColumn(table)).toEqual(["conversation-coach", "referee", "profile-writer", "matchmaker"]);
    await userEvent.click(within(table).getByRole("button", { name: /^Agent/ }));
    await userEvent.click(within(table).getByRole("button", { name: /^Agent/ }));
    expect(agentColumn(table)).toEqual(["conversation-coach", "matchmaker", "profile-writer", "referee"]);
  });

  it("offers the list as CSV for the chosen range", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents));
    renderApp("/agents?range=24h");
    await screen.findByRole("table", { name: "Agents" });
    const href = new URL(screen.getByRole("link", { name: "Download CSV" }).getAttribute("href")!, "http://localhost");
    expect(href.pathname).toBe("/api/agents");
    expect(href.searchParams.get("format")).toBe("csv");
    const hours = (Date.parse(href.searchParams.get("to")!) - Date.parse(href.searchParams.get("from")!)) / 3_600_000;
    expect(hours).toBe(24);
  });

  it("links each agent to its page, keeping the range", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents));
    renderApp("/agents?range=30d&sort=agent");
    expect(await screen.findByRole("link", { name: "referee" })).toHaveAttribute("href", "/agents/referee?range=30d");
  });

  it("shows each agent's score averages when the agents carry scores", async () => {
    const scored = {
      items: agents.items.map((agent, index) =>
        index === 0
          ? {
              ...agent,
              scores: [
                { name: "judge_rating", dataType: "NUMERIC", count: 40, average: 3.6 },
                { name: "win", dataType: "BOOLEAN", count: 10, average: 0.25 },
              ],
            }
          : agent,
      ),
    };
    server.use(syncStatusSuccess(), answer("/api/agents", scored));
    renderApp("/agents");
    const table = await screen.findByRole("table", { name: "Agents" });
    expect(within(table).getByRole("columnheader", { name: "Scores (average)" })).toBeInTheDocument();
    const row = within(table).getByRole("link", { name: agents.items[0]!.agent }).closest("tr")!;
    // One score per line, each its name and average.
    expect(row).toHaveTextContent("judge_rating 3.60win 0.25");
  });

  it("shows a categorical score's value shares instead of an average it does not have", async () => {
    const scored = {
      items: agents.items.map((agent, index) =>
        index === 0
          ? {
              ...agent,
              scores: [
                { name: "judge_rating", dataType: "NUMERIC", count: 40, average: 3.6, categories: [] },
                {
                  name: "match_outcome",
                  dataType: "CATEGORICAL",
                  count: 50,
                  average: null,
                  categories: [
                    { value: "match", count: 31, share: 0.62 },
                    { value: "no_match", count: 19, share: 0.38 },
                  ],
                },
              ],
            }
          : agent,
      ),
    };
    server.use(syncStatusSuccess(), answer("/api/agents", scored));
    renderApp("/agents");
    const table = await screen.findByRole("table", { name: "Agents" });
    const row = within(table).getByRole("link", { name: agents.items[0]!.agent }).closest("tr")!;
    expect(row).toHaveTextContent("judge_rating 3.6");
    expect(row).not.toHaveTextContent("match_outcome —");
    const shares = within(row).getByRole("list", { name: "match_outcome values" });
    expect(
      within(shares)
        .getAllByRole("listitem")
        .map((item) => item.textContent),
    ).toEqual(["match62.0% (31)", "no_match38.0% (19)"]);
  });
});
