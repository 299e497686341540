// The versions page's choices live in the URL (`agent`, `by`, `score`) so a
// verdict can be shared; the range and environments are kept as everywhere.

export type VersionDimension = "release" | "version" | "prompt";

export const VERSION_DIMENSIONS: readonly [VersionDimension, string][] = [
  ["release", "Release"],
  ["version", "Version"],
  ["prompt", "Prompt"],
];

export interface VersionsChoice {
  agent: string;
  by: VersionDimension;
  /** The score the verdict is about; empty: the page picks one. */
  score: string;
}

export function parseVersionsChoice(params: URLSearchParams): VersionsChoice {
  const by = params.get("by");
  return {
    agent: (params.get("agent") ?? "").trim(),
    by: by === "version" || by === "prompt" ? by : "release",
    score: (params.get("score") ?? "").trim(),
  };
}

/** Writes one choice; the default dimension and an empty value leave the URL. */
export function writeVersionsChoice(params: URLSearchParams, change: Partial<VersionsChoice>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(change)) {
    if (!value || (key === "by" && value === "release")) next.delete(key);
    else next.set(key, value);
  }
  return next;
}
