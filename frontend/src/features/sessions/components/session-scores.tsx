import { useState } from "react";
import type { SessionDetail } from "../../../api/types";
import { TimeText } from "../../../components/time-text";
import { scoreValueText } from "../../../lib/score-format";

/** The latest score of each name, with every recorded score on demand. */
export function SessionScores({ detail }: { detail: SessionDetail }) {
  const [showAll, setShowAll] = useState(false);
  const latest = detail.session.scores ?? [];
  const all = detail.scores ?? [];
  if (latest.length === 0 && all.length === 0) {
    return <p className="text-sm text-slate-600 dark:text-slate-400">No scores recorded for this session.</p>;
  }
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900">
      <dl aria-label="Latest scores" className="flex flex-wrap gap-x-6 gap-y-2">
        {latest.map((score) => (
          <div key={score.name}>
            <dt className="font-mono text-xs text-slate-600 dark:text-slate-400">{score.name}</dt>
            <dd className="font-medium tabular-nums" data-testid={`session-score-${score.name}`}>
              {scoreValueText(score)}
            </dd>
          </div>
        ))}
      </dl>
      {all.length > 0 && (
        <>
          <button
            type="button"
            aria-expanded={showAll}
            onClick={() => setShowAll((value) => !value)}
            className="mt-3 text-indigo-700 underline dark:text-indigo-300"
          >
            {showAll
              ? "Hide the score history"
              : all.length > latest.length
                ? `Show all ${all.length} scores`
                : "Show when and on what each score was given"}
          </button>
          {showAll && (
            <table className="mt-2 w-full text-xs">
              <caption className="sr-only">All scores of the session</caption>
              <thead className="text-left text-slate-600 dark:text-slate-400">
                <tr>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    Time
                  </th>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    Name
                  </th>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    Value
                  </th>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    On
                  </th>
                  <th scope="col" className="py-1 font-medium">
                    Comment
                  </th>
                </tr>
              </thead>
              <tbody>
                {all.map((score) => (
                  <tr key={score.id} className="border-t border-slate-200 dark:border-slate-800">
                    <td className="py-1 pr-3 whitespace-nowrap">
                      <TimeText value={score.timestamp} short />
                    </td>
                    <td className="py-1 pr-3 font-mono">{score.name}</td>
                    <td className="py-1 pr-3 tabular-nums">{scoreValueText(score)}</td>
                    <td className="py-1 pr-3 font-mono">
                      {score.observationId
                        ? `observation ${score.observationId}`
                        : score.traceId
                          ? `trace ${score.traceId}`
                          : "session"}
                    </td>
                    <td className="py-1 break-words">{score.comment ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
