import { useEffect, useRef, useState } from "react";
import type { ObservationNode } from "../api/types";
import { TimeText } from "./time-text";
import { formatDuration, formatInteger, formatUsd } from "../lib/format";
import { useErrorJumpTarget } from "./error-jump";
import { PayloadView } from "./payload-view";

const TYPE_STYLES: Record<string, string> = {
  GENERATION: "bg-violet-100 text-violet-900 dark:bg-violet-900 dark:text-violet-100",
  AGENT: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
  TOOL: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
  SPAN: "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100",
  EVENT: "bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-100",
};

const LEVEL_STYLES: Record<string, string> = {
  ERROR: "bg-red-600 text-white",
  WARNING: "bg-amber-400 text-amber-950",
  DEBUG: "bg-slate-300 text-slate-900 dark:bg-slate-600 dark:text-slate-100",
};

function tokens(node: ObservationNode): string | null {
  if (node.totalTokens == null && node.inputTokens == null && node.outputTokens == null) return null;
  return `${formatInteger(node.inputTokens)} in / ${formatInteger(node.outputTokens)} out`;
}

function ObservationItem({ node }: { node: ObservationNode }) {
  const [open, setOpen] = useState(false);
  const level = node.level ?? "DEFAULT";
  const children = node.children ?? [];
  const usage = tokens(node);
  const type = node.type ?? "OBSERVATION";
  const jumpTarget = useErrorJumpTarget();
  const toggle = useRef<HTMLButtonElement>(null);
  const item = useRef<HTMLLIElement>(null);
  const jumpedHere = jumpTarget?.observationId === node.id ? jumpTarget.jump : null;
  // A new jump here opens the item while rendering; the effect then scrolls to it and focuses it.
  const [openedFor, setOpenedFor] = useState<number | null>(null);
  if (jumpedHere !== openedFor) {
    setOpenedFor(jumpedHere);
    if (jumpedHere !== null) setOpen(true);
  }
  useEffect(() => {
    if (jumpedHere === null) return;
    item.current?.scrollIntoView?.({ block: "start" });
    toggle.current?.focus({ preventScroll: true });
  }, [jumpedHere]);
  return (
    <li id={`observation-${node.id}`} ref={item} className="scroll-mt-4">
      <div
        className={`flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md px-2 py-1.5 text-sm ${
          level === "ERROR" ? "bg-red-50 dark:bg-red-950/50" : "hover:bg-slate-50 dark:hover:bg-slate-800/50"
        }`}
      >
        <button
          ref={toggle}
          type="button"
          aria-expanded={open}
          aria-label={`${type} ${node.name ?? "(unnamed)"}: input and output`}
          onClick={() => setOpen((value) => !value)}
          className="inline-flex items-center gap-2 rounded text-left"
        >
          <span aria-hidden="true" className="w-3 text-xs">
            {open ? "▾" : "▸"}
          </span>
          <span className={`rounded px-1.5 py-0.5 text-[10px] font-semibold ${TYPE_STYLES[type] ?? TYPE_STYLES.EVENT}`}>
            {type}
          </span>
          <span className="font-medium">{node.name ?? "(unnamed)"}</span>
        </button>
        {level !== "DEFAULT" && (
          <span
            className={`rounded px-1.5 py-0.5 text-[10px] font-semibold ${LEVEL_STYLES[level] ?? LEVEL_STYLES.DEBUG}`}
          >
            {level}
          </span>
        )}
        {node.model && <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{node.model}</span>}
        {node.agent && <span className="text-xs text-slate-600 dark:text-slate-400">agent {node.agent}</span>}
        <span className="ml-auto flex gap-3 text-xs text-slate-600 tabular-nums dark:text-slate-400">
          {usage && <span title="Tokens">{usage}</span>}
          {node.totalCost != null && <span title="Cost">{formatUsd(node.totalCost)}</span>}
          <span title="Latency">{formatDuration(node.latencyMs)}</span>
        </span>
        {node.statusMessage && (
          <p className="w-full pl-5 text-xs break-words text-red-800 dark:text-red-300">{node.statusMessage}</p>
        )}
      </div>
      {open && (
        <div className="my-2 ml-5 space-y-3 border-l-2 border-slate-200 pl-3 dark:border-slate-700">
          <p className="text-xs text-slate-600 dark:text-slate-400">
            Started <TimeText value={node.startTime} /> · id <span className="font-mono">{node.id}</span>
          </p>
          <PayloadView label="Input" raw={node.input} />
          <PayloadView label="Output" raw={node.output} />
          {node.metadata && <PayloadView label="Metadata" raw={node.metadata} />}
        </div>
      )}
      {children.length > 0 && (
        <ul className="ml-4 border-l border-slate-200 pl-2 dark:border-slate-700">
          {children.map((child) => (
            <ObservationItem key={child.id} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function ObservationTree({ nodes, label }: { nodes: ObservationNode[]; label: string }) {
  if (nodes.length === 0)
    return <p className="text-sm text-slate-600 dark:text-slate-400">No observations recorded.</p>;
  return (
    <ul aria-label={label} className="space-y-0.5">
      {nodes.map((node) => (
        <ObservationItem key={node.id} node={node} />
      ))}
    </ul>
  );
}
