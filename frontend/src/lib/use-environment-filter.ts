import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { normalizeEnvironments, writeEnvironments, type EnvironmentFilter } from "./environment-filter";

export interface EnvironmentChoice {
  environments: EnvironmentFilter;
  setEnvironments: (environments: EnvironmentFilter) => void;
}

export function useEnvironmentFilter(): EnvironmentChoice {
  const [params, setParams] = useSearchParams();
  const raw = params.get("environment");
  // Keyed on the raw value so that an unrelated parameter change keeps the same array (and query keys stay equal).
  const environments = useMemo(() => normalizeEnvironments((raw ?? "").split(",")), [raw]);
  const setEnvironments = useCallback(
    (next: EnvironmentFilter) =>
      setParams((previous) => {
        const written = writeEnvironments(previous, next);
        // A page cursor belongs to the old choice.
        written.delete("cursor");
        written.delete("page");
        return written;
      }),
    [setParams],
  );
  return { environments, setEnvironments };
}
