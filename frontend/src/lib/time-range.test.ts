import { describe, expect, it } from "vitest";
import { parseRangeSelection, rangeSearch, resolveRange, writeRangeSelection } from "./time-range";

const now = Date.parse("2026-11-25T20:04:05.123Z");
const params = (query: string) => new URLSearchParams(query);

describe("parseRangeSelection", () => {
  it.each([
    ["", { preset: "7d" }],
    ["range=24h", { preset: "24h" }],
    ["range=30d", { preset: "30d" }],
    ["range=custom&from=2026-11-01&to=2026-11-10", { preset: "custom", fromDay: "2026-11-01", toDay: "2026-11-10" }],
    ["range=custom&from=2026-11-10&to=2026-11-01", { preset: "custom", fromDay: "2026-11-01", toDay: "2026-11-10" }],
    ["range=custom&from=2026-02-30&to=2026-03-01", { preset: "7d" }],
    ["range=custom&from=yesterday&to=2026-11-01", { preset: "7d" }],
    ["range=custom", { preset: "7d" }],
    ["range=1y", { preset: "7d" }],
  ])("reads %j as %j", (query, expected) => {
    expect(parseRangeSelection(params(query))).toEqual(expected);
  });
});

describe("writeRangeSelection", () => {
  it("keeps the other parameters and leaves the default out", () => {
    const written = writeRangeSelection(params("q=abc&range=30d"), { preset: "7d" });
    expect(written.toString()).toBe("q=abc");
  });

  it("writes the days of a custom range", () => {
    const written = writeRangeSelection(params("q=abc"), {
      preset: "custom",
      fromDay: "2026-11-01",
      toDay: "2026-11-03",
    });
    expect(written.toString()).toBe("q=abc&range=custom&from=2026-11-01&to=2026-11-03");
  });

  it("round-trips through the URL", () => {
    const selection = { preset: "custom" as const, fromDay: "2026-10-01", toDay: "2026-10-31" };
    expect(parseRangeSelection(writeRangeSelection(params(""), selection))).toEqual(selection);
  });
});

describe("resolveRange", () => {
  it("covers the 24 whole UTC hours ending with the current one", () => {
    expect(resolveRange({ preset: "24h" }, now)).toEqual({
      from: "2026-11-24T21:00:00.000Z",
      to: "2026-11-25T21:00:00.000Z",
    });
  });

  it("covers whole UTC days up to and including today for day presets", () => {
    expect(resolveRange({ preset: "7d" }, now)).toEqual({
      from: "2026-11-19T00:00:00.000Z",
      to: "2026-11-26T00:00:00.000Z",
    });
    expect(resolveRange({ preset: "30d" }, now).from).toBe("2026-10-27T00:00:00.000Z");
  });

  it("makes the last day of a custom range inclusive (API `to` is exclusive)", () => {
    expect(resolveRange({ preset: "custom", fromDay: "2026-11-01", toDay: "2026-11-03" }, now)).toEqual({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-04T00:00:00.000Z",
    });
  });

  it("gives the same bounds for every instant within an hour, so queries are not refetched per render", () => {
    const a = resolveRange({ preset: "24h" }, Date.parse("2026-11-25T20:00:00.000Z"));
    const b = resolveRange({ preset: "24h" }, Date.parse("2026-11-25T20:59:59.999Z"));
    expect(a).toEqual(b);
    expect(Date.parse(a.to) - Date.parse(a.from)).toBe(24 * 3_600_000);
  });
});

describe("rangeSearch", () => {
  it("carries only the range to another page", () => {
    expect(rangeSearch(params("range=30d&q=abc&sort=cost"))).toBe("?range=30d");
    expect(rangeSearch(params("q=abc"))).toBe("");
  });
});
