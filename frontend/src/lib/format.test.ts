import { describe, expect, it } from "vitest";
import {
  formatChange,
  formatCompact,
  formatDateTime,
  formatDateTimeShort,
  formatDay,
  formatDuration,
  formatInteger,
  formatPercent,
  formatRelative,
  formatUsd,
  formatUtc,
  MISSING,
} from "./format";

describe("formatUsd", () => {
  it.each([
    [0, "$0.00"],
    [12.5, "$12.50"],
    [1234.567, "$1,234.57"],
    [0.0042, "$0.0042"],
    [0.000657, "$0.00066"],
    [0.00996, "$0.01"],
    [-3.2, "-$3.20"],
  ])("shows %s dollars as %s", (value, expected) => {
    expect(formatUsd(value)).toBe(expected);
  });
});

describe("formatInteger and formatCompact", () => {
  it("groups thousands", () => {
    expect(formatInteger(1234567)).toBe("1,234,567");
  });

  it.each([
    [9_999, "9,999"],
    [12_345, "12.3K"],
    [4_560_000, "4.6M"],
  ])("shortens %s to %s only from ten thousand up", (value, expected) => {
    expect(formatCompact(value)).toBe(expected);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [842, "842 ms"],
    [3_120, "3.12 s"],
    [45_600, "45.6 s"],
    [125_000, "2m 05s"],
    [3_780_000, "1h 03m"],
    [90_000_000, "1d 1h"],
  ])("shows %s ms as %s", (value, expected) => {
    expect(formatDuration(value)).toBe(expected);
  });
});

describe("formatPercent", () => {
  it.each([
    [0, "0.0%"],
    [0.0123, "1.23%"],
    [0.5, "50.0%"],
  ])("shows the ratio %s as %s", (value, expected) => {
    expect(formatPercent(value)).toBe(expected);
  });
});

describe("formatChange", () => {
  it.each([
    [120, 100, "+20.0%", "up"],
    [80, 100, "-20.0%", "down"],
    [100, 100, "0.0%", "flat"],
    [5, 0, "new", "up"],
    [0, 0, "0.0%", "flat"],
  ] as const)("compares %s with %s as %s", (current, previous, label, direction) => {
    expect(formatChange(current, previous)).toEqual({ label, direction });
  });

  it("is unknown without a previous period", () => {
    expect(formatChange(10, null)).toEqual({ label: MISSING, direction: "unknown" });
  });
});

describe("every helper given a missing or broken value", () => {
  it.each([
    ["formatUsd", () => formatUsd(undefined)],
    ["formatInteger", () => formatInteger(null)],
    ["formatCompact", () => formatCompact(Number.NaN)],
    ["formatDuration", () => formatDuration(undefined)],
    ["formatPercent", () => formatPercent(null)],
    ["formatDateTime", () => formatDateTime("not a date")],
    ["formatUtc", () => formatUtc(null)],
    ["formatRelative", () => formatRelative(undefined)],
    ["formatDay", () => formatDay(undefined)],
  ])("%s answers with a dash", (_name, call) => {
    expect(call()).toBe(MISSING);
  });
});

describe("times", () => {
  const instant = "2026-11-25T20:04:05.000Z";

  it("shows a time in the viewer's time zone", () => {
    // The test run's zone is America/New_York (vite.config.ts): five hours behind UTC in November.
    expect(formatDateTime(instant)).toBe("Nov 25, 2026, 3:04:05 PM");
  });

  it("shows a time to the minute for table cells", () => {
    expect(formatDateTimeShort(instant)).toBe("Nov 25, 2026, 3:04 PM");
  });

  it("shows a time in another zone when asked", () => {
    expect(formatDateTime(instant, "Asia/Tokyo")).toBe("Nov 26, 2026, 5:04:05 AM");
  });

  it("gives the UTC time for hover titles", () => {
    expect(formatUtc(instant)).toBe("2026-11-25 20:04:05 UTC");
  });

  it.each([
    [2_000, "just now"],
    [-42_000, "in 42 s"],
    [300_000, "5 min ago"],
    [3 * 3_600_000, "3 h ago"],
    [86_400_000, "1 day ago"],
    [3 * 86_400_000, "3 days ago"],
  ])("describes a time %s ms before now relatively", (ago, expected) => {
    const now = Date.parse(instant) + ago;
    expect(formatRelative(instant, now)).toBe(expected);
  });

  it("labels a UTC day without shifting it into the viewer's zone", () => {
    expect(formatDay("2026-11-01")).toBe("Nov 1");
  });
});
