// Every page as a new user meets it (issue 15): at 1440 px, on a phone and in
// dark mode, saved as screenshots to look at; and the layout promises that can
// be checked in a real Chromium: long text is reachable, wide tables fit, the
// phone header keeps the sync panel folded.
import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repo } from '../stack/stack';

const screenshots = path.join(repo, 'artifacts', 'e2e', 'screenshots', 'pages');

const MODES = {
  desktop: { viewport: { width: 1440, height: 900 }, colorScheme: 'light' },
  phone: { viewport: { width: 390, height: 844 }, colorScheme: 'light', isMobile: true, hasTouch: true },
  dark: { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' },
} as const;
type Mode = keyof typeof MODES;

interface SessionSummary {
  id: string;
  agents: string[];
}

const RANGE = 'range=30d';

/** The whole generated data set: the double spreads it over the last 30 days. */
function wholeRange(): string {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return `range=custom&from=${day(-40)}&to=${day(0)}`;
}

async function json<T>(request: APIRequestContext, url: string): Promise<T> {
  const response = await request.get(url);
  expect(response.status(), url).toBe(200);
  return (await response.json()) as T;
}

/** The session with the longest list of agents among the costliest ones: the hardest row to fit. */
async function sessionWithMostAgents(request: APIRequestContext): Promise<SessionSummary> {
  const page = await json<{ items: SessionSummary[] }>(request, '/api/sessions?limit=50&sort=cost&order=desc');
  const session = [...page.items].sort((a, b) => b.agents.join(', ').length - a.agents.join(', ').length)[0];
  expect(session, 'the double has sessions').toBeDefined();
  return session!;
}

/** Every route of the app: the sidebar's pages (so that pages added later are included) and one of each detail page. */
async function allPages(page: Page, request: APIRequestContext): Promise<[string, string][]> {
  await page.goto(`/?${RANGE}`);
  const navLinks = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  await expect(navLinks.first()).toBeVisible();
  const nav: [string, string][] = [];
  for (const link of await navLinks.all()) {
    const href = new URL((await link.getAttribute('href'))!, 'http://x');
    const name = href.pathname === '/' ? 'overview' : href.pathname.slice(1).replaceAll('/', '-');
    nav.push([name, `${href.pathname}?${RANGE}`]);
  }
  const session = await sessionWithMostAgents(request);
  const detail = await json<{ traces: { id: string }[] }>(request, `/api/sessions/${encodeURIComponent(session.id)}`);
  const agents = await json<{ items: { agent: string }[] }>(request, '/api/agents');
  const compared = agents.items.slice(0, 2).map((agent) => agent.agent);
  const details: [string, string][] = [
    ['session', `/sessions/${encodeURIComponent(session.id)}?${RANGE}`],
    ['trace', `/traces/${encodeURIComponent(detail.traces[0]!.id)}?${RANGE}`],
    ['agent', `/agents/${encodeURIComponent(agents.items[0]!.agent)}?${RANGE}`],
    ['compare-two-agents', `/compare?${RANGE}&agents=${compared.map(encodeURIComponent).join(',')}`],
    ['not-found', '/no-such-page'],
  ];
  return [...nav, ...details];
}

/** Waits until the page has drawn its data: its heading, no spinner, charts sized. */
async function settle(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.locator('main .animate-spin')).toHaveCount(0, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  // Recharts measures its container after the first frame.
  await page.waitForTimeout(300);
}

async function newPage(browser: Browser, mode: Mode, baseURL: string | undefined): Promise<Page> {
  const context = await browser.newContext({ ...MODES[mode], baseURL, timezoneId: 'Europe/Berlin' });
  return context.newPage();
}

test('a screenshot of every page at 1440 px, on a phone and in dark mode', async ({
  browser,
  page,
  request,
  baseURL,
}) => {
  test.setTimeout(300_000);
  const pages = await allPages(page, request);
  expect(pages.length).toBeGreaterThanOrEqual(13);
  for (const mode of Object.keys(MODES) as Mode[]) {
    mkdirSync(path.join(screenshots, mode), { recursive: true });
    const modePage = await newPage(browser, mode, baseURL);
    for (const [name, url] of pages) {
      await modePage.goto(url);
      await settle(modePage);
      await modePage.screenshot({ path: path.join(screenshots, mode, `${name}.png`), fullPage: true });
    }
    await modePage.context().close();
  }
});

test('a long agent list in the sessions table can be read in full', async ({ page, request }) => {
  const session = await sessionWithMostAgents(request);
  expect(session.agents.length, 'a session with several agents').toBeGreaterThan(1);
  await page.goto(`/sessions?${wholeRange()}&q=${encodeURIComponent(session.id)}`);
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: session.id, exact: true }) });
  const cell = row.getByTestId('session-agents');
  await expect(cell).toHaveText(session.agents.join(', '));
  // Every agents and outcome cell shows its whole text (it wraps) or names it in a tooltip.
  for (const testId of ['session-agents', 'session-outcome']) {
    const cut = await page.getByTestId(testId).evaluateAll((cells) =>
      cells
        .filter((element) => element.scrollWidth > element.clientWidth + 1)
        .filter((element) => element.getAttribute('title') !== element.textContent)
        .map((element) => element.textContent),
    );
    expect(cut, `${testId} cells cut without a tooltip`).toEqual([]);
  }
});

test('the agents table fits a 1440 px screen, models included', async ({ page }) => {
  await page.goto(`/agents?${RANGE}`);
  const table = page.getByRole('table', { name: 'Agents' });
  await expect(table.getByTestId('agent-models').first()).toBeVisible();
  const frame = table.locator('xpath=..');
  const overflow = await frame.evaluate((element) => element.scrollWidth - element.clientWidth);
  // One pixel is the rounding of the score bars' percentage widths, not a hidden column.
  expect(overflow, 'the table scrolls sideways by this many pixels').toBeLessThanOrEqual(1);
});

for (const { path, table: caption } of [
  { path: '/agents', table: 'Agents' },
  { path: '/models', table: 'Models' },
]) {
  test(`on a phone the ${caption.toLowerCase()} table scrolls in its own frame, one line a row`, async ({
    browser,
    baseURL,
  }) => {
    const phone = await newPage(browser, 'phone', baseURL);
    await phone.goto(`${path}?${RANGE}`);
    await settle(phone);
    const table = phone.getByRole('table', { name: caption });
    await expect(table.getByRole('row').nth(1)).toBeVisible();
    // The phone's width, not window.innerWidth: a page too wide for a phone zooms out and widens innerWidth with it.
    // In the whole suite alerts.spec runs first and leaves alerts firing, so the header's alerts badge is checked too.
    const screen = MODES.phone.viewport.width;
    const { pageWidth, sticking } = await phone.evaluate((width) => {
      // The outermost elements reaching past the screen's right edge, to say what widens the page.
      const past = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1);
      const outermost = past.filter((e) => !past.some((other) => other !== e && other.contains(e)));
      return {
        pageWidth: document.documentElement.scrollWidth,
        sticking: outermost.map((e) => `${e.tagName.toLowerCase()}.${e.className} → ${Math.round(e.getBoundingClientRect().right)} px`),
      };
    }, screen);
    expect(pageWidth, `the page width in px; past the edge: ${sticking.join('; ')}`).toBeLessThanOrEqual(screen);
    const frame = await table.locator('xpath=..').boundingBox();
    expect(frame!.x + frame!.width, 'the right edge of the table frame').toBeLessThanOrEqual(screen);
    // A row as tall as a column scrolled out of sight shows one line of text in a tall blank band.
    const heights = await table
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => Math.round(row.getBoundingClientRect().height)));
    expect(heights.length, 'table rows').toBeGreaterThan(0);
    expect(Math.max(...heights), 'the tallest row in px').toBeLessThan(60);
    await phone.context().close();
  });
}

test('on a phone the sync panel folds into a status button in the header', async ({ browser, baseURL }) => {
  const phone = await newPage(browser, 'phone', baseURL);
  await phone.goto(`/?${RANGE}`);
  const toggle = phone.getByTestId('sync-toggle');
  const body = phone.getByTestId('sync-body');
  await expect(toggle).toBeVisible();
  await expect(toggle).toContainText('Up to date');
  await expect(body).toBeHidden();
  const header = await phone.locator('aside').boundingBox();
  expect(header!.height, 'the header height in px').toBeLessThan(160);

  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(body).toBeVisible();
  await expect(phone.getByTestId('sync-status')).toContainText('Up to date · synced');
  const box = await body.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  mkdirSync(path.join(screenshots, 'phone'), { recursive: true });
  await phone.screenshot({ path: path.join(screenshots, 'phone', 'sync-panel-open.png') });
  await phone.context().close();
});

test('at 1440 px the sync panel is open in the sidebar, on one line', async ({ page }) => {
  await page.goto(`/?${RANGE}`);
  await expect(page.getByTestId('sync-toggle')).toBeHidden();
  const status = page.getByTestId('sync-status');
  await expect(status).toBeVisible();
  await expect(status).toContainText('Up to date · synced');
  const lineHeight = await status.evaluate((element) => parseFloat(getComputedStyle(element).lineHeight));
  const box = await status.boundingBox();
  expect(box!.height, 'the status sentence fits one line').toBeLessThan(lineHeight * 1.5);
  await expect(page.getByRole('meter', { name: 'Quota used by the last cycle' })).toBeVisible();
});
