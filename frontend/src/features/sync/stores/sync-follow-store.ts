import { create } from "zustand";
import type { SyncStatus } from "../../../api/types";

// After "Refresh" the panel follows the sync cycle it started until that
// cycle ends. Times come from two clocks (browser and server), so the end is
// recognised from the states seen, not by comparing timestamps.

/** Stop following after this long even if the cycle never reports an end. */
export const FOLLOW_TIMEOUT_MS = 15 * 60_000;

export interface FollowedSync {
  startedAt: number;
  /** `cycleStartedAt` of the last status seen before the trigger. */
  baselineCycleStartedAt: string | null;
  sawRunning: boolean;
}

export type FollowOutcome = "finished" | "timed_out";

interface SyncFollowState {
  followed: FollowedSync | null;
  triggerError: string | null;
  lastOutcome: FollowOutcome | null;
  startFollowing: (baseline: SyncStatus | undefined, now: number) => void;
  failTrigger: (message: string) => void;
  /** Feeds a fresh status; returns the outcome when the followed cycle just ended. */
  observe: (status: SyncStatus, now: number) => FollowOutcome | null;
  /** Stops following after the timeout even when no status arrives at all. */
  expire: (now: number) => void;
  reset: () => void;
}

export function hasFollowedCycleEnded(followed: FollowedSync, status: SyncStatus): boolean {
  if (status.state === "running") return false;
  const newCycle = status.cycleStartedAt !== null && status.cycleStartedAt !== followed.baselineCycleStartedAt;
  return followed.sawRunning || newCycle;
}

export const useSyncFollow = create<SyncFollowState>()((set, get) => ({
  followed: null,
  triggerError: null,
  lastOutcome: null,
  startFollowing: (baseline, now) =>
    set({
      followed: {
        startedAt: now,
        baselineCycleStartedAt: baseline?.cycleStartedAt ?? null,
        sawRunning: false,
      },
      triggerError: null,
      lastOutcome: null,
    }),
  failTrigger: (message) => set({ followed: null, triggerError: message }),
  observe: (status, now) => {
    const { followed } = get();
    if (!followed) return null;
    if (hasFollowedCycleEnded(followed, status)) {
      set({ followed: null, lastOutcome: "finished" });
      return "finished";
    }
    if (now - followed.startedAt > FOLLOW_TIMEOUT_MS) {
      set({ followed: null, lastOutcome: "timed_out" });
      return "timed_out";
    }
    if (status.state === "running" && !followed.sawRunning) {
      set({ followed: { ...followed, sawRunning: true } });
    }
    return null;
  },
  expire: (now) => {
    const { followed } = get();
    if (followed && now - followed.startedAt > FOLLOW_TIMEOUT_MS) set({ followed: null, lastOutcome: "timed_out" });
  },
  reset: () => set({ followed: null, triggerError: null, lastOutcome: null }),
}));
