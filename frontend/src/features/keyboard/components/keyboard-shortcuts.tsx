import { useEffect, useRef, useState } from "react";
import { isShortcutEvent, NAV_ROW_ATTRIBUTE, moveRowFocus } from "../../../lib/keyboard";

export const SHORTCUTS: [string, string][] = [
  ["j", "Next row of the list"],
  ["k", "Previous row of the list"],
  ["Enter", "Open the selected row"],
  ["/", "Search on this page"],
  ["e", "Next error (on a session page)"],
  ["?", "Show this list"],
  ["Esc", "Close this list"],
];

function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    return () => previous?.focus?.();
  }, []);
  return (
    // A click on the dimmed backdrop closes the dialog, a mouse convenience: keyboards have Escape and the close button.
    <div
      role="presentation"
      className="fixed inset-0 z-20 flex items-center justify-center bg-slate-900/40 p-4"
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      {/* A modal dialog keeps the focus (a Tab trap), which takes a key handler on the dialog itself. */}
      {/* eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions */}
      <div
        ref={dialog}
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        tabIndex={-1}
        onKeyDown={(event) => {
          // A modal keeps the focus: its only control is the close button.
          if (event.key === "Tab") {
            event.preventDefault();
            close.current?.focus();
          }
        }}
        className="w-full max-w-sm rounded-lg bg-white p-5 shadow-xl outline-none dark:bg-slate-900"
      >
        <h2 id="shortcuts-title" className="mb-3 text-lg font-semibold">
          Keyboard shortcuts
        </h2>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
          {SHORTCUTS.map(([key, what]) => (
            <div key={key} className="contents">
              <dt>
                <kbd className="rounded border border-slate-300 bg-slate-100 px-1.5 py-0.5 font-mono text-xs dark:border-slate-600 dark:bg-slate-800">
                  {key}
                </kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button
          ref={close}
          type="button"
          onClick={onClose}
          className="mt-4 rounded-md border border-slate-300 px-3 py-1 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
        >
          Close
        </button>
      </div>
    </div>
  );
}

/** The app-wide shortcuts: j/k/Enter through lists, / to search, ? for the list. */
export function KeyboardShortcuts() {
  const [helpOpen, setHelpOpen] = useState(false);
  useEffect(() => {
    const listener = (event: KeyboardEvent) => {
      if (helpOpen) {
        if (event.key === "Escape") setHelpOpen(false);
        return;
      }
      if (!isShortcutEvent(event)) return;
      const main = document.getElementById("main") ?? document;
      switch (event.key) {
        case "?":
          event.preventDefault();
          setHelpOpen(true);
          break;
        case "j":
        case "k":
          if (moveRowFocus(event.key === "j" ? 1 : -1, main)) event.preventDefault();
          break;
        case "Enter": {
          const active = document.activeElement;
          if (active instanceof HTMLElement && active.hasAttribute(NAV_ROW_ATTRIBUTE)) {
            const link = active.querySelector<HTMLElement>("a[href]");
            if (link) {
              event.preventDefault();
              link.click();
            }
          }
          break;
        }
        case "/": {
          const search = main.querySelector<HTMLInputElement>('input[type="search"]');
          if (search) {
            event.preventDefault();
            search.focus();
            search.select();
          }
          break;
        }
      }
    };
    document.addEventListener("keydown", listener);
    return () => document.removeEventListener("keydown", listener);
  }, [helpOpen]);
  return helpOpen ? <ShortcutsDialog onClose={() => setHelpOpen(false)} /> : null;
}
