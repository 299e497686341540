// The game analytics (issue 8) in a real Chromium, through the real Caddy,
// against the real api-server and sync daemon syncing from the Langfuse test
// double. Each test compares what the page shows with what the API answers for
// the same query; the API's numbers are checked against the double's ground
// truth by the api-server's own tests.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repo } from '../stack/stack';
import { formatPercent, formatScore, formatUsd } from '../../frontend/src/lib/format';

const screenshots = path.join(repo, 'artifacts', 'e2e', 'screenshots');
mkdirSync(screenshots, { recursive: true });

async function snapshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
// The dashboard's own formatter (unit-tested in the frontend), so that these tests compare figures, not spellings.
const usd = formatUsd;

/** The whole generated data set: the double spreads it over the last 30 days. */
function wholeRange(): string {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return `range=custom&from=${day(-40)}&to=${day(0)}`;
}

/**
 * Opens `url` and answers what the page itself asked `apiPath` for, asked
 * again on our own with the same query, so both sides see the same range.
 */
async function openAndAsk<T>(page: Page, request: APIRequestContext, url: string, apiPath: string): Promise<T> {
  const call = page.waitForResponse(
    (response) => new URL(response.url()).pathname === apiPath && response.request().method() === 'GET',
  );
  await page.goto(url);
  const pageCall = await call;
  expect(pageCall.status(), `${apiPath} answered the page`).toBe(200);
  const direct = await request.get(`${apiPath}${new URL(pageCall.url()).search}`);
  expect(direct.status()).toBe(200);
  return (await direct.json()) as T;
}

interface LatestScore {
  name: string;
  dataType: string;
  value: number | null;
  stringValue: string | null;
}

interface SessionSummary {
  id: string;
  errors: number;
  scores: LatestScore[];
}

function scoreText(score: LatestScore): string {
  if (score.dataType === 'CATEGORICAL') return score.stringValue ?? '—';
  if (score.dataType === 'BOOLEAN') {
    if (score.stringValue) return score.stringValue;
    return score.value === null ? '—' : score.value !== 0 ? 'true' : 'false';
  }
  return formatScore(score.value);
}

test('game outcomes: cost per outcome, score summaries, and the scores of a session and an agent', async ({
  page,
  request,
}) => {
  const outcomes = await openAndAsk<{
    items: { name: string; value: string; sessions: number; totalCost: number; costPerSession: number | null }[];
  }>(page, request, `/outcomes?${wholeRange()}`, '/api/outcomes');
  expect(outcomes.items.length, 'the double scores its sessions').toBeGreaterThan(0);
  const table = page.getByRole('table', { name: 'Cost per outcome' });
  await expect(table.getByRole('row')).toHaveCount(outcomes.items.length + 1);
  for (const outcome of outcomes.items) {
    const row = page.getByTestId(`outcome-${outcome.name}-${outcome.value}`);
    await expect(row).toContainText(integer.format(outcome.sessions));
    await expect(row).toContainText(usd(outcome.totalCost));
    await expect(row.getByTestId('cost-per-session')).toHaveText(
      outcome.costPerSession === null ? '—' : usd(outcome.costPerSession),
    );
  }
  await expect(page.getByRole('region', { name: /^Score / }).first()).toBeVisible();
  await snapshot(page, 'analytics-outcomes');

  // A session with scores shows the latest of each name.
  const sessions = (await (await request.get('/api/sessions?limit=200&sort=cost&order=desc')).json()) as {
    items: SessionSummary[];
  };
  const scored = sessions.items.find((session) => session.scores.length > 0);
  expect(scored, 'a session with scores').toBeDefined();
  await page.goto(`/sessions/${encodeURIComponent(scored!.id)}`);
  const panel = page.getByRole('region', { name: 'Scores' });
  for (const score of scored!.scores) {
    await expect(panel.getByTestId(`session-score-${score.name}`)).toHaveText(scoreText(score));
  }
  await snapshot(page, 'analytics-session-scores');

  // An agent's numeric averages.
  const agents = (await (await request.get('/api/agents')).json()) as {
    items: { agent: string; scores: { name: string; average: number | null }[] }[];
  };
  const agent = agents.items.find((candidate) => candidate.scores.some((score) => score.average !== null));
  expect(agent, 'an agent with a numeric score').toBeDefined();
  const agentScores = await openAndAsk<{ items: { name: string; dataType: string; average: number | null }[] }>(
    page,
    request,
    `/agents/${encodeURIComponent(agent!.agent)}?${wholeRange()}`,
    '/api/scores',
  );
  for (const score of agentScores.items.filter((entry) => entry.dataType !== 'CATEGORICAL')) {
    await expect(page.getByTestId(`score-average-${score.name}`)).toHaveText(
      formatScore(score.average),
    );
  }
});

test('errors grouped: counts as the API says, warnings on switch, a group opens its session at the error', async ({
  page,
  request,
}) => {
  interface ErrorGroups {
    items: { key: string; count: number; level: string; sessionIds: string[]; observationIds: string[] }[];
  }
  const errors = await openAndAsk<ErrorGroups>(page, request, `/errors?${wholeRange()}`, '/api/errors');
  expect(errors.items.length, 'the double injects errors').toBeGreaterThan(0);
  const table = page.getByRole('table', { name: 'Error groups' });
  await expect(table.getByRole('row')).toHaveCount(errors.items.length + 1);
  for (const group of errors.items.slice(0, 10)) {
    await expect(page.getByTestId(`error-group-${group.key}`).getByTestId('error-count')).toHaveText(
      integer.format(group.count),
    );
  }
  await snapshot(page, 'analytics-errors');

  const withWarnings = page.waitForResponse((response) => response.url().includes('level=all'));
  await page.getByRole('button', { name: 'Errors and warnings' }).click();
  const switched = await withWarnings;
  const all = (await (await request.get(`/api/errors${new URL(switched.url()).search}`)).json()) as ErrorGroups;
  await expect(page).toHaveURL(/level=all/);
  await expect(table.getByRole('row')).toHaveCount(all.items.length + 1);
  expect(all.items.length).toBeGreaterThanOrEqual(errors.items.length);

  // The biggest error group's link opens its latest session with that observation focused.
  const group = errors.items[0]!;
  await page.getByRole('button', { name: 'Errors', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Errors', exact: true })).toHaveAttribute('aria-pressed', 'true');
  const row = page.getByTestId(`error-group-${group.key}`);
  await row.getByRole('link').first().click();
  await expect(page).toHaveURL(
    new RegExp(`/sessions/${encodeURIComponent(group.sessionIds[0]!)}.*#observation-${group.observationIds[0]}`),
  );
  const target = page.locator(`[id="observation-${group.observationIds[0]}"]`);
  await expect(target.getByRole('button').first()).toBeFocused();
  await expect(target.getByRole('button').first()).toHaveAttribute('aria-expanded', 'true');
  await expect(target).toBeInViewport();
  await snapshot(page, 'analytics-error-session');
});

test('session distributions: percentiles as the API says, outliers one click away', async ({ page, request }) => {
  const distributions = await openAndAsk<{
    sessions: number;
    metrics: {
      metric: string;
      p50: number | null;
      p99: number | null;
      max: number | null;
      outliers: { id: string }[];
    }[];
  }>(page, request, `/distributions?${wholeRange()}`, '/api/distributions/sessions');
  expect(distributions.sessions).toBeGreaterThan(0);
  await expect(page.getByTestId('distribution-sessions')).toHaveText(
    `Over ${integer.format(distributions.sessions)} sessions`,
  );
  const cost = distributions.metrics.find((metric) => metric.metric === 'totalCost')!;
  await expect(page.getByTestId('totalCost-p50')).toHaveText(usd(cost.p50!));
  await expect(page.getByTestId('totalCost-p99')).toHaveText(usd(cost.p99!));
  await expect(page.getByTestId('totalCost-max')).toHaveText(usd(cost.max!));
  for (const name of ['traces', 'errors']) {
    const metric = distributions.metrics.find((entry) => entry.metric === name)!;
    await expect(page.getByTestId(`${name}-p50`)).toHaveText(integer.format(metric.p50!));
    await expect(page.getByTestId(`${name}-max`)).toHaveText(integer.format(metric.max!));
  }
  await snapshot(page, 'analytics-distributions');

  const costliest = page.getByRole('list', { name: 'Costliest sessions' });
  await costliest.getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/sessions/${encodeURIComponent(cost.outliers[0]!.id)}`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(cost.outliers[0]!.id);
});

test('freshness and quota: the sidebar shows the data age and the quota used, no banner while fresh', async ({
  page,
  request,
}) => {
  await page.goto('/');
  const panel = page.getByRole('region', { name: 'Sync' });
  await expect(panel.getByTestId('quota-used')).toBeVisible();
  const status = (await (await request.get('/api/sync/status')).json()) as {
    stale: boolean;
    quotaPerMinute: number | null;
    newestDataAgeSeconds: number | null;
    recentCycles: { quotaUsedShare: number | null }[];
    backfill: { complete: boolean } | null;
  };
  const share = status.recentCycles[0]!.quotaUsedShare!;
  await expect(panel.getByTestId('quota-used')).toHaveText(formatPercent(share));
  await expect(panel.getByTestId('quota-peak')).toContainText(`of ${status.quotaPerMinute} requests/min`);
  const meter = panel.getByRole('meter', { name: 'Quota used by the last cycle' });
  await expect(meter).toHaveAttribute('aria-valuenow', String(Math.round(Math.min(1, share) * 1000) / 10));
  await expect(panel.getByTestId('data-age')).toContainText('old');
  // The stack backfills 31 days in its first cycle, so no remaining time is due.
  expect(status.backfill?.complete ?? true).toBe(true);
  await expect(panel.getByTestId('backfill-remaining')).toHaveCount(0);
  expect(status.stale).toBe(false);
  await expect(page.getByTestId('stale-banner')).toHaveCount(0);
  await snapshot(page, 'analytics-freshness');
});

test('period over period: every volume KPI draws the API daily series and its change', async ({ page, request }) => {
  const dailyCall = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/metrics/daily');
  const overview = await openAndAsk<{
    sessions: number;
    previous: { sessions: number } | null;
    previousCovered: boolean;
    dataFrom: string | null;
  }>(
    page,
    request,
    `/?${wholeRange()}`,
    '/api/overview',
  );
  const daily = (await (await request.get(`/api/metrics/daily${new URL((await dailyCall).url()).search}`)).json()) as {
    items: { sessions: number; totalCost: number }[];
  };
  const sessions = page.getByTestId('kpi-sessions');
  await expect(sessions.getByRole('img', { name: 'Sessions, daily trend' })).toHaveAttribute(
    'data-points',
    daily.items.map((day) => day.sessions).join(','),
  );
  await expect(page.getByTestId('kpi-cost').getByRole('img', { name: 'Cost, daily trend' })).toHaveAttribute(
    'data-points',
    daily.items.map((day) => day.totalCost).join(','),
  );
  const previous = overview.previous?.sessions ?? 0;
  const change =
    previous === 0
      ? overview.sessions === 0
        ? '0.0%'
        : 'new'
      : `${overview.sessions >= previous ? '+' : ''}${(((overview.sessions - previous) / previous) * 100).toFixed(1)}%`;
  // The whole data set's range reaches back further than the daemon's
  // backfill: its previous period was never synced (periods.spec.ts).
  const begins =
    overview.dataFrom &&
    new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
      new Date(overview.dataFrom),
    );
  await expect(sessions).toContainText(
    overview.previousCovered ? `${change} vs previous period` : `no data before ${begins}`,
  );
  await snapshot(page, 'analytics-kpis');
});

test('keyboard triage: j/k and Enter through sessions, / to search, ? for help, e to the next error', async ({
  page,
  request,
}) => {
  const list = await openAndAsk<{ items: SessionSummary[] }>(
    page,
    request,
    `/sessions?${wholeRange()}`,
    '/api/sessions',
  );
  const rows = page.getByRole('table', { name: 'Sessions' }).locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  await page.keyboard.press('j');
  await expect(rows.nth(0)).toBeFocused();
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await expect(rows.nth(1)).toBeFocused();

  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await snapshot(page, 'analytics-shortcuts');
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);

  await page.keyboard.press('/');
  await expect(page.getByLabel('Search sessions')).toBeFocused();
  await page.keyboard.type('jk');
  await expect(page.getByLabel('Search sessions')).toHaveValue('jk');
  await expect(page).toHaveURL(/[?&]q=jk/);
  await page.getByLabel('Search sessions').fill('');
  await expect(page).not.toHaveURL(/[?&]q=/);
  await page.getByLabel('Search sessions').blur();

  await expect(rows.first()).toContainText(list.items[0]!.id);
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/sessions/${encodeURIComponent(list.items[1]!.id)}`));

  // A session with errors: e walks through them in order.
  const failing = (await (await request.get('/api/sessions?hasErrors=true&limit=50')).json()) as {
    items: SessionSummary[];
  };
  const session = failing.items.find((candidate) => candidate.errors >= 1)!;
  const detail = (await (await request.get(`/api/sessions/${encodeURIComponent(session.id)}`)).json()) as {
    errorObservationIds: string[];
  };
  await page.goto(`/sessions/${encodeURIComponent(session.id)}`);
  await expect(page.getByRole('list', { name: 'Traces in time order' })).toBeVisible();
  for (const [index, id] of detail.errorObservationIds.slice(0, 3).entries()) {
    await page.keyboard.press('e');
    const toggle = page.locator(`[id="observation-${id}"]`).getByRole('button').first();
    await expect(toggle).toBeFocused();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByText(`Error ${index + 1} of ${detail.errorObservationIds.length}`)).toBeVisible();
  }
  await snapshot(page, 'analytics-next-error');
});

test('agent comparison: two agents side by side with the API figures', async ({ page, request }) => {
  const agents = (await (await request.get('/api/agents')).json()) as { items: { agent: string }[] };
  expect(agents.items.length).toBeGreaterThanOrEqual(2);
  const [first, second] = [agents.items[0]!.agent, agents.items[1]!.agent];
  await page.goto(`/compare?${wholeRange()}`);
  const call = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/compare/agents');
  await page.getByRole('button', { name: first, exact: true }).click();
  await expect(page.getByRole('button', { name: first, exact: true })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: second, exact: true }).click();
  const pageCall = await call;
  const comparison = (await (await request.get(`/api/compare/agents${new URL(pageCall.url()).search}`)).json()) as {
    items: { agent: string; totalCost: number; sessions: number; errors: number }[];
  };
  expect(comparison.items.map((agent) => agent.agent)).toEqual([first, second]);
  await expect(page).toHaveURL(new RegExp(`agents=${encodeURIComponent(`${first},${second}`)}`));
  const table = page.getByRole('table', { name: 'Agents side by side' });
  await expect(table.getByRole('columnheader')).toHaveText(['Figure', first, second]);
  const row = (label: string) =>
    table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: label, exact: true }) });
  await expect(row('Cost').getByRole('cell')).toHaveText(comparison.items.map((agent) => usd(agent.totalCost)));
  await expect(row('Sessions').getByRole('cell')).toHaveText(
    comparison.items.map((agent) => integer.format(agent.sessions)),
  );
  await expect(row('Errors').getByRole('cell')).toHaveText(
    comparison.items.map((agent) => integer.format(agent.errors)),
  );
  await snapshot(page, 'analytics-compare');
});
