// Issue 15 in a real Chromium, through the real Caddy, against the real
// api-server and sync daemon syncing from the Langfuse test double: the
// "Open in Langfuse" links of the trace and session pages, and the errors
// page's grouping switch and server-side sort.
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { readState, repo } from '../stack/stack';

const screenshots = path.join(repo, 'artifacts', 'e2e', 'screenshots');
mkdirSync(screenshots, { recursive: true });

async function snapshot(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: path.join(screenshots, `${name}.png`),
    fullPage: true,
  });
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The whole generated data set: the double spreads it over the last 30 days. */
function wholeRange(): string {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return `range=custom&from=${day(-40)}&to=${day(0)}`;
}

interface ErrorGroups {
  items: {
    key: string;
    agent: string | null;
    agents: string[];
    count: number;
  }[];
  total: number;
  count: number;
  groupBy: string;
}

test('the trace and session pages link to the same trace and session in Langfuse', async ({ page, request }) => {
  const status = (await (await request.get('/api/sync/status')).json()) as {
    langfuseHost: string | null;
    langfuseProjectId: string | null;
  };
  // The daemon's LANGFUSE_HOST is the double; the project is what its rows name.
  expect(status.langfuseHost).toBe(readState().mockUrl);
  expect(status.langfuseProjectId, 'the rows name their project').toBeTruthy();
  const project = `${status.langfuseHost}/project/${encodeURIComponent(status.langfuseProjectId!)}`;

  const sessions = (await (await request.get('/api/sessions?limit=1')).json()) as { items: { id: string }[] };
  const sessionId = sessions.items[0]!.id;
  await page.goto(`/sessions/${encodeURIComponent(sessionId)}`);
  const sessionLink = page.getByRole('link', { name: 'Open in Langfuse ↗' });
  await expect(sessionLink).toHaveAttribute('href', `${project}/sessions/${encodeURIComponent(sessionId)}`);
  await expect(sessionLink).toHaveAttribute('target', '_blank');
  await expect(sessionLink).toHaveAttribute('rel', 'noopener noreferrer');
  await snapshot(page, 'langfuse-link-session');

  const detail = (await (await request.get(`/api/sessions/${encodeURIComponent(sessionId)}`)).json()) as {
    traces: { id: string }[];
  };
  const traceId = detail.traces[0]!.id;
  await page.goto(`/traces/${encodeURIComponent(traceId)}`);
  const traceLink = page.getByRole('link', { name: 'Open in Langfuse ↗' });
  await expect(traceLink).toHaveAttribute('href', `${project}/traces/${encodeURIComponent(traceId)}`);
  // Langfuse's shape: {host}/project/{projectId}/traces/{traceId}.
  expect(await traceLink.getAttribute('href')).toMatch(/^https?:\/\/[^/]+\/project\/[^/]+\/traces\/[^/]+$/);
});

test('errors group by message on the switch, as the API says, and sort on the server', async ({ page, request }) => {
  const firstLoad = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/errors');
  await page.goto(`/errors?${wholeRange()}`);
  const split = (await (await firstLoad).json()) as ErrorGroups;
  expect(split.groupBy).toBe('agentObservation');
  expect(split.total, 'the double injects errors').toBeGreaterThan(0);
  const table = page.getByRole('table', { name: 'Error groups' });
  await expect(table.getByRole('columnheader', { name: 'Observation' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'By agent and observation' })).toHaveAttribute('aria-pressed', 'true');

  const switched = page.waitForResponse((response) => response.url().includes('groupBy=message'));
  await page.getByRole('button', { name: 'By message' }).click();
  const answered = await switched;
  const merged = (await (await request.get(`/api/errors${new URL(answered.url()).search}`)).json()) as ErrorGroups;
  await expect(page).toHaveURL(/groupBy=message/);
  await expect(page.getByRole('button', { name: 'By message' })).toHaveAttribute('aria-pressed', 'true');
  expect(merged.groupBy).toBe('message');
  expect(merged.count, 'the same errors, grouped differently').toBe(split.count);
  expect(merged.total).toBeLessThanOrEqual(split.total);
  await expect(table.getByRole('row')).toHaveCount(merged.items.length + 1);
  await expect(table.getByRole('columnheader', { name: 'Observation' })).toHaveCount(0);
  await expect(page.getByTestId('errors-total')).toHaveText(
    `${integer.format(merged.count)} errors in ${integer.format(merged.total)} groups`,
  );
  for (const group of merged.items.slice(0, 5)) {
    const row = page.getByTestId(`error-group-${group.key}`);
    await expect(row.getByTestId('error-count')).toHaveText(integer.format(group.count));
    await expect(row).toContainText(group.agents.join(', '));
  }
  await snapshot(page, 'errors-by-message');

  // A header sorts on the server: the first row is the API's first group.
  const sorted = page.waitForResponse((response) => response.url().includes('sort=lastSeen'));
  await page.getByRole('button', { name: /Last seen/ }).click();
  const sortedAnswer = await sorted;
  const bySeen = (await (await request.get(`/api/errors${new URL(sortedAnswer.url()).search}`)).json()) as ErrorGroups;
  await expect(page).toHaveURL(/sort=lastSeen&order=desc/);
  await expect(table.getByRole('row').nth(1)).toHaveAttribute('data-testid', `error-group-${bySeen.items[0]!.key}`);
});
