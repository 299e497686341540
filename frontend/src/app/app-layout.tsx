import { Suspense } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { LoadingState } from "../components/query-states";
import { AlertsBadge } from "../features/alerts/components/alerts-badge";
import { KeyboardShortcuts } from "../features/keyboard/components/keyboard-shortcuts";
import { StaleDataBanner } from "../features/sync/components/stale-data-banner";
import { SyncPanel } from "../features/sync/components/sync-panel";
import { viewSearch } from "../lib/view-search";

const NAV_ITEMS = [
  { to: "/", label: "Overview", end: true },
  { to: "/sessions", label: "Sessions", end: false },
  { to: "/agents", label: "Agents", end: false },
  { to: "/models", label: "Models", end: false },
  { to: "/outcomes", label: "Outcomes", end: false },
  { to: "/errors", label: "Errors", end: false },
  { to: "/distributions", label: "Distributions", end: false },
  { to: "/compare", label: "Compare", end: false },
  { to: "/versions", label: "Versions", end: false },
  { to: "/alerts", label: "Alerts", end: false },
] as const;

export function AppLayout() {
  const location = useLocation();
  // The chosen range and environments follow the viewer from page to page.
  const keptView = viewSearch(new URLSearchParams(location.search));
  return (
    <div className="min-h-screen lg:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 focus:rounded focus:bg-white focus:p-2 dark:focus:bg-slate-900"
      >
        Skip to content
      </a>
      <aside className="flex shrink-0 flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-200 bg-slate-100 px-4 py-3 lg:sticky lg:top-0 lg:h-screen lg:w-64 lg:flex-col lg:flex-nowrap lg:items-stretch lg:gap-4 lg:overflow-y-auto lg:border-r lg:border-b-0 lg:p-3 dark:border-slate-800 dark:bg-slate-900/60">
        <p className="flex items-center gap-2 text-lg font-semibold">
          <svg viewBox="0 0 24 24" className="size-5 fill-rose-500" aria-hidden="true">
            <path d="M12 21s-7.5-4.6-9.6-9.2C.9 8.4 3 4.5 6.7 4.5c2.1 0 3.6 1.2 4.3 2.4h2c.7-1.2 2.2-2.4 4.3-2.4 3.7 0 5.8 3.9 4.3 7.3C19.5 16.4 12 21 12 21z" />
          </svg>
          Cupid
        </p>
        <nav aria-label="Main" className="order-last w-full lg:order-none lg:w-auto">
          {/* relative: the alerts badge's screen-reader text is absolutely positioned. Placed by the page instead
              of this scrolling list, it sat at the list's far end and widened the whole page on a phone. */}
          <ul className="relative -mx-1 flex gap-1 overflow-x-auto px-1 pb-1 lg:mx-0 lg:flex-col lg:overflow-visible lg:px-0 lg:pb-0">
            {NAV_ITEMS.map((item) => (
              <li key={item.to}>
                <NavLink
                  to={{ pathname: item.to, search: keptView }}
                  end={item.end}
                  className={({ isActive }) =>
                    `block rounded-md px-3 py-1.5 text-sm whitespace-nowrap ${
                      isActive
                        ? "bg-indigo-600 font-medium text-white"
                        : "text-slate-700 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800"
                    }`
                  }
                >
                  {item.label}
                  {item.to === "/alerts" && <AlertsBadge />}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="ml-auto lg:mt-auto lg:ml-0">
          <SyncPanel />
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1 p-4 lg:p-6">
        <StaleDataBanner />
        <Suspense fallback={<LoadingState label="Loading page…" />}>
          <Outlet />
        </Suspense>
      </main>
      <KeyboardShortcuts />
    </div>
  );
}
