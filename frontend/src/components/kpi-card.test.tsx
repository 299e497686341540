import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatChange, MISSING } from "../lib/format";
import { KpiCard } from "./kpi-card";

describe("formatChange beyond ±999%", () => {
  it.each([
    // 8,425% more is 85.25 times as much.
    [85.25, 1, "×85", "up"],
    [1_234, 10, "×123", "up"],
    [10.99, 1, "+999.0%", "up"],
    [11, 1, "×11", "up"],
    [125_000, 10, "×12,500", "up"],
    [0.5, 100, "-99.5%", "down"],
    [null, 100, MISSING, "unknown"],
  ] as const)("compares %s with %s as %s", (current, previous, label, direction) => {
    expect(formatChange(current, previous)).toEqual({ label, direction });
  });
});

describe("the KPI card", () => {
  it("shows the change against the previous period, coloured by whether up is good", () => {
    render(<KpiCard name="cost" label="Cost" value="$9.00" current={9} previous={6} upIsGood={false} />);
    const card = screen.getByTestId("kpi-cost");
    expect(card).toHaveTextContent("▲ +50.0% vs previous period");
    expect(card.querySelector(".text-red-700")).not.toBeNull();
  });

  it("says a huge change as a multiple", () => {
    render(<KpiCard name="sessions" label="Sessions" value="8,525" current={8_525} previous={100} upIsGood={null} />);
    expect(screen.getByTestId("kpi-sessions")).toHaveTextContent("▲ ×85 vs previous period");
  });

  it("says where the data begins instead of a change when the previous period was never synced", () => {
    render(
      <KpiCard
        name="sessions"
        label="Sessions"
        value="8,525"
        current={8_525}
        previous={100}
        noDataBefore="2026-11-01T00:00:00.000Z"
      />,
    );
    const card = screen.getByTestId("kpi-sessions");
    expect(card).toHaveTextContent("no data before Nov 1");
    expect(card).not.toHaveTextContent("%");
    expect(card).not.toHaveTextContent("×");
    expect(card).not.toHaveTextContent("vs previous period");
    expect(card).not.toHaveTextContent("▲");
  });

  it("names the grain of its sparkline", () => {
    render(
      <KpiCard
        name="sessions"
        label="Sessions"
        value="3"
        current={3}
        previous={3}
        series={[1, 0, 2]}
        seriesGrain="hourly"
      />,
    );
    expect(screen.getByRole("img", { name: "Sessions, hourly trend" })).toHaveAttribute("data-points", "1,0,2");
  });
});
