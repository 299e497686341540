// The dashboard's time range. It lives in the URL (`range`, and `from`/`to`
// for custom ranges) so links can be shared and reloads restore the view.

export const RANGE_PRESETS = ["24h", "7d", "30d", "custom"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export const DEFAULT_PRESET: RangePreset = "7d";

export const RANGE_LABELS: Record<RangePreset, string> = {
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  custom: "Custom",
};

export interface RangeSelection {
  preset: RangePreset;
  /** Custom range: first UTC day, `YYYY-MM-DD`. */
  fromDay?: string;
  /** Custom range: last UTC day, inclusive, `YYYY-MM-DD`. */
  toDay?: string;
}

/** What the API receives: `from` inclusive, `to` exclusive, ISO-8601 UTC. */
export interface ResolvedRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function isValidDay(value: string | null | undefined): value is string {
  if (!value || !DAY_PATTERN.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function isPreset(value: string | null): value is RangePreset {
  return value !== null && (RANGE_PRESETS as readonly string[]).includes(value);
}

/** Reads the range from the URL; anything unreadable falls back to the default preset. */
export function parseRangeSelection(params: URLSearchParams): RangeSelection {
  const preset = params.get("range");
  if (!isPreset(preset)) return { preset: DEFAULT_PRESET };
  if (preset !== "custom") return { preset };
  const from = params.get("from");
  const to = params.get("to");
  if (!isValidDay(from) || !isValidDay(to)) return { preset: DEFAULT_PRESET };
  // A reversed range is a slip of the hand, not a reason to show nothing.
  return from <= to ? { preset, fromDay: from, toDay: to } : { preset, fromDay: to, toDay: from };
}

/** Writes the range into a copy of `params`, leaving every other parameter alone. */
export function writeRangeSelection(params: URLSearchParams, selection: RangeSelection): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete("from");
  next.delete("to");
  if (selection.preset === DEFAULT_PRESET) {
    next.delete("range");
  } else {
    next.set("range", selection.preset);
  }
  if (selection.preset === "custom" && selection.fromDay && selection.toDay) {
    next.set("from", selection.fromDay);
    next.set("to", selection.toDay);
  }
  return next;
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Turns a selection into API bounds. Day presets cover whole UTC days ending
 * with today, so the daily charts get complete bars; the 24-hour preset
 * covers 24 whole UTC hours ending with the current one, so its series has
 * 24 hourly points and the query key is stable within the hour.
 */
export function resolveRange(selection: RangeSelection, now: number): ResolvedRange {
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (selection.preset) {
    case "24h": {
      const end = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
      return { from: iso(end - DAY_MS), to: iso(end) };
    }
    case "7d":
    case "30d": {
      const days = selection.preset === "7d" ? 7 : 30;
      const end = startOfUtcDay(now) + DAY_MS;
      return { from: iso(end - days * DAY_MS), to: iso(end) };
    }
    case "custom": {
      const fromDay = selection.fromDay ?? utcDay(now);
      const toDay = selection.toDay ?? fromDay;
      const start = Date.parse(`${fromDay}T00:00:00Z`);
      const end = Date.parse(`${toDay}T00:00:00Z`) + DAY_MS;
      return { from: iso(start), to: iso(end) };
    }
  }
}

/** Query-string parameters that carry the range from page to page. */
export function rangeSearch(params: URLSearchParams): string {
  const kept = writeRangeSelection(new URLSearchParams(), parseRangeSelection(params));
  const query = kept.toString();
  return query ? `?${query}` : "";
}
