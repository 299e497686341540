import { parseEnvironments, writeEnvironments } from "./environment-filter";
import { rangeSearch } from "./time-range";

/** Query-string parameters that follow the viewer from page to page: the range and the environments. */
export function viewSearch(params: URLSearchParams): string {
  const kept = writeEnvironments(new URLSearchParams(rangeSearch(params)), parseEnvironments(params));
  const query = kept.toString();
  return query ? `?${query}` : "";
}
