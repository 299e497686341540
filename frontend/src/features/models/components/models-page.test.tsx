import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import models from "../../../test/fixtures/models.json";
import modelsDaily from "../../../test/fixtures/models-daily.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";

describe("the models page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), neverAnswer("/api/models"));
    renderApp("/models");
    expect(await screen.findByText("Loading models…")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Models" })).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), noDataYet("/api/models"));
    renderApp("/models");
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), serverFailure("/api/models"));
    renderApp("/models");
    expect(await screen.findByRole("alert")).toHaveTextContent("502");
  });

  it("says so when no LLM call was made", async () => {
    server.use(syncStatusSuccess(), answer("/api/models", { items: [] }));
    renderApp("/models");
    expect(await screen.findByText("No LLM calls in this range.")).toBeInTheDocument();
  });

  it("shows cost and tokens by model as charts and a table", async () => {
    server.use(syncStatusSuccess(), answer("/api/models", models), answer("/api/models/daily", modelsDaily));
    renderApp("/models");
    const table = await screen.findByRole("table", { name: "Models" });
    const row = within(table).getByText("gpt-4o-mini").closest("tr")!;
    expect(
      within(row)
        .getAllByRole("cell")
        .map((cell) => cell.textContent),
    ).toEqual([
      "gpt-4o-mini",
      "5,000",
      "4M",
      "1.05M",
      "5.05M",
      "$7.50",
      "600 ms",
      "2.10 s",
      "matchmaker, profile-writer, referee, conversation-coach",
    ]);
    expect(await screen.findByRole("img", { name: "Cost by model" })).toBeInTheDocument();
    expect(screen.getByRole("img", { name: "Tokens by model" })).toBeInTheDocument();
  });

  it("sorts by a column, keeping the sort in the URL", async () => {
    server.use(syncStatusSuccess(), answer("/api/models", models), answer("/api/models/daily", modelsDaily));
    const { router } = renderApp("/models");
    const table = await screen.findByRole("table", { name: "Models" });
    await userEvent.click(within(table).getByRole("button", { name: /p95/ }));
    expect(currentUrl(router)).toBe("/models?sort=latencyP95Ms&order=desc");
    const firstModel = within(table).getAllByRole("row")[1]!;
    expect(firstModel).toHaveTextContent("gpt-4o");
    expect(firstModel).not.toHaveTextContent("gpt-4o-mini");
  });

  it("offers the list as CSV and draws each model per day, by the figure chosen", async () => {
    server.use(syncStatusSuccess(), answer("/api/models", models), answer("/api/models/daily", modelsDaily));
    renderApp("/models?range=30d&environment=staging");
    await screen.findByRole("table", { name: "Models" });
    const csv = screen.getByRole("link", { name: "Download CSV" });
    const href = new URL(csv.getAttribute("href")!, "http://localhost");
    expect(href.pathname).toBe("/api/models");
    expect(href.searchParams.get("format")).toBe("csv");
    expect(href.searchParams.get("environment")).toBe("staging");
    expect(href.searchParams.get("from")).toBeTruthy();
    const trend = screen.getByRole("region", { name: "Daily trend" });
    expect(await within(trend).findByRole("img", { name: "Cost by model per day" })).toBeInTheDocument();
    await userEvent.click(within(trend).getByRole("button", { name: "LLM calls" }));
    expect(await within(trend).findByRole("img", { name: "LLM calls by model per day" })).toBeInTheDocument();
    expect(within(trend).getByRole("button", { name: "LLM calls" })).toHaveAttribute("aria-pressed", "true");
  });
});
