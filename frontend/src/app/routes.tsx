import { lazy } from "react";
import type { QueryClient } from "@tanstack/react-query";
import { Link, useRouteError, type RouteObject } from "react-router";
import { prefetchKeyFigures } from "../features/overview/api/prefetch-key-figures";
import { AppLayout } from "./app-layout";
import { PageHeader } from "../components/page-header";
import { LoadingState } from "../components/query-states";
import { useDocumentTitle } from "../lib/use-document-title";

// Each page is its own chunk. The other pages load when first rendered; the
// overview's is loaded by the router (see its route below).
const SessionsPage = lazy(() =>
  import("../features/sessions/components/sessions-page").then((m) => ({ default: m.SessionsPage })),
);
const SessionPage = lazy(() =>
  import("../features/sessions/components/session-page").then((m) => ({ default: m.SessionPage })),
);
const TracePage = lazy(() =>
  import("../features/traces/components/trace-page").then((m) => ({ default: m.TracePage })),
);
const AgentsPage = lazy(() =>
  import("../features/agents/components/agents-page").then((m) => ({ default: m.AgentsPage })),
);
const AgentPage = lazy(() =>
  import("../features/agents/components/agent-page").then((m) => ({ default: m.AgentPage })),
);
const ModelsPage = lazy(() =>
  import("../features/models/components/models-page").then((m) => ({ default: m.ModelsPage })),
);
const ErrorsPage = lazy(() =>
  import("../features/errors/components/errors-page").then((m) => ({ default: m.ErrorsPage })),
);
const DistributionsPage = lazy(() =>
  import("../features/distributions/components/distributions-page").then((m) => ({ default: m.DistributionsPage })),
);
const ComparePage = lazy(() =>
  import("../features/compare/components/compare-page").then((m) => ({ default: m.ComparePage })),
);
const OutcomesPage = lazy(() =>
  import("../features/outcomes/components/outcomes-page").then((m) => ({ default: m.OutcomesPage })),
);
const AlertsPage = lazy(() =>
  import("../features/alerts/components/alerts-page").then((m) => ({ default: m.AlertsPage })),
);
const VersionsPage = lazy(() =>
  import("../features/versions/components/versions-page").then((m) => ({ default: m.VersionsPage })),
);

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
              // Loaded before the page renders, alongside the loader's requests:
              // behind React.lazy it would show the layout's fallback first, and
              // React then holds the page back for up to 300 ms to throttle the reveal.
              lazy: async () => ({
                Component: (await import("../features/overview/components/overview-page")).OverviewPage,
              }),
            },
            { path: "sessions", element: <SessionsPage /> },
            { path: "sessions/:sessionId", element: <SessionPage /> },
            { path: "traces/:traceId", element: <TracePage /> },
            { path: "agents", element: <AgentsPage /> },
            { path: "agents/:agentName", element: <AgentPage /> },
            { path: "models", element: <ModelsPage /> },
            { path: "errors", element: <ErrorsPage /> },
            { path: "distributions", element: <DistributionsPage /> },
            { path: "compare", element: <ComparePage /> },
            { path: "outcomes", element: <OutcomesPage /> },
            { path: "alerts", element: <AlertsPage /> },
            { path: "versions", element: <VersionsPage /> },
            { path: "*", element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ];
}
