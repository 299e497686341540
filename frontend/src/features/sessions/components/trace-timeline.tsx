import { useState } from "react";
import { Link } from "react-router";
import type { ObservationNode, TraceDetail } from "../../../api/types";
import { TimeText } from "../../../components/time-text";
import { formatCompact, formatDuration, formatInteger, formatUsd } from "../../../lib/format";
import { useErrorJumpTarget } from "../../../components/error-jump";
import { ObservationTree } from "../../../components/observation-tree";

export interface TimelineBar {
  /** Percent of the session's span before the trace starts. */
  offsetPercent: number;
  /** Percent of the session's span the trace lasts (at least a sliver, to stay visible). */
  widthPercent: number;
}

/** Places a trace on the session's time axis. */
export function timelineBar(
  sessionStart: number,
  sessionEnd: number,
  traceStart: number,
  traceEnd: number,
): TimelineBar {
  const span = Math.max(sessionEnd - sessionStart, 1);
  const clamp = (value: number) => Math.min(100, Math.max(0, value));
  const offsetPercent = clamp(((traceStart - sessionStart) / span) * 100);
  const widthPercent = Math.max(0.5, clamp(((Math.max(traceEnd, traceStart) - traceStart) / span) * 100));
  return { offsetPercent, widthPercent: Math.min(widthPercent, 100 - offsetPercent || 0.5) };
}

/** Whether the observation `id` is somewhere in this tree. */
export function treeContains(nodes: ObservationNode[] | undefined, id: string): boolean {
  return (nodes ?? []).some((node) => node.id === id || treeContains(node.children, id));
}

interface TraceRowProps {
  trace: TraceDetail;
  sessionStart: number;
  sessionEnd: number;
  initiallyOpen: boolean;
}

function TraceRow({ trace, sessionStart, sessionEnd, initiallyOpen }: TraceRowProps) {
  const [open, setOpen] = useState(initiallyOpen);
  const jumpTarget = useErrorJumpTarget();
  const jumpedInto =
    jumpTarget && treeContains(trace.observationsTree, jumpTarget.observationId) ? jumpTarget.jump : null;
  // A new jump into this trace opens it, during render rather than in an effect: no frame shows it closed.
  const [openedFor, setOpenedFor] = useState<number | null>(null);
  if (jumpedInto !== openedFor) {
    setOpenedFor(jumpedInto);
    if (jumpedInto !== null) setOpen(true);
  }
  const start = Date.parse(trace.startTime);
  const end = trace.endTime ? Date.parse(trace.endTime) : start + (trace.latencyMs ?? 0);
  const bar = timelineBar(sessionStart, sessionEnd, start, Number.isNaN(end) ? start : end);
  const errors = trace.errors ?? 0;
  return (
    <li className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <button
        type="button"
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
        className="grid w-full grid-cols-[1fr] gap-2 p-3 text-left md:grid-cols-[minmax(12rem,1fr)_2fr]"
      >
        <span className="flex min-w-0 flex-col">
          <span className="flex items-center gap-2">
            <span aria-hidden="true" className="text-xs">
              {open ? "▾" : "▸"}
            </span>
            <span className="truncate font-medium" title={trace.name ?? undefined}>
              {trace.name ?? "(unnamed trace)"}
            </span>
            {errors > 0 && (
              <span className="rounded bg-red-600 px-1.5 py-0.5 text-[10px] font-semibold text-white">
                {formatInteger(errors)} {errors === 1 ? "error" : "errors"}
              </span>
            )}
          </span>
          <span className="text-xs text-slate-600 tabular-nums dark:text-slate-400">
            <TimeText value={trace.startTime} /> · {formatDuration(trace.latencyMs)} ·{" "}
            {formatCompact(trace.totalTokens)} tokens · {formatUsd(trace.totalCost)}
            {(trace.agents ?? []).length > 0 && ` · ${trace.agents.join(", ")}`}
          </span>
        </span>
        <span className="relative h-4 self-center rounded bg-slate-100 dark:bg-slate-800" aria-hidden="true">
          <span
            className={`absolute inset-y-0 rounded ${errors > 0 ? "bg-red-500" : "bg-indigo-500"}`}
            style={{ left: `${bar.offsetPercent}%`, width: `${bar.widthPercent}%` }}
          />
        </span>
      </button>
      {open && (
        <div className="border-t border-slate-200 p-3 dark:border-slate-800">
          <p className="mb-2 text-xs">
            <Link
              to={`/traces/${encodeURIComponent(trace.id)}`}
              className="text-indigo-700 underline dark:text-indigo-300"
            >
              Open trace {trace.id}
            </Link>
          </p>
          <ObservationTree nodes={trace.observationsTree ?? []} label={`Observations of ${trace.name ?? trace.id}`} />
        </div>
      )}
    </li>
  );
}

interface TraceTimelineProps {
  traces: TraceDetail[];
  sessionStart: string;
  sessionEnd: string | null;
  /** The trace holding this observation starts open, so the first error is in view. */
  firstErrorObservationId?: string | null;
}

/** The trace shown open at first: the one with the session's first error, else the first one. */
export function initiallyOpenTraceId(
  traces: TraceDetail[],
  firstErrorObservationId?: string | null,
): string | undefined {
  const withError = firstErrorObservationId
    ? traces.find((trace) => treeContains(trace.observationsTree, firstErrorObservationId))
    : undefined;
  return (withError ?? traces[0])?.id;
}

export function TraceTimeline({ traces, sessionStart, sessionEnd, firstErrorObservationId }: TraceTimelineProps) {
  if (traces.length === 0)
    return <p className="text-sm text-slate-600 dark:text-slate-400">This session has no traces.</p>;
  const openId = initiallyOpenTraceId(traces, firstErrorObservationId);
  const start = Date.parse(sessionStart);
  const latestEnd = Math.max(
    ...traces.map((trace) => Date.parse(trace.endTime ?? trace.startTime)).filter((t) => !Number.isNaN(t)),
  );
  const end = Math.max(Date.parse(sessionEnd ?? "") || start, Number.isFinite(latestEnd) ? latestEnd : start);
  return (
    <ol aria-label="Traces in time order" className="space-y-2">
      {traces.map((trace) => (
        <TraceRow
          key={trace.id}
          trace={trace}
          sessionStart={start}
          sessionEnd={end}
          initiallyOpen={trace.id === openId}
        />
      ))}
    </ol>
  );
}
