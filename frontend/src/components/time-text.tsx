import { formatDateTime, formatRelative, formatUtc, MISSING } from "../lib/format";

/** A time in the viewer's zone (or relative), with the exact UTC time on hover. */
export function TimeText({ value, relative = false, now }: { value: string | null | undefined; relative?: boolean; now?: number }) {
  if (!value) return <span>{MISSING}</span>;
  const local = formatDateTime(value);
  const title = relative ? `${local} (${formatUtc(value)})` : formatUtc(value);
  return (
    <time dateTime={value} title={title}>
      {relative ? formatRelative(value, now) : local}
    </time>
  );
}
