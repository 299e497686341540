import createClient from "openapi-fetch";
import { reportAnswer } from "./data-version";
import type { paths } from "./schema.gen";
import type { ApiErrorBody } from "./types";

export type QueryParams = Record<string, string | number | boolean | null | undefined>;

/** A failed api-server call, carrying what the server said went wrong. */
export class ApiError extends Error {
  readonly status: number;
  readonly kind: string;
  readonly parameter: string | null;

  constructor(status: number, kind: string, message: string, parameter: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.kind = kind;
    this.parameter = parameter;
  }

  /** 503 no_data: the database is missing or has never been synced. */
  get isNoData(): boolean {
    return this.kind === "no_data";
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** The query string of `params`, without the empty ones (the API reads "" as a value). */
export function queryString(params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  return search.toString();
}

/** A link to an API resource (e.g. a CSV download), with the same query rules as the calls. */
export function buildUrl(path: keyof paths, params: QueryParams = {}): string {
  const query = queryString(params);
  return query ? `${path}?${query}` : path;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ApiErrorBody).error === "string" &&
    typeof (value as ApiErrorBody).message === "string"
  );
}

/** The ApiError of a non-2xx answer; `body` is its JSON, or its text when it was not JSON. */
function errorFromAnswer(response: Response, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(response.status, body.error, body.message, body.parameter ?? null);
  // Not the API's error body: a proxy in front of the api-server answered (Caddy, Vite).
  const reason = response.statusText || "request failed";
  return new ApiError(response.status, "http", `The server answered ${response.status} (${reason}).`);
}

function isAbort(cause: unknown): boolean {
  return cause instanceof DOMException && cause.name === "AbortError";
}

/**
 * The client's fetch. It looks `fetch` up on every call rather than once, so
 * that the tests' network mock (installed after this module loads) sees every
 * request. A 2xx body that is not JSON (an HTML page from a misrouted proxy)
 * fails here, where its status is still known, instead of as a bare
 * SyntaxError inside openapi-fetch.
 */
async function send(request: Request): Promise<Response> {
  let response: Response;
  try {
    response = await globalThis.fetch(request);
  } catch (cause) {
    if (isAbort(cause)) throw cause;
    throw new ApiError(0, "network", "Cannot reach the api-server. Check that it is running.");
  }
  if (!response.ok) return response;
  reportAnswer(response);
  let text: string;
  try {
    text = await response.text();
    if (text !== "") JSON.parse(text);
  } catch (cause) {
    if (isAbort(cause)) throw cause;
    throw new ApiError(response.status, "bad_response", "The server's answer was not valid JSON.");
  }
  return new Response(text === "" ? null : text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * A typed client for the api-server: paths, parameters and answers come from
 * schema.gen.ts, generated from the api-server's OpenAPI document.
 */
export function createApiClient<Paths extends object>() {
  return createClient<Paths>({
    // openapi-fetch builds a Request, which needs an absolute URL outside a browser (the tests' jsdom).
    baseUrl: globalThis.location?.origin ?? "",
    fetch: send,
    querySerializer: (query) => queryString(query as QueryParams),
    headers: { Accept: "application/json" },
  });
}

export const api = createApiClient<paths>();

/** What an openapi-fetch call resolves to: the data of a 2xx answer, else the error body. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a call, or an ApiError naming what went wrong. Statuses in
 * `accepted` are answers, not failures (e.g. 409 "already running"): their
 * body is returned.
 */
export async function unwrap<T>(call: Promise<Answer<T>>, accepted: number[] = []): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  if (accepted.includes(response.status)) return error as T;
  throw errorFromAnswer(response, error);
}
