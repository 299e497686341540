import type { ScoreSummary } from "../api/types";
import { HistogramBars } from "./histogram-bars";
import { TrendChart } from "./trend-chart";
import { formatInteger, formatPercent, formatScore } from "../lib/format";

function ScoreCard({ score }: { score: ScoreSummary }) {
  const numeric = score.dataType !== "CATEGORICAL";
  return (
    <section
      aria-label={`Score ${score.name}`}
      className="rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <h3 className="flex items-baseline justify-between gap-2 font-semibold">
        <span className="font-mono">{score.name}</span>
        <span className="text-xs font-normal text-slate-600 dark:text-slate-400">
          {score.dataType.toLowerCase()} · {formatInteger(score.count)} scores
        </span>
      </h3>
      {numeric && (
        <dl className="my-2 grid grid-cols-3 gap-2">
          <div>
            <dt className="text-xs text-slate-600 dark:text-slate-400">Average</dt>
            <dd className="font-medium tabular-nums" data-testid={`score-average-${score.name}`}>
              {formatScore(score.average)}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-slate-600 dark:text-slate-400">Min</dt>
            <dd className="tabular-nums">{formatScore(score.min)}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-600 dark:text-slate-400">Max</dt>
            <dd className="tabular-nums">{formatScore(score.max)}</dd>
          </div>
        </dl>
      )}
      {score.dataType === "NUMERIC" && (
        <HistogramBars
          bins={score.histogram ?? []}
          label={`${score.name} distribution`}
          formatBound={formatScore}
          countLabel="scores"
        />
      )}
      {(score.categories ?? []).length > 0 && (
        <ul aria-label={`${score.name} values`} className="my-2 space-y-1">
          {score.categories.map((category) => (
            <li key={category.value} className="flex items-center gap-2">
              <span className="w-24 truncate font-mono text-xs" title={category.value}>
                {category.value}
              </span>
              <span className="h-2 flex-1 rounded bg-slate-200 dark:bg-slate-700" aria-hidden="true">
                <span className="block h-2 rounded bg-indigo-500" style={{ width: `${category.share * 100}%` }} />
              </span>
              <span className="w-28 text-right tabular-nums">
                {formatPercent(category.share)} ({formatInteger(category.count)})
              </span>
            </li>
          ))}
        </ul>
      )}
      {numeric && (score.daily ?? []).length > 1 && (
        <div className="mt-3">
          <p className="mb-1 text-xs text-slate-600 dark:text-slate-400">Average per day (UTC)</p>
          <TrendChart
            points={score.daily.map((day) => ({ date: day.date, value: day.average }))}
            label={`${score.name} average per day`}
            formatValue={formatScore}
          />
        </div>
      )}
    </section>
  );
}

export function ScoreSummaries({ scores }: { scores: ScoreSummary[] }) {
  return (
    <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
      {scores.map((score) => (
        <ScoreCard key={score.name} score={score} />
      ))}
    </div>
  );
}
