import { useState, type ReactNode } from "react";
import { Link, useLocation, useParams, useSearchParams } from "react-router";
import type { SessionSummary } from "../../../api/types";
import { useShortcut } from "../../../lib/keyboard";
import { ErrorJumpContext, nextErrorId, type ErrorJumpTarget } from "../../../components/error-jump";
import { SessionScores } from "./session-scores";
import { ApiError } from "../../../api/http-client";
import { LangfuseLink } from "../../../components/langfuse-link";
import { PageHeader, Section } from "../../../components/page-header";
import { QueryContent } from "../../../components/query-states";
import { TimeText } from "../../../components/time-text";
import { formatCompact, formatDuration, formatInteger, formatUsd } from "../../../lib/format";
import { viewSearch } from "../../../lib/view-search";
import { useSession } from "../api/get-session";
import { TraceTimeline } from "./trace-timeline";
import { useDocumentTitle } from "../../../lib/use-document-title";

function SessionFacts({ session }: { session: SessionSummary }) {
  const users = session.users?.length ? session.users.join(", ") : (session.userId ?? "—");
  const facts: [string, ReactNode][] = [
    ["Users", users],
    ["Agents", (session.agents ?? []).join(", ") || "—"],
    ["Environment", session.environment || "—"],
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

const OBSERVATION_HASH = "#observation-";

export function SessionPage() {
  const { sessionId = "" } = useParams();
  useDocumentTitle(`Session ${sessionId}`);
  const [params] = useSearchParams();
  const location = useLocation();
  const session = useSession(sessionId);
  const notFound = session.error instanceof ApiError && session.error.isNotFound;
  const detail = session.data;
  const errorIds = detail?.errorObservationIds ?? [];
  const [jumpTarget, setJumpTarget] = useState<ErrorJumpTarget | null>(null);
  const jumpTo = (observationId: string | null) => {
    if (observationId) setJumpTarget((previous) => ({ observationId, jump: (previous?.jump ?? 0) + 1 }));
  };

  // A link to an observation (e.g. from the errors page) opens the page there once the session has loaded.
  const hashTarget = location.hash.startsWith(OBSERVATION_HASH) ? location.hash.slice(OBSERVATION_HASH.length) : null;
  const loaded = detail !== undefined;
  const hashJump = loaded && hashTarget ? hashTarget : null;
  const [jumpedToHash, setJumpedToHash] = useState<string | null>(null);
  if (hashJump !== jumpedToHash) {
    setJumpedToHash(hashJump);
    if (hashJump) setJumpTarget({ observationId: decodeURIComponent(hashJump), jump: 1 });
  }

  useShortcut("e", () => jumpTo(nextErrorId(errorIds, jumpTarget?.observationId ?? null)), errorIds.length > 0);
  const errorPosition = jumpTarget ? errorIds.indexOf(jumpTarget.observationId) : -1;
  const back = (
    <Link
      to={{ pathname: "/sessions", search: viewSearch(params) }}
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
        actions={
          <>
            <LangfuseLink href={session.data?.langfuseUrl} what="session" />
            {back}
          </>
        }
      />
      {notFound ? (
        <p role="alert" className="text-sm">
          No session with this id has been synced.
        </p>
      ) : (
        <QueryContent query={session} loadingLabel="Loading session…">
          {(data) => (
            <ErrorJumpContext.Provider value={jumpTarget}>
              <Section title="Summary">
                <SessionFacts session={data.session} />
              </Section>
              <Section title="Scores">
                <SessionScores detail={data} />
              </Section>
              <Section
                title="Timeline"
                actions={
                  errorIds.length > 0 ? (
                    <span className="flex items-center gap-3 text-sm">
                      <span aria-live="polite" className="text-slate-600 dark:text-slate-400">
                        {errorPosition >= 0
                          ? `Error ${errorPosition + 1} of ${errorIds.length}`
                          : `${errorIds.length} ${errorIds.length === 1 ? "error" : "errors"} (press e)`}
                      </span>
                      <a
                        href={`#observation-${errorIds[0]}`}
                        onClick={() => jumpTo(errorIds[0] ?? null)}
                        className="text-red-700 underline dark:text-red-400"
                      >
                        Go to the first error
                      </a>
                    </span>
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
            </ErrorJumpContext.Provider>
          )}
        </QueryContent>
      )}
    </>
  );
}
