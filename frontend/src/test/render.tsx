import type { ReactElement } from "react";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { createMemoryRouter, RouterProvider, type RouteObject } from "react-router";
import { onTestFinished } from "vitest";
import { followOneDataVersion } from "../app/one-data-version";
import { createQueryClient } from "../app/query-client";
import { createRoutes } from "../app/routes";

export function testQueryClient(): QueryClient {
  return createQueryClient({ retries: 0 });
}

/** The whole app (layout, sync panel, lazy pages) at `path`, with an in-memory history, set up as main.tsx sets it up. */
export function renderApp(path: string, queryClient: QueryClient = testQueryClient()) {
  onTestFinished(followOneDataVersion(queryClient));
  const router = createMemoryRouter(createRoutes(queryClient), { initialEntries: [path] });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...view, router, queryClient };
}

/** One component at `path`, without the layout (and so without the sync panel's requests). */
export function renderRoute(
  element: ReactElement,
  path = "/",
  pattern = "*",
  queryClient: QueryClient = testQueryClient(),
) {
  const testRoutes: RouteObject[] = [{ path: pattern, element }];
  const router = createMemoryRouter(testRoutes, { initialEntries: [path] });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...view, router, queryClient };
}

/** The current URL of a memory router, as "/path?query". */
export function currentUrl(router: ReturnType<typeof createMemoryRouter>): string {
  const { pathname, search } = router.state.location;
  return `${pathname}${search}`;
}
