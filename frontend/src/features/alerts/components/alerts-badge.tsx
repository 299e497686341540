import { useAlerts } from "../api/get-alerts";

/** Beside "Alerts" in the sidebar: how many rules fire now; nothing when none does (or the API cannot say). */
export function AlertsBadge() {
  const firing = useAlerts().data?.firing ?? 0;
  if (firing === 0) return null;
  const label = firing === 1 ? "1 alert firing" : `${firing} alerts firing`;
  return (
    <>
      <span
        data-testid="alerts-badge"
        aria-hidden="true"
        title={label}
        className="ml-2 inline-flex min-w-5 items-center justify-center rounded-full bg-red-600 px-1.5 text-xs font-semibold text-white"
      >
        {firing}
      </span>
      <span className="sr-only">, {label}</span>
    </>
  );
}
