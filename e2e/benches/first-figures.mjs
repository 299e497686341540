// Browser benchmark (not a test): how long from navigation to the overview's
// key figures on screen, in Debian's Chromium, through the edge Caddy.
//
// Usage: node e2e/benches/first-figures.mjs http://127.0.0.1:PORT/ [loads]
// Each load is a fresh browser context, so it fetches the page, its
// JavaScript and the overview's data from scratch (`loadUntilKeyFigures`).
// bench_api.py runs it with BENCH_BROWSER=1 on its 1,000,000-observation database.
import { launchChromium, loadUntilKeyFigures } from './key-figures.mjs';

const url = process.argv[2];
const loads = Number(process.argv[3] ?? 5);
if (!url) {
  console.error('usage: node e2e/benches/first-figures.mjs URL [loads]');
  process.exit(2);
}

const browser = await launchChromium();
const figures = [];
try {
  for (let load = 1; load <= loads; load += 1) {
    const { context, ms } = await loadUntilKeyFigures(browser, url);
    figures.push(ms);
    console.log(`load ${load}: key figures on screen ${ms.toFixed(0)} ms after navigation`);
    await context.close();
  }
} finally {
  await browser.close();
}
const sorted = [...figures].sort((a, b) => a - b);
console.log(
  `navigation to key figures, ${loads} fresh loads: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, ` +
    `slowest ${sorted[sorted.length - 1].toFixed(0)} ms`,
);
