import { useCallback, useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import {
  parseRangeSelection,
  resolveRange,
  writeRangeSelection,
  type RangeSelection,
  type ResolvedRange,
} from "./time-range";

/** Current time, refreshed every minute so relative ranges move with the clock. */
export function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

export interface TimeRange {
  selection: RangeSelection;
  range: ResolvedRange;
  setSelection: (selection: RangeSelection) => void;
}

export function useTimeRange(): TimeRange {
  const [params, setParams] = useSearchParams();
  const now = useMinuteClock();
  const selection = useMemo(() => parseRangeSelection(params), [params]);
  const range = useMemo(() => resolveRange(selection, now), [selection, now]);
  const setSelection = useCallback(
    (next: RangeSelection) =>
      setParams((previous) => {
        const written = writeRangeSelection(previous, next);
        // A page cursor belongs to the old range.
        written.delete("cursor");
        written.delete("page");
        return written;
      }),
    [setParams],
  );
  return { selection, range, setSelection };
}
