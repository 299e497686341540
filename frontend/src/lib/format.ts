// Number and time formatting for people. Every helper accepts null/undefined
// (a field the API did not send) and answers with a dash rather than throwing.

export const MISSING = "—";

const LOCALE = "en-US";

type Maybe<T> = T | null | undefined;

function isNumber(value: Maybe<number>): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

const integerFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 1 });

export function formatInteger(value: Maybe<number>): string {
  return isNumber(value) ? integerFormat.format(value) : MISSING;
}

/** Large counts shortened (1.2M); below ten thousand the exact figure. */
export function formatCompact(value: Maybe<number>): string {
  if (!isNumber(value)) return MISSING;
  return Math.abs(value) < 10_000 ? integerFormat.format(value) : compactFormat.format(value);
}

/** USD. LLM calls cost fractions of a cent, so small amounts keep significant digits. */
export function formatUsd(value: Maybe<number>): string {
  if (!isNumber(value)) return MISSING;
  const magnitude = Math.abs(value);
  if (magnitude === 0) return "$0.00";
  // Below a cent, two significant digits; "$0.010" would read oddly, so amounts that round to a cent use cents.
  if (Number(magnitude.toPrecision(2)) < 0.01) {
    return new Intl.NumberFormat(LOCALE, {
      style: "currency",
      currency: "USD",
      minimumSignificantDigits: 2,
      maximumSignificantDigits: 2,
    }).format(value);
  }
  return new Intl.NumberFormat(LOCALE, {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(value);
}

/** A ratio (0.0123) as a percentage ("1.23%"). */
export function formatPercent(ratio: Maybe<number>): string {
  if (!isNumber(ratio)) return MISSING;
  const percent = ratio * 100;
  const digits = percent !== 0 && Math.abs(percent) < 10 ? 2 : 1;
  return `${percent.toFixed(digits)}%`;
}

/** Milliseconds as "850 ms", "1.25 s", "2m 05s", "1h 03m". */
export function formatDuration(ms: Maybe<number>): string {
  if (!isNumber(ms)) return MISSING;
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
  }
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (hours === 0) return `${minutes}m ${pad(seconds)}s`;
  if (hours < 24) return `${hours}h ${pad(minutes)}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export interface Change {
  /** "+12.5%", "-3.0%", "×84" (beyond ±999%), "new" (previous was zero), or a dash when unknown. */
  label: string;
  direction: "up" | "down" | "flat" | "unknown";
}

/** Beyond this many percent a change reads better as a multiple ("×84"). */
const LARGEST_PERCENT_CHANGE = 999;

/** The change of a figure against the previous period. */
export function formatChange(current: Maybe<number>, previous: Maybe<number>): Change {
  if (!isNumber(current) || !isNumber(previous)) return { label: MISSING, direction: "unknown" };
  if (previous === 0) {
    return current === 0 ? { label: "0.0%", direction: "flat" } : { label: "new", direction: "up" };
  }
  const change = ((current - previous) / Math.abs(previous)) * 100;
  if (Math.abs(change) < 0.05) return { label: "0.0%", direction: "flat" };
  const direction = change > 0 ? "up" : "down";
  if (Math.abs(change) > LARGEST_PERCENT_CHANGE) {
    return { label: `×${integerFormat.format(Math.abs(current / previous))}`, direction };
  }
  const sign = change > 0 ? "+" : "";
  return { label: `${sign}${change.toFixed(1)}%`, direction };
}

function parseTime(iso: Maybe<string>): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A time in the viewer's time zone, e.g. "Nov 25, 2026, 3:04:05 PM". */
export function formatDateTime(iso: Maybe<string>, timeZone?: string): string {
  const date = parseTime(iso);
  if (!date) return MISSING;
  return new Intl.DateTimeFormat(LOCALE, {
    dateStyle: "medium",
    timeStyle: "medium",
    timeZone,
  }).format(date);
}

/** A shorter form for table cells, to the minute: "Nov 25, 2026, 3:04 PM". */
export function formatDateTimeShort(iso: Maybe<string>, timeZone?: string): string {
  const date = parseTime(iso);
  if (!date) return MISSING;
  return new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short", timeZone }).format(date);
}

/** The same instant in UTC, for hover titles: "2026-11-25 20:04:05 UTC". */
export function formatUtc(iso: Maybe<string>): string {
  const date = parseTime(iso);
  if (!date) return MISSING;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "just now", "5 min ago", "in 30 s", "3 h ago", "2 days ago". */
export function formatRelative(iso: Maybe<string>, now: number = Date.now()): string {
  const date = parseTime(iso);
  if (!date) return MISSING;
  const deltaSeconds = Math.round((date.getTime() - now) / 1000);
  const magnitude = Math.abs(deltaSeconds);
  const phrase = (amount: number, unit: string) =>
    deltaSeconds < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
  if (magnitude < 5) return "just now";
  if (magnitude < 60) return phrase(magnitude, "s");
  if (magnitude < 3600) return phrase(Math.round(magnitude / 60), "min");
  if (magnitude < 86_400) return phrase(Math.round(magnitude / 3600), "h");
  const days = Math.round(magnitude / 86_400);
  return phrase(days, days === 1 ? "day" : "days");
}

/** A UTC day ("2026-11-25") as a short axis label ("Nov 25"). */
export function formatDay(day: Maybe<string>): string {
  if (!day) return MISSING;
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric", timeZone: "UTC" }).format(date);
}
