// The alerts and policy UI in Debian's Chromium against the whole running system: the national page's
// 34 province tiles with their states, the alerts page, and the policy editor (a validation
// problem shown at its path, the diff, a backtest of the draft over yesterday's traffic
// before saving, a save that makes a new revision, a rollback; a viewer gets no backtest).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, it, expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { Direction, TrafficClass } from '../../api/schemas.ts';
import type { LinkSample } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { InfluxStore } from '../../collector/store/influx-store.ts';
import { backfillWindow, retentionOf } from '../../collector/store/rollups.ts';
import { closeCleanly, signedInPage, switchLanguage, systemInChromium } from '../helpers/system.ts';
import { artifactsDir } from '../helpers/browser.ts';
import { influxDefaults } from '../helpers/store.ts';

const artifacts = artifactsDir;

const bucketMs = 300_000;
/** Yesterday's traffic on Huế's uplink (1 Gbit/s), written before the editor opens. */
const surgeStartMs = Math.floor((Date.now() - 20 * 3_600_000) / bucketMs) * bucketMs;
/** Internet 600 Mbit/s for 30 min: above 500 (C − 20 % − 30 %) under both policies. */
const bothFromMs = surgeStartMs;
/** Internet 470 Mbit/s for 30 min: inside 500, above the 450 a 35 % video reservation for Huế leaves. */
const draftOnlyFromMs = surgeStartMs + 90 * 60_000;

/**
 * Writes yesterday's synthetic surges on t1-hue through the real InfluxStore into the system's
 * InfluxDB, and rolls them up as the store's backfill does (no continuous query looks back a day).
 */
async function writeYesterdaysSurges(influxUrl: string): Promise<void> {
  const spoolDir = mkdtempSync(join(tmpdir(), 'lanewatch-e2e-spool-'));
  const store = new InfluxStore({
    influx: { ...influxDefaults, url: influxUrl, database: 'lanewatch', retentionDays: 30, batchSize: 5_000, flushIntervalMs: 100 },
    spool: { dir: spoolDir, maxBytes: 64 * 1024 * 1024 },
    log: pino({ level: 'silent' }),
  });
  await store.start();
  const capacityBps = 1e9;
  const internetAt = (atMs: number): number => {
    if (atMs >= bothFromMs && atMs < bothFromMs + 30 * 60_000) return 600e6;
    if (atMs >= draftOnlyFromMs && atMs < draftOnlyFromMs + 30 * 60_000) return 470e6;
    return 150e6;
  };
  for (let atMs = surgeStartMs - 10 * 60_000; atMs < surgeStartMs + 3 * 3_600_000; atMs += 60_000) {
    const internetBps = internetAt(atMs);
    const totalBps = internetBps === 150e6 ? 300e6 : 850e6;
    const dir: Direction = 'down';
    const sample = (cls: TrafficClass, bitsPerSecond: number, dropBitsPerSecond?: number): LinkSample => ({
      atMs, intervalMs: 60_000, link: 't1-hue', province: 'hue', tier: 1, dir, class: cls,
      bitsPerSecond, capacityBps, utilization: bitsPerSecond / capacityBps,
      ...(dropBitsPerSecond !== undefined ? { dropBitsPerSecond } : {}),
    });
    store.write({
      poll: { atMs, device: 'hn-core-1', province: 'hue', ok: true, latencyMs: 1, varbinds: 1 },
      links: [sample('total', totalBps), sample('internet', internetBps), sample('docex', 100e6, 0), sample('video', 100e6, 0)],
      interfaces: [],
    });
  }
  await store.stop();
  rmSync(spoolDir, { recursive: true, force: true });
  const health = store.health();
  if (health.spooledPoints !== 0 || health.droppedPoints !== 0) throw new Error(`yesterday's surges not all written: ${JSON.stringify(health)}`);
  const hourMs = 3_600_000;
  const window = { fromMs: Math.floor((surgeStartMs - 10 * 60_000) / hourMs) * hourMs, toMs: Math.ceil((surgeStartMs + 3 * hourMs) / hourMs) * hourMs };
  const influx = createInfluxClient({ url: influxUrl, database: 'lanewatch' });
  await backfillWindow(influx, { database: 'lanewatch', retention: retentionOf({}), measurement: 'traffic', window, nowMs: Date.now() });
}

const env = systemInChromium({ intervalMs: 2_000, prepare: (system) => writeYesterdaysSurges(system.influx.url) });

async function openPage(path: string, user = 'engineer'): Promise<{ page: Page; errors: string[] }> {
  const opened = await signedInPage(env.browser, env.system, user);
  await opened.page.goto(`${env.system.url}/${path}`);
  return opened;
}

describe('alerts and policy UI in Chromium', () => {
  it('national page: 34 province tiles, each with a state, linking to its province', async () => {
    const { page, errors } = await openPage('#/');
    const tiles = page.locator('[data-testid="province-tile"]');
    await expect.poll(() => tiles.count(), { timeout: 15_000 }).toBe(34);
    // The states come from GET states and the WebSocket: no tile stays unknown.
    await expect
      .poll(() => page.locator('[data-testid="province-tile"][data-state="unknown"]').count(), { timeout: 15_000 })
      .toBe(0);
    const states = await tiles.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')));
    expect(states.every((state) => state === 'ok' || state === 'warning' || state === 'critical')).toBe(true);
    const provinces = new Set(await tiles.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-province'))));
    expect(provinces.size).toBe(34);
    // The page agrees with the API on each province's state.
    const view = (await env.system.getAs('/api/v1/states')) as { provinces: { province: string; level: string }[] };
    const critical = view.provinces.filter((status) => status.level === 'critical').map((status) => status.province);
    const summary = page.locator('[data-testid="state-summary"]');
    await expect.poll(async () => Number(await summary.getAttribute('data-critical')), { timeout: 10_000 }).toBe(critical.length);
    // Band bars appear once samples arrive.
    await expect.poll(() => page.locator('[data-testid="province-tile"][data-band]:not([data-band=""])').count(), { timeout: 15_000 }).toBe(34);
    await expect.poll(() => page.locator('[data-testid="link-row"]').count()).toBe(34);
    await page.screenshot({ path: `${artifacts}national-tiles-vi.png`, fullPage: true });
    await switchLanguage(page, 'en');
    await page.screenshot({ path: `${artifacts}national-tiles-en.png`, fullPage: true });

    await page.locator('[data-testid="province-tile"][data-province="hue"]').click();
    await page.waitForURL(/#\/province\/hue$/);
    const badge = page.locator('[data-testid="province-state"]');
    await badge.waitFor();
    expect(['ok', 'warning', 'critical']).toContain(await badge.getAttribute('data-state'));
    await page.screenshot({ path: `${artifacts}province-state.png`, fullPage: true });
    await closeCleanly(page, errors);
  }, 60_000);

  it('alerts page renders its filters and the episodes the API lists', async () => {
    const { page, errors } = await openPage('#/alerts');
    await page.locator('[data-testid="alerts-page"]').waitFor();
    await page.locator('[data-testid="alerts-table"], [data-testid="alerts-empty"]').first().waitFor({ timeout: 10_000 });
    const listed = (await env.system.getAs('/api/v1/alerts')) as { alerts: { id: string }[] };
    const rows = await page.locator('[data-testid="alert-row"]').count();
    // Episodes may open between the two reads; the page never shows fewer than the API listed before it.
    expect(rows).toBeGreaterThanOrEqual(listed.alerts.length > 0 ? 1 : 0);
    await page.locator('[data-testid="filter-state"]').selectOption('resolved');
    await expect
      .poll(() => page.locator('[data-testid="alert-row"]:not([data-state="resolved"])').count(), { timeout: 5_000 })
      .toBe(0);
    await page.screenshot({ path: `${artifacts}alerts-vi.png`, fullPage: true });
    await switchLanguage(page, 'en');
    await page.screenshot({ path: `${artifacts}alerts-en.png`, fullPage: true });
    await closeCleanly(page, errors);
  }, 30_000);

  it('policy editor: a problem at its path, the diff, save as a new revision, effective policy, rollback', async () => {
    const { page, errors } = await openPage('#/policies');
    const editor = page.locator('[data-testid="policy-editor"] textarea');
    await editor.waitFor({ timeout: 10_000 });
    const revisionOf = async () => Number(await page.locator('[data-testid="policy-revision"]').getAttribute('data-revision'));
    const startRevision = await revisionOf();
    const historyBefore = await page.locator('[data-testid="policy-history-row"]').count();
    expect(historyBefore).toBeGreaterThanOrEqual(1);
    const original = await editor.inputValue();

    // An invalid value: the server's problem is shown at its path, and saving is not offered.
    const invalid = JSON.parse(original) as { defaults: { thresholds: Record<string, number> } };
    invalid.defaults.thresholds['highUtil'] = 2;
    await editor.fill(JSON.stringify(invalid, null, 2));
    const problem = page.locator('[data-testid="policy-problem"][data-path$="highUtil"]');
    await problem.waitFor({ timeout: 5_000 });
    expect(await problem.textContent()).toMatch(/1[.,]5/);
    expect(await page.locator('[data-testid="policy-save"]').isDisabled()).toBe(true);
    await page.screenshot({ path: `${artifacts}policies-problem-vi.png`, fullPage: true });

    // Back to the current document, then an override for Huế added through the form.
    await page.locator('[data-testid="policy-discard"]').click();
    await page.locator('[data-testid="policy-no-changes"]').waitFor();
    await page.locator('[data-testid="override-scope"]').selectOption('provinces');
    await page.locator('[data-testid="override-id"]').selectOption('hue');
    await page.locator('[data-testid="override-class"]').selectOption('video');
    await page.locator('[data-testid="override-unit"]').selectOption('percent');
    await page.locator('[data-testid="override-value"]').fill('35');
    await page.locator('[data-testid="override-add"]').click();
    const diffRow = page.locator('[data-testid="policy-diff"] [data-testid="policy-diff-row"][data-path="provinces.hue.reservations.video"]');
    await diffRow.waitFor({ timeout: 5_000 });
    expect(await diffRow.textContent()).toContain('35');
    await page.screenshot({ path: `${artifacts}policies-diff-vi.png`, fullPage: true });

    // Before saving: the draft backtested over the last 24 hours on the links it changes (Huế's).
    const backtest = page.locator('[data-testid="backtest-panel"]');
    await backtest.locator('[data-testid="backtest-range"][data-range="24h"]').click();
    const huesLinks = (await env.system.getAs<{ links: { province: string }[] }>('/api/v1/topology')).links.filter((l) => l.province === 'hue').length;
    expect(await backtest.locator('[data-testid="backtest-links"]').inputValue()).toBe('changed');
    expect(await backtest.locator('[data-testid="backtest-links"] option[value="changed"]').textContent()).toContain(`(${huesLinks})`);
    const run = backtest.locator('[data-testid="backtest-run"]');
    await expect.poll(() => run.isEnabled(), { timeout: 5_000 }).toBe(true);
    await run.click();
    await backtest.locator('[data-testid="backtest-result"]').waitFor({ timeout: 30_000 });
    // Read from the 5-minute rollup (the newest buckets from raw samples).
    expect(await backtest.locator('[data-testid="backtest-result"]').getAttribute('data-source')).toBe('rollup_5m');
    const currentList = backtest.locator('[data-testid="backtest-current"]');
    const draftList = backtest.locator('[data-testid="backtest-draft"]');
    const episodeAt = (fromMs: number) => `[data-testid="backtest-episode"][data-link="t1-hue"][data-dir="down"][data-from="${fromMs}"]`;
    // Raised at the third 5-minute bucket of each surge.
    const both = episodeAt(bothFromMs + 2 * bucketMs);
    const draftOnly = episodeAt(draftOnlyFromMs + 2 * bucketMs);
    expect(await currentList.locator(both).getAttribute('data-same')).toBe('true');
    expect(await draftList.locator(both).getAttribute('data-same')).toBe('true');
    expect(await draftList.locator(draftOnly).getAttribute('data-same')).toBe('false');
    expect(await currentList.locator(draftOnly).count()).toBe(0);
    expect(await draftList.locator(draftOnly).textContent()).toContain('Huế — tier 1');
    expect(await draftList.locator(draftOnly).getAttribute('data-level')).toBe('warning');
    expect(await draftList.locator(`${draftOnly} [data-testid="state-badge"]`).textContent()).toContain('Cảnh báo');
    for (const list of [currentList, draftList]) {
      const count = Number(await list.getAttribute('data-count'));
      expect(await list.locator('[data-testid="backtest-episode"]').count()).toBe(count);
      expect(await list.locator('.count').textContent()).toContain(`${count} đợt cảnh báo`);
    }
    const summary = backtest.locator('[data-testid="backtest-summary"]');
    const onlyDraft = Number(await summary.getAttribute('data-only-draft'));
    expect(onlyDraft).toBeGreaterThanOrEqual(1);
    expect(await summary.textContent()).toContain(`Đợt cảnh báo chỉ bản nháp phát: ${onlyDraft}`);
    await backtest.locator('[data-testid="backtest-diff-link"][data-link="t1-hue"]').waitFor();
    expect(await backtest.locator('[data-testid="backtest-stale"]').count()).toBe(0);
    await backtest.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${artifacts}policies-backtest-vi.png`, fullPage: true });
    // On a 390 px phone the two lists stack and nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 5_000 }).toBeLessThanOrEqual(390);
    const [currentBox, draftBox] = [await currentList.boundingBox(), await draftList.boundingBox()];
    expect(draftBox!.y).toBeGreaterThan(currentBox!.y + currentBox!.height - 1);
    await backtest.screenshot({ path: `${artifacts}policies-backtest-390-vi.png` });
    await page.screenshot({ path: `${artifacts}policies-390-vi.png`, fullPage: true });
    await page.locator('[data-testid="lang-en"]').click();
    expect(await draftList.locator('.count').textContent()).toMatch(/\d+ episodes?: \d+ warning, \d+ critical/);
    await backtest.screenshot({ path: `${artifacts}policies-backtest-390-en.png` });
    await page.locator('[data-testid="lang-vi"]').click();
    await page.setViewportSize({ width: 1400, height: 1000 });

    const save = page.locator('[data-testid="policy-save"]');
    await expect.poll(() => save.isEnabled(), { timeout: 5_000 }).toBe(true);
    await save.click();
    await expect.poll(revisionOf, { timeout: 5_000 }).toBe(startRevision + 1);
    await expect.poll(() => page.locator('[data-testid="policy-history-row"]').count()).toBe(historyBefore + 1);
    const newest = page.locator('[data-testid="policy-history-row"]').first();
    expect(await newest.getAttribute('data-revision')).toBe(String(startRevision + 1));
    expect(await newest.textContent()).toContain('engineer');
    // Checked again against the new revision: nothing left to save.
    await page.locator('[data-testid="policy-no-changes"]').waitFor({ timeout: 5_000 });
    expect(await save.isDisabled()).toBe(true);

    // The effective policy of Huế's uplink now takes video from the province layer.
    await page.locator('[data-testid="effective-link"]').selectOption('t1-hue');
    const videoRow = page.locator('[data-testid="effective-policy"][data-link="t1-hue"] tr[data-key="reservations.video"]');
    await expect.poll(() => videoRow.getAttribute('data-from'), { timeout: 5_000 }).toBe('province');
    await page.locator('[data-testid="drift-table"], [data-testid="effective-policy"]').first().waitFor();
    const driftRows = await page.locator('[data-testid="drift-row"]').count();
    const drift = (await env.system.getAs('/api/v1/drift?link=t1-hue')) as { links: unknown[] };
    expect(driftRows).toBe(drift.links.length);
    await page.screenshot({ path: `${artifacts}policies-saved-vi.png`, fullPage: true });

    // Roll back to the revision before: a new revision with the old document.
    await page.locator(`[data-testid="policy-rollback"][data-revision="${startRevision}"]`).click();
    await expect.poll(revisionOf, { timeout: 5_000 }).toBe(startRevision + 2);
    expect(JSON.parse(await editor.inputValue())).toEqual(JSON.parse(original));
    await expect.poll(() => page.locator('[data-testid="policy-history-row"]').count()).toBe(historyBefore + 2);
    expect(await page.locator('[data-testid="policy-history-row"]').first().textContent()).toContain(String(startRevision));
    await expect.poll(() => videoRow.getAttribute('data-from'), { timeout: 5_000 }).not.toBe('province');
    // The backtest ran on the draft before it was saved: now the draft has changed, and with
    // nothing left to change the links to replay are all of them.
    expect(await backtest.locator('[data-testid="backtest-stale"]').count()).toBe(1);
    await page.locator('[data-testid="policy-no-changes"]').waitFor({ timeout: 5_000 });
    expect(await backtest.locator('[data-testid="backtest-links"]').inputValue()).toBe('all');
    await switchLanguage(page, 'en');
    await page.screenshot({ path: `${artifacts}policies-en.png`, fullPage: true });
    await closeCleanly(page, errors);
  }, 90_000);

  it('a viewer reads the policy without the backtest', async () => {
    const { page, errors } = await openPage('#/policies', 'viewer');
    await page.locator('[data-testid="policy-history-row"]').first().waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="effective-policy"] tr[data-key="capacity"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="policy-read-only"]').count()).toBe(1);
    expect(await page.locator('[data-testid="backtest-panel"]').count()).toBe(0);
    expect(await page.locator('[data-testid="override-add"]').count()).toBe(0);
    expect(await page.locator('[data-testid="policy-text"]').getAttribute('readonly')).not.toBeNull();
    await closeCleanly(page, errors);
  }, 30_000);
});
