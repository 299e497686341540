import type { ComponentType } from "react";
import type { QueryClient } from "@tanstack/react-query";
import { Link, useRouteError, type RouteObject } from "react-router";
import { prefetchKeyFigures } from "../features/overview/api/prefetch-key-figures";
import { AppLayout } from "./app-layout";
import { PageHeader } from "../components/page-header";
import { LoadingState } from "../components/query-states";
import { useDocumentTitle } from "../lib/use-document-title";

/**
 * Each page is its own chunk, loaded by the router before the page renders
 * (and, for the overview, alongside its loader's requests). Behind
 * React.lazy a page would show the layout's fallback first, and React then
 * holds the page back for up to 300 ms to throttle the reveal.
 */
function page<Module>(load: () => Promise<Module>, pick: (module: Module) => ComponentType) {
  return async () => ({ Component: pick(await load()) });
}

function NotFoundPage() {
  useDocumentTitle("Page not found");
  return (
    <>
      <PageHeader title="Page not found" />
      <p className="text-sm">
        There is nothing at this address.{" "}
        <Link to="/" className="text-indigo-700 underline dark:text-indigo-300">
          Back to the overview
        </Link>
      </p>
    </>
  );
}

/** A page that threw while rendering (e.g. on a response of an unexpected shape): the sidebar stays usable. */
function PageCrash() {
  const error = useRouteError();
  return (
    <>
      <PageHeader title="This page could not be shown" />
      <div
        role="alert"
        className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
      >
        <p>{error instanceof Error ? error.message : "An unexpected error occurred."}</p>
        <p className="mt-2">
          <Link to="/" reloadDocument className="underline">
            Reload the dashboard
          </Link>
        </p>
      </div>
    </>
  );
}

/** The app's routes; the first page's data and code are asked for on navigation, before it renders. */
export function createRoutes(queryClient: QueryClient): RouteObject[] {
  const prefetchOverview = prefetchKeyFigures(queryClient);
  return [
    {
      path: "/",
      element: <AppLayout />,
      // While the router loads the first page's code (the layout renders with the page).
      hydrateFallbackElement: <LoadingState label="Loading the dashboard…" />,
      children: [
        {
          errorElement: <PageCrash />,
          children: [
            {
              index: true,
              loader: prefetchOverview,
              lazy: page(
                () => import("../features/overview/components/overview-page"),
                (m) => m.OverviewPage,
              ),
            },
            {
              path: "sessions",
              lazy: page(
                () => import("../features/sessions/components/sessions-page"),
                (m) => m.SessionsPage,
              ),
            },
            {
              path: "sessions/:sessionId",
              lazy: page(
                () => import("../features/sessions/components/session-page"),
                (m) => m.SessionPage,
              ),
            },
            {
              path: "traces/:traceId",
              lazy: page(
                () => import("../features/traces/components/trace-page"),
                (m) => m.TracePage,
              ),
            },
            {
              path: "agents",
              lazy: page(
                () => import("../features/agents/components/agents-page"),
                (m) => m.AgentsPage,
              ),
            },
            {
              path: "agents/:agentName",
              lazy: page(
                () => import("../features/agents/components/agent-page"),
                (m) => m.AgentPage,
              ),
            },
            {
              path: "models",
              lazy: page(
                () => import("../features/models/components/models-page"),
                (m) => m.ModelsPage,
              ),
            },
            {
              path: "errors",
              lazy: page(
                () => import("../features/errors/components/errors-page"),
                (m) => m.ErrorsPage,
              ),
            },
            {
              path: "distributions",
              lazy: page(
                () => import("../features/distributions/components/distributions-page"),
                (m) => m.DistributionsPage,
              ),
            },
            {
              path: "compare",
              lazy: page(
                () => import("../features/compare/components/compare-page"),
                (m) => m.ComparePage,
              ),
            },
            {
              path: "outcomes",
              lazy: page(
                () => import("../features/outcomes/components/outcomes-page"),
                (m) => m.OutcomesPage,
              ),
            },
            {
              path: "alerts",
              lazy: page(
                () => import("../features/alerts/components/alerts-page"),
                (m) => m.AlertsPage,
              ),
            },
            {
              path: "versions",
              lazy: page(
                () => import("../features/versions/components/versions-page"),
                (m) => m.VersionsPage,
              ),
            },
            { path: "*", element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ];
}
