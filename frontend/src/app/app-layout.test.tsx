import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer, syncStatusSuccess } from "../test/api-handlers";
import agents from "../test/fixtures/agents.json";
import models from "../test/fixtures/models.json";
import modelsDaily from "../test/fixtures/models-daily.json";
import { currentUrl, renderApp } from "../test/render";
import { server } from "../test/server";

describe("the app shell", () => {
  it("navigates between pages keeping the chosen range", async () => {
    server.use(
      syncStatusSuccess(),
      answer("/api/agents", agents),
      answer("/api/models", models),
      answer("/api/models/daily", modelsDaily),
    );
    const { router } = renderApp("/agents?range=30d&sort=agent");
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Agents" })).toHaveAttribute("aria-current", "page");
    expect(within(nav).getByRole("link", { name: "Overview" })).toHaveAttribute("href", "/?range=30d");
    await userEvent.click(within(nav).getByRole("link", { name: "Models" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Models" })).toBeInTheDocument();
    expect(currentUrl(router)).toBe("/models?range=30d");
    expect(within(nav).getByRole("link", { name: "Models" })).toHaveAttribute("aria-current", "page");
  });

  it("answers an unknown address with a page that leads back", async () => {
    server.use(syncStatusSuccess());
    renderApp("/no/such/page");
    expect(await screen.findByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to the overview" })).toHaveAttribute("href", "/");
  });

  it("keeps the sidebar when a page cannot render a response of an unexpected shape", async () => {
    server.use(syncStatusSuccess(), answer("/api/sessions/broken", { unexpected: true }));
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    renderApp("/sessions/broken");
    expect(await screen.findByRole("heading", { level: 1, name: "This page could not be shown" })).toBeInTheDocument();
    expect(screen.getByRole("navigation", { name: "Main" })).toBeInTheDocument();
    expect(screen.getByTestId("sync-status")).toBeInTheDocument();
    expect(consoleError).toHaveBeenCalled();
  });

  it("lets keyboard users skip the sidebar", async () => {
    server.use(syncStatusSuccess(), answer("/api/models", models), answer("/api/models/daily", modelsDaily));
    renderApp("/models");
    await screen.findByRole("main");
    await userEvent.tab();
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveFocus();
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveAttribute("href", "#main");
    expect(screen.getByRole("main")).toHaveAttribute("id", "main");
  });
});
