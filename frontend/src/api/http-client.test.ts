import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import badRequest from "../test/fixtures/error-bad-request.json";
import { server } from "../test/server";
import { api, ApiError, buildUrl, unwrap } from "./http-client";

describe("buildUrl", () => {
  it("leaves out empty parameters and encodes the rest", () => {
    expect(buildUrl("/api/sessions", { q: "a b&c", agent: "", user: undefined, hasErrors: false, limit: 50 })).toBe(
      "/api/sessions?q=a+b%26c&hasErrors=false&limit=50",
    );
  });

  it("adds no question mark without parameters", () => {
    expect(buildUrl("/api/models", {})).toBe("/api/models");
  });
});

describe("unwrap of a typed api call", () => {
  it("returns the parsed body of a 200", async () => {
    server.use(http.get("/api/models", () => HttpResponse.json({ items: [] })));
    await expect(unwrap(api.GET("/api/models"))).resolves.toEqual({ items: [] });
  });

  it("turns the API's error body into an ApiError naming the parameter", async () => {
    server.use(http.get("/api/overview", () => HttpResponse.json(badRequest, { status: 400 })));
    const error = await unwrap(
      api.GET("/api/overview", { params: { query: { from: "2026-12-01", to: "2026-11-01" } } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, kind: "bad_request", parameter: "from", message: badRequest.message });
  });

  it("explains a non-JSON failure from a proxy by its status", async () => {
    server.use(
      http.get(
        "/api/overview",
        () => new HttpResponse("<h1>Bad Gateway</h1>", { status: 502, statusText: "Bad Gateway" }),
      ),
    );
    await expect(unwrap(api.GET("/api/overview"))).rejects.toMatchObject({
      status: 502,
      kind: "http",
      message: "The server answered 502 (Bad Gateway).",
    });
  });

  it("names an answer that is not JSON, such as an HTML page from a misrouted proxy", async () => {
    server.use(http.get("/api/models", () => new HttpResponse("<!doctype html><html></html>", { status: 200 })));
    await expect(unwrap(api.GET("/api/models"))).rejects.toMatchObject({
      status: 200,
      kind: "bad_response",
      message: "The server's answer was not valid JSON.",
    });
  });

  it("reports an unreachable server as a network error", async () => {
    server.use(http.get("/api/overview", () => HttpResponse.error()));
    await expect(unwrap(api.GET("/api/overview"))).rejects.toMatchObject({ status: 0, kind: "network" });
  });
});

describe("unwrap with accepted statuses", () => {
  it("passes on an accepted non-2xx answer such as 409", async () => {
    server.use(http.post("/api/sync/trigger", () => HttpResponse.json({ status: "already_running" }, { status: 409 })));
    await expect(unwrap(api.POST("/api/sync/trigger"), [409])).resolves.toEqual({ status: "already_running" });
  });
});
