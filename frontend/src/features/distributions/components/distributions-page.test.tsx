import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import distributions from "../../../test/fixtures/distributions-sessions.json";
import { renderApp } from "../../../test/render";
import { server } from "../../../test/server";

describe("the distributions page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), neverAnswer("/api/distributions/sessions"));
    renderApp("/distributions");
    expect(await screen.findByText("Loading distributions…")).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), noDataYet("/api/distributions/sessions"));
    renderApp("/distributions");
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), serverFailure("/api/distributions/sessions"));
    renderApp("/distributions");
    expect(await screen.findByRole("alert")).toHaveTextContent("502");
  });

  it("says so when no session started in the range", async () => {
    server.use(syncStatusSuccess(), answer("/api/distributions/sessions", { sessions: 0, metrics: [] }));
    renderApp("/distributions");
    expect(await screen.findByText("No sessions started in this range.")).toBeInTheDocument();
  });

  it("shows each metric's percentiles, histogram and outliers linked to their sessions", async () => {
    server.use(syncStatusSuccess(), answer("/api/distributions/sessions", distributions));
    renderApp("/distributions?range=30d");
    const cost = await screen.findByRole("region", { name: "Cost per session" });
    expect(within(cost).getByTestId("totalCost-p50")).toHaveTextContent("$0.03");
    expect(within(cost).getByTestId("totalCost-p99")).toHaveTextContent("$0.40");
    expect(within(cost).getByRole("img", { name: "Cost per session, histogram" })).toBeInTheDocument();
    expect(within(cost).getAllByRole("listitem", { hidden: true }).length).toBeGreaterThanOrEqual(20);
    const costliest = within(cost).getByRole("list", { name: "Costliest sessions" });
    const first = within(costliest).getAllByRole("listitem")[0]!;
    expect(first).toHaveTextContent("session-10234$0.50");
    expect(within(first).getByRole("link")).toHaveAttribute("href", "/sessions/session-10234?range=30d");

    const duration = screen.getByRole("region", { name: "Duration per session" });
    expect(within(duration).getByTestId("durationMs-p50")).toHaveTextContent("8m 00s");
    const turns = screen.getByRole("region", { name: "Traces (turns) per session" });
    expect(within(turns).getByTestId("traces-max")).toHaveTextContent("40");
    expect(within(turns).getByTestId("traces-mean")).toHaveTextContent("8.5");
    const errors = screen.getByRole("region", { name: "Errors per session" });
    expect(within(errors).getByTestId("errors-mean")).toHaveTextContent("0.4");
    expect(screen.getByTestId("distribution-sessions")).toHaveTextContent("Over 120 sessions");
  });

  it("bins whole-number metrics by whole values and names every axis", async () => {
    server.use(syncStatusSuccess(), answer("/api/distributions/sessions", distributions));
    renderApp("/distributions");
    const errors = await screen.findByRole("region", { name: "Errors per session" });
    const perBin = within(errors).getByRole("list", { name: "Errors per session, histogram, per bin", hidden: true });
    expect(within(perBin).getAllByRole("listitem", { hidden: true })[0]).toHaveTextContent("0: 53 sessions");
    expect(within(errors).getByText("Sessions by errors")).toBeInTheDocument();
    const turns = screen.getByRole("region", { name: "Traces (turns) per session" });
    const ticks = within(turns)
      .getAllByTestId("histogram-tick")
      .map((tick) => tick.textContent);
    expect(ticks[0]).toBe("1–2");
    expect(ticks.at(-1)).toBe("39–40");
    expect(ticks.every((tick) => !tick?.includes("."))).toBe(true);
    expect(
      within(screen.getByRole("region", { name: "Cost per session" })).getByText("Sessions by cost (USD)"),
    ).toBeInTheDocument();
  });
});
