import { describe, expect, it } from "vitest";
import { foldText, formatPayload } from "./payload";

describe("formatPayload", () => {
  it("pretty-prints JSON objects", () => {
    expect(formatPayload('{"a":1,"b":[true]}')).toEqual({
      text: '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}',
      isJson: true,
    });
  });

  it("unwraps a JSON-encoded string", () => {
    expect(formatPayload('"hello\\nworld"')).toEqual({ text: "hello\nworld", isJson: false });
  });

  it("leaves plain text alone", () => {
    expect(formatPayload("not {json")).toEqual({ text: "not {json", isJson: false });
  });
});

describe("foldText", () => {
  it("keeps short text whole", () => {
    expect(foldText("a\nb", 5, 100)).toEqual({ shown: "a\nb", folded: false, totalLines: 2, totalChars: 3 });
  });

  it("cuts after the line limit", () => {
    const folded = foldText("1\n2\n3\n4", 2, 100);
    expect(folded).toMatchObject({ shown: "1\n2", folded: true, totalLines: 4 });
  });

  it("cuts a single long line at the character limit", () => {
    const folded = foldText("x".repeat(50), 10, 20);
    expect(folded.shown).toHaveLength(20);
    expect(folded.folded).toBe(true);
  });
});
