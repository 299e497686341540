import type { SessionScore } from "../api/types";
import { formatScore, MISSING } from "./format";

export function scoreValueText(score: Pick<SessionScore, "dataType" | "value" | "stringValue">): string {
  if (score.dataType === "CATEGORICAL") return score.stringValue ?? MISSING;
  if (score.dataType === "BOOLEAN") {
    if (score.stringValue) return score.stringValue;
    return score.value === null ? MISSING : score.value !== 0 ? "true" : "false";
  }
  return formatScore(score.value);
}
