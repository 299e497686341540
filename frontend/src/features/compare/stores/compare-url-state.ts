// The compared agents live in the URL (`agents=a,b`) so a comparison can be shared.

export const MAX_COMPARED_AGENTS = 8;

export function parseComparedAgents(params: URLSearchParams): string[] {
  const raw = params.get("agents") ?? "";
  const names = raw
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return [...new Set(names)].slice(0, MAX_COMPARED_AGENTS);
}

export function writeComparedAgents(params: URLSearchParams, agents: string[]): URLSearchParams {
  const next = new URLSearchParams(params);
  if (agents.length === 0) next.delete("agents");
  else next.set("agents", agents.join(","));
  return next;
}

/** Adds or removes `agent`, keeping the order in which agents were picked. */
export function toggleComparedAgent(agents: string[], agent: string): string[] {
  if (agents.includes(agent)) return agents.filter((name) => name !== agent);
  return agents.length >= MAX_COMPARED_AGENTS ? agents : [...agents, agent];
}
