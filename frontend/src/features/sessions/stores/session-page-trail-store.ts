import { create } from "zustand";

// The API pages sessions with opaque forward-only cursors. To offer "Previous"
// we remember, per result list, the cursor that opened each page we visited.

interface SessionPageTrailState {
  /** signature -> cursors by page number (index 0 = page 1 = null). */
  trails: Record<string, (string | null)[]>;
  remember: (signature: string, page: number, cursor: string | null) => void;
  /** The cursor of `page` in this list, `undefined` if we never saw it. */
  cursorFor: (signature: string, page: number) => string | null | undefined;
  reset: () => void;
}

const MAX_REMEMBERED_LISTS = 20;

export const useSessionPageTrail = create<SessionPageTrailState>()((set, get) => ({
  trails: {},
  remember: (signature, page, cursor) =>
    set((state) => {
      const trail = [...(state.trails[signature] ?? [null])];
      trail[page - 1] = page === 1 ? null : cursor;
      const others = Object.entries(state.trails).filter(([key]) => key !== signature);
      // Keep the store small: only the most recently used lists.
      const kept = others.slice(-(MAX_REMEMBERED_LISTS - 1));
      return { trails: { ...Object.fromEntries(kept), [signature]: trail } };
    }),
  cursorFor: (signature, page) => {
    if (page <= 1) return null;
    const trail = get().trails[signature];
    const cursor = trail?.[page - 1];
    return cursor === undefined ? undefined : cursor;
  },
  reset: () => set({ trails: {} }),
}));
