import { lazy } from "react";
import { Link, type RouteObject } from "react-router";
import { AppLayout } from "./app-layout";
import { PageHeader } from "../components/page-header";

// Each page is its own chunk so the first page loads only what it shows.
const OverviewPage = lazy(() => import("../features/overview/components/overview-page").then((m) => ({ default: m.OverviewPage })));
const SessionsPage = lazy(() => import("../features/sessions/components/sessions-page").then((m) => ({ default: m.SessionsPage })));
const SessionPage = lazy(() => import("../features/sessions/components/session-page").then((m) => ({ default: m.SessionPage })));
const AgentsPage = lazy(() => import("../features/agents/components/agents-page").then((m) => ({ default: m.AgentsPage })));
const AgentPage = lazy(() => import("../features/agents/components/agent-page").then((m) => ({ default: m.AgentPage })));
const ModelsPage = lazy(() => import("../features/models/components/models-page").then((m) => ({ default: m.ModelsPage })));

function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p className="text-sm">
        There is nothing at this address. <Link to="/" className="text-indigo-700 underline dark:text-indigo-300">Back to the overview</Link>
      </p>
    </>
  );
}

export const routes: RouteObject[] = [
  {
    path: "/",
    element: <AppLayout />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: "sessions", element: <SessionsPage /> },
      { path: "sessions/:sessionId", element: <SessionPage /> },
      { path: "agents", element: <AgentsPage /> },
      { path: "agents/:agentName", element: <AgentPage /> },
      { path: "models", element: <ModelsPage /> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];
