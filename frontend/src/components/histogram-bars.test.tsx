import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatInteger } from "../lib/format";
import { HistogramBars, integerBinLabel, tickedBins } from "./histogram-bars";

describe("histogram bars", () => {
  it.each([
    [{ from: 3, to: 4, count: 1 }, "3"],
    [{ from: 3, to: 6, count: 1 }, "3–5"],
    [{ from: 0, to: 1, count: 1 }, "0"],
    [{ from: 1000, to: 1002, count: 1 }, "1,000–1,001"],
  ])("labels the whole-number bin %j as %s", (bin, label) => {
    expect(integerBinLabel(bin, formatInteger)).toBe(label);
  });

  it.each([
    [1, [0]],
    [4, [0, 1, 2, 3]],
    [6, [0, 1, 2, 3, 4, 5]],
    [7, [0, 2, 4, 6]],
    [20, [0, 4, 8, 12, 19]],
    [18, [0, 4, 8, 12, 17]],
    [21, [0, 4, 8, 12, 16, 20]],
  ])("labels evenly spaced bins of %i, always the first and the last", (count, expected) => {
    expect([...tickedBins(count)].sort((a, b) => a - b)).toEqual(expected);
  });

  it("never labels two bins closer than a step, the last included", () => {
    for (let count = 7; count <= 40; count += 1) {
      const ticks = [...tickedBins(count)].sort((a, b) => a - b);
      const step = Math.ceil((count - 1) / 5);
      expect(ticks[0]).toBe(0);
      expect(ticks.at(-1)).toBe(count - 1);
      expect(ticks.length).toBeLessThanOrEqual(6);
      for (let index = 1; index < ticks.length; index += 1) {
        expect(ticks[index]! - ticks[index - 1]!, `${count} bins: ${ticks.join(", ")}`).toBeGreaterThanOrEqual(step);
      }
    }
  });

  it("labels whole-number bins by the values they hold, with the axis and what the bars count", () => {
    const bins = [0, 1, 2, 3, 4, 5, 6].map((from) => ({ from, to: from + 1, count: from === 2 ? 0 : from + 1 }));
    render(
      <HistogramBars
        bins={bins}
        label="Errors per session, histogram"
        formatBound={formatInteger}
        integer
        axisLabel="Sessions by errors"
        countLabel="sessions"
      />,
    );
    expect(screen.getByRole("img", { name: "Errors per session, histogram" })).toBeInTheDocument();
    const perBin = screen.getByRole("list", { name: "Errors per session, histogram, per bin", hidden: true });
    const items = within(perBin).getAllByRole("listitem", { hidden: true });
    expect(items.map((item) => item.textContent)).toEqual([
      "0: 1 sessions",
      "1: 2 sessions",
      "2: 0 sessions",
      "3: 4 sessions",
      "4: 5 sessions",
      "5: 6 sessions",
      "6: 7 sessions",
    ]);
    const ticks = screen.getAllByTestId("histogram-tick").map((tick) => tick.textContent);
    expect(ticks).toEqual(["0", "", "2", "", "4", "", "6"]);
    expect(screen.getByText("Sessions by errors")).toBeInTheDocument();
  });

  it("keeps the bounds of real-valued bins", () => {
    render(
      <HistogramBars
        bins={[
          { from: 0.5, to: 1.5, count: 2 },
          { from: 1.5, to: 2.5, count: 1 },
        ]}
        label="Cost"
        formatBound={(value) => value.toFixed(1)}
      />,
    );
    const items = within(screen.getByRole("list", { name: "Cost, per bin", hidden: true })).getAllByRole("listitem", {
      hidden: true,
    });
    expect(items.map((item) => item.textContent)).toEqual(["0.5 to 1.5: 2", "1.5 to 2.5: 1"]);
    expect(screen.queryAllByTestId("histogram-tick")).toHaveLength(0);
  });
});
