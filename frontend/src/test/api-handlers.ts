import { delay, http, HttpResponse, type JsonBodyType } from "msw";
import noData from "./fixtures/error-no-data.json";
import syncSuccess from "./fixtures/sync-status-success.json";

/** A recorded JSON answer for GET `path`. */
export function answer(path: string, body: JsonBodyType, status = 200) {
  return http.get(path, () => HttpResponse.json(body, { status }));
}

/** GET `path` never answers within the test: the loading state stays. */
export function neverAnswer(path: string) {
  return http.get(path, async () => {
    await delay("infinite");
    return HttpResponse.json({});
  });
}

/** 503 no_data: the database exists but has never been synced. */
export function noDataYet(path: string) {
  return answer(path, noData, 503);
}

/** A 500 from something in front of the API, with a body that is not JSON. */
export function serverFailure(path: string) {
  return http.get(path, () => new HttpResponse("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }));
}

export const syncStatusSuccess = () => answer("/api/sync/status", syncSuccess);
