import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { ApiError } from "../api/http-client";
import { describeError } from "./query-states";
import { describeEnvironments } from "../lib/environment-filter";
import { formatInteger, formatRelative } from "../lib/format";
import { useEnvironmentFilter } from "../lib/use-environment-filter";
import { useEnvironments } from "../api/get-environments";
import {
  environmentOptions,
  isEnvironmentIncluded,
  toggleEnvironment,
  type EnvironmentOption,
} from "../lib/environment-choice";

function ChoiceRow({
  choice,
  checked,
  onToggle,
  onOnly,
}: {
  choice: EnvironmentOption;
  checked: boolean;
  onToggle: () => void;
  onOnly: () => void;
}) {
  const id = useId();
  const summary = choice.summary;
  const detail = summary
    ? `${formatInteger(summary.observations)} observations${
        summary.newestStartTime ? `, newest ${formatRelative(summary.newestStartTime)}` : ""
      }`
    : "not in the data";
  return (
    <li className="flex items-center gap-2 py-1">
      <input
        id={`${id}-box`}
        type="checkbox"
        checked={checked}
        onChange={onToggle}
        aria-describedby={`${id}-detail`}
        className="size-4 shrink-0 accent-indigo-600"
      />
      <label htmlFor={`${id}-box`} className="min-w-0 flex-1 truncate" title={choice.name}>
        {choice.name}
      </label>
      <span id={`${id}-detail`} className="shrink-0 text-xs text-slate-600 tabular-nums dark:text-slate-400">
        <span aria-hidden="true">{summary ? formatInteger(summary.observations) : "—"}</span>
        <span className="sr-only">{detail}</span>
      </span>
      <button
        type="button"
        onClick={onOnly}
        aria-label={`Only ${choice.name}`}
        className="shrink-0 rounded px-1.5 py-0.5 text-xs text-indigo-700 underline hover:bg-indigo-50 dark:text-indigo-300 dark:hover:bg-indigo-950"
      >
        only
      </button>
    </li>
  );
}

function ChoiceGroup({
  legend,
  note,
  choices,
  isChecked,
  onToggle,
  onOnly,
}: {
  legend: string;
  note?: string;
  choices: EnvironmentOption[];
  isChecked: (name: string) => boolean;
  onToggle: (name: string) => void;
  onOnly: (name: string) => void;
}) {
  if (choices.length === 0) return null;
  return (
    <fieldset className="mt-3">
      <legend className="text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
        {legend}
      </legend>
      {note && <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">{note}</p>}
      <ul className="mt-1">
        {choices.map((choice) => (
          <ChoiceRow
            key={choice.name}
            choice={choice}
            checked={isChecked(choice.name)}
            onToggle={() => onToggle(choice.name)}
            onOnly={() => onOnly(choice.name)}
          />
        ))}
      </ul>
    </fieldset>
  );
}

/** The panel's width: 18rem. */
const PANEL_WIDTH_PX = 288;

/** Which Langfuse environments every figure is about; the choice lives in the URL (`environment=a,b`). */
export function EnvironmentPicker() {
  const { environments: chosen, setEnvironments } = useEnvironmentFilter();
  const [open, setOpen] = useState(false);
  // The panel opens towards the side with room: leftwards from a button near the right edge.
  const [alignRight, setAlignRight] = useState(false);
  const list = useEnvironments(open);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    function closeOnOutsidePointer(event: PointerEvent) {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false);
    }
    document.addEventListener("pointerdown", closeOnOutsidePointer);
    return () => document.removeEventListener("pointerdown", closeOnOutsidePointer);
  }, [open]);

  function closeOnEscape(event: KeyboardEvent) {
    if (event.key !== "Escape" || !open) return;
    event.stopPropagation();
    setOpen(false);
    buttonRef.current?.focus();
  }

  const choices = environmentOptions(list.data?.items ?? [], chosen);
  const isChecked = (name: string) => isEnvironmentIncluded(choices, chosen, name);
  const toggle = (name: string) => setEnvironments(toggleEnvironment(choices, chosen, name));
  const isDefault = chosen.length === 0;
  const noDataYet = list.error instanceof ApiError && list.error.isNoData;

  return (
    // The container catches Escape bubbling up from the button or the panel (the disclosure pattern);
    // it is no control itself, so no role fits it.
    // eslint-disable-next-line jsx-a11y/no-static-element-interactions
    <div ref={rootRef} className="relative" onKeyDown={closeOnEscape}>
      <button
        ref={buttonRef}
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={(event) => {
          setAlignRight(event.currentTarget.getBoundingClientRect().right >= PANEL_WIDTH_PX + 16);
          setOpen((was) => !was);
        }}
        className={`flex max-w-[16rem] items-center gap-1.5 rounded-md border px-3 py-1.5 text-sm ${
          isDefault
            ? "border-slate-300 bg-white hover:bg-slate-100 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
            : "border-indigo-400 bg-indigo-50 hover:bg-indigo-100 dark:border-indigo-500 dark:bg-indigo-950 dark:hover:bg-indigo-900"
        }`}
      >
        <span className="text-slate-600 dark:text-slate-400">Environment:</span>{" "}
        <span data-testid="environment-choice" className="truncate font-medium">
          {describeEnvironments(chosen)}
        </span>
        <svg viewBox="0 0 20 20" className="size-4 shrink-0 fill-current" aria-hidden="true">
          <path d="M5.3 7.3a1 1 0 0 1 1.4 0L10 10.6l3.3-3.3a1 1 0 1 1 1.4 1.4l-4 4a1 1 0 0 1-1.4 0l-4-4a1 1 0 0 1 0-1.4z" />
        </svg>
      </button>
      {open && (
        <div
          id={panelId}
          role="group"
          aria-label="Choose environments"
          className={`absolute top-full z-20 mt-1 w-[min(18rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900 ${
            alignRight ? "right-0" : "left-0"
          }`}
        >
          <button
            type="button"
            aria-pressed={isDefault}
            onClick={() => setEnvironments([])}
            className={`w-full rounded-md px-3 py-1.5 text-left font-medium ${
              isDefault
                ? "bg-indigo-600 text-white"
                : "border border-slate-300 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
            }`}
          >
            All but internal
          </button>
          {list.isPending && (
            <p role="status" className="mt-3 text-slate-600 dark:text-slate-400">
              Loading environments…
            </p>
          )}
          {noDataYet && (
            <p className="mt-3 text-slate-600 dark:text-slate-400">No environments yet: the first sync is running.</p>
          )}
          {list.isError && !noDataYet && (
            <div role="alert" className="mt-3 text-red-700 dark:text-red-400">
              <p>{describeError(list.error)}</p>
              <button type="button" onClick={() => void list.refetch()} className="mt-1 underline">
                Try again
              </button>
            </div>
          )}
          <ChoiceGroup
            legend="Environments"
            choices={choices.filter((choice) => !choice.internal)}
            isChecked={isChecked}
            onToggle={toggle}
            onOnly={(name) => setEnvironments([name])}
          />
          <ChoiceGroup
            legend="Internal (Langfuse evaluations)"
            note="Langfuse's own LLM-as-a-judge runs; left out unless ticked."
            choices={choices.filter((choice) => choice.internal)}
            isChecked={isChecked}
            onToggle={toggle}
            onOnly={(name) => setEnvironments([name])}
          />
          {list.isSuccess && choices.length === 0 && (
            <p className="mt-3 text-slate-600 dark:text-slate-400">No environments in the data yet.</p>
          )}
          <button
            type="button"
            onClick={() => {
              setOpen(false);
              buttonRef.current?.focus();
            }}
            className="mt-3 w-full rounded-md border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
          >
            Done
          </button>
        </div>
      )}
    </div>
  );
}
