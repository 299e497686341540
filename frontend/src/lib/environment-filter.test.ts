import { describe, expect, it } from "vitest";
import {
  describeEnvironments,
  environmentKey,
  environmentParam,
  isInternalEnvironment,
  parseEnvironments,
  writeEnvironments,
} from "./environment-filter";
import { viewSearch } from "./view-search";

const params = (query: string) => new URLSearchParams(query);

describe("parseEnvironments", () => {
  it.each([
    ["", []],
    ["environment=", []],
    ["environment=staging", ["staging"]],
    ["environment=staging,production", ["production", "staging"]],
    ["environment=%20staging%20,,staging,", ["staging"]],
    ["environment=langfuse-llm-as-a-judge", ["langfuse-llm-as-a-judge"]],
  ])("reads %j as %j", (query, expected) => {
    expect(parseEnvironments(params(query))).toEqual(expected);
  });
});

describe("writeEnvironments", () => {
  it("keeps the other parameters and leaves the default out", () => {
    expect(writeEnvironments(params("range=30d&environment=staging"), []).toString()).toBe("range=30d");
  });

  it("writes the names comma-separated, in one canonical order", () => {
    expect(writeEnvironments(params("q=x"), ["staging", "production"]).toString()).toBe(
      "q=x&environment=production%2Cstaging",
    );
  });

  it.each([[[]], [["staging"]], [["langfuse-llm-as-a-judge", "production"]]])(
    "round-trips %j through the URL",
    (environments) => {
      const sorted = [...environments].sort();
      expect(parseEnvironments(writeEnvironments(params(""), environments))).toEqual(sorted);
    },
  );
});

describe("the API parameter and the query key", () => {
  it("leaves the parameter out for the default, so the API applies its own", () => {
    expect(environmentParam([])).toBeUndefined();
    expect(environmentParam(["production", "staging"])).toBe("production,staging");
  });

  it("gives each choice its own cache key", () => {
    const keys = [[], ["staging"], ["production"], ["production", "staging"]].map(environmentKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("isInternalEnvironment", () => {
  it.each([
    ["langfuse-llm-as-a-judge", true],
    ["langfuse-", true],
    ["production", false],
    ["my-langfuse-tests", false],
  ])("%s is internal: %s", (name, internal) => {
    expect(isInternalEnvironment(name)).toBe(internal);
  });
});

describe("describeEnvironments", () => {
  it.each([
    [[], "All but internal"],
    [["staging"], "staging"],
    [["production", "staging"], "production, staging"],
    [["a", "b", "c"], "3 environments"],
  ])("%j reads %j", (environments, label) => {
    expect(describeEnvironments(environments)).toBe(label);
  });
});

describe("viewSearch", () => {
  it("carries the range and the environments to another page, nothing else", () => {
    expect(viewSearch(params("range=30d&environment=staging&q=abc&sort=cost&cursor=c"))).toBe(
      "?range=30d&environment=staging",
    );
    expect(viewSearch(params("environment=production,staging"))).toBe("?environment=production%2Cstaging");
    expect(viewSearch(params("q=abc"))).toBe("");
  });
});
