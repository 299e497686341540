import { describe, expect, it } from "vitest";
import { isTypingTarget } from "./keyboard";

function element(html: string): HTMLElement {
  const host = document.createElement("div");
  host.innerHTML = html;
  return host.firstElementChild as HTMLElement;
}

describe("whether a key press is someone typing", () => {
  it.each([
    ['<input type="search">', true],
    ['<input type="text">', true],
    ["<input>", true],
    ["<textarea></textarea>", true],
    ["<select></select>", true],
    ['<input type="checkbox">', false],
    ['<input type="radio">', false],
    ["<button>b</button>", false],
    ["<tr></tr>", false],
  ])("%s → %s", (html, typing) => {
    expect(isTypingTarget(element(html))).toBe(typing);
  });

  it("counts an editable element as typing, and no target as not", () => {
    const editable = element("<div contenteditable='true'></div>");
    Object.defineProperty(editable, "isContentEditable", { value: true });
    expect(isTypingTarget(editable)).toBe(true);
    expect(isTypingTarget(null)).toBe(false);
  });
});
