// The environment picker in a real Chromium, through the real Caddy, against
// the real api-server and sync daemon syncing from the Langfuse test double,
// which serves several environments (among them `staging` and Langfuse's
// internal `langfuse-llm-as-a-judge`).
import { expect, test, type Page, type Response } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repo } from '../stack/stack';
import { formatUsd } from '../../frontend/src/lib/format';

const screenshots = path.join(repo, 'artifacts', 'e2e', 'screenshots');
mkdirSync(screenshots, { recursive: true });

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });


interface OverviewNumbers {
  sessions: number;
  traces: number;
  generations: number;
  totalCost: number;
}

interface EnvironmentList {
  items: { name: string; observations: number; newestStartTime: string | null; internal: boolean }[];
}

/** The whole generated data set: the double spreads it over the last 30 days. */
function wholeRangeDays(): { from: string; to: string } {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return { from: day(-40), to: day(0) };
}

/** The page's next /api/overview call whose `environment` is `environment` (null: absent). */
function overviewCall(page: Page, environment: string | null): Promise<Response> {
  return page.waitForResponse((response) => {
    const url = new URL(response.url());
    return url.pathname === '/api/overview' && url.searchParams.get('environment') === environment;
  });
}

function pickerButton(page: Page) {
  return page.getByRole('button', { name: /^Environment:/ });
}

async function expectKpis(page: Page, figures: OverviewNumbers): Promise<void> {
  await expect(page.getByTestId('kpi-sessions')).toContainText(integer.format(figures.sessions));
  await expect(page.getByTestId('kpi-traces')).toContainText(integer.format(figures.traces));
  await expect(page.getByTestId('kpi-generations')).toContainText(integer.format(figures.generations));
  await expect(page.getByTestId('kpi-cost')).toContainText(formatUsd(figures.totalCost));
}

test('choosing staging shows the staging figures, keeps staging in the URL and through a reload', async ({
  page,
  request,
}) => {
  const environments = (await (await request.get('/api/environments')).json()) as EnvironmentList;
  expect(environments.items.map((environment) => environment.name)).toContain('staging');

  const { from, to } = wholeRangeDays();
  const defaultCall = overviewCall(page, null);
  await page.goto(`/?range=custom&from=${from}&to=${to}`);
  const allButInternal = (await (await defaultCall).json()) as OverviewNumbers;
  await expectKpis(page, allButInternal);
  await expect(pickerButton(page)).toHaveAccessibleName('Environment: All but internal');

  const stagingCall = overviewCall(page, 'staging');
  await pickerButton(page).click();
  await page.getByRole('button', { name: 'Only staging' }).click();
  const asked = new URL((await stagingCall).url()).searchParams;
  await expect(page).toHaveURL(/[?&]environment=staging(&|$)/);
  await expect(pickerButton(page)).toHaveAccessibleName('Environment: staging');

  // Ask the API on our own for staging over the same range the page asked for.
  const query = new URLSearchParams({ from: asked.get('from')!, to: asked.get('to')!, environment: 'staging' });
  const staging = (await (await request.get(`/api/overview?${query}`)).json()) as OverviewNumbers;
  expect(staging.sessions).toBeGreaterThan(0);
  // Staging is a part of the default's environments, not all of them.
  expect(staging.sessions).toBeLessThan(allButInternal.sessions);
  await page.keyboard.press('Escape');
  await expectKpis(page, staging);
  await page.screenshot({ path: path.join(screenshots, 'overview-staging.png'), fullPage: true });

  const reloadedCall = overviewCall(page, 'staging');
  await page.reload();
  await reloadedCall;
  await expect(page).toHaveURL(/[?&]environment=staging(&|$)/);
  await expect(pickerButton(page)).toHaveAccessibleName('Environment: staging');
  await expectKpis(page, staging);

  // The choice follows the viewer to another page.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  await expect(page).toHaveURL(/\/models\?.*environment=staging/);
  await expect(pickerButton(page)).toHaveAccessibleName('Environment: staging');
});

test('the picker lists every environment with its count, the internal ones apart and left out by default', async ({
  page,
  request,
}) => {
  const environments = (await (await request.get('/api/environments')).json()) as EnvironmentList;
  await page.goto('/models');
  await pickerButton(page).click();
  const panel = page.getByRole('group', { name: 'Choose environments' });
  const ordinary = panel.getByRole('group', { name: 'Environments', exact: true });
  const internal = panel.getByRole('group', { name: 'Internal (Langfuse evaluations)' });
  for (const environment of environments.items) {
    const box = (environment.internal ? internal : ordinary).getByRole('checkbox', {
      name: environment.name,
      exact: true,
    });
    await expect(box).toBeVisible();
    await expect(box).toHaveAccessibleDescription(new RegExp(`^${integer.format(environment.observations)} observations`));
    if (environment.internal) await expect(box).not.toBeChecked();
    else await expect(box).toBeChecked();
  }
  expect(environments.items.some((environment) => environment.internal)).toBe(true);
  await page.screenshot({ path: path.join(screenshots, 'environment-picker.png') });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test('the open picker fits the screen', async ({ page }) => {
    await page.goto('/');
    await pickerButton(page).click();
    const panel = page.getByRole('group', { name: 'Choose environments' });
    await expect(panel.getByRole('checkbox', { name: 'staging', exact: true })).toBeVisible();
    const box = await panel.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: path.join(screenshots, 'environment-picker-phone.png') });
  });
});
