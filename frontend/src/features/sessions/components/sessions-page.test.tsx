import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import agents from "../../../test/fixtures/agents.json";
import badRequest from "../../../test/fixtures/error-bad-request.json";
import page1 from "../../../test/fixtures/sessions-page-1.json";
import page2 from "../../../test/fixtures/sessions-page-2.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";

/** Answers /api/sessions like the server: page 2 for page 1's cursor, and records every query. */
function sessionsApi() {
  const asked: URLSearchParams[] = [];
  server.use(
    syncStatusSuccess(),
    answer("/api/agents", agents),
    http.get("/api/sessions", ({ request }) => {
      const params = new URL(request.url).searchParams;
      asked.push(params);
      return HttpResponse.json(params.get("cursor") === page1.nextCursor ? page2 : page1);
    }),
  );
  return asked;
}

const lastAsked = (asked: URLSearchParams[]) => asked.at(-1)!;

describe("the sessions page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), neverAnswer("/api/sessions"));
    renderApp("/sessions");
    expect(await screen.findByText("Loading sessions…")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Sessions" })).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), noDataYet("/api/agents"), noDataYet("/api/sessions"));
    renderApp("/sessions");
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
    expect(screen.getByLabelText("Search sessions")).toBeInTheDocument();
  });

  it("shows the API's complaint about a bad parameter", async () => {
    server.use(syncStatusSuccess(), answer("/api/agents", agents), answer("/api/sessions", badRequest, 400));
    renderApp("/sessions");
    expect(await screen.findByRole("alert")).toHaveTextContent("(parameter: from)");
  });

  it("offers to try again after a failure, and recovers", async () => {
    let calls = 0;
    server.use(
      syncStatusSuccess(),
      answer("/api/agents", agents),
      http.get("/api/sessions", () => {
        calls += 1;
        return calls === 1 ? new HttpResponse("oops", { status: 500 }) : HttpResponse.json(page1);
      }),
    );
    renderApp("/sessions");
    await userEvent.click(await screen.findByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "session-10234" })).toBeInTheDocument();
  });

  it("says so when no session matches", async () => {
    server.use(
      syncStatusSuccess(),
      answer("/api/agents", agents),
      answer("/api/sessions", { items: [], total: 0, nextCursor: null }),
    );
    renderApp("/sessions?q=nobody");
    expect(await screen.findByText("No sessions match these filters in this range.")).toBeInTheDocument();
  });

  it("lists a page of sessions with formatted figures", async () => {
    sessionsApi();
    renderApp("/sessions");
    const table = await screen.findByRole("table", { name: "Sessions" });
    expect(within(table).getAllByRole("row")).toHaveLength(51);
    const first = within(table).getByRole("link", { name: "session-10234" }).closest("tr")!;
    expect(
      within(first)
        .getAllByRole("cell")
        .map((cell) => cell.textContent),
    ).toEqual([
      "session-10234",
      "player-22",
      "conversation-coach, referee",
      "Nov 25, 2026, 3:53 PM",
      "12m 13s",
      "9",
      "38",
      "35.7K",
      "$0.035",
      "1",
    ]);
    expect(within(first).getByText("Nov 25, 2026, 3:53 PM")).toHaveAttribute(
      "title",
      "Nov 25, 2026, 3:53:20 PM (2026-11-25 20:53:20 UTC)",
    );
    expect(screen.getByText("Page 1: sessions 1–50 of 10,234")).toBeInTheDocument();
  });

  it("shows each session's outcome when the sessions carry scores", async () => {
    const scored = {
      ...page1,
      items: page1.items.map((session, index) =>
        index === 0
          ? {
              ...session,
              scores: [
                { name: "judge_rating", dataType: "NUMERIC", value: 4.5, stringValue: null },
                { name: "match_outcome", dataType: "CATEGORICAL", value: null, stringValue: "match" },
                { name: "user_satisfied", dataType: "BOOLEAN", value: 0, stringValue: null },
              ],
            }
          : index === 1
            ? { ...session, scores: [{ name: "judge_rating", dataType: "NUMERIC", value: 2, stringValue: null }] }
            : session,
      ),
    };
    server.use(syncStatusSuccess(), answer("/api/agents", agents), answer("/api/sessions", scored));
    renderApp("/sessions");
    const table = await screen.findByRole("table", { name: "Sessions" });
    expect(within(table).getByRole("columnheader", { name: "Outcome" })).toBeInTheDocument();
    const rows = within(table).getAllByRole("row");
    expect(within(rows[1]!).getAllByRole("cell").at(-1)).toHaveTextContent(
      "match_outcome: match, user_satisfied: false",
    );
    expect(within(rows[2]!).getAllByRole("cell").at(-1)).toHaveTextContent("judge_rating: 2");
    expect(within(rows[3]!).getAllByRole("cell").at(-1)).toHaveTextContent("—");
  });

  it("has no outcome column when no session carries a score", async () => {
    sessionsApi();
    renderApp("/sessions");
    const table = await screen.findByRole("table", { name: "Sessions" });
    expect(within(table).queryByRole("columnheader", { name: "Outcome" })).toBeNull();
  });

  it("searches after a pause in typing and keeps the search in the URL", async () => {
    const asked = sessionsApi();
    const { router } = renderApp("/sessions");
    await screen.findByRole("table", { name: "Sessions" });
    await userEvent.type(screen.getByLabelText("Search sessions"), "player-22");
    await waitFor(() => expect(currentUrl(router)).toBe("/sessions?q=player-22"));
    await waitFor(() => expect(lastAsked(asked).get("q")).toBe("player-22"));
    // One request for the whole word, not one per keystroke.
    expect(asked.filter((params) => params.has("q"))).toHaveLength(1);
  });

  it("filters by agent and by errors", async () => {
    const asked = sessionsApi();
    const { router } = renderApp("/sessions");
    await screen.findByRole("table", { name: "Sessions" });
    await userEvent.selectOptions(screen.getByLabelText("Agent"), "referee");
    await userEvent.selectOptions(screen.getByLabelText("Errors"), "with");
    expect(currentUrl(router)).toBe("/sessions?agent=referee&errors=with");
    await waitFor(() => expect(lastAsked(asked).get("hasErrors")).toBe("true"));
    expect(lastAsked(asked).get("agent")).toBe("referee");
  });

  it("sorts by a column and flips the order on a second click", async () => {
    const asked = sessionsApi();
    const { router } = renderApp("/sessions");
    await screen.findByRole("table", { name: "Sessions" });
    await userEvent.click(screen.getByRole("button", { name: /Cost/ }));
    expect(currentUrl(router)).toBe("/sessions?sort=cost");
    await waitFor(() => expect(lastAsked(asked).get("sort")).toBe("cost"));
    expect(lastAsked(asked).get("order")).toBe("desc");
    expect(screen.getByRole("columnheader", { name: /Cost/ })).toHaveAttribute("aria-sort", "descending");
    await userEvent.click(screen.getByRole("button", { name: /Cost/ }));
    expect(currentUrl(router)).toBe("/sessions?sort=cost&order=asc");
    await waitFor(() => expect(lastAsked(asked).get("order")).toBe("asc"));
  });

  it("pages forward with the API's cursor and back again", async () => {
    const asked = sessionsApi();
    const { router } = renderApp("/sessions?range=30d");
    await screen.findByRole("link", { name: "session-10234" });
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();

    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByRole("link", { name: "session-10184" })).toBeInTheDocument();
    expect(lastAsked(asked).get("cursor")).toBe(page1.nextCursor);
    expect(currentUrl(router)).toBe(`/sessions?range=30d&cursor=${page1.nextCursor}&page=2`);
    expect(screen.getByText("Page 2: sessions 51–100 of 10,234")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByRole("link", { name: "session-10234" })).toBeInTheDocument();
    expect(currentUrl(router)).toBe("/sessions?range=30d");
  });

  it("restores the page with back and forward", async () => {
    sessionsApi();
    const { router } = renderApp("/sessions");
    await screen.findByRole("link", { name: "session-10234" });
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await screen.findByRole("link", { name: "session-10184" });
    await router.navigate(-1);
    expect(await screen.findByRole("link", { name: "session-10234" })).toBeInTheDocument();
    await router.navigate(1);
    expect(await screen.findByRole("link", { name: "session-10184" })).toBeInTheDocument();
  });

  it("restores filters, sort and page from a shared link", async () => {
    const asked = sessionsApi();
    renderApp(
      `/sessions?q=player&agent=matchmaker&errors=without&sort=tokens&order=asc&cursor=${page1.nextCursor}&page=2`,
    );
    await screen.findByRole("link", { name: "session-10184" });
    expect(screen.getByLabelText("Search sessions")).toHaveValue("player");
    expect(screen.getByLabelText("Agent")).toHaveValue("matchmaker");
    expect(screen.getByLabelText("Errors")).toHaveValue("without");
    expect(screen.getByRole("columnheader", { name: /Tokens/ })).toHaveAttribute("aria-sort", "ascending");
    const params = lastAsked(asked);
    expect(Object.fromEntries(params)).toMatchObject({
      q: "player",
      agent: "matchmaker",
      hasErrors: "false",
      sort: "tokens",
      order: "asc",
      cursor: page1.nextCursor,
      limit: "50",
    });
    // After a reload the cursors of earlier pages are unknown: Previous goes to the first page.
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByRole("link", { name: "session-10234" })).toBeInTheDocument();
  });

  it("offers the filtered list as CSV", async () => {
    sessionsApi();
    renderApp("/sessions?agent=referee&sort=cost");
    await screen.findByRole("table", { name: "Sessions" });
    const link = screen.getByRole("link", { name: "Download CSV" });
    const href = new URL(link.getAttribute("href")!, "http://localhost");
    expect(href.pathname).toBe("/api/sessions");
    expect(href.searchParams.get("format")).toBe("csv");
    expect(href.searchParams.get("agent")).toBe("referee");
    expect(href.searchParams.get("sort")).toBe("cost");
    expect(href.searchParams.has("from")).toBe(true);
    expect(href.searchParams.has("cursor")).toBe(false);
  });

  it("keeps the agent filter usable when the agent list fails", async () => {
    server.use(syncStatusSuccess(), serverFailure("/api/agents"), answer("/api/sessions", page1));
    renderApp("/sessions?agent=referee");
    await screen.findByRole("table", { name: "Sessions" });
    expect(screen.getByLabelText("Agent")).toHaveValue("referee");
  });
});
