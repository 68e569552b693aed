// History at every range, in Debian's Chromium against the whole running system (influxd,
// `lanewatch simulate`, `lanewatch run`). An hour of one-second samples of one link is
// written to InfluxDB before the system starts; the link page opened over that hour (the URL
// names it) shows it in coarse buckets; a drag across the chart zooms: the URL then names the
// zoomed span, the page asks the history API for exactly that span, and the chart's points
// become the raw seconds. Reloading keeps the range. A past range does not move; a range
// ending now follows the live samples; Back returns to the previous range.
import { describe, it, expect } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { directions } from '../../api/schemas.ts';
import { closeCleanly, signedInPage, systemInChromium } from '../helpers/system.ts';
import { artifactsDir } from '../helpers/browser.ts';

const artifacts = artifactsDir;
const linkId = 't1-hue';
const classShares = { internet: 0.5, docex: 0.2, video: 0.2, other: 0.1 } as const;
const hourMs = 3_600_000;

/** The synthetic hour: [historyFromMs, historyToMs), one point a second; it ends before the system starts (no synthetic second overlaps a polled one). */
const historyToMs = Math.floor(Date.now() / 1_000) * 1_000 - 1_000;
const historyFromMs = historyToMs - hourMs;

interface TopologyReply {
  links: { id: string; province: string; tier: number; capacityBps?: number }[];
}

/** One second of the synthetic link: a ten-minute wave between 10 % and 50 % of capacity. */
function totalBps(atMs: number, capacityBps: number): number {
  return capacityBps * (0.3 + 0.2 * Math.sin((2 * Math.PI * atMs) / 600_000));
}

/** Writes the synthetic hour in line protocol (one point per direction and second: the total and every service class as fields). */
async function writeHistory(influxUrl: string, link: TopologyReply['links'][number]): Promise<void> {
  const capacityBps = link.capacityBps ?? 1_000_000_000;
  const lines: string[] = [];
  for (let atMs = historyFromMs; atMs < historyToMs; atMs += 1_000) {
    for (const dir of directions) {
      const total = totalBps(atMs, capacityBps) * (dir === 'down' ? 1 : 0.4);
      const tags = `link=${link.id},province=${link.province},tier=${link.tier},dir=${dir}`;
      const fields = [`bps_total=${total}`, `util_total=${total / capacityBps}`, `capacityBps_total=${capacityBps}`];
      for (const [serviceClass, share] of Object.entries(classShares)) {
        const bps = total * share;
        fields.push(`bps_${serviceClass}=${bps}`, `util_${serviceClass}=${bps / capacityBps}`, `dropBps_${serviceClass}=0`);
      }
      lines.push(`traffic,${tags} ${fields.join(',')} ${atMs}`);
    }
  }
  for (let start = 0; start < lines.length; start += 10_000) {
    const res = await fetch(`${influxUrl}/write?db=lanewatch&precision=ms`, {
      method: 'POST',
      body: lines.slice(start, start + 10_000).join('\n'),
    });
    expect(res.status).toBe(204);
  }
}

const env = systemInChromium({
  intervalMs: 1_000,
  startTimeoutMs: 120_000,
  prepare: async (system) => {
    const topology = await system.getAs<TopologyReply>('/api/v1/topology');
    const link = topology.links.find((candidate) => candidate.id === linkId);
    expect(link).toBeDefined();
    await writeHistory(system.influx.url, link!);
  },
});

function isHistory(request: Request): boolean {
  return new URL(request.url()).pathname === '/api/v1/history';
}

function rangeOfUrl(url: string): { from: string | null; to: string | null } {
  const hash = new URL(url).hash;
  const query = new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
  return { from: query.get('from'), to: query.get('to') };
}

/** The chart's test hooks. */
async function chartState(page: Page, testId: string) {
  const chart = page.locator(`[data-testid="${testId}"]`);
  // In one task of the page: read one by one, a live sample between two reads moves the window
  // (from and to a second apart from two different instants).
  const [points, stepMs, fromMs, toMs, loading] = await chart.evaluate((el) =>
    ['data-points', 'data-step-ms', 'data-from-ms', 'data-to-ms', 'data-loading'].map((name) => el.getAttribute(name)),
  );
  return { points: Number(points), stepMs: Number(stepMs), fromMs: Number(fromMs), toMs: Number(toMs), loading };
}

describe('history at every range in Chromium', () => {
  it('opens a link over an hour of history, zooms into finer data, keeps the range in the URL', async () => {
    const { page, errors } = await signedInPage(env.browser, env.system, 'viewer');
    const historyRequests: string[] = [];
    page.on('request', (request) => {
      if (isHistory(request)) historyRequests.push(request.url());
    });

    // The hour of synthetic history, named in the URL as a fixed range (it ends before the
    // system started, so nothing live falls in it).
    const hourFrom = new Date(historyFromMs).toISOString();
    const hourTo = new Date(historyToMs).toISOString();
    const opened = page.waitForRequest(isHistory);
    await page.goto(`${env.system.url}/#/link/${linkId}?from=${hourFrom}&to=${hourTo}`);
    const first = new URL((await opened).url()).searchParams;
    // One request for the link's every series: both directions, the total and each class.
    expect(first.getAll('link')).toEqual([linkId]);
    expect(first.getAll('dir')).toEqual(['down', 'up']);
    expect(first.getAll('class')).toEqual(['total', 'internet', 'docex', 'video', 'other']);
    expect([first.get('from'), first.get('to')]).toEqual([hourFrom, hourTo]);

    const chart = page.locator('[data-testid="link-chart"]');
    await expect.poll(() => chart.getAttribute('data-loading'), { timeout: 15_000 }).toBe('false');
    const coarse = await chartState(page, 'link-chart');
    // An hour in buckets: hundreds of points, each several seconds.
    expect(coarse.fromMs).toBe(historyFromMs);
    expect(coarse.toMs).toBe(historyToMs);
    expect(coarse.stepMs).toBeGreaterThanOrEqual(3_000);
    expect(coarse.points).toBeGreaterThan(300);
    expect(coarse.points).toBeLessThanOrEqual(1_200);
    expect(await page.locator('[data-testid="range-picker"]').getAttribute('data-range')).toBe('custom');
    expect(await page.locator('[data-testid="range-picker"]').getAttribute('data-live')).toBe('false');
    await page.screenshot({ path: `${artifacts}history-zoom-hour-vi.png`, fullPage: true });

    // Drag across the chart from 30 % to 45 % of its width: about nine minutes.
    const plot = page.locator('[data-testid="link-chart"] .u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = await plot.boundingBox();
    expect(box).not.toBeNull();
    const y = box!.y + box!.height / 2;
    const zoomRequest = page.waitForRequest((request) => isHistory(request) && new URL(request.url()).searchParams.get('from') !== hourFrom);
    await page.mouse.move(box!.x + box!.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box!.x + box!.width * 0.38, y, { steps: 5 });
    await page.mouse.move(box!.x + box!.width * 0.45, y, { steps: 5 });
    await page.mouse.up();

    // The URL names the zoomed span, and the page asked for exactly that span.
    await page.waitForURL((url) => rangeOfUrl(url.toString()).from !== hourFrom);
    const zoomed = rangeOfUrl(page.url());
    const asked = new URL((await zoomRequest).url()).searchParams;
    expect([asked.get('from'), asked.get('to')]).toEqual([zoomed.from, zoomed.to]);
    const zoomFromMs = Date.parse(zoomed.from ?? '');
    const zoomToMs = Date.parse(zoomed.to ?? '');
    expect(zoomFromMs).toBeGreaterThan(historyFromMs + 0.25 * hourMs);
    expect(zoomToMs).toBeLessThan(historyFromMs + 0.5 * hourMs);
    expect(zoomToMs - zoomFromMs).toBeGreaterThan(0.1 * hourMs);

    // Finer data arrives: one point a second over the zoomed span, where the coarse hour had a
    // point every few seconds.
    await expect.poll(async () => (await chartState(page, 'link-chart')).stepMs, { timeout: 15_000 }).toBe(1_000);
    const fine = await chartState(page, 'link-chart');
    expect(fine.fromMs).toBe(zoomFromMs);
    expect(fine.toMs).toBe(zoomToMs);
    const spanSeconds = (zoomToMs - zoomFromMs) / 1_000;
    expect(fine.points).toBeGreaterThanOrEqual(spanSeconds);
    expect(fine.points).toBeLessThanOrEqual(spanSeconds + 3);
    const coarseInSpan = ((zoomToMs - zoomFromMs) / coarse.stepMs) + 2;
    expect(fine.points).toBeGreaterThan(2 * coarseInSpan);
    // The class charts share the range: finer too.
    await expect.poll(async () => (await chartState(page, 'class-chart')).stepMs, { timeout: 5_000 }).toBe(1_000);
    expect((await chartState(page, 'class-chart')).fromMs).toBe(zoomFromMs);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${artifacts}history-zoom-zoomed-vi.png`, fullPage: true });

    // A past range does not move.
    await page.waitForTimeout(2_500);
    const later = await chartState(page, 'link-chart');
    expect([later.fromMs, later.toMs, later.points]).toEqual([fine.fromMs, fine.toMs, fine.points]);

    // Reloading keeps the range: the same span asked for, the same fine points shown.
    const reloadRequest = page.waitForRequest(isHistory);
    await page.reload();
    const again = new URL((await reloadRequest).url()).searchParams;
    expect([again.get('from'), again.get('to')]).toEqual([zoomed.from, zoomed.to]);
    expect(rangeOfUrl(page.url())).toEqual(zoomed);
    await expect.poll(async () => (await chartState(page, 'link-chart')).stepMs, { timeout: 15_000 }).toBe(1_000);
    const reloaded = await chartState(page, 'link-chart');
    expect([reloaded.fromMs, reloaded.toMs]).toEqual([fine.fromMs, fine.toMs]);
    // Every second of the span (before, the hour's coarse points also reached past its edges).
    expect(reloaded.points).toBe(spanSeconds + 1);

    // Back: the hour again (the zoom was one step of the browser's history).
    await page.goBack();
    await page.waitForURL((url) => rangeOfUrl(url.toString()).from === hourFrom);
    await expect.poll(async () => (await chartState(page, 'link-chart')).fromMs, { timeout: 10_000 }).toBe(historyFromMs);
    // The hour's coarse points, with the zoomed span's finer ones still held.
    await expect.poll(async () => (await chartState(page, 'link-chart')).points, { timeout: 10_000 }).toBeGreaterThan(coarse.points);
    await closeCleanly(page, errors);
  }, 90_000);

  it('follows the live samples over a range ending now, and pans into the past', async () => {
    const { page, errors } = await signedInPage(env.browser, env.system, 'viewer');
    await page.goto(`${env.system.url}/#/link/${linkId}?from=-15m&to=now`);
    await page.locator('[data-testid="conn"][data-state="open"]').waitFor({ timeout: 15_000 });
    const picker = page.locator('[data-testid="range-picker"]');
    expect(await picker.getAttribute('data-range')).toBe('15m');
    expect(await picker.getAttribute('data-live')).toBe('true');
    const chart = page.locator('[data-testid="link-chart"]');
    await expect.poll(() => chart.getAttribute('data-loading'), { timeout: 15_000 }).toBe('false');
    const before = await chartState(page, 'link-chart');
    expect(before.toMs - before.fromMs).toBe(15 * 60_000);
    const lastBefore = Number(await chart.getAttribute('data-last-ms'));
    // Fifteen minutes of seconds: the synthetic hour's end, then what was polled since.
    expect(before.points).toBeGreaterThan(800);
    // Live samples arrive: the window slides and the newest point moves on with it.
    await expect
      .poll(async () => (await chartState(page, 'link-chart')).toMs, { timeout: 15_000, interval: 100 })
      .toBeGreaterThan(before.toMs);
    await expect
      .poll(async () => Number(await chart.getAttribute('data-last-ms')), { timeout: 15_000, interval: 100 })
      .toBeGreaterThan(lastBefore);

    // Preset 1 h: the URL says so; back half an hour: a fixed range that stays put.
    await page.locator('[data-testid="range-1h"]').click();
    await page.waitForURL(/from=-1h&to=now$/);
    expect(await picker.getAttribute('data-range')).toBe('1h');
    const requested = page.waitForRequest((request) => isHistory(request) && (new URL(request.url()).searchParams.get('to') ?? '').endsWith('Z'));
    await page.locator('[data-testid="range-back"]').click();
    const panned = rangeOfUrl(page.url());
    expect(panned.to).toMatch(/Z$/);
    expect(Date.parse(panned.to ?? '') - Date.parse(panned.from ?? '')).toBe(hourMs);
    const asked = new URL((await requested).url()).searchParams;
    expect([asked.get('from'), asked.get('to')]).toEqual([panned.from, panned.to]);
    expect(await picker.getAttribute('data-live')).toBe('false');
    await expect.poll(() => chart.getAttribute('data-loading'), { timeout: 15_000 }).toBe('false');
    const past = await chartState(page, 'link-chart');
    await page.waitForTimeout(2 * env.system.intervalMs);
    expect(await chartState(page, 'link-chart')).toEqual(past);
    // Forward again reaches now: live once more.
    await page.locator('[data-testid="range-forward"]').click();
    await page.waitForURL(/from=-1h&to=now$/);
    expect(await picker.getAttribute('data-live')).toBe('true');

    // A custom range, typed in the browser's local time: refused backwards, then applied.
    const startMs = Math.ceil(historyFromMs / 60_000) * 60_000 + 10 * 60_000;
    const endMs = startMs + 20 * 60_000;
    const fieldText = (atMs: number) =>
      page.evaluate((ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16), atMs);
    await page.locator('[data-testid="range-custom"]').click();
    await page.locator('[data-testid="range-from"]').fill(await fieldText(endMs));
    await page.locator('[data-testid="range-to"]').fill(await fieldText(startMs));
    await page.locator('[data-testid="range-apply"]').click();
    expect(await page.locator('[data-testid="range-problem"]').textContent()).toBe('Thời điểm bắt đầu phải trước thời điểm kết thúc.');
    expect(rangeOfUrl(page.url())).toEqual({ from: '-1h', to: 'now' });
    await page.locator('[data-testid="range-from"]').fill(await fieldText(startMs));
    await page.locator('[data-testid="range-to"]').fill(await fieldText(endMs));
    await page.locator('[data-testid="range-apply"]').click();
    await page.waitForURL((url) => rangeOfUrl(url.toString()).to !== 'now');
    expect(rangeOfUrl(page.url())).toEqual({ from: new Date(startMs).toISOString(), to: new Date(endMs).toISOString() });
    expect(await picker.getAttribute('data-range')).toBe('custom');
    await expect.poll(async () => (await chartState(page, 'link-chart')).fromMs, { timeout: 10_000 }).toBe(startMs);
    await closeCleanly(page, errors);
  }, 60_000);

  it('looks right at desktop and phone widths, in Vietnamese and English', async () => {
    const hourFrom = new Date(historyFromMs).toISOString();
    const hourTo = new Date(historyToMs).toISOString();
    for (const [widthPx, name] of [
      [1400, 'desktop'],
      [390, 'phone'],
    ] as const) {
      const { page, errors } = await signedInPage(env.browser, env.system, 'viewer', { viewport: { width: widthPx, height: 900 } });
      await page.goto(`${env.system.url}/#/link/${linkId}?from=${hourFrom}&to=${hourTo}`);
      await expect.poll(() => page.locator('[data-testid="link-chart"]').getAttribute('data-loading'), { timeout: 15_000 }).toBe('false');
      // No sideways scroll: the picker wraps.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(widthPx);
      await page.screenshot({ path: `${artifacts}history-zoom-link-${name}-vi.png`, fullPage: true });
      await page.locator('[data-testid="range-custom"]').click();
      await page.locator('[data-testid="range-custom-form"]').waitFor();
      await page.locator('[data-testid="lang-en"]').click();
      expect(await page.locator('[data-testid="range-apply"]').textContent()).toBe('Apply');
      await page.screenshot({ path: `${artifacts}history-zoom-link-${name}-custom-en.png`, fullPage: true });
      await page.locator('[data-testid="lang-vi"]').click();
      await page.goto(`${env.system.url}/#/province/hue?from=-15m&to=now`);
      await page.locator('[data-testid="province-page"]').waitFor();
      await expect.poll(() => page.locator('[data-testid="uplink-chart"]').getAttribute('data-loading'), { timeout: 15_000 }).toBe('false');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(widthPx);
      await page.screenshot({ path: `${artifacts}history-zoom-province-${name}-vi.png`, fullPage: true });
      await page.goto(`${env.system.url}/#/?from=-6h&to=now`);
      await expect.poll(() => page.locator('[data-testid="live-chart"]').getAttribute('data-loading'), { timeout: 15_000 }).toBe('false');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(widthPx);
      await page.screenshot({ path: `${artifacts}history-zoom-national-${name}-vi.png`, fullPage: true });
      await closeCleanly(page, errors);
    }
  }, 90_000);
});
