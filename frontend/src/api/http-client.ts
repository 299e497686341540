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

export function buildUrl(path: string, params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const query = search.toString();
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

async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorBody(body)) {
      return new ApiError(response.status, body.error, body.message, body.parameter ?? null);
    }
  } catch {
    // Not JSON: a proxy in front of the api-server answered (Caddy, Vite).
  }
  const reason = response.statusText || "request failed";
  return new ApiError(response.status, "http", `The server answered ${response.status} (${reason}).`);
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: { Accept: "application/json", ...init.headers } });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "network", "Cannot reach the api-server. Check that it is running.");
  }
}

async function readJson<T>(response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(response.status, "bad_response", "The server's answer was not valid JSON.");
  }
}

export async function getJson<T>(path: string, params?: QueryParams, signal?: AbortSignal): Promise<T> {
  const response = await send(buildUrl(path, params), { signal });
  if (!response.ok) throw await errorFromResponse(response);
  return readJson<T>(response);
}

/** POST whose non-2xx answers the caller may still want to read (e.g. 409). */
export async function postJson<T>(path: string, acceptedStatuses: number[] = []): Promise<{ status: number; body: T }> {
  const response = await send(path, { method: "POST" });
  if (!response.ok && !acceptedStatuses.includes(response.status)) {
    throw await errorFromResponse(response);
  }
  return { status: response.status, body: await readJson<T>(response) };
}
