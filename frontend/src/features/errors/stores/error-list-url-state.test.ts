import { describe, expect, it } from "vitest";
import { errorListQuery, parseErrorLevel, parseErrorListView, withErrorSort } from "./error-list-url-state";

describe("the errors page's URL state", () => {
  it.each([
    ["", "ERROR"],
    ["level=all", "all"],
    ["level=WARNING", "WARNING"],
    ["level=bogus", "ERROR"],
  ])("reads %j as level %s", (query, level) => {
    expect(parseErrorLevel(new URLSearchParams(query))).toBe(level);
  });

  it.each([
    ["", { groupBy: "agentObservation", sort: { key: "count", order: "desc" }, page: 1, q: "" }],
    [
      "groupBy=message&sort=lastSeen&order=asc&page=3&q=%20time%20",
      { groupBy: "message", sort: { key: "lastSeen", order: "asc" }, page: 3, q: "time" },
    ],
    [
      "groupBy=agent&sort=name&order=up&page=0",
      { groupBy: "agentObservation", sort: { key: "count", order: "desc" }, page: 1, q: "" },
    ],
    ["page=2.5", { page: 1 }],
    ["page=-4", { page: 1 }],
  ])("reads %j, with unknown values as the defaults", (query, expected) => {
    expect(parseErrorListView(new URLSearchParams(query))).toMatchObject(expected);
  });

  it("asks the API for one page of 50 groups at the page's offset", () => {
    const view = parseErrorListView(new URLSearchParams("level=all&groupBy=message&sort=sessions&page=3&q=x"));
    expect(errorListQuery(view)).toEqual({
      level: "all",
      groupBy: "message",
      sort: "sessions",
      order: "desc",
      limit: 50,
      offset: 100,
      q: "x",
    });
    expect(errorListQuery(parseErrorListView(new URLSearchParams(""))).q).toBeUndefined();
  });

  it("sorting flips the order of the same key, starts another descending, and goes back to page 1", () => {
    const params = new URLSearchParams("groupBy=message&page=4");
    const flipped = withErrorSort(params, { key: "count", order: "desc" }, "count");
    expect(flipped.toString()).toBe("groupBy=message&sort=count&order=asc");
    const other = withErrorSort(params, { key: "count", order: "asc" }, "firstSeen");
    expect(other.toString()).toBe("groupBy=message&sort=firstSeen&order=desc");
  });
});
