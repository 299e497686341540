import type { AlertEvent, AlertRuleStatus } from "../../../api/types";
import { DataTable, type DataColumn } from "../../../components/data-table";
import { PageHeader, Section } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { TimeText } from "../../../components/time-text";
import { formatInteger, formatPercent, formatUsd, MISSING } from "../../../lib/format";
import { useDocumentTitle } from "../../../lib/use-document-title";
import { useAlerts } from "../api/get-alerts";

/** A rule's value in its metric's unit. */
export function formatAlertValue(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return MISSING;
  switch (metric) {
    case "cost_per_hour":
      return `${formatUsd(value)}/h`;
    case "error_rate":
    case "score_share":
      return formatPercent(value);
    case "p95_latency_ms":
      return `${formatInteger(Math.round(value))} ms`;
    case "llm_calls_per_hour":
      return `${formatInteger(Math.round(value))}/h`;
    case "sync_staleness_minutes":
      return `${formatInteger(Math.round(value))} min`;
    default:
      return value.toFixed(3);
  }
}

function StateBadge({ state }: { state: AlertRuleStatus["state"] | AlertEvent["kind"] }) {
  const firing = state === "firing";
  return (
    <span
      className={`rounded px-1.5 py-0.5 text-xs font-semibold ${
        firing ? "bg-red-600 text-white" : "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100"
      }`}
    >
      {state === "firing" ? "Firing" : state === "resolved" ? "Resolved" : "OK"}
    </span>
  );
}

const RULE_COLUMNS: DataColumn<AlertRuleStatus>[] = [
  { label: "Rule", className: "whitespace-nowrap font-medium", cell: (rule) => rule.rule },
  { label: "State", cellTestId: "alert-state", cell: (rule) => <StateBadge state={rule.state} /> },
  { label: "Condition", className: "max-w-md", cell: (rule) => rule.condition },
  {
    label: "Last value",
    align: "right",
    className: "whitespace-nowrap",
    cellTestId: "alert-value",
    cell: (rule) => formatAlertValue(rule.metric, rule.lastValue),
  },
  { label: "Since", className: "whitespace-nowrap", cell: (rule) => <TimeText value={rule.since} short /> },
  {
    label: "Checked",
    className: "whitespace-nowrap",
    cell: (rule) => <TimeText value={rule.evaluatedAt} relative />,
  },
];

const HISTORY_COLUMNS: DataColumn<AlertEvent>[] = [
  { label: "When", className: "whitespace-nowrap", cell: (event) => <TimeText value={event.at} short /> },
  { label: "Rule", className: "whitespace-nowrap", cell: (event) => event.rule },
  { label: "Change", cell: (event) => <StateBadge state={event.kind} /> },
  { label: "Message", className: "max-w-xl", cell: (event) => event.message },
];

export function AlertsPage() {
  useDocumentTitle("Alerts");
  const alerts = useAlerts();
  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="Rules the sync daemon checks after every cycle; each posts to its webhook when it starts firing and when it resolves."
      />
      <QueryContent
        query={alerts}
        isEmpty={(data) => data.rules.length === 0 && data.history.length === 0}
        empty="No alert rules are configured. Add [[alerts]] tables to the sync daemon's configuration (see the README's Alerts section)."
      >
        {(data) => (
          <>
            <Section title="Rules">
              <DataTable
                caption="Alert rules"
                columns={RULE_COLUMNS}
                rows={data.rules}
                rowKey={(rule) => rule.rule}
                rowTestId={(rule) => `alert-rule-${rule.rule}`}
                nowrap={false}
              />
            </Section>
            <Section title="History">
              {data.history.length === 0 ? (
                <p className="text-sm text-slate-600 dark:text-slate-400">No rule has fired yet.</p>
              ) : (
                <DataTable
                  caption="Alert history"
                  columns={HISTORY_COLUMNS}
                  rows={data.history}
                  rowKey={(event) => `${event.rule}-${event.kind}-${event.at}`}
                  nowrap={false}
                />
              )}
            </Section>
          </>
        )}
      </QueryContent>
    </>
  );
}
