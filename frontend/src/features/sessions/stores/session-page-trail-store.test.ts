import { describe, expect, it } from "vitest";
import { useSessionPageTrail } from "./session-page-trail-store";

const store = () => useSessionPageTrail.getState();

describe("the session page trail store", () => {
  it("remembers the cursor that opened each page of a list", () => {
    store().remember("list", 1, null);
    store().remember("list", 2, "c2");
    store().remember("list", 3, "c3");
    expect(store().cursorFor("list", 1)).toBeNull();
    expect(store().cursorFor("list", 2)).toBe("c2");
    expect(store().cursorFor("list", 3)).toBe("c3");
  });

  it("does not know pages it never saw, such as after a reload deep in the list", () => {
    store().remember("list", 5, "c5");
    expect(store().cursorFor("list", 4)).toBeUndefined();
    expect(store().cursorFor("list", 5)).toBe("c5");
  });

  it("keeps lists with different filters apart", () => {
    store().remember("cost-desc", 2, "a");
    store().remember("cost-asc", 2, "b");
    expect(store().cursorFor("cost-desc", 2)).toBe("a");
    expect(store().cursorFor("cost-asc", 2)).toBe("b");
  });

  it("forgets the oldest lists beyond twenty", () => {
    for (let index = 0; index < 25; index += 1) store().remember(`list-${index}`, 2, `c${index}`);
    expect(Object.keys(store().trails)).toHaveLength(20);
    expect(store().cursorFor("list-0", 2)).toBeUndefined();
    expect(store().cursorFor("list-24", 2)).toBe("c24");
  });
});
