import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer, syncStatusSuccess } from "../../../test/api-handlers";
import scored from "../../../test/fixtures/session-detail-scored.json";
import { renderApp } from "../../../test/render";
import { server } from "../../../test/server";
import { nextErrorId } from "../../../components/error-jump";

const path = `/sessions/${scored.session.id}`;
const api = `/api/sessions/${scored.session.id}`;

function errorToggle(name: string) {
  return screen.getByRole("button", { name: new RegExp(`${name}: input and output`) });
}

describe("the session page's scores", () => {
  it("shows the latest score of each name and, on demand, every score", async () => {
    server.use(syncStatusSuccess(), answer(api, scored));
    renderApp(path);
    const scores = await screen.findByRole("region", { name: "Scores" });
    expect(within(scores).getByTestId("session-score-judge_rating")).toHaveTextContent("4");
    expect(within(scores).getByTestId("session-score-match_outcome")).toHaveTextContent("match");
    expect(within(scores).queryByRole("table")).toBeNull();
    await userEvent.click(within(scores).getByRole("button", { name: "Show all 3 scores" }));
    const all = within(scores).getByRole("table", { name: "All scores of the session" });
    const rows = within(all).getAllByRole("row").slice(1);
    expect(rows.map((row) => row.querySelectorAll("td")[2]?.textContent)).toEqual(["3", "4", "match"]);
    expect(rows[0]).toHaveTextContent("trace trace-a");
    expect(rows[1]).toHaveTextContent("observation obs-11");
    expect(rows[2]).toHaveTextContent("both said yes");
  });

  it("does not offer to show all scores when every score is already shown", async () => {
    const latestOnly = scored.scores.filter((score) =>
      scored.session.scores.some((latest) => latest.name === score.name && latest.value === score.value),
    );
    server.use(syncStatusSuccess(), answer(api, { ...scored, scores: latestOnly }));
    renderApp(path);
    const scores = await screen.findByRole("region", { name: "Scores" });
    await within(scores).findByTestId("session-score-judge_rating");
    expect(latestOnly.length).toBe(scored.session.scores.length);
    expect(within(scores).queryByRole("button", { name: /^Show all/ })).toBeNull();
    await userEvent.click(within(scores).getByRole("button", { name: "Show when and on what each score was given" }));
    expect(within(scores).getByRole("table", { name: "All scores of the session" })).toBeInTheDocument();
  });

  it("says so when the session has no scores", async () => {
    server.use(syncStatusSuccess(), answer(api, { ...scored, scores: [], session: { ...scored.session, scores: [] } }));
    renderApp(path);
    expect(await screen.findByText("No scores recorded for this session.")).toBeInTheDocument();
  });
});

describe("jumping through a session's errors", () => {
  it("steps with e from error to error, opening, scrolling to and focusing each, then wraps", async () => {
    const scrolled: string[] = [];
    const scrollIntoView = vi.fn(function (this: HTMLElement) {
      scrolled.push(this.id);
    });
    Element.prototype.scrollIntoView = scrollIntoView;
    server.use(syncStatusSuccess(), answer(api, scored));
    renderApp(path);
    await screen.findByText("2 errors (press e)");

    await userEvent.keyboard("e");
    await waitFor(() => expect(errorToggle("lookup-profile")).toHaveFocus());
    expect(errorToggle("lookup-profile")).toHaveAttribute("aria-expanded", "true");
    expect(scrolled.at(-1)).toBe("observation-obs-3");
    expect(screen.getByText("Error 1 of 2")).toBeInTheDocument();

    // The second error sits in round-2, which starts closed: the jump opens it.
    await userEvent.keyboard("e");
    await waitFor(() => expect(errorToggle("judge-date")).toHaveFocus());
    expect(errorToggle("judge-date")).toHaveAttribute("aria-expanded", "true");
    expect(scrolled.at(-1)).toBe("observation-obs-11");
    expect(screen.getByText("Error 2 of 2")).toBeInTheDocument();

    await userEvent.keyboard("e");
    await waitFor(() => expect(errorToggle("lookup-profile")).toHaveFocus());
    expect(screen.getByText("Error 1 of 2")).toBeInTheDocument();
  });

  it("goes to the first error from the link", async () => {
    Element.prototype.scrollIntoView = vi.fn();
    server.use(syncStatusSuccess(), answer(api, scored));
    renderApp(path);
    await userEvent.click(await screen.findByRole("link", { name: "Go to the first error" }));
    await waitFor(() => expect(errorToggle("lookup-profile")).toHaveFocus());
  });

  it("opens at the observation a link names, e.g. from the errors page", async () => {
    Element.prototype.scrollIntoView = vi.fn();
    server.use(syncStatusSuccess(), answer(api, scored));
    renderApp(`${path}#observation-obs-11`);
    await waitFor(() => expect(errorToggle("judge-date")).toHaveFocus());
    expect(screen.getByText("Error 2 of 2")).toBeInTheDocument();
  });

  it("ignores e while typing and on a session without errors", async () => {
    Element.prototype.scrollIntoView = vi.fn();
    server.use(
      syncStatusSuccess(),
      answer(api, {
        ...scored,
        errorObservationIds: [],
        session: { ...scored.session, errors: 0, firstErrorObservationId: null },
      }),
    );
    renderApp(path);
    await screen.findByRole("region", { name: "Scores" });
    await userEvent.keyboard("e");
    expect(screen.queryByText(/^Error \d of/)).toBeNull();
    expect(screen.queryByRole("link", { name: "Go to the first error" })).toBeNull();
  });

  it.each([
    [[], null, null],
    [["a", "b"], null, "a"],
    [["a", "b"], "a", "b"],
    [["a", "b"], "b", "a"],
    [["a", "b"], "elsewhere", "a"],
  ])("after %j at %j comes %j", (ids, current, next) => {
    expect(nextErrorId(ids, current)).toBe(next);
  });
});
