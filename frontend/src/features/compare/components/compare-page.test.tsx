import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import agents from "../../../test/fixtures/agents.json";
import comparison from "../../../test/fixtures/compare-matchmaker-referee.json";
import notFound from "../../../test/fixtures/error-agent-not-found.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";

describe("the compare page", () => {
  it("asks for two agents before comparing, without calling the API", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents));
    renderApp("/compare?agents=matchmaker");
    expect(await screen.findByText("Pick at least two agents to compare them.")).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "matchmaker" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("button", { name: "referee" })).toHaveAttribute("aria-pressed", "false");
  });

  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), neverAnswer("/api/compare/agents"));
    renderApp("/compare?agents=matchmaker,referee");
    expect(await screen.findByText("Loading comparison…")).toBeInTheDocument();
  });

  it("names an unknown agent", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), answer("/api/compare/agents", notFound, 404));
    renderApp("/compare?agents=matchmaker,ghost");
    expect(await screen.findByRole("alert")).toHaveTextContent(notFound.message);
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), serverFailure("/api/compare/agents"));
    renderApp("/compare?agents=matchmaker,referee");
    expect(await screen.findByRole("alert")).toHaveTextContent("502");
  });

  it("shows the agents side by side in the order picked, with their scores", async () => {
    let asked: string | null = null;
    server.use(
      syncStatusSuccess(),
      answer("/api/agents", agents),
      http.get("/api/compare/agents", ({ request }) => {
        asked = new URL(request.url).searchParams.get("agents");
        return HttpResponse.json(comparison);
      }),
    );
    renderApp("/compare?agents=matchmaker,referee&range=30d");
    const table = await screen.findByRole("table", { name: "Agents side by side" });
    expect(asked).toBe("matchmaker,referee");
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((cell) => cell.textContent);
    expect(headers).toEqual(["Figure", "matchmaker", "referee"]);
    expect(within(table).getByRole("link", { name: "matchmaker" })).toHaveAttribute(
      "href",
      "/agents/matchmaker?range=30d",
    );
    const row = (label: string) => within(table).getByRole("rowheader", { name: label }).closest("tr")!;
    expect(row("Cost")).toHaveTextContent("$4.40");
    expect(row("Latency p99")).toHaveTextContent("4.80 s");
    expect(row("Score judge_rating")).toHaveTextContent("3.60 (40)4.10 (22)");
    // A categorical score: its values' shares, not an average of nothing.
    const outcome = row("Score match_outcome");
    const shares = within(outcome).getByRole("list", { name: "matchmaker match_outcome values" });
    expect(
      within(shares)
        .getAllByRole("listitem")
        .map((item) => item.textContent),
    ).toEqual(["match62.0% (31)", "no_match38.0% (19)"]);
    expect(outcome.lastElementChild).toHaveTextContent("—");
  });

  it("lists each figure with every agent's value for phones, where the table is hidden", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), answer("/api/compare/agents", comparison));
    renderApp("/compare?agents=matchmaker,referee&range=30d");
    const byFigure = await screen.findByRole("region", { name: "Agents side by side, figure by figure" });
    expect(byFigure).toHaveClass("sm:hidden");
    expect(screen.getByRole("table", { name: "Agents side by side" }).parentElement).toHaveClass("hidden", "sm:block");
    expect(within(byFigure).getByRole("link", { name: "referee" })).toHaveAttribute(
      "href",
      "/agents/referee?range=30d",
    );
    const figure = (label: string) =>
      Array.from(
        within(byFigure).getByText(label, { selector: "dt" }).parentElement!.querySelectorAll("dd"),
        (value) => value.textContent,
      );
    expect(figure("Cost")).toEqual(["matchmaker$4.40", "referee$1.47"]);
    expect(figure("Sessions")).toEqual(["matchmaker900", "referee600"]);
    expect(figure("Score match_outcome")).toEqual(["matchmakermatch62.0% (31)no_match38.0% (19)", "referee—"]);
  });

  it("adds and removes agents through their buttons, in the URL", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), answer("/api/compare/agents", comparison));
    const { router } = renderApp("/compare?agents=matchmaker");
    await userEvent.click(await screen.findByRole("button", { name: "referee" }));
    expect(currentUrl(router)).toBe("/compare?agents=matchmaker%2Creferee");
    expect(await screen.findByRole("table", { name: "Agents side by side" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "matchmaker" }));
    expect(currentUrl(router)).toBe("/compare?agents=referee");
    expect(await screen.findByText("Pick at least two agents to compare them.")).toBeInTheDocument();
  });
});
