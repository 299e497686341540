import type { EnvironmentSummary } from "../api/types";
import { isInternalEnvironment, normalizeEnvironments, type EnvironmentFilter } from "./environment-filter";

// What the picker offers and what a click on one of its boxes makes of the
// choice in the URL. Pure, so the rules can be read and tested on their own.

export interface EnvironmentOption {
  name: string;
  internal: boolean;
  /** Null for a name from the URL that the data does not hold (a typo, or not synced yet). */
  summary: EnvironmentSummary | null;
}

/** The API's environments, plus any chosen name it does not list, so that every choice can be undone. */
export function environmentOptions(listed: EnvironmentSummary[], chosen: EnvironmentFilter): EnvironmentOption[] {
  const options: EnvironmentOption[] = listed.map((summary) => ({
    name: summary.name,
    internal: summary.internal,
    summary,
  }));
  for (const name of chosen) {
    if (!listed.some((summary) => summary.name === name)) {
      options.push({ name, internal: isInternalEnvironment(name), summary: null });
    }
  }
  return options;
}

/** The environments the default takes in: every listed one but the internal ones. */
function defaultNames(options: EnvironmentOption[]): string[] {
  return normalizeEnvironments(
    options.filter((option) => !option.internal && option.summary !== null).map((option) => option.name),
  );
}

/** Whether `name`'s box is ticked: with the default, every listed environment but the internal ones is. */
export function isEnvironmentIncluded(options: EnvironmentOption[], chosen: EnvironmentFilter, name: string): boolean {
  return chosen.length === 0 ? defaultNames(options).includes(name) : chosen.includes(name);
}

/**
 * The choice after a click on `name`. A choice that equals the default, or
 * leaves nothing, goes back to the default: the URL stays short and
 * environments that appear later are followed.
 */
export function toggleEnvironment(options: EnvironmentOption[], chosen: EnvironmentFilter, name: string): string[] {
  const defaults = defaultNames(options);
  const current = chosen.length === 0 ? defaults : [...chosen];
  const next = normalizeEnvironments(
    current.includes(name) ? current.filter((other) => other !== name) : [...current, name],
  );
  const isDefault = next.length === defaults.length && next.every((other, index) => other === defaults[index]);
  return isDefault ? [] : next;
}
