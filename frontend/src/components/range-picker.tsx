import { useState, type FormEvent } from "react";
import { useTimeRange } from "../lib/use-time-range";
import { isValidDay, RANGE_LABELS, RANGE_PRESETS, utcDay, type RangePreset } from "../lib/time-range";

const SHORT_LABELS: Record<RangePreset, string> = { "24h": "24 h", "7d": "7 days", "30d": "30 days", custom: "Custom" };

export function RangePicker() {
  const { selection, range, setSelection } = useTimeRange();
  const [editingCustom, setEditingCustom] = useState(false);
  const [fromDay, setFromDay] = useState(selection.fromDay ?? range.from.slice(0, 10));
  const [toDay, setToDay] = useState(selection.toDay ?? utcDay(Date.parse(range.to) - 1));
  const [problem, setProblem] = useState<string | null>(null);
  const [appliedDays, setAppliedDays] = useState(`${selection.fromDay}..${selection.toDay}`);
  const showCustom = editingCustom || selection.preset === "custom";

  // Back/forward to another custom range: show its days in the form.
  const urlDays = `${selection.fromDay}..${selection.toDay}`;
  if (urlDays !== appliedDays) {
    setAppliedDays(urlDays);
    if (selection.fromDay && selection.toDay) {
      setFromDay(selection.fromDay);
      setToDay(selection.toDay);
    }
  }

  function choose(preset: RangePreset) {
    if (preset === "custom") {
      setEditingCustom(true);
      return;
    }
    setEditingCustom(false);
    setProblem(null);
    setSelection({ preset });
  }

  function applyCustom(event: FormEvent) {
    event.preventDefault();
    if (!isValidDay(fromDay) || !isValidDay(toDay)) {
      setProblem("Enter both days as YYYY-MM-DD.");
      return;
    }
    if (fromDay > toDay) {
      setProblem("The first day must not be after the last day.");
      return;
    }
    setProblem(null);
    setSelection({ preset: "custom", fromDay, toDay });
  }

  return (
    <div className="flex flex-wrap items-center gap-2">
      <div
        role="group"
        aria-label="Time range"
        className="inline-flex overflow-hidden rounded-md border border-slate-300 dark:border-slate-700"
      >
        {RANGE_PRESETS.map((preset) => {
          const pressed = preset === "custom" ? showCustom : !showCustom && selection.preset === preset;
          return (
            <button
              key={preset}
              type="button"
              aria-pressed={pressed}
              title={RANGE_LABELS[preset]}
              onClick={() => choose(preset)}
              className={`px-3 py-1.5 text-sm ${
                pressed
                  ? "bg-indigo-600 text-white"
                  : "bg-white hover:bg-slate-100 dark:bg-slate-900 dark:hover:bg-slate-800"
              }`}
            >
              {SHORT_LABELS[preset]}
            </button>
          );
        })}
      </div>
      {showCustom && (
        <form onSubmit={applyCustom} className="flex flex-wrap items-center gap-2 text-sm" aria-label="Custom range">
          <label className="flex items-center gap-1">
            From
            <input
              type="date"
              value={fromDay}
              onChange={(event) => setFromDay(event.target.value)}
              className="rounded border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
            />
          </label>
          <label className="flex items-center gap-1">
            To
            <input
              type="date"
              value={toDay}
              onChange={(event) => setToDay(event.target.value)}
              className="rounded border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
            />
          </label>
          <span className="text-slate-500 dark:text-slate-400">(UTC days)</span>
          <button
            type="submit"
            className="rounded-md bg-indigo-600 px-3 py-1 font-medium text-white hover:bg-indigo-700"
          >
            Apply
          </button>
          {problem && (
            <span role="alert" className="text-red-700 dark:text-red-400">
              {problem}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
