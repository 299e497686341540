// An alert end to end: the Langfuse double scripts a burst of failed LLM
// calls, the real daemon syncs it and fires its rule, the webhook listening
// here gets one "firing" message, and the sidebar shows the badge.
import { expect, test } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { readState, repo, waitForSyncState } from '../stack/stack';

interface AlertMessage {
  text: string;
  alert: { rule: string; status: string; value: number };
}

function listen(port: number, received: AlertMessage[]): Promise<Server> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(body) as AlertMessage);
      response.end('ok');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

test('an alert fires on a scripted spike: one webhook message, a badge in the sidebar and a firing rule', async ({
  page,
  request,
}) => {
  const state = readState();
  const received: AlertMessage[] = [];
  const hook = await listen(state.alertHookPort, received);
  try {
    const before = (await (await request.get('/api/alerts')).json()) as { firing: number; rules: { rule: string }[] };
    expect(before.rules.map((rule) => rule.rule)).toContain('errors spiking');
    expect(before.firing).toBe(0);
    await page.goto('/');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' })).toBeVisible();
    await expect(page.getByTestId('alerts-badge')).toHaveCount(0);

    const spike = await request.post(`${state.mockUrl}/_mock/spike?kind=errors&traces=20`);
    expect(spike.ok()).toBe(true);
    const lastSuccess = (await (await request.get('/api/sync/status')).json()).lastSuccessAt as string;
    const trigger = await request.post('/api/sync/trigger');
    expect([202, 409]).toContain(trigger.status());
    await waitForSyncState(
      state.apiUrl,
      (value, status) => value === 'success' && status.lastSuccessAt !== lastSuccess,
    );

    await page.reload();
    const badge = page.getByTestId('alerts-badge');
    await expect(badge).toHaveText('1');
    await expect(page.getByRole('link', { name: /^Alerts\s*,\s*1 alert firing$/ })).toContainText('1');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Alerts/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Alerts' })).toBeVisible();
    const rule = page.getByTestId('alert-rule-errors spiking');
    await expect(rule.getByTestId('alert-state')).toHaveText('Firing');
    await expect(page.getByRole('table', { name: 'Alert history' })).toContainText('FIRING');

    await expect.poll(() => received.length, { timeout: 20_000 }).toBe(1);
    expect(received[0].alert.rule).toBe('errors spiking');
    expect(received[0].alert.status).toBe('firing');
    expect(received[0].alert.value).toBeGreaterThan(0.1);
    expect(received[0].text).toContain('FIRING');
    const screenshots = path.join(repo, 'artifacts', 'e2e', 'screenshots');
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, 'alerts.png'), fullPage: true });
  } finally {
    await new Promise((resolve) => hook.close(resolve));
  }
});
