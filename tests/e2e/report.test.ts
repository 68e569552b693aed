// The report page in Debian's Chromium against the whole running system, whose InfluxDB is
// given two past days of synthetic uplink traffic (written through the real InfluxStore and
// rolled up by its own statements): a viewer opens #/report, picks the two days in the custom
// range, finds every province banded as its traffic says, sorts the table, switches to the 95th
// percentile, downloads the CSV; on a phone the page does not scroll sideways.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { bandOf } from '../../server/report/bands.ts';
import { vietnamDayStartMs } from '../../server/report/period.ts';
import { closeCleanly, signedInPage, systemInChromium } from '../helpers/system.ts';
import { artifactsDir } from '../helpers/browser.ts';
import { dayMs, planSamples, spanPeriod, writeThroughStore, type FixtureSpan, type LinkPlan } from '../helpers/report-fixture.ts';

let config: LanewatchConfig;
let span: FixtureSpan;
/** Busy-hour peaks by province: every band, none without data. */
const peaks = [0.3, 0.45, 0.599, 0.6, 0.72, 0.799, 0.8, 0.9];
const expectedBusyHour = new Map<string, number>();

/** YYYY-MM-DD of a Vietnam day start. */
function day(ms: number): string {
  return new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10);
}

const env = systemInChromium({
  intervalMs: 2_000,
  startTimeoutMs: 180_000,
  prepare: async (system) => {
    config = loadConfig(system.configDir);
    // The two Vietnam days before yesterday: no live sample there.
    const startMs = vietnamDayStartMs(Date.now()) - 3 * dayMs;
    const start = new Date(startMs + 7 * 3_600_000);
    span = { year: start.getUTCFullYear(), month: start.getUTCMonth() + 1, day: start.getUTCDate(), days: 2, stepMs: 900_000 };
    const plans: LinkPlan[] = [];
    config.topology.provinces.forEach((province, index) => {
      const link = config.topology.links.find((l) => l.tier === 1 && l.province === province.id);
      if (!link?.capacityBps) throw new Error(`no tier-1 uplink with a capacity for ${province.id}`);
      const peak = peaks[index % peaks.length] ?? 0.3;
      expectedBusyHour.set(province.id, peak);
      plans.push({
        link: link.id,
        province: province.id,
        tier: 1,
        capacityBps: link.capacityBps,
        classes: false,
        utilization: (dir, _day, hour) => (hour === 10 ? peak : 0.1) * (dir === 'down' ? 1 : 0.5),
      });
    });
    await writeThroughStore(config.settings.influx, plans.flatMap((plan) => planSamples(plan, span)), [], spanPeriod(span));
  },
});

async function openReport(width: number, path = '#/report'): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await signedInPage(env.browser, env.system, 'viewer', { viewport: { width, height: 900 } });
  await page.goto(`${env.system.url}/${path}`);
  try {
    await page.locator('[data-testid="report-page"]').waitFor({ timeout: 30_000 });
  } catch (err) {
    await page.screenshot({ path: `${artifactsDir}report-failed.png`, fullPage: true });
    throw new Error(`no report page at ${page.url()}: ${errors.join('; ')}\n${(await page.locator('main').textContent()) ?? ''}`, { cause: err });
  }
  return { page, errors };
}

async function rowBands(page: Page): Promise<Map<string, string>> {
  const rows = await page.locator('[data-testid="report-row"]').evaluateAll((nodes) =>
    nodes.map((node) => [node.getAttribute('data-province') ?? '', node.getAttribute('data-band') ?? '']),
  );
  return new Map(rows as [string, string][]);
}

async function utilizations(page: Page): Promise<number[]> {
  return page.locator('[data-testid="report-row"]').evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-utilization'))));
}

describe('report page in Chromium', () => {
  it('a viewer picks two days: every province banded, the national line, sorting, the basis, the CSV', async () => {
    const { page, errors } = await openReport(1400);
    // The header links to the report for a viewer.
    expect(await page.locator('[data-testid="nav-report"]').getAttribute('href')).toBe('#/report');
    const from = day(spanPeriod(span).fromMs);
    const to = day(spanPeriod(span).toMs - dayMs);
    await page.locator('[data-testid="report-from"]').fill(from);
    await page.locator('[data-testid="report-to"]').fill(to);
    await page.locator('[data-testid="report-apply"]').click();
    await page.waitForURL(new RegExp(`#/report\\?from=${from}&to=${to}&basis=busyhour$`));
    const rows = page.locator('[data-testid="report-row"]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(34);
    // Every province banded, as its busy hour says (none without data).
    await expect.poll(async () => [...(await rowBands(page)).values()].filter((band) => band === 'none').length, { timeout: 15_000 }).toBe(0);
    const bands = await rowBands(page);
    expect(bands.size).toBe(34);
    for (const [province, peak] of expectedBusyHour) expect([province, bands.get(province)]).toEqual([province, bandOf(peak)]);
    const expected = { low: 0, mid: 0, high: 0 };
    for (const peak of expectedBusyHour.values()) expected[bandOf(peak) as 'low' | 'mid' | 'high'] += 1;
    const national = page.locator('[data-testid="report-national"]');
    expect(await national.getAttribute('data-low')).toBe(String(expected.low));
    expect(await national.getAttribute('data-high')).toBe(String(expected.high));
    expect(await national.textContent()).toContain(`${expected.low}/34 tỉnh dưới 60 %`);
    // The period in Vietnam days, whatever the browser's time zone.
    const [fy, fm, fd] = from.split('-');
    const [ty, tm, td] = to.split('-');
    expect(await page.locator('[data-testid="report-period"]').textContent()).toContain(`${fd}/${fm}/${fy} – ${td}/${tm}/${ty}`);
    expect(await page.locator('[data-testid="report-bar"]').count()).toBe(34);
    await page.screenshot({ path: `${artifactsDir}report-vi.png`, fullPage: true });

    // Sorted by utilization, highest first (the default), then lowest first; then by name.
    const descending = await utilizations(page);
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    await page.locator('[data-testid="sort-utilization"]').click();
    await expect.poll(async () => (await utilizations(page))[0]).toBe(Math.min(...descending));
    const ascending = await utilizations(page);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.locator('[data-testid="sort-province"]').click();
    const names = await page.locator('[data-testid="report-row"] td.province a').allTextContents();
    expect(names).toEqual([...names].sort(new Intl.Collator('vi-VN').compare));
    expect(await page.locator('th[aria-sort="ascending"] [data-testid="sort-province"]').count()).toBe(1);

    // The 95th percentile: 4 busy samples of 96 a day (under 5 %), so every uplink's p95 is its 10 % level.
    await page.locator('[data-testid="basis-p95"]').click();
    await page.waitForURL(/basis=p95$/);
    await expect.poll(() => national.getAttribute('data-low'), { timeout: 15_000 }).toBe('34');
    expect(new Set(await utilizations(page))).toEqual(new Set([0.1]));

    // The CSV link is the API's CSV of the same view, with its byte-order mark.
    const href = await page.locator('[data-testid="report-csv"]').getAttribute('href');
    expect(href).toBe(`/api/v1/report/utilization?from=${from}&to=${to}&basis=p95&format=csv`);
    const csv = await page.context().request.get(`${env.system.url}${href ?? ''}`);
    expect(csv.status()).toBe(200);
    const body = await csv.body();
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(body.toString('utf8')).toContain('Thanh Hóa');
    expect(body.toString('utf8').trim().split('\r\n')).toHaveLength(35);

    await page.locator('[data-testid="lang-en"]').click();
    await expect.poll(() => national.textContent()).toContain('provinces under 60 %');
    await page.screenshot({ path: `${artifactsDir}report-en.png`, fullPage: true });
    await closeCleanly(page, errors);
  }, 90_000);

  it('on a phone: no sideways page scroll, the table scrolls in its own box', async () => {
    const from = day(spanPeriod(span).fromMs);
    const to = day(spanPeriod(span).toMs - dayMs);
    const { page, errors } = await openReport(375, `#/report?from=${from}&to=${to}&basis=busyhour`);
    await expect.poll(() => page.locator('[data-testid="report-row"]').count(), { timeout: 15_000 }).toBe(34);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const box = page.locator('[data-testid="report-table-wrap"]');
    const sizes = await box.evaluate((node) => ({ scroll: node.scrollWidth, client: node.clientWidth }));
    expect(sizes.scroll).toBeGreaterThan(sizes.client);
    await page.screenshot({ path: `${artifactsDir}report-phone-top-vi.png` });
    await page.screenshot({ path: `${artifactsDir}report-phone-vi.png`, fullPage: true });
    await closeCleanly(page, errors);
  }, 60_000);
});
