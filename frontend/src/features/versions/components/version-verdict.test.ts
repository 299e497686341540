import { describe, expect, it } from "vitest";
import type { VersionRow } from "../../../api/types";
import versions from "../../../test/fixtures/versions-matchmaker.json";
import { headlineEstimate, pickHeadline, versionVerdict } from "./version-verdict";

const rows = versions.items as VersionRow[];

describe("the versions verdict", () => {
  it("says whether the newest release wins more games than the one before, and at what cost", () => {
    const headline = pickHeadline(rows, "");
    expect(headline).toEqual({ name: "win", category: "true" });
    expect(versionVerdict("matchmaker", "release", rows, headline)).toBe(
      "release cupid@1.8.1 of matchmaker wins 65 % ± 4 % of games vs 50 % ± 10 % for cupid@1.8.0, " +
        "at 12 % more cost per game. The 95 % intervals do not overlap.",
    );
  });

  it("talks about the score asked for, a mean as a mean", () => {
    const headline = pickHeadline(rows, "match_quality");
    expect(headline).toEqual({ name: "match_quality" });
    expect(headlineEstimate(rows[2]!, headline!)?.value).toBe(0.52);
    expect(versionVerdict("matchmaker", "release", rows, headline)).toBe(
      "release cupid@1.8.1 of matchmaker averages match_quality 0.52 ± 0.05 vs 0.49 ± 0.05 for cupid@1.8.0, " +
        "at 12 % more cost per game. The 95 % intervals overlap: no clear difference yet.",
    );
  });

  it("names a single version or none", () => {
    expect(versionVerdict("judge", "prompt", rows.slice(0, 1), null)).toBe(
      "Only one prompt of judge was seen in this range: cupid@1.7.2.",
    );
    expect(versionVerdict("judge", "version", [], null)).toBe("No version of judge was seen in this range.");
  });
});
