// The plain sentence at the top of the versions page: did the newest
// version win against the one before it, and at what cost?
import type { VersionEstimate, VersionRow, VersionScore } from "../../../api/types";
import type { VersionDimension } from "../stores/versions-url-state";

/** The figure a verdict is about: a category's share of games, or a score's mean. */
export interface Headline {
  name: string;
  /** Set for shares: `true` for BOOLEAN scores, else a category. */
  category?: string;
}

/** The score a verdict talks about: the one asked for, else `win`, else the first boolean, share or mean. */
export function pickHeadline(rows: VersionRow[], wanted: string): Headline | null {
  const scores = rows.flatMap((row) => row.scores);
  const named = (name: string) => scores.find((score) => score.name === name);
  const score =
    (wanted ? named(wanted) : undefined) ??
    named("win") ??
    scores.find((s) => s.dataType === "BOOLEAN") ??
    scores.find((s) => s.shares.length > 0) ??
    scores[0];
  if (!score) return null;
  if (score.mean) return { name: score.name };
  const categories = score.shares.map((share) => share.category);
  return { name: score.name, category: categories.includes("true") ? "true" : categories[0] };
}

/** The headline's estimate in one version, if it has one. */
export function headlineEstimate(row: VersionRow, headline: Headline): VersionEstimate | undefined {
  const score: VersionScore | undefined = row.scores.find((s) => s.name === headline.name);
  if (!score) return undefined;
  if (headline.category === undefined) return score.mean ?? undefined;
  return score.shares.find((share) => share.category === headline.category)?.share;
}

const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;

/** Half the interval's width: the "±" of a figure whose interval may be asymmetric. */
function plusMinus(estimate: VersionEstimate, format: (value: number) => string): string {
  if (estimate.low == null || estimate.high == null) return "";
  return ` ± ${format((estimate.high - estimate.low) / 2)}`;
}

function number(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

function costClause(latest: VersionRow): string {
  const relative = latest.costPerSession.relativeDelta;
  if (relative == null) return "";
  if (Math.abs(relative) < 0.005) return ", at the same cost per game";
  return `, at ${percent(Math.abs(relative))} ${relative > 0 ? "more" : "less"} cost per game`;
}

/**
 * "release cupid@1.8.1 of matchmaker wins 54 % ± 4 % of games vs 47 % ± 5 % for cupid@1.8.0,
 * at 12 % more cost per game." — the newest version (by first seen) against the one before.
 */
export function versionVerdict(
  agent: string,
  by: VersionDimension,
  rows: VersionRow[],
  headline: Headline | null,
): string {
  const latest = rows.at(-1);
  if (!latest) return `No ${by} of ${agent} was seen in this range.`;
  const previous = rows.at(-2);
  if (!previous) return `Only one ${by} of ${agent} was seen in this range: ${latest.version}.`;
  const subject = `${by} ${latest.version} of ${agent}`;
  const now = headline ? headlineEstimate(latest, headline) : undefined;
  const before = headline ? headlineEstimate(previous, headline) : undefined;
  let claim: string;
  if (!headline || now?.value == null || before?.value == null) {
    claim = `${subject} has no score to compare with ${previous.version}`;
  } else if (headline.category !== undefined) {
    const verb =
      headline.name === "win" && headline.category === "true"
        ? "wins"
        : headline.category === "true"
          ? `has ${headline.name} in`
          : `has ${headline.name} ${headline.category} in`;
    claim =
      `${subject} ${verb} ${percent(now.value)}${plusMinus(now, percent)} of games` +
      ` vs ${percent(before.value)}${plusMinus(before, percent)} for ${previous.version}`;
  } else {
    claim =
      `${subject} averages ${headline.name} ${number(now.value)}${plusMinus(now, number)}` +
      ` vs ${number(before.value)}${plusMinus(before, number)} for ${previous.version}`;
  }
  const verdict = now?.differs
    ? "The 95 % intervals do not overlap."
    : "The 95 % intervals overlap: no clear difference yet.";
  return `${claim}${costClause(latest)}. ${headline && now?.value != null && before?.value != null ? verdict : ""}`.trim();
}
