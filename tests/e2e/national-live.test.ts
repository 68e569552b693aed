// The web UI in Debian's Chromium against the whole running system: the national page lists
// every tier-1 link; its chart opens with the recent history of every tier-1 link (one history
// request for all of them) and moves within two poll intervals, without reload.
import { describe, it, expect } from 'vitest';
import { signedInPage, systemInChromium } from '../helpers/system.ts';
import { artifactsDir } from '../helpers/browser.ts';

const artifacts = artifactsDir;
const env = systemInChromium({ intervalMs: 2_000 });

describe('national page in Chromium', () => {
  it('shows every tier-1 link and a chart that moves on every sample', async () => {
    const { page, errors } = await signedInPage(env.browser, env.system, 'viewer');
    const historyRequests: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/history') historyRequests.push(url);
    });
    // Some history to open with: at the page's resolution (the last hour in 500 points), a
    // tier-1 link has at least 5 points.
    const historyPoints = async (): Promise<number> =>
      (await env.system.getAs<{ points: unknown[] }>('/api/v1/history?link=t1-ha-noi&dir=down&from=-1h&to=now&maxPoints=500')).points.length;
    await expect.poll(historyPoints, { timeout: 90_000, interval: 1_000 }).toBeGreaterThanOrEqual(5);
    const expectedPoints = await historyPoints();
    const openedAtMs = Date.now();
    await page.goto(`${env.system.url}/#/`);
    await page.locator('[data-testid="conn"][data-state="open"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('[data-testid="link-row"]').count(), { timeout: 15_000 }).toBe(34);

    const chart = page.locator('[data-testid="live-chart"]');
    await chart.waitFor();
    await expect.poll(() => chart.getAttribute('data-loading'), { timeout: 15_000 }).toBe('false');
    // One request for every tier-1 link, both directions, over the default hour.
    expect(historyRequests).toHaveLength(1);
    const asked = historyRequests[0]!.searchParams;
    expect(asked.getAll('link')).toHaveLength(34);
    expect(asked.getAll('dir')).toEqual(['down', 'up']);
    expect([asked.get('from'), asked.get('to')]).toEqual(['-1h', 'now']);
    // The chart opens with what was polled before the page was: not empty, reaching back.
    expect(Number(await chart.getAttribute('data-first-ms'))).toBeLessThan(openedAtMs - 4 * env.system.intervalMs);
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(expectedPoints);
    const pointsBefore = Number(await chart.getAttribute('data-points'));
    const rateBefore = await page.locator('[data-testid="link-row"] [data-testid="rate-down"]').allTextContents();
    // Within two poll intervals (1 s grace for rendering), the chart has more points and
    // the rates shown have changed, without any reload.
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 2 * env.system.intervalMs + 1_000, interval: 100 })
      .toBeGreaterThan(pointsBefore);
    // The table's rates follow too. The simulator's traffic changes in 10 s steps, so two polls
    // inside one step can measure the same rate: wait past a step boundary for new values.
    await expect
      .poll(() => page.locator('[data-testid="link-row"] [data-testid="rate-down"]').allTextContents(), { timeout: 15_000, interval: 250 })
      .not.toEqual(rateBefore);
    await page.screenshot({ path: `${artifacts}national-vi.png`, fullPage: true });

    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi');
    await expect.poll(() => page.locator('h1, h2').allTextContents()).toContain('Đường truyền cấp 1 toàn quốc');
    await page.locator('[data-testid="lang-en"]').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('en');
    await expect.poll(() => page.locator('h1, h2').allTextContents()).toContain('National tier-1 links');
    await page.screenshot({ path: `${artifacts}national-en.png`, fullPage: true });

    await page.locator('[data-testid="link-row"] td.name a').first().click();
    await page.waitForURL(/#\/link\//);
    await page.waitForTimeout(2 * env.system.intervalMs);
    await page.screenshot({ path: `${artifacts}link.png`, fullPage: true });
    expect(errors).toEqual([]);
  }, 150_000);
});
