import { setupServer } from "msw/node";

/** Every test registers the responses it expects; any other request fails the test. */
export const server = setupServer();

export const unhandledRequests: string[] = [];
