import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { OUTSIDE_GAMES_NOTE, SessionCount, onlyOutsideGames } from "./session-count";

describe("an agent's session count", () => {
  it.each([
    [{ sessions: 0, traces: 12 }, true],
    [{ sessions: 3, traces: 12 }, false],
    [{ sessions: 0, traces: 0 }, false],
  ])("%j is only outside games: %s", (figures, expected) => {
    expect(onlyOutsideGames(figures)).toBe(expected);
  });

  it("says why an agent with traces has no session", () => {
    render(<SessionCount sessions={0} traces={12} />);
    const note = screen.getByTestId("no-session");
    expect(note).toHaveTextContent("no session");
    expect(note).toHaveAttribute("title", OUTSIDE_GAMES_NOTE);
  });

  it("shows the count otherwise", () => {
    const { container } = render(<SessionCount sessions={1234} traces={5000} />);
    expect(container).toHaveTextContent("1,234");
  });
});
