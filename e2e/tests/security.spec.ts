// Text that comes from Langfuse (observation input and output) is shown as
// text in the dashboard, never run as HTML or script. Real Chromium, real
// Caddy, real api-server on the database the real sync filled.
import { expect, test, type Page, type Route } from '@playwright/test';
import { flatten, generationToggle, type SessionDetail, type TreeNode } from './observation-tree';

/** Payloads that run script if a page ever renders them as HTML. */
const PAYLOADS = {
  output: `<img src=x onerror="window.__cupidXss='img'">`,
  input: `<script>window.__cupidXss='script'</script><svg onload="window.__cupidXss='svg'"></svg>`,
};


/** Every GENERATION gets the payloads as its input and (chat-shaped) output. */
function poison(detail: SessionDetail): SessionDetail {
  for (const trace of detail.traces) {
    for (const node of flatten(trace.observationsTree)) {
      if (node.type === 'GENERATION') {
        node.output = JSON.stringify({ role: 'assistant', content: PAYLOADS.output });
        node.input = PAYLOADS.input;
      }
    }
  }
  return detail;
}

async function noScriptRan(page: Page): Promise<void> {
  const marker = await page.evaluate(() => (window as unknown as { __cupidXss?: string }).__cupidXss);
  expect(marker, 'no payload ran').toBeUndefined();
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.locator('main script, main svg[onload]')).toHaveCount(0);
}

test('a script payload in an observation output is shown as text and never runs', async ({ page, request }) => {
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  const list = (await (await request.get('/api/sessions?limit=5&sort=cost&order=desc')).json()) as {
    items: { id: string }[];
  };
  const target = list.items[0].id;
  // Every generation of this session gets the payloads, by rewriting the
  // real API answer on its way to the page (the test below uses the
  // payloads the double itself serves).
  await page.route(
    (url) => url.pathname === `/api/sessions/${encodeURIComponent(target)}`,
    async (route: Route) => {
      const response = await route.fetch();
      const detail = poison((await response.json()) as SessionDetail);
      await route.fulfill({ response, json: detail });
    },
  );
  await page.goto(`/sessions/${encodeURIComponent(target)}`);
  const timeline = page.getByRole('list', { name: 'Traces in time order' });
  await expect(timeline).toBeVisible();

  const detail = poison((await (await request.get(`/api/sessions/${encodeURIComponent(target)}`)).json()) as SessionDetail);
  const traceIndex = detail.traces.findIndex((trace) =>
    flatten(trace.observationsTree).some((node) => node.type === 'GENERATION'),
  );
  expect(traceIndex, 'the session has a generation').toBeGreaterThanOrEqual(0);
  const nodes = flatten(detail.traces[traceIndex].observationsTree);
  const node = nodes.find((candidate) => candidate.type === 'GENERATION')!;
  const trace = timeline.locator(':scope > li').nth(traceIndex);
  const toggle = await generationToggle(trace, node, nodes);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');

  // The markup is on the page as characters, not as elements.
  // (Outputs that are JSON are pretty-printed, so the quotes show escaped.)
  await expect(trace).toContainText(PAYLOADS.input);
  await expect(trace).toContainText('<img src=x onerror=');
  await noScriptRan(page);
  expect(dialogs, 'no dialog opened').toEqual([]);
});

test('a script payload synced from Langfuse through the real daemon is shown as text', async ({ page, request }) => {
  // The double's players sometimes put markup in their bios; find a session
  // whose synced data carries it.
  const marker = "<script>window.__cupidXss='script'</script>";
  const list = (await (await request.get('/api/sessions?limit=50')).json()) as { items: { id: string }[] };
  let found: { session: string; traceIndex: number; node: TreeNode; nodes: TreeNode[] } | undefined;
  for (const { id } of list.items) {
    const detail = (await (await request.get(`/api/sessions/${encodeURIComponent(id)}`)).json()) as SessionDetail;
    detail.traces.forEach((trace, traceIndex) => {
      const nodes = flatten(trace.observationsTree);
      const node = nodes.find((candidate) => candidate.type === 'GENERATION' && candidate.output?.includes(marker));
      if (node && !found) found = { session: id, traceIndex, node, nodes };
    });
    if (found) break;
  }
  expect(found, 'the synced data holds a script payload').toBeTruthy();
  const { session, traceIndex, node, nodes } = found!;

  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  await page.goto(`/sessions/${encodeURIComponent(session)}`);
  const trace = page.getByRole('list', { name: 'Traces in time order' }).locator(':scope > li').nth(traceIndex);
  const toggle = await generationToggle(trace, node, nodes);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(trace).toContainText(marker);
  await noScriptRan(page);
  expect(dialogs, 'no dialog opened').toEqual([]);
});

test('every page is served with a policy that forbids inline and foreign script', async ({ request }) => {
  for (const path of ['/', '/sessions', '/agents']) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    const policy = response.headers()['content-security-policy'] ?? '';
    const scriptSources = /script-src ([^;]+)/.exec(policy)?.[1] ?? '';
    expect(scriptSources, `${path}: script-src`).toBe("'self'");
    expect(policy, `${path}: object-src`).toContain("object-src 'none'");
    expect(response.headers()['x-content-type-options'], path).toBe('nosniff');
  }
});
