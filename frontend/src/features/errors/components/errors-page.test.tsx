import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { answer, neverAnswer, noDataYet, serverFailure, syncStatusSuccess } from "../../../test/api-handlers";
import errors from "../../../test/fixtures/errors.json";
import withWarnings from "../../../test/fixtures/errors-with-warnings.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";
import { matchesErrorFilter, parseErrorLevel } from "./errors-page";

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
    server.use(syncStatusSuccess(), answer("/api/errors", { items: [], total: 0 }));
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

  it("filters the groups by the search box, from the URL", async () => {
    server.use(syncStatusSuccess(), answer("/api/errors", errors));
    renderApp("/errors?q=timed%20out");
    const table = await screen.findByRole("table", { name: "Error groups" });
    expect(within(table).getAllByRole("row")).toHaveLength(2);
    expect(within(table).getByText("rank-candidates")).toBeInTheDocument();
    expect(screen.getByLabelText("Filter groups")).toHaveValue("timed out");
  });
});

describe("the errors page's URL state", () => {
  it.each([
    ["", "ERROR"],
    ["level=all", "all"],
    ["level=WARNING", "WARNING"],
    ["level=bogus", "ERROR"],
  ])("reads %j as level %s", (query, level) => {
    expect(parseErrorLevel(new URLSearchParams(query))).toBe(level);
  });

  it("matches a group by agent, observation name or message, ignoring case", () => {
    const group = errors.items[0]!;
    expect(matchesErrorFilter(group, "REFEREE")).toBe(true);
    expect(matchesErrorFilter(group, "judge-date")).toBe(true);
    expect(matchesErrorFilter(group, "rate limit")).toBe(true);
    expect(matchesErrorFilter(group, "matchmaker")).toBe(false);
    expect(matchesErrorFilter(group, "  ")).toBe(true);
  });
});
