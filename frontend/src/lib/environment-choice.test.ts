import { describe, expect, it } from "vitest";
import environments from "../test/fixtures/environments.json";
import { environmentOptions, isEnvironmentIncluded, toggleEnvironment } from "./environment-choice";

// production, staging and dev are ordinary; langfuse-llm-as-a-judge is internal.
const listed = environments.items;
const options = (chosen: string[]) => environmentOptions(listed, chosen);

describe("the environment picker's rules", () => {
  it("ticks every ordinary environment and no internal one by default", () => {
    const ticked = listed.map((item) => item.name).filter((name) => isEnvironmentIncluded(options([]), [], name));
    expect(ticked).toEqual(["production", "staging", "dev"]);
  });

  it.each([
    ["unticking one of the default leaves the others", [], "production", ["dev", "staging"]],
    [
      "ticking an internal one adds it to the default's",
      [],
      "langfuse-llm-as-a-judge",
      ["dev", "langfuse-llm-as-a-judge", "production", "staging"],
    ],
    ["ticking another adds it", ["staging"], "production", ["production", "staging"]],
    ["unticking the last one goes back to the default", ["staging"], "staging", []],
    ["ticking the missing ordinary one again is the default", ["dev", "production"], "staging", []],
    [
      "unticking the internal one of the default's plus it is the default",
      ["dev", "langfuse-llm-as-a-judge", "production", "staging"],
      "langfuse-llm-as-a-judge",
      [],
    ],
  ])("%s", (_case, chosen, clicked, expected) => {
    expect(toggleEnvironment(options(chosen), chosen, clicked)).toEqual(expected);
  });

  it("offers a chosen name the data does not hold, so it can be unticked", () => {
    const offered = options(["typo"]);
    expect(offered.map((option) => option.name)).toContain("typo");
    expect(offered.find((option) => option.name === "typo")).toMatchObject({ internal: false, summary: null });
    expect(isEnvironmentIncluded(offered, ["typo"], "typo")).toBe(true);
    expect(toggleEnvironment(offered, ["typo"], "typo")).toEqual([]);
  });

  it("flags an unlisted chosen name as internal by its prefix", () => {
    expect(options(["langfuse-new"]).find((option) => option.name === "langfuse-new")?.internal).toBe(true);
  });
});
