import { describe, expect, it } from "vitest";
import type { SyncStatus } from "../../../api/types";
import running from "../../../test/fixtures/sync-status-running.json";
import success from "../../../test/fixtures/sync-status-success.json";
import { FOLLOW_TIMEOUT_MS, useSyncFollow } from "./sync-follow-store";

const before = success as SyncStatus;
const during = running as SyncStatus;
const after: SyncStatus = {
  ...before,
  cycleStartedAt: during.cycleStartedAt,
  cycleFinishedAt: "2026-11-25T20:45:30.000Z",
  lastSuccessAt: "2026-11-25T20:45:30.000Z",
};
const store = () => useSyncFollow.getState();

describe("the sync follow store", () => {
  it("follows a triggered cycle through running until it ends", () => {
    store().startFollowing(before, 1_000);
    expect(store().observe(before, 2_000)).toBeNull();
    expect(store().observe(during, 3_000)).toBeNull();
    expect(store().followed?.sawRunning).toBe(true);
    expect(store().observe(after, 4_000)).toBe("finished");
    expect(store().followed).toBeNull();
    expect(store().lastOutcome).toBe("finished");
  });

  it("recognises a cycle that ran entirely between two polls by its new start time", () => {
    store().startFollowing(before, 1_000);
    expect(store().observe(after, 2_000)).toBe("finished");
  });

  it("ends on an error or rate limit too", () => {
    for (const state of ["error", "rate_limited"]) {
      store().startFollowing(before, 0);
      store().observe(during, 1);
      expect(store().observe({ ...during, state }, 2)).toBe("finished");
    }
  });

  it("keeps following while the status still shows the cycle before the trigger", () => {
    store().startFollowing(before, 0);
    expect(store().observe(before, 10_000)).toBeNull();
    expect(store().followed).not.toBeNull();
  });

  it("gives up after the timeout", () => {
    store().startFollowing(before, 0);
    expect(store().observe(during, FOLLOW_TIMEOUT_MS + 1)).toBe("timed_out");
    expect(store().followed).toBeNull();
  });

  it("gives up after the timeout even when no status ever arrives", () => {
    store().startFollowing(undefined, 0);
    store().expire(FOLLOW_TIMEOUT_MS - 1);
    expect(store().followed).not.toBeNull();
    store().expire(FOLLOW_TIMEOUT_MS + 1);
    expect(store().followed).toBeNull();
    expect(store().lastOutcome).toBe("timed_out");
  });

  it("ignores statuses when nothing is followed", () => {
    expect(store().observe(after, 0)).toBeNull();
    expect(store().lastOutcome).toBeNull();
  });

  it("records a failed trigger and stops following", () => {
    store().startFollowing(before, 0);
    store().failTrigger("The sync daemon cannot be reached.");
    expect(store().followed).toBeNull();
    expect(store().triggerError).toBe("The sync daemon cannot be reached.");
  });

  it("clears an earlier trigger error when following again", () => {
    store().failTrigger("boom");
    store().startFollowing(undefined, 0);
    expect(store().triggerError).toBeNull();
    expect(store().followed?.baselineCycleStartedAt).toBeNull();
  });
});
