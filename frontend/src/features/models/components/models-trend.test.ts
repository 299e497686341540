import { describe, expect, it } from "vitest";
import modelsDaily from "../../../test/fixtures/models-daily.json";
import { trendRows } from "./models-trend";

describe("the models' daily trend", () => {
  it("makes one row per day with each model's figure under its name", () => {
    const rows = trendRows(modelsDaily.items, "generations");
    expect(rows.map((row) => row.date)).toEqual(["2026-11-19", "2026-11-20", "2026-11-21"]);
    for (const model of modelsDaily.items) {
      const summed = rows.reduce((sum, row) => sum + Number(row[model.model]), 0);
      expect(summed, model.model).toBe(model.points.reduce((sum, point) => sum + point.generations, 0));
    }
  });

  it("orders days even when a model's points come in another order", () => {
    const [first] = modelsDaily.items;
    const reversed = [{ ...first!, points: [...first!.points].reverse() }];
    expect(trendRows(reversed, "totalCost").map((row) => row.date)).toEqual(["2026-11-19", "2026-11-20", "2026-11-21"]);
  });
});
