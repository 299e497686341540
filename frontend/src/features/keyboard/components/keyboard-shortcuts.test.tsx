import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answer, syncStatusSuccess } from "../../../test/api-handlers";
import agents from "../../../test/fixtures/agents.json";
import page1 from "../../../test/fixtures/sessions-page-1.json";
import detail from "../../../test/fixtures/session-detail.json";
import { currentUrl, renderApp } from "../../../test/render";
import { server } from "../../../test/server";

function answerSessions() {
  server.use(
    syncStatusSuccess(),
    answer("/api/agents", agents),
    answer("/api/sessions", page1),
    answer(`/api/sessions/${page1.items[1]!.id}`, {
      ...detail,
      session: { ...detail.session, id: page1.items[1]!.id },
    }),
  );
}

async function sessionRows() {
  const table = await screen.findByRole("table", { name: /sessions/i });
  return within(table).getAllByRole("row").slice(1);
}

describe("keyboard triage", () => {
  it("moves through the rows with j and k, without leaving the list", async () => {
    answerSessions();
    renderApp("/sessions");
    const rows = await sessionRows();
    await userEvent.keyboard("j");
    expect(rows[0]).toHaveFocus();
    await userEvent.keyboard("jj");
    expect(rows[2]).toHaveFocus();
    await userEvent.keyboard("k");
    expect(rows[1]).toHaveFocus();
    await userEvent.keyboard("kkkk");
    expect(rows[0]).toHaveFocus();
    await userEvent.keyboard("k".repeat(1) + "j".repeat(rows.length + 3));
    expect(rows.at(-1)).toHaveFocus();
  });

  it("opens the focused row with Enter", async () => {
    answerSessions();
    const { router } = renderApp("/sessions?range=30d");
    await sessionRows();
    await userEvent.keyboard("jj{Enter}");
    await waitFor(() => expect(currentUrl(router)).toBe(`/sessions/${page1.items[1]!.id}?range=30d`));
  });

  it("focuses the page's search with /, and shortcuts stay quiet while typing", async () => {
    answerSessions();
    renderApp("/sessions");
    const rows = await sessionRows();
    await userEvent.keyboard("/");
    const search = screen.getByLabelText("Search sessions");
    expect(search).toHaveFocus();
    await userEvent.keyboard("jk?");
    expect(search).toHaveValue("jk?");
    expect(rows[0]).not.toHaveFocus();
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("lists the shortcuts with ? and closes the list with Esc", async () => {
    answerSessions();
    renderApp("/sessions");
    await sessionRows();
    await userEvent.keyboard("?");
    const dialog = screen.getByRole("dialog", { name: "Keyboard shortcuts" });
    expect(dialog).toHaveFocus();
    for (const key of ["j", "k", "Enter", "/", "e", "?"]) {
      expect(within(dialog).getByText(key, { selector: "kbd" })).toBeInTheDocument();
    }
    // While the list is open, j does not move the list behind it.
    await userEvent.keyboard("j");
    expect(document.activeElement?.closest("tr")).toBeNull();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("keeps the focus inside the shortcut list and gives it back on close", async () => {
    answerSessions();
    renderApp("/sessions");
    const rows = await sessionRows();
    await userEvent.keyboard("j?");
    const close = screen.getByRole("button", { name: "Close" });
    await userEvent.tab();
    expect(close).toHaveFocus();
    await userEvent.tab();
    expect(close).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(rows[0]).toHaveFocus();
  });

  it("closes the shortcut list with its button", async () => {
    answerSessions();
    renderApp("/sessions");
    await sessionRows();
    await userEvent.keyboard("?");
    await userEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});
