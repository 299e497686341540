import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { useSessionPageTrail } from "../features/sessions/stores/session-page-trail-store";
import { useSyncFollow } from "../features/sync/stores/sync-follow-store";
import { server, unhandledRequests } from "./server";

// Lazy pages are transformed on first import; on a busy 2-core machine that can take over a second.
configure({ asyncUtilTimeout: 5_000 });

// Recharts measures its container and jsdom has no layout engine: report a
// laptop-sized box so the charts render their content.
class ResizeObserverStub {
  private readonly callback: ResizeObserverCallback;
  constructor(callback: ResizeObserverCallback) {
    this.callback = callback;
  }
  observe(target: Element) {
    const contentRect = {
      width: 800,
      height: 240,
      top: 0,
      left: 0,
      right: 800,
      bottom: 240,
      x: 0,
      y: 0,
    } as DOMRectReadOnly;
    this.callback([{ target, contentRect } as ResizeObserverEntry], this as unknown as ResizeObserver);
  }
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;

beforeAll(() => {
  server.listen({
    // The "error" strategy (print.error) plus a record that fails the test in
    // afterEach: with "error" alone a page would merely show its error state.
    onUnhandledRequest: (request, print) => {
      unhandledRequests.push(`${request.method} ${request.url}`);
      print.error();
    },
  });
});

afterEach(() => {
  cleanup();
  server.resetHandlers();
  useSyncFollow.getState().reset();
  useSessionPageTrail.getState().reset();
  const unexpected = unhandledRequests.splice(0);
  expect(unexpected, "requests without a mocked response").toEqual([]);
});

afterAll(() => server.close());
