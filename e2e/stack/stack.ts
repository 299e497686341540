// Starts and controls the real stack for the browser tests: the Langfuse test
// double, the sync daemon, the api-server, the frontend server and the edge
// Caddy, all as real processes on loopback. The state (ports, pids, how to
// restart the daemon) lives in a JSON file, because Playwright runs the tests
// in other processes than the global setup.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
const stateFile = path.join(here, '..', '.stack-state.json');

export interface ServiceSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface StackState {
  dataDir: string;
  baseUrl: string;
  apiUrl: string;
  controlUrl: string;
  mockUrl: string;
  /** Where the daemon posts its alert messages; tests/alerts.spec.ts listens there. */
  alertHookPort: number;
  pids: Record<string, number>;
  services: Record<string, ServiceSpec>;
}

export function readState(): StackState {
  return JSON.parse(readFileSync(stateFile, 'utf8')) as StackState;
}

function writeState(state: StackState): void {
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

function launch(name: string, spec: ServiceSpec, logDir: string): ChildProcess {
  const log = openSync(path.join(logDir, `${name}.log`), 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: repo,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', log, log],
    detached: true,
  });
  child.unref();
  return child;
}

async function waitFor(url: string, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs} ms: ${lastError}`);
}

export async function waitForSyncState(
  apiUrl: string,
  accept: (state: string, status: Record<string, unknown>) => boolean,
  timeoutMs = 90_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${apiUrl}/api/sync/status`);
      if (response.ok) {
        last = (await response.json()) as Record<string, unknown>;
        if (accept(String(last.state), last)) return last;
      }
    } catch {
      // the API may be starting
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`sync did not reach the expected state; last status ${JSON.stringify(last)}`);
}

export async function startStack(): Promise<StackState> {
  const basePort = Number(process.env.E2E_PORT_BASE ?? 19_300);
  const ports = {
    edge: basePort,
    api: basePort + 1,
    control: basePort + 2,
    frontend: basePort + 3,
    mock: basePort + 4,
    alertHook: basePort + 5,
  };
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cupid-e2e-'));
  const logDir = path.join(repo, 'artifacts', 'e2e', 'logs');
  mkdirSync(logDir, { recursive: true });
  const bin = path.join(repo, 'target', 'debug');
  const database = path.join(dataDir, 'cupid.db');
  // One alert rule; its webhook comes from the environment, as in production.
  const daemonConfig = path.join(dataDir, 'sync-daemon.toml');
  writeFileSync(
    daemonConfig,
    ['[[alerts]]', 'name = "errors spiking"', 'metric = "error_rate"', 'comparison = ">"', 'threshold = 0.1', 'window = "60m"', ''].join('\n'),
  );

  const services: Record<string, ServiceSpec> = {
    'langfuse-mock': {
      command: path.join(bin, 'langfuse-mock'),
      args: ['serve', '--port', String(ports.mock), '--observations', '4000', '--seed', '11', '--days', '30'],
      env: {},
    },
    'sync-daemon': {
      command: path.join(bin, 'sync-daemon'),
      args: ['--config', daemonConfig],
      env: {
        LANGFUSE_HOST: `http://127.0.0.1:${ports.mock}`,
        LANGFUSE_PUBLIC_KEY: 'pk-lf-demo',
        LANGFUSE_SECRET_KEY: 'sk-lf-demo',
        CUPID_DATABASE_PATH: database,
        CUPID_CONTROL_PORT: String(ports.control),
        CUPID_QUOTA_PER_MINUTE: '600',
        CUPID_SYNC_INTERVAL_SECS: '3600',
        CUPID_BACKFILL_SINCE: '31d',
        CUPID_ALERT_WEBHOOK_URL: `http://127.0.0.1:${ports.alertHook}/hooks/e2e`,
      },
    },
    'api-server': {
      command: path.join(bin, 'api-server'),
      args: [],
      env: {
        CUPID_DATABASE_PATH: database,
        CUPID_API_PORT: String(ports.api),
        CUPID_SYNC_CONTROL_URL: `http://127.0.0.1:${ports.control}`,
        CUPID_CORS_ORIGINS: `http://localhost:${ports.edge},http://127.0.0.1:${ports.edge}`,
      },
    },
    frontend: {
      command: 'caddy',
      args: ['run', '--adapter', 'caddyfile', '--config', 'deploy/frontend/Caddyfile'],
      env: {
        CUPID_FRONTEND_BIND: '127.0.0.1',
        CUPID_FRONTEND_PORT: String(ports.frontend),
        CUPID_FRONTEND_ROOT: path.join(repo, 'frontend', 'dist'),
      },
    },
    caddy: {
      command: 'caddy',
      args: ['run', '--adapter', 'caddyfile', '--config', 'Caddyfile'],
      env: {
        CUPID_BIND: '127.0.0.1',
        CUPID_PORT: String(ports.edge),
        CUPID_API_UPSTREAM: `127.0.0.1:${ports.api}`,
        CUPID_FRONTEND_UPSTREAM: `127.0.0.1:${ports.frontend}`,
      },
    },
  };

  const state: StackState = {
    dataDir,
    // The name scripts/run.sh prints and a person types.
    baseUrl: `http://localhost:${ports.edge}`,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    controlUrl: `http://127.0.0.1:${ports.control}`,
    mockUrl: `http://127.0.0.1:${ports.mock}`,
    alertHookPort: ports.alertHook,
    pids: {},
    services,
  };
  for (const [name, spec] of Object.entries(services)) {
    state.pids[name] = launch(name, spec, logDir).pid ?? -1;
    writeState(state);
    if (name === 'langfuse-mock') await waitFor(`${state.mockUrl}/api/public/health`, name);
  }
  await waitFor(`${state.apiUrl}/health`, 'api-server');
  await waitFor(`http://127.0.0.1:${ports.edge}/health`, 'caddy');
  await waitForSyncState(state.apiUrl, (value) => value === 'success');
  return state;
}

export function stopStack(): void {
  let state: StackState;
  try {
    state = readState();
  } catch {
    return;
  }
  for (const pid of Object.values(state.pids)) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** kill -9 the sync daemon, as a crash would. */
export function killDaemon(): void {
  const state = readState();
  process.kill(-state.pids['sync-daemon'], 'SIGKILL');
}

export function restartDaemon(): void {
  const state = readState();
  const logDir = path.join(repo, 'artifacts', 'e2e', 'logs');
  state.pids['sync-daemon'] = launch('sync-daemon', state.services['sync-daemon'], logDir).pid ?? -1;
  writeState(state);
}
