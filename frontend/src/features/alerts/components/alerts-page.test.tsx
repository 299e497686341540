import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { answer, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import firing from "../../../test/fixtures/alerts-firing.json";
import { renderApp } from "../../../test/render";
import { server } from "../../../test/server";
import { formatAlertValue } from "./alerts-page";

describe("the alerts page", () => {
  it("lists each rule with its state and value, and the history", async () => {
    server.use(syncStatusSuccess(), answer("/api/alerts", firing));
    renderApp("/alerts");
    const rules = await screen.findByRole("table", { name: "Alert rules" });
    const spiking = within(rules).getByTestId("alert-rule-errors spiking");
    expect(within(spiking).getByTestId("alert-state")).toHaveTextContent("Firing");
    expect(within(spiking).getByTestId("alert-value")).toHaveTextContent(
      formatAlertValue("error_rate", firing.rules[0]!.lastValue),
    );
    const spend = within(rules).getByTestId("alert-rule-spend");
    expect(within(spend).getByTestId("alert-state")).toHaveTextContent("OK");
    const history = screen.getByRole("table", { name: "Alert history" });
    expect(within(history).getByText(firing.history[0]!.message)).toBeInTheDocument();
  });

  it("explains how to configure rules when there are none", async () => {
    server.use(syncStatusSuccess());
    renderApp("/alerts");
    expect(await screen.findByText(/No alert rules are configured/)).toBeInTheDocument();
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), serverFailure("/api/alerts"));
    renderApp("/alerts");
    expect(await screen.findByRole("alert")).toHaveTextContent("502");
  });
});

describe("the sidebar's alerts badge", () => {
  it("counts the firing rules beside Alerts", async () => {
    server.use(syncStatusSuccess(), answer("/api/alerts", firing));
    renderApp("/no/such/page");
    const nav = screen.getByRole("navigation", { name: "Main" });
    const badge = await within(nav).findByTestId("alerts-badge");
    expect(badge).toHaveTextContent(String(firing.firing));
    expect(within(nav).getByRole("link", { name: "Alerts, 1 alert firing" })).toContainElement(badge);
  });

  it("is absent while nothing fires", async () => {
    server.use(syncStatusSuccess());
    renderApp("/no/such/page");
    expect(await screen.findByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
    expect(screen.queryByTestId("alerts-badge")).not.toBeInTheDocument();
  });
});

describe("alert values", () => {
  it.each([
    ["error_rate", 0.25, "25"],
    ["cost_per_hour", 2.5, "/h"],
    ["p95_latency_ms", 1234.4, "1,234 ms"],
    ["llm_calls_per_hour", 12, "12/h"],
    ["sync_staleness_minutes", 31.6, "32 min"],
    ["score_average", 0.81234, "0.812"],
  ])("%s %s reads with its unit", (metric, value, expected) => {
    expect(formatAlertValue(metric, value)).toContain(expected);
  });

  it("shows a dash when there was nothing to measure", () => {
    expect(formatAlertValue("error_rate", null)).toBe("—");
  });
});
