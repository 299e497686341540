import { useEffect, useEffectEvent, useState } from "react";
import { useDebouncedValue } from "../lib/use-debounced-value";

interface DebouncedTextInputProps {
  label: string;
  /** The committed value (from the URL). */
  value: string;
  onCommit: (value: string) => void;
  placeholder?: string;
  type?: "search" | "text";
  className?: string;
}

/** A text box that commits after a pause in typing (or on Enter), and follows outside changes such as back/forward. */
export function DebouncedTextInput({
  label,
  value,
  onCommit,
  placeholder,
  type = "search",
  className = "",
}: DebouncedTextInputProps) {
  const [draft, setDraft] = useState(value);
  const [committed, setCommitted] = useState(value);
  const debounced = useDebouncedValue(draft, 300);

  if (value !== committed) {
    setCommitted(value);
    if (value !== draft.trim()) setDraft(value);
  }

  // Only a new pause in typing commits; outside changes of `value` must not echo back,
  // so the effect follows `debounced` alone and reads the latest `value` as an event.
  const commitPause = useEffectEvent((text: string) => {
    if (text !== value) onCommit(text);
  });
  useEffect(() => {
    commitPause(debounced.trim());
  }, [debounced]);

  return (
    <label className={`flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400 ${className}`}>
      {label}
      <input
        type={type}
        value={draft}
        placeholder={placeholder}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && draft.trim() !== value) onCommit(draft.trim());
        }}
        className="w-full min-w-0 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
      />
    </label>
  );
}
