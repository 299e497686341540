// The README's first command, as a newcomer runs it: `bash scripts/run.sh`
// with no Langfuse keys, then the URL it prints, opened in Chromium. Run
// against the test build (CUPID_PROFILE=debug, CUPID_SKIP_BUILD=1) on ports
// of its own, beside the stack the other specs use.
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repo } from '../stack/stack';

const port = Number(process.env.E2E_RUN_SCRIPT_PORT ?? 19_400);

let script: ChildProcess | undefined;
let printedUrl = '';
let output = '';

/** GET / with a given Host header, straight to the edge Caddy. */
function getWithHost(host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY', 'LANGFUSE_HOST', 'LANGFUSE_BASE_URL']) {
    delete environment[key];
  }
  Object.assign(environment, {
    CUPID_PORT: String(port),
    CUPID_PORT_BASE: String(port + 10),
    CUPID_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cupid-run-sh-')),
    CUPID_SKIP_BUILD: '1',
    CUPID_PROFILE: 'debug',
    CUPID_DEMO_OBSERVATIONS: '3000',
  });
  script = spawn('bash', ['scripts/run.sh'], { cwd: repo, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  script.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  printedUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run.sh printed no URL in 120 s:\n${output}`)), 120_000);
    script!.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Cupid Dashboard: (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    script!.on('exit', (code) => reject(new Error(`run.sh exited with ${code} before printing a URL:\n${output}`)));
  });
});

test.afterAll(async () => {
  if (!script || script.exitCode !== null) return;
  const exited = new Promise((resolve) => script!.on('exit', resolve));
  script.kill('SIGINT');
  await exited;
});

test('run.sh prints http://localhost:PORT and the overview renders there with data', async ({ page }) => {
  expect(printedUrl).toBe(`http://localhost:${port}`);
  await page.goto(`${printedUrl}/`);
  await expect(page.getByTestId('kpi-sessions')).toBeVisible();
  // The first sync of the demo data lands within seconds; the KPI then
  // shows a number above zero.
  await expect(async () => {
    await page.reload();
    // The card's second paragraph is its figure (the first is its label).
    const text = (await page.getByTestId('kpi-sessions').locator('p').nth(1).innerText()).replace(/[^0-9]/g, '');
    expect(Number(text)).toBeGreaterThan(0);
  }).toPass({ timeout: 90_000 });
});

test('the same dashboard answers at http://127.0.0.1:PORT', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${port}/`);
  await expect(page.getByTestId('kpi-sessions')).toBeVisible();
});

test('an unknown Host gets the dashboard, never an empty 200', async () => {
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'dashboard.example:8443']) {
    const { status, body } = await getWithHost(host);
    expect(status, host).toBe(200);
    expect(body, host).toContain('<div id="root">');
  }
});
