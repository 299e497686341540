import type { SessionScore } from "../api/types";

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });

/** A numeric score: up to three decimals; "—" when there is none. */
export function formatScore(value: number | null | undefined): string {
  return typeof value === "number" && Number.isFinite(value) ? numberFormat.format(value) : "—";
}

export function scoreValueText(score: Pick<SessionScore, "dataType" | "value" | "stringValue">): string {
  if (score.dataType === "CATEGORICAL") return score.stringValue ?? "—";
  if (score.dataType === "BOOLEAN") {
    if (score.stringValue) return score.stringValue;
    return score.value === null ? "—" : score.value !== 0 ? "true" : "false";
  }
  return formatScore(score.value);
}
