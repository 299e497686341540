import { describe, expect, it } from "vitest";
import {
  DEFAULT_SESSION_LIST_QUERY,
  parseSessionListQuery,
  sessionListApiParams,
  sessionListSignature,
  withFilters,
  withSort,
  writeSessionListQuery,
} from "./session-list-url-state";

const parse = (query: string) => parseSessionListQuery(new URLSearchParams(query));

describe("parseSessionListQuery", () => {
  it("gives the defaults for an empty URL", () => {
    expect(parse("")).toEqual(DEFAULT_SESSION_LIST_QUERY);
  });

  it("reads every filter, the sort and the page", () => {
    expect(parse("q=abc&agent=referee&user=player-1&errors=with&sort=cost&order=asc&cursor=xyz&page=3")).toEqual({
      q: "abc",
      agent: "referee",
      user: "player-1",
      errors: "with",
      sort: "cost",
      order: "asc",
      cursor: "xyz",
      page: 3,
    });
  });

  it.each([
    ["sort=name", { sort: "startTime" }],
    ["order=sideways", { order: "desc" }],
    ["errors=maybe", { errors: "any" }],
    ["page=7", { page: 1, cursor: null }],
    ["cursor=xyz&page=-2", { page: 2, cursor: "xyz" }],
  ])("replaces unusable values in %j with safe ones", (query, expected) => {
    expect(parse(query)).toMatchObject(expected);
  });
});

describe("writeSessionListQuery", () => {
  it("leaves defaults out and keeps foreign parameters such as the range", () => {
    const written = writeSessionListQuery(new URLSearchParams("range=30d&q=old"), DEFAULT_SESSION_LIST_QUERY);
    expect(written.toString()).toBe("range=30d");
  });

  it("round-trips a full query", () => {
    const query = {
      ...DEFAULT_SESSION_LIST_QUERY,
      q: "x",
      agent: "a",
      errors: "without" as const,
      sort: "errors" as const,
      order: "asc" as const,
      cursor: "c",
      page: 4,
    };
    expect(parseSessionListQuery(writeSessionListQuery(new URLSearchParams(), query))).toEqual(query);
  });
});

describe("changing the view", () => {
  const onPage3 = { ...DEFAULT_SESSION_LIST_QUERY, cursor: "c3", page: 3 };

  it("goes back to the first page when a filter changes", () => {
    expect(withFilters(onPage3, { agent: "referee" })).toMatchObject({ agent: "referee", cursor: null, page: 1 });
  });

  it("flips the order when the sorted column is clicked again", () => {
    const byCost = withSort(onPage3, "cost");
    expect(byCost).toMatchObject({ sort: "cost", order: "desc", page: 1, cursor: null });
    expect(withSort(byCost, "cost")).toMatchObject({ sort: "cost", order: "asc" });
    expect(withSort(withSort(byCost, "cost"), "errors")).toMatchObject({ sort: "errors", order: "desc" });
  });
});

describe("sessionListApiParams", () => {
  it.each([
    ["any", undefined],
    ["with", true],
    ["without", false],
  ] as const)("sends the error filter %s as hasErrors=%s", (errors, hasErrors) => {
    expect(sessionListApiParams({ ...DEFAULT_SESSION_LIST_QUERY, errors }).hasErrors).toBe(hasErrors);
  });
});

describe("sessionListSignature", () => {
  const lastWeek = { preset: "7d" as const };

  it("is the same on every page of one list", () => {
    expect(sessionListSignature({ ...DEFAULT_SESSION_LIST_QUERY, cursor: "c", page: 2 }, lastWeek, [])).toBe(
      sessionListSignature(DEFAULT_SESSION_LIST_QUERY, lastWeek, []),
    );
  });

  it("differs when the environments differ", () => {
    const allButInternal = sessionListSignature(DEFAULT_SESSION_LIST_QUERY, lastWeek, []);
    const staging = sessionListSignature(DEFAULT_SESSION_LIST_QUERY, lastWeek, ["staging"]);
    expect(staging).not.toBe(allButInternal);
    expect(sessionListSignature(DEFAULT_SESSION_LIST_QUERY, lastWeek, ["production", "staging"])).not.toBe(staging);
  });

  it("differs when the filters or the range differ", () => {
    const base = sessionListSignature(DEFAULT_SESSION_LIST_QUERY, lastWeek, []);
    expect(sessionListSignature({ ...DEFAULT_SESSION_LIST_QUERY, q: "x" }, lastWeek, [])).not.toBe(base);
    expect(sessionListSignature(DEFAULT_SESSION_LIST_QUERY, { preset: "24h" }, [])).not.toBe(base);
    expect(
      sessionListSignature(
        DEFAULT_SESSION_LIST_QUERY,
        {
          preset: "custom",
          fromDay: "2026-11-01",
          toDay: "2026-11-02",
        },
        [],
      ),
    ).not.toBe(
      sessionListSignature(
        DEFAULT_SESSION_LIST_QUERY,
        {
          preset: "custom",
          fromDay: "2026-11-01",
          toDay: "2026-11-03",
        },
        [],
      ),
    );
  });
});
