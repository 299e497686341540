// What the browser benchmarks share: Debian's Chromium as they launch it, and
// one fresh load of the overview until its key figures are on screen.
import { chromium } from '@playwright/test';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}

// Loads `url` in a fresh context (no HTTP cache, no service state) and
// returns the context, its page and `performance.now()` (milliseconds since
// the navigation started) at the first animation frame where the Sessions
// card shows a number. The caller closes the context.
export async function loadUntilKeyFigures(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  const shown = await page.waitForFunction(
    () => {
      const figure = document.querySelector('[data-testid="kpi-sessions"] .text-2xl');
      return figure && /\d/.test(figure.textContent ?? '') ? performance.now() : null;
    },
    null,
    { polling: 'raf', timeout: 30_000 },
  );
  return { context, page, ms: await shown.jsonValue() };
}
