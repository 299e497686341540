import { describe, expect, it } from "vitest";
import {
  formatAge,
  formatChange,
  formatCompact,
  formatDateTime,
  formatDateTimeShort,
  formatDay,
  formatDuration,
  formatInteger,
  formatMean,
  formatPercent,
  formatRelative,
  formatScore,
  formatUsd,
  formatUtc,
  MISSING,
} from "./format";

describe("formatUsd", () => {
  it.each([
    [0, "$0.00"],
    [12.5, "$12.50"],
    [1234.567, "$1,234.57"],
    [2_345_678.9, "$2,345,678.90"],
    [0.0042, "$0.0042"],
    [0.00095, "$0.00095"],
    [0.000657, "$0.00066"],
    [0.012, "$0.012"],
    [0.00996, "$0.010"],
    [0.5, "$0.50"],
    [0.996, "$1.00"],
    [-3.2, "-$3.20"],
    [-0.0043, "-$0.0043"],
  ])("shows %s dollars as %s", (value, expected) => {
    expect(formatUsd(value)).toBe(expected);
  });

  it("keeps two significant digits for every amount below a dollar, so a column of costs compares", () => {
    const shown = [0.012, 0.0043, 0.00095].map(formatUsd);
    expect(shown.map((text) => text.replace(/^\$0\.0*/, "").length)).toEqual([2, 2, 2]);
  });
});

describe("formatInteger and formatCompact (tokens)", () => {
  it("groups thousands", () => {
    expect(formatInteger(1234567)).toBe("1,234,567");
  });

  it.each([
    [0, "0"],
    [999, "999"],
    [999.6, "1K"],
    [3_832, "3.83K"],
    [12_345, "12.3K"],
    [610_700, "611K"],
    [738_000, "738K"],
    [4_560_000, "4.56M"],
    [1_234_567_890, "1.23B"],
    [-3_832, "-3.83K"],
    [-12, "-12"],
  ])("shows %s as %s, three significant digits from a thousand up", (value, expected) => {
    expect(formatCompact(value)).toBe(expected);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [0.4, "0 ms"],
    [842, "842 ms"],
    [999.6, "1.00 s"],
    [3_120, "3.12 s"],
    [9_996, "10.0 s"],
    [45_600, "45.6 s"],
    [59_960, "1m 00s"],
    [125_000, "2m 05s"],
    [3_780_000, "1h 03m"],
    [90_000_000, "1d 1h"],
    [-842, "-842 ms"],
  ])("shows %s ms as %s", (value, expected) => {
    expect(formatDuration(value)).toBe(expected);
  });
});

describe("formatAge", () => {
  it.each([
    [0, "0 s"],
    [37, "37 s"],
    [44.4, "44 s"],
    [300, "5 min"],
    [3 * 3600, "3 h"],
    [86_400, "1 day"],
    [3 * 86_400, "3 days"],
    [-20, "-20 s"],
  ])("says %s seconds as %s", (value, expected) => {
    expect(formatAge(value)).toBe(expected);
  });

  it("speaks the same units as relative times", () => {
    const now = Date.parse("2026-11-25T20:04:05.000Z");
    const ago = new Date(now - 37_000).toISOString();
    expect(formatRelative(ago, now)).toBe(`${formatAge(37)} ago`);
  });
});

describe("formatPercent", () => {
  it.each([
    [0, "0.0%"],
    [0.0123, "1.23%"],
    [0.5, "50.0%"],
    [1, "100.0%"],
    [-0.05, "-5.00%"],
    [0.00001, "0.00%"],
  ])("shows the ratio %s as %s", (value, expected) => {
    expect(formatPercent(value)).toBe(expected);
  });
});

describe("formatScore and formatMean", () => {
  it.each([
    [0, "0"],
    [4, "4"],
    [5.31, "5.31"],
    [5.857, "5.86"],
    [0.5, "0.50"],
    [-1.234, "-1.23"],
    [1234.5, "1,234.50"],
  ])("shows the score %s as %s", (value, expected) => {
    expect(formatScore(value)).toBe(expected);
  });

  it("shows a mean of counts to two decimals, so that 0.4 errors per session does not read as 0", () => {
    expect(formatMean(0.4)).toBe("0.40");
    expect(formatMean(3)).toBe("3");
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
    ["formatScore", () => formatScore(Number.NaN)],
    ["formatMean", () => formatMean(null)],
    ["formatAge", () => formatAge(undefined)],
    ["formatUsd of NaN", () => formatUsd(Number.NaN)],
    ["formatDuration of Infinity", () => formatDuration(Number.POSITIVE_INFINITY)],
    ["formatPercent of NaN", () => formatPercent(Number.NaN)],
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
