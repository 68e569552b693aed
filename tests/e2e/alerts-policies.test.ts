// The issue-5 UI in Debian's Chromium against the whole running system: the national page's
// 34 province tiles with their states, the alerts page, and the policy editor (a validation
// problem shown at its path, the diff, a save that makes a new revision, a rollback).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { signedInContext, startSystem, type SystemHandle } from '../helpers/system.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';

const artifacts = artifactsDir;
let system: SystemHandle;
let browser: Browser;

beforeAll(async () => {
  system = await startSystem({ intervalMs: 2_000 });
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function openPage(path: string, errors: string[]): Promise<Page> {
  const context = await signedInContext(browser, system, 'engineer', { viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${system.url}/${path}`);
  return page;
}

describe('issue 5 UI in Chromium', () => {
  it('national page: 34 province tiles, each with a state, linking to its province', async () => {
    const errors: string[] = [];
    const page = await openPage('#/', errors);
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
    const view = (await system.getAs('/api/v1/states')) as { provinces: { province: string; level: string }[] };
    const critical = view.provinces.filter((status) => status.level === 'critical').map((status) => status.province);
    const summary = page.locator('[data-testid="state-summary"]');
    await expect.poll(async () => Number(await summary.getAttribute('data-critical')), { timeout: 10_000 }).toBe(critical.length);
    // Band bars appear once samples arrive.
    await expect.poll(() => page.locator('[data-testid="province-tile"][data-band]:not([data-band=""])').count(), { timeout: 15_000 }).toBe(34);
    await expect.poll(() => page.locator('[data-testid="link-row"]').count()).toBe(34);
    await page.screenshot({ path: `${artifacts}national-tiles-vi.png`, fullPage: true });
    await page.locator('[data-testid="lang-en"]').click();
    await page.screenshot({ path: `${artifacts}national-tiles-en.png`, fullPage: true });

    await page.locator('[data-testid="province-tile"][data-province="hue"]').click();
    await page.waitForURL(/#\/province\/hue$/);
    const badge = page.locator('[data-testid="province-state"]');
    await badge.waitFor();
    expect(['ok', 'warning', 'critical']).toContain(await badge.getAttribute('data-state'));
    await page.screenshot({ path: `${artifacts}province-state.png`, fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
  }, 60_000);

  it('alerts page renders its filters and the episodes the API lists', async () => {
    const errors: string[] = [];
    const page = await openPage('#/alerts', errors);
    await page.locator('[data-testid="alerts-page"]').waitFor();
    await page.locator('[data-testid="alerts-table"], [data-testid="alerts-empty"]').first().waitFor({ timeout: 10_000 });
    const listed = (await system.getAs('/api/v1/alerts')) as { alerts: { id: string }[] };
    const rows = await page.locator('[data-testid="alert-row"]').count();
    // Episodes may open between the two reads; the page never shows fewer than the API listed before it.
    expect(rows).toBeGreaterThanOrEqual(listed.alerts.length > 0 ? 1 : 0);
    await page.locator('[data-testid="filter-state"]').selectOption('resolved');
    await expect
      .poll(() => page.locator('[data-testid="alert-row"]:not([data-state="resolved"])').count(), { timeout: 5_000 })
      .toBe(0);
    await page.screenshot({ path: `${artifacts}alerts-vi.png`, fullPage: true });
    await page.locator('[data-testid="lang-en"]').click();
    await page.screenshot({ path: `${artifacts}alerts-en.png`, fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
  }, 30_000);

  it('policy editor: a problem at its path, the diff, save as a new revision, effective policy, rollback', async () => {
    const errors: string[] = [];
    const page = await openPage('#/policies', errors);
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
    const drift = (await system.getAs('/api/v1/drift?link=t1-hue')) as { links: unknown[] };
    expect(driftRows).toBe(drift.links.length);
    await page.screenshot({ path: `${artifacts}policies-saved-vi.png`, fullPage: true });

    // Roll back to the revision before: a new revision with the old document.
    await page.locator(`[data-testid="policy-rollback"][data-revision="${startRevision}"]`).click();
    await expect.poll(revisionOf, { timeout: 5_000 }).toBe(startRevision + 2);
    expect(JSON.parse(await editor.inputValue())).toEqual(JSON.parse(original));
    await expect.poll(() => page.locator('[data-testid="policy-history-row"]').count()).toBe(historyBefore + 2);
    expect(await page.locator('[data-testid="policy-history-row"]').first().textContent()).toContain(String(startRevision));
    await expect.poll(() => videoRow.getAttribute('data-from'), { timeout: 5_000 }).not.toBe('province');
    await page.locator('[data-testid="lang-en"]').click();
    await page.screenshot({ path: `${artifacts}policies-en.png`, fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
  }, 60_000);
});
