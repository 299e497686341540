import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, syncStatusSuccess } from "../../../test/api-handlers";
import agents from "../../../test/fixtures/agents.json";
import notFound from "../../../test/fixtures/error-agent-not-found.json";
import versions from "../../../test/fixtures/versions-matchmaker.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";

/** Serves the agents and the versions fixture; returns the last query /api/versions was asked. */
function serveAgentsAndVersions(): () => URLSearchParams {
  let asked: URLSearchParams | null = null;
  server.use(
    syncStatusSuccess(),
    answer("/api/agents", agents),
    http.get("/api/versions", ({ request }) => {
      asked = new URL(request.url).searchParams;
      return HttpResponse.json(versions);
    }),
  );
  return () => {
    if (asked === null) throw new Error("/api/versions was not asked");
    return asked;
  };
}

describe("the versions page", () => {
  it("opens on the agent with the most sessions when none is chosen", async () => {
    const asked = serveAgentsAndVersions();
    renderApp("/versions");
    const busiest = [...agents.items].sort((a, b) => b.sessions - a.sessions)[0]?.agent;
    await screen.findByText(/Versions of/);
    expect(screen.getByRole("combobox", { name: "Agent" })).toHaveValue(busiest);
    expect(asked().get("agent")).toBe(busiest);
    expect(screen.getByRole("button", { name: "Release" })).toHaveAttribute("aria-pressed", "true");
  });

  it("says so when no agent has data in the range", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", { ...agents, items: [] }));
    renderApp("/versions");
    expect(await screen.findByText(/No agent has data in this range/)).toBeInTheDocument();
  });

  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), neverAnswer("/api/versions"));
    renderApp("/versions?agent=matchmaker");
    expect(await screen.findByText("Loading versions…")).toBeInTheDocument();
  });

  it("names an unknown agent", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), answer("/api/versions", notFound, 404));
    renderApp("/versions?agent=ghost");
    expect(await screen.findByRole("alert")).toHaveTextContent(notFound.message);
  });

  it("says in a sentence whether the newest release won, and lists the releases oldest first with intervals", async () => {
    const asked = serveAgentsAndVersions();
    renderApp("/versions?agent=matchmaker&range=30d");
    expect(await screen.findByTestId("version-verdict")).toHaveTextContent(
      "release cupid@1.8.1 of matchmaker wins 65 % ± 4 % of games vs 50 % ± 10 % for cupid@1.8.0, " +
        "at 12 % more cost per game. The 95 % intervals do not overlap.",
    );
    expect(asked().get("agent")).toBe("matchmaker");
    expect(asked().get("by")).toBe("release");
    const table = screen.getByRole("table", { name: "Versions of matchmaker by release, oldest first" });
    const versionsShown = within(table)
      .getAllByRole("rowheader")
      .map((cell) => cell.textContent);
    expect(versionsShown).toEqual(["cupid@1.7.2", "cupid@1.8.0", "cupid@1.8.1"]);
    const newest = within(table).getByRole("rowheader", { name: "cupid@1.8.1" }).closest("tr")!;
    expect(
      within(newest).getByRole("img", { name: "win = true of cupid@1.8.1: 65.0%, 95 % interval 61.0% to 69.0%" }),
    ).toBeInTheDocument();
    expect(newest).toHaveTextContent("+15.0 pts");
    expect(newest).toHaveTextContent("+12.0 %");
    expect(within(newest).getAllByText("differs").length).toBeGreaterThan(0);
    const oldest = within(table).getByRole("rowheader", { name: "cupid@1.7.2" }).closest("tr")!;
    expect(within(oldest).queryByText("differs")).toBeNull();
  });

  it("keeps the agent, dimension and score in the URL", async () => {
    const asked = serveAgentsAndVersions();
    const { router } = renderApp("/versions?agent=matchmaker");
    await screen.findByTestId("version-verdict");
    await userEvent.click(screen.getByRole("button", { name: "Prompt" }));
    expect(currentUrl(router)).toBe("/versions?agent=matchmaker&by=prompt");
    await screen.findByTestId("version-verdict");
    expect(asked().get("by")).toBe("prompt");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Score" }), "match_quality");
    expect(currentUrl(router)).toBe("/versions?agent=matchmaker&by=prompt&score=match_quality");
    expect(await screen.findByTestId("version-verdict")).toHaveTextContent("averages match_quality 0.52 ± 0.05");
  });
});
