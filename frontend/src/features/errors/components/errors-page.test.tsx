import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import errors from "../../../test/fixtures/errors.json";
import withWarnings from "../../../test/fixtures/errors-with-warnings.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";
import type { ErrorGroupList } from "../../../api/types";

describe("the errors page", () => {
  it("shows a loading state", async () => {
    server.use(syncStatusSuccess(), neverAnswer("/api/errors"));
    renderApp("/errors");
    expect(await screen.findByText("Loading errors…")).toBeInTheDocument();
  });

  it("says the first sync is running before any data exists", async () => {
    server.use(syncStatusSuccess(), noDataYet("/api/errors"));
    renderApp("/errors");
    expect(await screen.findByText("No data yet: the first sync is running.")).toBeInTheDocument();
  });

  it("shows a failure", async () => {
    server.use(syncStatusSuccess(), serverFailure("/api/errors"));
    renderApp("/errors");
    expect(await screen.findByRole("alert")).toHaveTextContent("502");
  });

  it("says so when the range has no errors", async () => {
    server.use(
      syncStatusSuccess(),
      answer("/api/errors", { items: [], total: 0, count: 0, groupBy: "agentObservation", offset: 0, limit: 50 }),
    );
    renderApp("/errors");
    expect(await screen.findByText("No errors in this range.")).toBeInTheDocument();
  });

  it("lists each group with its count, sessions, sparkline and a link to the latest affected error", async () => {
    server.use(syncStatusSuccess(), answer("/api/errors", errors));
    renderApp("/errors?range=30d");
    const table = await screen.findByRole("table", { name: "Error groups" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    const referee = rows[0]!;
    expect(referee).toHaveTextContent("referee");
    expect(within(referee).getByTestId("error-count")).toHaveTextContent("12");
    const link = within(referee).getByRole("link", { name: /rate limit for request <id>/ });
    expect(link).toHaveAttribute("href", "/sessions/session-10234?range=30d#observation-obs-11");
    const sparkline = within(referee).getByRole("img", { name: /per day$/ });
    expect(sparkline).toHaveAttribute("data-points", "0,1,2,0,3,4,2");
    expect(within(referee).getByText("3 affected sessions")).toBeInTheDocument();
    expect(within(referee).getByRole("link", { name: "session-10101" })).toHaveAttribute(
      "href",
      "/sessions/session-10101?range=30d#observation-obs-55",
    );
    expect(screen.getByTestId("errors-total")).toHaveTextContent("16 errors in 2 groups");
  });

  it("asks for warnings too when switched, and keeps the choice in the URL", async () => {
    const levels: (string | null)[] = [];
    server.use(
      syncStatusSuccess(),
      http.get("/api/errors", ({ request }) => {
        const level = new URL(request.url).searchParams.get("level");
        levels.push(level);
        return HttpResponse.json(level === "all" ? withWarnings : errors);
      }),
    );
    const { router } = renderApp("/errors");
    await screen.findByRole("table", { name: "Error groups" });
    expect(screen.getByRole("button", { name: "Errors" })).toHaveAttribute("aria-pressed", "true");
    await userEvent.click(screen.getByRole("button", { name: "Errors and warnings" }));
    expect(await screen.findByText("WARNING")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Errors and warnings" })).toHaveAttribute("aria-pressed", "true");
    expect(currentUrl(router)).toBe("/errors?level=all");
    expect(levels).toEqual(["ERROR", "all"]);
    await userEvent.click(screen.getByRole("button", { name: "Errors" }));
    expect(currentUrl(router)).toBe("/errors");
  });

  it("asks the API for the groups matching the search box, from the URL", async () => {
    const searched: (string | null)[] = [];
    server.use(
      syncStatusSuccess(),
      http.get("/api/errors", ({ request }) => {
        searched.push(new URL(request.url).searchParams.get("q"));
        return HttpResponse.json({ ...errors, items: errors.items.slice(1), total: 1, count: 4 });
      }),
    );
    renderApp("/errors?q=timed%20out");
    const table = await screen.findByRole("table", { name: "Error groups" });
    expect(within(table).getAllByRole("row")).toHaveLength(2);
    // The observation's own column, and under its agent for phones, where that column is hidden.
    expect(within(table).getByRole("cell", { name: "rank-candidates" })).toHaveClass("hidden", "md:table-cell");
    expect(
      within(table)
        .getAllByText("rank-candidates")
        .filter((name) => name.tagName === "SPAN"),
    ).toHaveLength(1);
    expect(screen.getByLabelText("Filter groups")).toHaveValue("timed out");
    expect(searched).toEqual(["timed out"]);
    expect(screen.getByTestId("errors-total")).toHaveTextContent('4 errors in 1 groups matching "timed out"');
  });

  it("groups by message when switched: one row per message with its agents", async () => {
    const byMessage: ErrorGroupList = {
      ...errors,
      groupBy: "message",
      total: 1,
      items: [{ ...errors.items[0]!, agent: null, name: null, agents: ["matchmaker", "referee"] }],
    };
    const groupings: (string | null)[] = [];
    server.use(
      syncStatusSuccess(),
      http.get("/api/errors", ({ request }) => {
        const groupBy = new URL(request.url).searchParams.get("groupBy");
        groupings.push(groupBy);
        return HttpResponse.json(groupBy === "message" ? byMessage : errors);
      }),
    );
    const { router } = renderApp("/errors?page=2");
    await screen.findByRole("table", { name: "Error groups" });
    expect(screen.getByRole("button", { name: "By agent and observation" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("columnheader", { name: /Observation/ })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "By message" }));
    const table = await screen.findByRole("table", { name: "Error groups" });
    expect(await within(table).findByText("matchmaker, referee")).toBeInTheDocument();
    expect(within(table).queryByRole("columnheader", { name: /Observation/ })).toBeNull();
    expect(screen.getByRole("button", { name: "By message" })).toHaveAttribute("aria-pressed", "true");
    expect(currentUrl(router)).toBe("/errors?groupBy=message");
    expect(groupings).toEqual(["agentObservation", "message"]);
  });

  it("sorts on the server by the header clicked and pages through the groups", async () => {
    const requests: URLSearchParams[] = [];
    server.use(
      syncStatusSuccess(),
      http.get("/api/errors", ({ request }) => {
        const query = new URL(request.url).searchParams;
        requests.push(query);
        return HttpResponse.json({ ...errors, total: 120, limit: 50, offset: Number(query.get("offset")) });
      }),
    );
    const { router } = renderApp("/errors");
    await screen.findByRole("table", { name: "Error groups" });
    expect(screen.getByTestId("errors-page")).toHaveTextContent("Page 1: groups 1–2 of 120");
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(currentUrl(router)).toBe("/errors?page=2"));
    await userEvent.click(screen.getByRole("button", { name: /Last seen/ }));
    await waitFor(() => expect(currentUrl(router)).toBe("/errors?sort=lastSeen&order=desc"));
    await waitFor(() => expect(requests.at(-1)?.get("sort")).toBe("lastSeen"));
    const asked = requests.map((query) => [query.get("offset"), query.get("limit"), query.get("sort")]);
    expect(asked).toEqual([
      ["0", "50", "count"],
      ["50", "50", "count"],
      ["0", "50", "lastSeen"],
    ]);
  });
});
