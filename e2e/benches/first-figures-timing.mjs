// Browser timing of the overview (not a test): where the time to the key
// figures goes. Four fresh loads, as first-figures.mjs makes them; for each,
// the time the key figures showed, then the navigation's milestones, every
// resource's start and end (the page's chunks and its API requests) and the
// paint entries, in milliseconds since the navigation started.
//
// Usage: node e2e/benches/first-figures-timing.mjs http://127.0.0.1:PORT/
import { launchChromium, loadUntilKeyFigures } from './key-figures.mjs';

const url = process.argv[2];
const browser = await launchChromium();
for (let load = 1; load <= 4; load++) {
  const { context, page, ms } = await loadUntilKeyFigures(browser, url);
  const entries = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const out = [
      `nav: requestStart ${nav.requestStart.toFixed(0)} responseEnd ${nav.responseEnd.toFixed(0)} domInteractive ${nav.domInteractive.toFixed(0)} dcl ${nav.domContentLoadedEventEnd.toFixed(0)}`,
    ];
    for (const e of performance.getEntriesByType('resource'))
      out.push(
        `${e.name.replace(location.origin, '').slice(0, 70)} start ${e.startTime.toFixed(0)} end ${e.responseEnd.toFixed(0)}`,
      );
    for (const e of performance.getEntriesByType('paint')) out.push(`${e.name} ${e.startTime.toFixed(0)}`);
    return out;
  });
  console.log(`load ${load}: ${ms.toFixed(0)} ms`);
  console.log(entries.join('\n'));
  await context.close();
}
await browser.close();
