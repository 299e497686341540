import type { ReactNode } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import type { TraceDetail } from "../../../api/types";
import { ApiError } from "../../../api/http-client";
import { LangfuseLink } from "../../../components/langfuse-link";
import { PageHeader, Section } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { TimeText } from "../../../components/time-text";
import { formatCompact, formatDuration, formatInteger, formatUsd } from "../../../lib/format";
import { viewSearch } from "../../../lib/view-search";
import { useDocumentTitle } from "../../../lib/use-document-title";
import { ObservationTree } from "../../../components/observation-tree";
import { useTrace } from "../api/get-trace";

function TraceFacts({ trace, linkSearch }: { trace: TraceDetail; linkSearch: string }) {
  const facts: [string, ReactNode][] = [
    [
      "Session",
      trace.sessionId ? (
        <Link
          to={{ pathname: `/sessions/${encodeURIComponent(trace.sessionId)}`, search: linkSearch }}
          className="font-mono text-indigo-700 underline dark:text-indigo-300"
        >
          {trace.sessionId}
        </Link>
      ) : (
        "—"
      ),
    ],
    ["User", trace.userId ?? "—"],
    ["Agents", (trace.agents ?? []).join(", ") || "—"],
    ["Environment", trace.environment || "—"],
    ["Tags", (trace.tags ?? []).join(", ") || "—"],
    ["Start", <TimeText key="start" value={trace.startTime} />],
    ["Latency", formatDuration(trace.latencyMs)],
    ["Observations", formatInteger(trace.observations)],
    [
      "Tokens",
      `${formatCompact(trace.totalTokens)} (${formatCompact(trace.inputTokens)} in / ${formatCompact(trace.outputTokens)} out)`,
    ],
    ["Cost", formatUsd(trace.totalCost)],
    ["Errors", formatInteger(trace.errors)],
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm md:grid-cols-5 dark:border-slate-800 dark:bg-slate-900">
      {facts.map(([label, value]) => (
        <div key={label} className="min-w-0">
          <dt className="text-xs text-slate-600 dark:text-slate-400">{label}</dt>
          <dd className="font-medium break-words tabular-nums">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function TracePage() {
  const { traceId = "" } = useParams();
  const [params] = useSearchParams();
  const trace = useTrace(traceId);
  const notFound = trace.error instanceof ApiError && trace.error.isNotFound;
  useDocumentTitle(`Trace ${trace.data?.name ?? traceId}`);

  return (
    <>
      <PageHeader
        title={
          <>
            Trace <span className="font-mono text-xl">{traceId}</span>
          </>
        }
        subtitle={trace.data?.name ?? undefined}
        actions={<LangfuseLink href={trace.data?.langfuseUrl} what="trace" />}
      />
      {notFound ? (
        <p role="alert" className="text-sm">
          No trace with this id has been synced.
        </p>
      ) : (
        <QueryContent query={trace} loadingLabel="Loading trace…">
          {(data) => (
            <>
              <Section title="Summary">
                <TraceFacts trace={data} linkSearch={viewSearch(params)} />
              </Section>
              <Section title="Observations">
                <ObservationTree
                  nodes={data.observationsTree ?? []}
                  label={`Observations of ${data.name ?? data.id}`}
                />
              </Section>
            </>
          )}
        </QueryContent>
      )}
    </>
  );
}
