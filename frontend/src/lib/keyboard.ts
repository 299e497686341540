import { useEffect, useRef } from "react";

/** Shortcuts stay out of the way while someone types. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  return !["checkbox", "radio", "button", "submit", "reset"].includes(type);
}

/** A plain key press (no Ctrl/Alt/Meta) outside text fields. */
export function isShortcutEvent(event: KeyboardEvent): boolean {
  return !event.ctrlKey && !event.metaKey && !event.altKey && !event.defaultPrevented && !isTypingTarget(event.target);
}

/** Calls `handler` on a plain press of `key` anywhere on the page while mounted. */
export function useShortcut(key: string, handler: () => void, enabled = true) {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (!enabled) return;
    const listener = (event: KeyboardEvent) => {
      if (event.key !== key || !isShortcutEvent(event)) return;
      event.preventDefault();
      latest.current();
    };
    document.addEventListener("keydown", listener);
    return () => document.removeEventListener("keydown", listener);
  }, [key, enabled]);
}

/** Marks a row that `j`/`k` move through and `Enter` opens (its first link). */
export const NAV_ROW_ATTRIBUTE = "data-nav-row";
export const navRowProps = {
  [NAV_ROW_ATTRIBUTE]: "",
  tabIndex: -1,
} as const;
export const navRowFocusClass =
  "focus:outline-2 focus:-outline-offset-2 focus:outline-indigo-600 focus:bg-indigo-50 dark:focus:bg-indigo-950";

/** The rows of the page's lists, in document order. */
export function navRows(root: ParentNode = document): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(`[${NAV_ROW_ATTRIBUTE}]`));
}

/** Focuses the next (`step` 1) or previous (-1) row after the focused one; returns it. */
export function moveRowFocus(step: 1 | -1, root: ParentNode = document): HTMLElement | null {
  const rows = navRows(root);
  if (rows.length === 0) return null;
  const active = document.activeElement;
  const current = rows.findIndex((row) => row === active || row.contains(active));
  const next =
    current === -1 ? (step === 1 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, current + step));
  const row = rows[next]!;
  row.focus();
  row.scrollIntoView?.({ block: "nearest" });
  return row;
}
