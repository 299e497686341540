import { formatDateTime, formatDateTimeShort, formatRelative, formatUtc, MISSING } from "../lib/format";

interface TimeTextProps {
  value: string | null | undefined;
  /** "5 min ago" instead of the date and time. */
  relative?: boolean;
  /** To the minute, for table cells. */
  short?: boolean;
  now?: number;
}

/** A time in the viewer's zone (or relative), with the exact UTC time on hover. */
export function TimeText({ value, relative = false, short = false, now }: TimeTextProps) {
  if (!value) return <span>{MISSING}</span>;
  const local = formatDateTime(value);
  const title = relative || short ? `${local} (${formatUtc(value)})` : formatUtc(value);
  const shown = relative ? formatRelative(value, now) : short ? formatDateTimeShort(value) : local;
  return (
    <time dateTime={value} title={title}>
      {shown}
    </time>
  );
}
