// Categorical and boolean scores on the Compare page show their values'
// shares (a stacked bar with a legend), as the API counts them, instead of
// an average they do not have. Real Chromium, Caddy, api-server and daemon
// syncing the Langfuse test double, whose games carry a CATEGORICAL
// `match_outcome` and a BOOLEAN `win` score.
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repo } from '../stack/stack';

const screenshots = path.join(repo, 'artifacts', 'e2e', 'screenshots');
mkdirSync(screenshots, { recursive: true });

interface CategoryShare {
  value: string;
  count: number;
  share: number;
}

interface Comparison {
  items: { agent: string; scores: { name: string; dataType: string; count: number; categories: CategoryShare[] }[] }[];
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** As the dashboard writes a share (lib/format.ts formatPercent). */
function percent(ratio: number): string {
  const value = ratio * 100;
  return `${value.toFixed(value !== 0 && Math.abs(value) < 10 ? 2 : 1)}%`;
}

/** The whole generated data set: the double spreads it over the last 30 days. */
function wholeRange(): string {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return `range=custom&from=${day(-40)}&to=${day(0)}`;
}

for (const [label, viewport, colorScheme] of [
  ['a desktop in light mode', { width: 1440, height: 900 }, 'light'],
  ['a phone in dark mode', { width: 390, height: 844 }, 'dark'],
] as const) {
  test(`compare shows categorical score shares as the API counts them, on ${label}`, async ({ page, request }) => {
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme });
    const agents = (await (await request.get('/api/agents')).json()) as Comparison;
    const scored = agents.items.filter((agent) => agent.scores.some((score) => score.categories.length > 0));
    expect(scored.length, 'agents with categorical scores').toBeGreaterThanOrEqual(2);
    const picked = scored.slice(0, 2).map((agent) => agent.agent);

    const call = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/compare/agents');
    await page.goto(`/compare?${wholeRange()}&agents=${picked.map(encodeURIComponent).join(',')}`);
    const pageCall = await call;
    expect(pageCall.status()).toBe(200);
    const comparison = (await (
      await request.get(`/api/compare/agents${new URL(pageCall.url()).search}`)
    ).json()) as Comparison;

    // Wide screens show a table; phones (under Tailwind's 640 px `sm`) a block per figure instead.
    const sideBySide =
      viewport.width < 640
        ? page.getByRole('region', { name: 'Agents side by side, figure by figure' })
        : page.getByRole('table', { name: 'Agents side by side' });
    await expect(sideBySide).toBeVisible();
    let checked = 0;
    for (const agent of comparison.items) {
      for (const score of agent.scores.filter((entry) => entry.categories.length > 0)) {
        expect(['CATEGORICAL', 'BOOLEAN']).toContain(score.dataType);
        const legend = sideBySide.getByRole('list', { name: `${agent.agent} ${score.name} values`, exact: true });
        await expect(legend).toBeVisible();
        const shown = score.categories.map((category) => `${category.value}${percent(category.share)} (${integer.format(category.count)})`);
        const rest = score.count - score.categories.reduce((sum, category) => sum + category.count, 0);
        if (rest > 0) shown.push(`other${percent(rest / score.count)} (${integer.format(rest)})`);
        await expect(legend.getByRole('listitem')).toHaveText(shown);
        checked += 1;
      }
    }
    expect(checked, 'categorical scores checked').toBeGreaterThanOrEqual(2);
    // Every agent's figures in view, and every value's name whole (not cut to "mat…").
    const overflow = await sideBySide.evaluate((element) => element.scrollWidth - element.clientWidth);
    expect(overflow, 'the comparison scrolls sideways by this many pixels').toBeLessThanOrEqual(1);
    const cutNames = await sideBySide
      .getByRole('listitem')
      .evaluateAll((items) =>
        items.flatMap((item) =>
          [...item.querySelectorAll('.truncate')]
            .filter((name) => name.scrollWidth > name.clientWidth)
            .map((name) => name.textContent),
        ),
      );
    expect(cutNames, 'legend values cut short').toEqual([]);
    await page.screenshot({
      path: path.join(screenshots, `score-shares-${colorScheme}-${viewport.width}.png`),
      fullPage: true,
    });
  });
}
