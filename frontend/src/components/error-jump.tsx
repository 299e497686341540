import { createContext, useContext } from "react";

/** The observation a "jump to error" asked for; `jump` changes on every request, even for the same target. */
export interface ErrorJumpTarget {
  observationId: string;
  jump: number;
}

export const ErrorJumpContext = createContext<ErrorJumpTarget | null>(null);

export function useErrorJumpTarget(): ErrorJumpTarget | null {
  return useContext(ErrorJumpContext);
}

/** The error after `current` in the session's list, wrapping around; the first when none is current. */
export function nextErrorId(errorIds: string[], current: string | null): string | null {
  if (errorIds.length === 0) return null;
  const index = current === null ? -1 : errorIds.indexOf(current);
  return errorIds[(index + 1) % errorIds.length] ?? null;
}
