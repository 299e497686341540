import { setupServer } from "msw/node";
import { answer } from "./api-handlers";
import noAlerts from "./fixtures/alerts-none.json";

/**
 * Every test registers the responses it expects; any other request fails the
 * test. One exception: the sidebar's alerts badge polls `/api/alerts` on every
 * page, so it is answered with "no rules" unless a test says otherwise.
 */
export const server = setupServer(answer("/api/alerts", noAlerts));

export const unhandledRequests: string[] = [];
