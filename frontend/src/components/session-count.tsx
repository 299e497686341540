import { formatInteger } from "../lib/format";

/** Why an agent with LLM calls can have no session: its traces carry no session id. */
export const OUTSIDE_GAMES_NOTE =
  "Its traces have no session id: calls outside any game (background work such as profile indexing).";

/** Whether an agent's figures come only from traces outside any session. */
export function onlyOutsideGames(figures: { sessions: number; traces: number }): boolean {
  return figures.sessions === 0 && figures.traces > 0;
}

/** An agent's session count, or "no session" with the reason when all its traces are outside games. */
export function SessionCount({ sessions, traces }: { sessions: number; traces: number }) {
  if (!onlyOutsideGames({ sessions, traces })) return <>{formatInteger(sessions)}</>;
  return (
    <span title={OUTSIDE_GAMES_NOTE} data-testid="no-session" className="text-slate-600 italic dark:text-slate-400">
      no session<span className="sr-only">: {OUTSIDE_GAMES_NOTE}</span>
    </span>
  );
}
