import { describe, expect, it } from "vitest";
import { ApiError } from "../api/http-client";
import { isWorthRetrying } from "./query-client";

describe("isWorthRetrying", () => {
  it.each([
    [new ApiError(0, "network", "down"), true],
    [new ApiError(502, "http", "bad gateway"), true],
    [new ApiError(503, "unavailable", "busy"), true],
    [new ApiError(503, "no_data", "never synced"), false],
    [new ApiError(400, "bad_request", "bad from"), false],
    [new ApiError(404, "not_found", "no such session"), false],
    [new Error("programming error"), false],
  ])("retries %o: %s", (error, expected) => {
    expect(isWorthRetrying(error)).toBe(expected);
  });
});
