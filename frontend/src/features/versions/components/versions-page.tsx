import type { ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import type { VersionEstimate, VersionList, VersionRow } from "../../../api/types";
import { useAgents } from "../../../api/get-agents";
import { PageHeader, Section } from "../../../components/page-header";
import { EmptyState, QueryContent } from "../../../components/query-states";
import { RangePicker } from "../../../components/range-picker";
import { TimeText } from "../../../components/time-text";
import { formatCompact, formatDuration, formatInteger, formatPercent, formatUsd } from "../../../lib/format";
import { useDocumentTitle } from "../../../lib/use-document-title";
import { useEnvironmentFilter } from "../../../lib/use-environment-filter";
import { useTimeRange } from "../../../lib/use-time-range";
import { viewSearch } from "../../../lib/view-search";
import { useVersions } from "../api/get-versions";
import {
  VERSION_DIMENSIONS,
  parseVersionsChoice,
  writeVersionsChoice,
  type VersionDimension,
} from "../stores/versions-url-state";
import { headlineEstimate, pickHeadline, versionVerdict, type Headline } from "./version-verdict";

const selectClass =
  "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";
const labelClass = "flex flex-col gap-1 text-xs font-medium text-slate-600 dark:text-slate-400";

type Format = (value: number) => string;

/** How a column shows its change from the previous version. */
type DeltaStyle = "relative" | "points" | "absolute";

interface Column {
  label: string;
  pick: (row: VersionRow) => VersionEstimate | undefined;
  format: Format;
  delta: DeltaStyle;
}

const signed = (value: number, text: string) => `${value > 0 ? "+" : value < 0 ? "−" : "±"}${text}`;

function deltaText(estimate: VersionEstimate, style: DeltaStyle, format: Format): string | null {
  if (style === "relative") {
    const relative = estimate.relativeDelta;
    return relative == null ? null : signed(relative, `${Math.abs(relative * 100).toFixed(1)} %`);
  }
  const delta = estimate.delta;
  if (delta == null) return null;
  if (style === "points") return signed(delta, `${Math.abs(delta * 100).toFixed(1)} pts`);
  return signed(delta, format(Math.abs(delta)));
}

/** The interval as an error bar on the column's common scale, the value as a dot. */
export function IntervalBar({
  estimate,
  domain,
  format,
  label,
}: {
  estimate: VersionEstimate;
  domain: [number, number];
  format: Format;
  label: string;
}) {
  const { value, low, high } = estimate;
  if (value == null) return null;
  const [min, max] = domain;
  const width = 96;
  const x = (v: number) => (max > min ? 4 + ((v - min) / (max - min)) * (width - 8) : width / 2);
  const described =
    low != null && high != null
      ? `${label}: ${format(value)}, 95 % interval ${format(low)} to ${format(high)}`
      : `${label}: ${format(value)}, no interval`;
  return (
    <svg role="img" aria-label={described} width={width} height={12} className="mt-1 block text-indigo-600">
      <title>{described}</title>
      {low != null && high != null && (
        <>
          <line x1={x(low)} x2={x(high)} y1={6} y2={6} stroke="currentColor" strokeWidth={1.5} />
          <line x1={x(low)} x2={x(low)} y1={2} y2={10} stroke="currentColor" strokeWidth={1.5} />
          <line x1={x(high)} x2={x(high)} y1={2} y2={10} stroke="currentColor" strokeWidth={1.5} />
        </>
      )}
      <circle cx={x(value)} cy={6} r={2.5} fill="currentColor" />
    </svg>
  );
}

function domainOf(rows: VersionRow[], pick: Column["pick"]): [number, number] {
  const bounds = rows.flatMap((row) => {
    const estimate = pick(row);
    return [estimate?.low, estimate?.high, estimate?.value].filter((v): v is number => typeof v === "number");
  });
  return bounds.length === 0 ? [0, 1] : [Math.min(...bounds), Math.max(...bounds)];
}

function EstimateCell({
  estimate,
  column,
  domain,
  version,
}: {
  estimate: VersionEstimate | undefined;
  column: Column;
  domain: [number, number];
  version: string;
}) {
  if (!estimate || estimate.value == null) return <span>—</span>;
  const change = deltaText(estimate, column.delta, column.format);
  return (
    <>
      <span>{column.format(estimate.value)}</span>
      <IntervalBar estimate={estimate} domain={domain} format={column.format} label={`${column.label} of ${version}`} />
      {change && (
        <span className="block text-xs text-slate-600 dark:text-slate-400">
          {change}
          {estimate.differs && (
            <span
              className="ml-1 rounded bg-amber-100 px-1 font-medium text-amber-900 dark:bg-amber-900 dark:text-amber-100"
              title="The 95 % intervals of this version and the previous one do not overlap"
            >
              differs
            </span>
          )}
        </span>
      )}
    </>
  );
}

function columnsFor(headline: Headline | null): Column[] {
  const columns: Column[] = [
    { label: "Cost / session", pick: (row) => row.costPerSession, format: formatUsd, delta: "relative" },
    {
      label: "Tokens / call",
      pick: (row) => row.tokensPerCall,
      format: (v) => formatCompact(Math.round(v)),
      delta: "relative",
    },
    { label: "Error rate", pick: (row) => row.errorRate, format: formatPercent, delta: "points" },
    { label: "Latency p50", pick: (row) => row.latencyP50Ms, format: formatDuration, delta: "relative" },
    { label: "Latency p95", pick: (row) => row.latencyP95Ms, format: formatDuration, delta: "relative" },
  ];
  if (headline) {
    const share = headline.category !== undefined;
    columns.push({
      label: share ? `${headline.name} = ${headline.category}` : `${headline.name} (mean)`,
      pick: (row) => headlineEstimate(row, headline),
      format: share ? formatPercent : (v) => v.toLocaleString("en-US", { maximumFractionDigits: 3 }),
      delta: share ? "points" : "absolute",
    });
  }
  return columns;
}

function VersionsTable({ data, headline }: { data: VersionList; headline: Headline | null }) {
  const rows = data.items;
  const columns = columnsFor(headline);
  const header = (children: ReactNode, key: string) => (
    <th key={key} scope="col" className="px-3 py-2 text-right font-medium">
      {children}
    </th>
  );
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-sm">
        <caption className="sr-only">
          Versions of {data.agent} by {data.by}, oldest first
        </caption>
        <thead className="bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300">
          <tr>
            <th scope="col" className="px-3 py-2 text-left font-medium">
              {data.by === "prompt" ? "Prompt" : data.by === "version" ? "Version" : "Release"}
            </th>
            <th scope="col" className="px-3 py-2 text-left font-medium">
              First seen
            </th>
            {header("Sessions", "sessions")}
            {header("LLM calls", "calls")}
            {columns.map((column) => header(column.label, column.label))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.version} className="border-t border-slate-200 align-top dark:border-slate-800">
              <th scope="row" className="px-3 py-2 text-left font-medium">
                {row.version}
              </th>
              <td className="px-3 py-2">
                <TimeText value={row.firstSeen} short />
              </td>
              <td className="px-3 py-2 text-right tabular-nums">{formatInteger(row.sessions)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{formatInteger(row.llmCalls)}</td>
              {columns.map((column) => (
                <td key={column.label} className="px-3 py-2 text-right tabular-nums">
                  <EstimateCell
                    estimate={column.pick(row)}
                    column={column}
                    domain={domainOf(rows, column.pick)}
                    version={row.version}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function VersionsResult({ data, wantedScore }: { data: VersionList; wantedScore: string }) {
  const headline = pickHeadline(data.items, wantedScore);
  return (
    <>
      <p data-testid="version-verdict" className="mb-4 text-base font-medium">
        {versionVerdict(data.agent, data.by as VersionDimension, data.items, headline)}
      </p>
      {data.items.length === 0 ? (
        <EmptyState>
          No session of {data.agent} in this range carries a {data.by}. Set it in the Langfuse SDK (see the README).
        </EmptyState>
      ) : (
        <VersionsTable data={data} headline={headline} />
      )}
      <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">
        Bars: {data.intervals}. Each change is against the row above.
        {data.unversionedSessions > 0 &&
          ` ${formatInteger(data.unversionedSessions)} sessions carry no ${data.by} and are left out.`}
      </p>
    </>
  );
}

/** The agent with the most sessions ("" when there is none); the first of equals. */
export function busiestAgent(items: readonly { agent: string; sessions: number }[]): string {
  let busiest: { agent: string; sessions: number } | undefined;
  for (const item of items) {
    if (busiest === undefined || item.sessions > busiest.sessions) busiest = item;
  }
  return busiest?.agent ?? "";
}

export function VersionsPage() {
  useDocumentTitle("Versions");
  const [params, setParams] = useSearchParams();
  const { range } = useTimeRange();
  const { environments } = useEnvironmentFilter();
  const chosen = parseVersionsChoice(params);
  const agents = useAgents(range, environments);
  // Without an agent in the URL the page opens on the one with the most
  // sessions in the range, so that it answers before anything is chosen.
  const choice = { ...chosen, agent: chosen.agent || busiestAgent(agents.data?.items ?? []) };
  const versions = useVersions(choice.agent, choice.by, range, environments);
  const known = (agents.data?.items ?? []).map((agent) => agent.agent);
  const agentChoices = choice.agent && !known.includes(choice.agent) ? [choice.agent, ...known] : known;
  const scoreNames = [...new Set((versions.data?.items ?? []).flatMap((row) => row.scores.map((s) => s.name)))].sort();
  const choose = (change: Parameters<typeof writeVersionsChoice>[1]) =>
    setParams((previous) => writeVersionsChoice(previous, change));

  return (
    <>
      <PageHeader
        title="Versions"
        subtitle={
          choice.agent ? (
            <Link
              to={{ pathname: `/agents/${encodeURIComponent(choice.agent)}`, search: viewSearch(params) }}
              className="text-indigo-700 underline dark:text-indigo-300"
            >
              ← Agent {choice.agent}
            </Link>
          ) : (
            "Did the new version win, and is it worth its cost?"
          )
        }
        actions={<RangePicker />}
      />
      <div className="mb-6 flex flex-wrap items-end gap-4">
        <label className={labelClass}>
          Agent
          <select
            className={selectClass}
            value={choice.agent}
            onChange={(event) => choose({ agent: event.target.value, score: "" })}
          >
            <option value="">Choose an agent</option>
            {agentChoices.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <div role="group" aria-labelledby="versions-by-label" className="flex flex-col gap-1">
          <span id="versions-by-label" className="text-xs font-medium text-slate-600 dark:text-slate-400">
            Compare by
          </span>
          <div className="flex gap-1 text-sm">
            {VERSION_DIMENSIONS.map(([by, label]) => (
              <button
                key={by}
                type="button"
                aria-pressed={choice.by === by}
                onClick={() => choose({ by })}
                className={`rounded-md border px-2 py-1 ${
                  choice.by === by
                    ? "border-indigo-600 bg-indigo-600 font-medium text-white"
                    : "border-slate-300 bg-white hover:bg-slate-100 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
                }`}
              >
                {label}
              </button>
            ))}
          </div>
        </div>
        {scoreNames.length > 0 && (
          <label className={labelClass}>
            Score
            <select
              className={selectClass}
              value={choice.score}
              onChange={(event) => choose({ score: event.target.value })}
            >
              <option value="">Automatic (win)</option>
              {scoreNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <Section title="Versions, oldest first">
        {choice.agent === "" ? (
          <QueryContent query={agents} loadingLabel="Loading agents…">
            {() => <EmptyState>No agent has data in this range. Choose another range or environment.</EmptyState>}
          </QueryContent>
        ) : (
          <QueryContent query={versions} loadingLabel="Loading versions…">
            {(data) => <VersionsResult data={data} wantedScore={choice.score} />}
          </QueryContent>
        )}
      </Section>
    </>
  );
}
