import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright cannot download its own browser here. The
// background-networking switches keep Chromium from dialling Google's hosts.
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  globalSetup: './stack/global-setup.ts',
  globalTeardown: './stack/global-teardown.ts',
  outputDir: '../artifacts/e2e/results',
  reporter: [['list'], ['html', { outputFolder: '../artifacts/e2e/report', open: 'never' }]],
  use: {
    browserName: 'chromium',
    // The URL scripts/run.sh prints: http://localhost:PORT.
    baseURL: `http://localhost:${process.env.E2E_PORT_BASE ?? 19300}`,
    viewport: { width: 1440, height: 900 },
    timezoneId: 'Europe/Berlin',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs },
  },
});
