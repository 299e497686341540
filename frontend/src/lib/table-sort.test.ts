import { describe, expect, it } from "vitest";
import { parseTableSort, sortRows } from "./table-sort";

const rows = [
  { name: "b", cost: 2, p99: null },
  { name: "a", cost: 5, p99: 10 },
  { name: "c", cost: 2, p99: 30 },
];

describe("sortRows", () => {
  it("sorts numbers descending and keeps ties in their order", () => {
    const sorted = sortRows(rows, { key: "cost", order: "desc" }, (row, key) => row[key as "cost"]);
    expect(sorted.map((row) => row.name)).toEqual(["a", "b", "c"]);
  });

  it("sorts text ascending", () => {
    const sorted = sortRows(rows, { key: "name", order: "asc" }, (row, key) => row[key as "name"]);
    expect(sorted.map((row) => row.name)).toEqual(["a", "b", "c"]);
  });

  it("puts missing values last in both directions", () => {
    for (const order of ["asc", "desc"] as const) {
      const sorted = sortRows(rows, { key: "p99", order }, (row, key) => row[key as "p99"]);
      expect(sorted.at(-1)?.name).toBe("b");
    }
  });

  it("does not change the input", () => {
    const copy = [...rows];
    sortRows(rows, { key: "cost", order: "asc" }, (row) => row.cost);
    expect(rows).toEqual(copy);
  });
});

describe("parseTableSort", () => {
  const keys = ["agent", "totalCost"] as const;
  const fallback = { key: "totalCost" as const, order: "desc" as const };

  it("reads a known key and order", () => {
    expect(parseTableSort(new URLSearchParams("sort=agent&order=asc"), keys, fallback)).toEqual({
      key: "agent",
      order: "asc",
    });
  });

  it("falls back for unknown values", () => {
    expect(parseTableSort(new URLSearchParams("sort=drop%20table&order=up"), keys, fallback)).toEqual(fallback);
  });
});
