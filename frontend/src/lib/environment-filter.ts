// The environments the figures are about. They live in the URL
// (`environment=a,b`, exact names) so a filtered view can be shared; no
// parameter means the API's default: every environment but Langfuse's
// internal ones.

/** Empty: the default, every environment but the internal ones. */
export type EnvironmentFilter = readonly string[];

export const DEFAULT_ENVIRONMENTS: EnvironmentFilter = [];

/** Langfuse writes its own evaluations (LLM-as-a-judge) into environments named `langfuse-…`. */
export function isInternalEnvironment(name: string): boolean {
  return name.startsWith("langfuse-");
}

/** A canonical list: trimmed, without blanks or repeats, sorted, so equal choices share one cache entry. */
export function normalizeEnvironments(names: Iterable<string>): string[] {
  const kept = [...names].map((name) => name.trim()).filter((name) => name.length > 0);
  return [...new Set(kept)].sort();
}

export function parseEnvironments(params: URLSearchParams): string[] {
  return normalizeEnvironments((params.get("environment") ?? "").split(","));
}

/** Writes the choice into a copy of `params`, leaving every other parameter alone. */
export function writeEnvironments(params: URLSearchParams, environments: EnvironmentFilter): URLSearchParams {
  const next = new URLSearchParams(params);
  const names = normalizeEnvironments(environments);
  if (names.length === 0) next.delete("environment");
  else next.set("environment", names.join(","));
  return next;
}

/** The API's `environment` parameter: absent for the default. */
export function environmentParam(environments: EnvironmentFilter): string | undefined {
  return environments.length === 0 ? undefined : environments.join(",");
}

/** The part of a query key that keeps each choice's answers apart. */
export function environmentKey(environments: EnvironmentFilter): string {
  return environments.length === 0 ? "default" : `only:${environments.join(",")}`;
}

/** "All but internal", one name, or how many. */
export function describeEnvironments(environments: EnvironmentFilter): string {
  if (environments.length === 0) return "All but internal";
  if (environments.length === 1) return environments[0]!;
  if (environments.length === 2) return `${environments[0]}, ${environments[1]}`;
  return `${environments.length} environments`;
}
