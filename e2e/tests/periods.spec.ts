// Period comparisons and hourly views (issue 15) in a real Chromium, through
// the real Caddy, against the real api-server and sync daemon. The stack's
// daemon backfills 31 days, so a 30-day range's previous period (30 to 60
// days back) lies mostly before the synced data.
import { expect, test, type Page } from '@playwright/test';

interface Overview {
  sessions: number;
  previous: { sessions: number } | null;
  previousCovered: boolean;
  dataFrom: string | null;
}

interface Series {
  granularity: 'day' | 'hour';
  items: { date: string; sessions: number; totalCost: number }[];
}

/** What the page itself asked `apiPath` for (the same range it shows). */
async function pageCall(page: Page, apiPath: string, url: string): Promise<string> {
  const call = page.waitForResponse(
    (response) => new URL(response.url()).pathname === apiPath && response.request().method() === 'GET',
  );
  await page.goto(url);
  const response = await call;
  expect(response.status(), `${apiPath} answered the page`).toBe(200);
  return new URL(response.url()).search;
}

test('30 days on a 31-day backfill say where the data begins instead of a percentage', async ({ page, request }) => {
  const query = await pageCall(page, '/api/overview', '/?range=30d');
  const overview = (await (await request.get(`/api/overview${query}`)).json()) as Overview;
  expect(overview.previous).not.toBeNull();
  expect(overview.previousCovered).toBe(false);
  expect(overview.dataFrom).not.toBeNull();
  const begins = new Intl.DateTimeFormat('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(overview.dataFrom!));
  for (const card of ['kpi-sessions', 'kpi-cost', 'kpi-latency-p95']) {
    const kpi = page.getByTestId(card);
    await expect(kpi).toContainText(`no data before ${begins}`);
    await expect(kpi).not.toContainText('vs previous period');
    await expect(kpi).not.toContainText('%');
  }
});

test('24 h draws 24 hourly points in the sparklines, the charts and the CSV', async ({ page, request }) => {
  const query = await pageCall(page, '/api/metrics/daily', '/?range=24h');
  const series = (await (await request.get(`/api/metrics/daily${query}`)).json()) as Series;
  expect(series.granularity).toBe('hour');
  expect(series.items).toHaveLength(24);
  expect(series.items.map((item) => item.date)).toEqual(
    series.items.map((_, index) => new Date(Date.parse(series.items[0]!.date) + index * 3_600_000).toISOString()),
  );

  const sessions = page.getByTestId('kpi-sessions').getByRole('img', { name: 'Sessions, hourly trend' });
  await expect(sessions).toHaveAttribute('data-points', series.items.map((item) => item.sessions).join(','));
  await expect(page.getByRole('region', { name: 'Per hour (UTC)' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Cost per hour' })).toHaveAttribute('data-points', '24');
  await expect(page.getByRole('figure').filter({ hasText: 'Cost' }).first()).toContainText('over 24 hours');

  const csvHref = await page
    .getByRole('region', { name: 'Per hour (UTC)' })
    .getByRole('link', { name: 'Download CSV' })
    .getAttribute('href');
  expect(csvHref).not.toBeNull();
  const csv = await (await request.get(csvHref!)).text();
  const rows = csv.trim().split('\r\n');
  expect(rows[0]!.split(',')[0]).toBe('hour');
  expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual(series.items.map((item) => item.date));
});
