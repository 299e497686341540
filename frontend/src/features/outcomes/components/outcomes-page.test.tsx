import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import outcomes from "../../../test/fixtures/outcomes.json";
import scores from "../../../test/fixtures/scores-matchmaker.json";
import { renderApp } from "../../../test/render";
import { server } from "../../../test/server";

describe("the outcomes page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), neverAnswer("/api/outcomes"), neverAnswer("/api/scores"));
    renderApp("/outcomes");
    expect(await screen.findByText("Loading outcomes…")).toBeInTheDocument();
    expect(screen.getByText("Loading scores…")).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), noDataYet("/api/outcomes"), noDataYet("/api/scores"));
    renderApp("/outcomes");
    expect(await screen.findAllByText("No data yet: the first sync is running.")).toHaveLength(2);
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), serverFailure("/api/outcomes"), answer("/api/scores", scores));
    renderApp("/outcomes");
    const section = await screen.findByRole("region", { name: "Cost per outcome" });
    expect(await within(section).findByRole("alert")).toHaveTextContent("502");
  });

  it("says so when no session carries an outcome", async () => {
    server.use(syncStatusSuccess(), answer("/api/outcomes", { items: [] }), answer("/api/scores", { items: [] }));
    renderApp("/outcomes");
    expect(
      await screen.findByText("No session in this range carries a categorical or boolean score."),
    ).toBeInTheDocument();
    expect(screen.getByText("No scores in this range.")).toBeInTheDocument();
  });

  it("shows the cost per outcome and every score's summary", async () => {
    server.use(syncStatusSuccess(), answer("/api/outcomes", outcomes), answer("/api/scores", scores));
    renderApp("/outcomes");
    const table = await screen.findByRole("table", { name: "Cost per outcome" });
    expect(within(table).getAllByRole("row")).toHaveLength(6);
    const matched = screen.getByTestId("outcome-match_outcome-match");
    expect(matched).toHaveTextContent("30");
    expect(matched).toHaveTextContent("$1.20");
    expect(within(matched).getByTestId("cost-per-session")).toHaveTextContent("$0.04");
    expect(await screen.findByRole("region", { name: "Score judge_rating" })).toBeInTheDocument();
    expect(screen.getByRole("region", { name: "Score user_satisfied" })).toHaveTextContent("75.0% (15)");
  });
});
