import { formatInteger, formatPercent } from "../lib/format";

export interface CategoryShareValue {
  value: string;
  count: number;
  /** count / all the score's values, 0..1. */
  share: number;
}

/** One colour per position (the values come most frequent first); "other" is grey. */
const SEGMENT_COLOURS = [
  "bg-indigo-500 dark:bg-indigo-400",
  "bg-amber-500 dark:bg-amber-400",
  "bg-emerald-500 dark:bg-emerald-400",
  "bg-rose-500 dark:bg-rose-400",
  "bg-sky-500 dark:bg-sky-400",
];
const OTHER_COLOUR = "bg-slate-400 dark:bg-slate-500";

interface Segment extends CategoryShareValue {
  colour: string;
}

/** The values shown, plus "other" for the scores they leave out (values past the top ones, or none). */
function segments(categories: CategoryShareValue[], total: number): Segment[] {
  const shown = categories.map((category, index) => ({
    ...category,
    colour: SEGMENT_COLOURS[index % SEGMENT_COLOURS.length]!,
  }));
  const rest = total - categories.reduce((sum, category) => sum + category.count, 0);
  if (rest > 0 && total > 0) shown.push({ value: "other", count: rest, share: rest / total, colour: OTHER_COLOUR });
  return shown;
}

/**
 * A categorical (or boolean) score's most frequent values as one stacked bar, with a legend that carries
 * each value's share and count as text (what screen readers read; the bar itself is decoration).
 */
export function CategoryShareBar({
  name,
  categories,
  total,
}: {
  /** The score's name, for the accessible label. */
  name: string;
  categories: CategoryShareValue[];
  /** All the score's values, of which the categories are a part. */
  total: number;
}) {
  const parts = segments(categories, total);
  if (parts.length === 0) return <span className="text-slate-600 dark:text-slate-400">—</span>;
  return (
    <div className="inline-flex w-full min-w-28 flex-col gap-1 text-left text-xs">
      <div aria-hidden="true" className="flex h-2 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-700">
        {parts.map((part) => (
          <span
            key={part.value}
            className={`h-2 ${part.colour}`}
            style={{ width: `${part.share * 100}%` }}
            title={`${part.value}: ${formatPercent(part.share)} (${formatInteger(part.count)})`}
          />
        ))}
      </div>
      <ul aria-label={`${name} values`} className="flex flex-wrap gap-x-3 gap-y-0.5">
        {parts.map((part) => (
          <li key={part.value} className="flex min-w-0 items-center gap-1">
            <span aria-hidden="true" className={`inline-block size-2 shrink-0 rounded-sm ${part.colour}`} />
            <span className="max-w-28 truncate font-mono" title={part.value}>
              {part.value}
            </span>
            <span className="text-slate-600 tabular-nums dark:text-slate-400">
              {formatPercent(part.share)} ({formatInteger(part.count)})
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
