// Records real api-server responses as test fixtures in src/test/fixtures/recorded/.
// Usage: node scripts/record-fixtures.mjs [http://127.0.0.1:8080]
// (e.g. against the stack scripts/run.sh starts, synced from the Langfuse test double).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const base = (process.argv[2] ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const outDirectory = resolve(dirname(fileURLToPath(import.meta.url)), "../src/test/fixtures/recorded");

async function get(path) {
  const response = await fetch(`${base}${path}`, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

const day = 86_400_000;
const end = Math.floor(Date.now() / day) * day + day;
const range = `from=${new Date(end - 7 * day).toISOString()}&to=${new Date(end).toISOString()}`;

const sessions = await get(`/api/sessions?${range}&limit=50`);
const withErrors = await get(`/api/sessions?${range}&hasErrors=true&limit=1`);
const agents = await get(`/api/agents?${range}`);
const sessionId = withErrors.items[0]?.id ?? sessions.items[0]?.id;
const agentName = agents.items[0]?.agent;
if (!sessionId || !agentName) throw new Error("the api-server has no sessions or agents in the last 7 days to record");

const recordings = {
  "sync-status.json": await get("/api/sync/status"),
  "overview.json": await get(`/api/overview?${range}`),
  "metrics-daily.json": await get(`/api/metrics/daily?${range}`),
  "agents.json": agents,
  "models.json": await get(`/api/models?${range}`),
  "sessions.json": sessions,
  "session-detail.json": await get(`/api/sessions/${encodeURIComponent(sessionId)}`),
  "agent-detail.json": await get(`/api/agents/${encodeURIComponent(agentName)}?${range}`),
  "agent-scores.json": await get(`/api/scores?${range}&agent=${encodeURIComponent(agentName)}`),
  "scores.json": await get(`/api/scores?${range}`),
  "outcomes.json": await get(`/api/outcomes?${range}`),
  "errors.json": await get(`/api/errors?${range}`),
  "distributions-sessions.json": await get(`/api/distributions/sessions?${range}`),
  "compare-agents.json": await get(
    `/api/compare/agents?${range}&agents=${agents.items
      .slice(0, 2)
      .map((agent) => encodeURIComponent(agent.agent))
      .join(",")}`,
  ),
};

mkdirSync(outDirectory, { recursive: true });
for (const [file, body] of Object.entries(recordings)) {
  writeFileSync(resolve(outDirectory, file), `${JSON.stringify(body, null, 2)}\n`);
  console.log(`recorded ${file}`);
}
