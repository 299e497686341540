import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { answer } from "../../../test/api-handlers";
import backfill from "../../../test/fixtures/sync-status-backfill.json";
import stale from "../../../test/fixtures/sync-status-stale.json";
import success from "../../../test/fixtures/sync-status-success.json";
import { renderRoute } from "../../../test/render";
import { server } from "../../../test/server";
import { StaleDataBanner } from "./stale-data-banner";
import { SyncPanel } from "./sync-panel";

describe("freshness and quota in the sync panel", () => {
  it("shows how old the newest data is, the quota the last cycles used and the backfill's remaining time", async () => {
    server.use(answer("/api/sync/status", backfill));
    renderRoute(<SyncPanel />);
    // 1,312 s: said in the units of "synced … ago", not as "21m 52s".
    expect(await screen.findByTestId("data-age")).toHaveTextContent("22 min old");
    expect(screen.getByTestId("quota-used")).toHaveTextContent("40.0%");
    const meter = screen.getByRole("meter", { name: "Quota used by the last cycle" });
    expect(meter).toHaveAttribute("aria-valuenow", "40");
    expect(meter).toHaveAttribute("aria-valuetext", "40.0%");
    expect(screen.getByTestId("quota-peak")).toHaveTextContent("of 30 requests/min · peak 90.0% in 2 cycles");
    expect(screen.getByTestId("backfill-remaining")).toHaveTextContent("about 18 min left");
  });

  it("leaves out what the daemon has not recorded", async () => {
    server.use(answer("/api/sync/status", success));
    renderRoute(<SyncPanel />);
    await screen.findByText(/ago$/);
    expect(screen.queryByTestId("quota-used")).toBeNull();
    expect(screen.queryByRole("meter")).toBeNull();
    expect(screen.queryByTestId("backfill-remaining")).toBeNull();
  });

  it("leaves out a finished backfill", async () => {
    server.use(answer("/api/sync/status", { ...backfill, backfill: { ...backfill.backfill, complete: true } }));
    renderRoute(<SyncPanel />);
    await screen.findByTestId("quota-used");
    expect(screen.queryByTestId("backfill-remaining")).toBeNull();
  });
});

describe("the stale-data banner", () => {
  it("warns when the data is stale, saying since when", async () => {
    server.use(answer("/api/sync/status", stale));
    renderRoute(<StaleDataBanner />);
    const banner = await screen.findByTestId("stale-banner");
    expect(banner).toHaveAttribute("role", "alert");
    expect(banner).toHaveTextContent("The data is stale.");
    expect(banner).toHaveTextContent("The last successful sync was 2 h ago");
    expect(banner).toHaveTextContent("every 5 min");
  });

  it("says no sync succeeded when none did", async () => {
    server.use(answer("/api/sync/status", { ...stale, lastSuccessAt: null, lastSuccessAgeSeconds: null }));
    renderRoute(<StaleDataBanner />);
    expect(await screen.findByTestId("stale-banner")).toHaveTextContent("No sync has succeeded yet");
  });

  it("stays away while the data is fresh", async () => {
    server.use(answer("/api/sync/status", backfill));
    const { container } = renderRoute(
      <>
        <StaleDataBanner />
        <SyncPanel />
      </>,
    );
    await screen.findByTestId("quota-used");
    expect(within(container).queryByTestId("stale-banner")).toBeNull();
  });
});
