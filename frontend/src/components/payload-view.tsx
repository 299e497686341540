import { useId, useMemo, useState } from "react";
import { formatInteger } from "../lib/format";
import { foldText, formatPayload } from "../lib/payload";

/** An input, output or metadata value: pretty-printed when JSON, folded when long, always plain text. */
export function PayloadView({ label, raw }: { label: string; raw: string | null | undefined }) {
  const [expanded, setExpanded] = useState(false);
  const id = useId();
  const formatted = useMemo(() => (raw ? formatPayload(raw) : null), [raw]);
  const folded = useMemo(() => (formatted ? foldText(formatted.text) : null), [formatted]);
  if (!formatted || !folded) {
    return (
      <div className="text-xs">
        <span className="font-medium">{label}:</span> <span className="text-slate-500 dark:text-slate-400">none</span>
      </div>
    );
  }
  return (
    <div className="text-xs">
      <div className="mb-1 flex items-center gap-2">
        <span className="font-medium" id={id}>
          {label}
        </span>
        {formatted.isJson && <span className="rounded bg-slate-200 px-1 text-[10px] dark:bg-slate-700">JSON</span>}
      </div>
      <pre
        aria-labelledby={id}
        className="max-h-[32rem] overflow-auto rounded-md bg-slate-100 p-2 font-mono text-xs break-words whitespace-pre-wrap dark:bg-slate-800"
      >
        {expanded ? formatted.text : folded.shown}
        {!expanded && folded.folded && "…"}
      </pre>
      {folded.folded && (
        <button
          type="button"
          onClick={() => setExpanded((value) => !value)}
          className="mt-1 text-indigo-700 underline dark:text-indigo-300"
        >
          {expanded
            ? "Fold"
            : `Show all (${formatInteger(folded.totalLines)} lines, ${formatInteger(folded.totalChars)} characters)`}
        </button>
      )}
    </div>
  );
}
