import type { ReactNode } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import type { SessionSummary } from "../../../api/types";
import { ApiError } from "../../../api/http-client";
import { PageHeader, Section } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { TimeText } from "../../../components/time-text";
import { formatCompact, formatDuration, formatInteger, formatUsd } from "../../../lib/format";
import { rangeSearch } from "../../../lib/time-range";
import { useSession } from "../api/get-session";
import { TraceTimeline } from "./trace-timeline";
import { useDocumentTitle } from "../../../lib/use-document-title";

function SessionFacts({ session }: { session: SessionSummary }) {
  const users = session.users?.length ? session.users.join(", ") : (session.userId ?? "—");
  const facts: [string, ReactNode][] = [
    ["Users", users],
    ["Agents", (session.agents ?? []).join(", ") || "—"],
    ["Start", <TimeText key="start" value={session.startTime} />],
    ["Duration", formatDuration(session.durationMs)],
    ["Traces", formatInteger(session.traces)],
    ["LLM calls", formatInteger(session.generations)],
    [
      "Tokens",
      `${formatCompact(session.totalTokens)} (${formatCompact(session.inputTokens)} in / ${formatCompact(session.outputTokens)} out)`,
    ],
    ["Cost", formatUsd(session.totalCost)],
    ["Errors", formatInteger(session.errors)],
    ["Warnings", formatInteger(session.warnings)],
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

export function SessionPage() {
  const { sessionId = "" } = useParams();
  useDocumentTitle(`Session ${sessionId}`);
  const [params] = useSearchParams();
  const session = useSession(sessionId);
  const notFound = session.error instanceof ApiError && session.error.isNotFound;
  const back = (
    <Link
      to={{ pathname: "/sessions", search: rangeSearch(params) }}
      className="text-sm text-indigo-700 underline dark:text-indigo-300"
    >
      ← All sessions
    </Link>
  );

  return (
    <>
      <PageHeader
        title={
          <>
            Session <span className="font-mono text-xl">{sessionId}</span>
          </>
        }
        actions={back}
      />
      {notFound ? (
        <p role="alert" className="text-sm">
          No session with this id has been synced.
        </p>
      ) : (
        <QueryContent query={session} loadingLabel="Loading session…">
          {(data) => (
            <>
              <Section title="Summary">
                <SessionFacts session={data.session} />
              </Section>
              <Section
                title="Timeline"
                actions={
                  data.session.firstErrorObservationId ? (
                    <a
                      href={`#observation-${data.session.firstErrorObservationId}`}
                      className="text-sm text-red-700 underline dark:text-red-400"
                    >
                      Go to the first error
                    </a>
                  ) : undefined
                }
              >
                <TraceTimeline
                  firstErrorObservationId={data.session.firstErrorObservationId}
                  traces={data.traces ?? []}
                  sessionStart={data.session.startTime}
                  sessionEnd={data.session.endTime ?? null}
                />
              </Section>
            </>
          )}
        </QueryContent>
      )}
    </>
  );
}
