// The dashboard in a real Chromium, through the real Caddy, against the real
// api-server and sync daemon syncing from the Langfuse test double.
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { killDaemon, readState, repo, restartDaemon, waitForSyncState } from '../stack/stack';
import { flatten, generationToggle, type SessionDetail } from './observation-tree';
import { formatUsd } from '../../frontend/src/lib/format';

const screenshots = path.join(repo, 'artifacts', 'e2e', 'screenshots');
mkdirSync(screenshots, { recursive: true });

async function snapshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

interface OverviewNumbers {
  sessions: number;
  traces: number;
  generations: number;
  totalCost: number;
}

/** The whole generated data set: the double spreads it over the last 30 days. */
function wholeRangeDays(): { from: string; to: string } {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return { from: day(-40), to: day(0) };
}

test('the overview KPIs equal the API numbers for the same range', async ({ page, request }) => {
  const { from, to } = wholeRangeDays();
  const overviewResponse = page.waitForResponse((response) => response.url().includes('/api/overview'));
  await page.goto(`/?range=custom&from=${from}&to=${to}`);
  const pageCall = await overviewResponse;
  const shown = (await pageCall.json()) as OverviewNumbers;

  // Ask the API again, on our own, for the same range the page asked for.
  const query = new URL(pageCall.url()).search;
  const direct = (await (await request.get(`/api/overview${query}`)).json()) as OverviewNumbers;
  expect(direct.sessions).toBe(shown.sessions);
  expect(direct.sessions).toBeGreaterThan(0);

  await expect(page.getByTestId('kpi-sessions')).toContainText(integer.format(direct.sessions));
  await expect(page.getByTestId('kpi-traces')).toContainText(integer.format(direct.traces));
  await expect(page.getByTestId('kpi-generations')).toContainText(integer.format(direct.generations));
  await expect(page.getByTestId('kpi-cost')).toContainText(formatUsd(direct.totalCost));
  await snapshot(page, 'overview');
});

test('a session can be searched, opened, and a trace expanded to its input and output', async ({ page, request }) => {
  const list = (await (await request.get('/api/sessions?limit=5&sort=cost&order=desc')).json()) as {
    items: { id: string }[];
  };
  const target = list.items[0].id;
  await page.goto('/sessions?range=30d');
  await page.getByLabel('Search sessions').fill(target);
  const row = page.getByRole('link', { name: target });
  await expect(row).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`q=${encodeURIComponent(target)}`));
  await snapshot(page, 'sessions');

  await row.click();
  await expect(page).toHaveURL(new RegExp(`/sessions/${encodeURIComponent(target)}`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(target);
  const timeline = page.getByRole('list', { name: 'Traces in time order' });
  await expect(timeline).toBeVisible();

  const detail = (await (await request.get(`/api/sessions/${encodeURIComponent(target)}`)).json()) as SessionDetail;
  // A generation with an output, and where it sits on the page.
  const candidates = detail.traces.flatMap((trace, traceIndex) =>
    flatten(trace.observationsTree)
      .filter((node) => node.type === 'GENERATION' && visibleText(node.output))
      .map((node) => ({ node, traceIndex, nodes: flatten(trace.observationsTree) })),
  );
  expect(candidates.length, 'the session has a generation with output').toBeGreaterThan(0);
  const { node, traceIndex, nodes } = candidates[0];
  const trace = timeline.locator(':scope > li').nth(traceIndex);
  const toggle = await generationToggle(trace, node, nodes);
  const expected = visibleText(node.output)!.slice(0, 30);
  await expect(trace).not.toContainText(expected);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(trace).toContainText(expected);
  await snapshot(page, 'session');
});

/** Text of an output as the page shows it: JSON is pretty-printed there, so take a string inside it. */
function visibleText(output: string | null): string | null {
  if (!output) return null;
  try {
    const parsed: unknown = JSON.parse(output);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { content?: unknown }).content === 'string') {
      return (parsed as { content: string }).content;
    }
    return null;
  } catch {
    return output;
  }
}

test('the manual refresh button runs a sync and the sidebar follows it to success', async ({ page, request }) => {
  const before = (await (await request.get('/api/sync/status')).json()) as { requestsSent: number };
  await page.goto('/');
  const status = page.getByTestId('sync-status');
  await expect(status).toHaveAttribute('data-state', 'success');
  await expect(status).toContainText('Up to date · synced');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByText('Sync finished: up to date.')).toBeVisible({ timeout: 60_000 });
  await expect(status).toHaveAttribute('data-state', 'success');
  const after = (await (await request.get('/api/sync/status')).json()) as { requestsSent: number };
  expect(after.requestsSent).toBeGreaterThan(before.requestsSent);
});

test('an agent page draws its charts', async ({ page, request }) => {
  const agents = (await (await request.get('/api/agents')).json()) as { items: { agent: string }[] };
  const agent = agents.items[0].agent;
  await page.goto('/agents?range=30d');
  await snapshot(page, 'agents');
  await page.getByRole('link', { name: agent, exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(agent);
  // Recharts draws SVG paths once it has data and a size.
  await expect(page.locator('.recharts-surface').first()).toBeVisible();
  await expect(page.locator('.recharts-surface path, .recharts-surface rect').first()).toBeAttached();
  await snapshot(page, 'agent');
});

test('a deep link with range and filters reopens the same view', async ({ page, request }) => {
  const agents = (await (await request.get('/api/agents')).json()) as { items: { agent: string }[] };
  const agent = agents.items[0].agent;
  const { from, to } = wholeRangeDays();
  const link = `/sessions?range=custom&from=${from}&to=${to}&agent=${encodeURIComponent(agent)}&sort=cost&order=asc`;
  const listResponse = page.waitForResponse((response) => response.url().includes('/api/sessions?'));
  await page.goto(link);
  const asked = new URL((await listResponse).url()).searchParams;
  expect(asked.get('agent')).toBe(agent);
  expect(asked.get('sort')).toBe('cost');
  expect(asked.get('order')).toBe('asc');
  expect(asked.get('from')).toBe(`${from}T00:00:00.000Z`);

  await page.reload();
  await expect(page).toHaveURL(new RegExp(`agent=${encodeURIComponent(agent)}`));
  await expect(page.getByRole('combobox', { name: /^Agent/ })).toHaveValue(agent);
  await expect(page.getByRole('columnheader', { name: /^Cost/ })).toHaveAttribute('aria-sort', 'ascending');
  await snapshot(page, 'sessions-deep-link');
});

test('the dashboard keeps answering while the sync daemon is killed and restarted', async ({ page, request }) => {
  const { apiUrl } = readState();
  await page.goto('/models?range=30d');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await snapshot(page, 'models');

  killDaemon();
  for (const route of ['/', '/sessions', '/agents', '/models']) {
    await page.goto(`${route}?range=30d`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    const overview = await request.get('/api/overview');
    expect(overview.status()).toBe(200);
  }
  const trigger = await request.post('/api/sync/trigger');
  expect(trigger.status(), 'a refresh with the daemon down is refused clearly').toBe(503);

  restartDaemon();
  await waitForSyncState(apiUrl, (state) => state === 'success', 90_000);
  await page.goto('/');
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'success');
});
