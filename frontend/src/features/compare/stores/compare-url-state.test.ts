import { describe, expect, it } from "vitest";
import {
  MAX_COMPARED_AGENTS,
  parseComparedAgents,
  toggleComparedAgent,
  writeComparedAgents,
} from "./compare-url-state";

describe("the compared agents in the URL", () => {
  it.each([
    ["", []],
    ["agents=a", ["a"]],
    ["agents=a,b", ["a", "b"]],
    ["agents=+a+,,b,a", ["a", "b"]],
    ["agents=judge%20%2F%20v2,b", ["judge / v2", "b"]],
  ])("reads %j as %j", (query, expected) => {
    expect(parseComparedAgents(new URLSearchParams(query))).toEqual(expected);
  });

  it("keeps at most eight agents", () => {
    const many = Array.from({ length: 10 }, (_, index) => `agent-${index}`);
    expect(parseComparedAgents(new URLSearchParams({ agents: many.join(",") }))).toHaveLength(MAX_COMPARED_AGENTS);
    expect(toggleComparedAgent(many.slice(0, 8), "agent-9")).toHaveLength(8);
  });

  it("adds at the end and removes in place", () => {
    expect(toggleComparedAgent(["a", "b"], "c")).toEqual(["a", "b", "c"]);
    expect(toggleComparedAgent(["a", "b", "c"], "b")).toEqual(["a", "c"]);
  });

  it("writes the list and leaves the range alone, dropping the parameter when empty", () => {
    const params = new URLSearchParams("range=30d&agents=a");
    expect(writeComparedAgents(params, ["a", "b"]).toString()).toBe("range=30d&agents=a%2Cb");
    expect(writeComparedAgents(params, []).toString()).toBe("range=30d");
  });
});
