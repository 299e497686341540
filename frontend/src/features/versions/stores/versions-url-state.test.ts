import { describe, expect, it } from "vitest";
import { parseVersionsChoice, writeVersionsChoice } from "./versions-url-state";

describe("the versions page's URL state", () => {
  it.each([
    ["", { agent: "", by: "release", score: "" }],
    ["agent=matchmaker&by=prompt&score=win", { agent: "matchmaker", by: "prompt", score: "win" }],
    ["agent=judge&by=model", { agent: "judge", by: "release", score: "" }],
  ])("reads %j", (query, expected) => {
    expect(parseVersionsChoice(new URLSearchParams(query))).toEqual(expected);
  });

  it("writes a choice and keeps the rest of the URL, leaving defaults out", () => {
    const start = new URLSearchParams("range=30d&agent=judge&by=prompt");
    expect(writeVersionsChoice(start, { agent: "matchmaker" }).toString()).toBe("range=30d&agent=matchmaker&by=prompt");
    expect(writeVersionsChoice(start, { by: "release", score: "win" }).toString()).toBe(
      "range=30d&agent=judge&score=win",
    );
  });
});
