// Per-class traffic in Debian's Chromium against the whole running system (influxd,
// `lanewatch simulate` with the example simulation.yaml, `lanewatch run`): the link page of a
// CBQoS tier-2 link and of a per-service sub-interface tier-2 link stacks all four classes and
// moves live; the province page lists its links with a sparkline per class that opens with
// the recent history of every link (one history request) and moves live.
import { describe, it, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { closeCleanly, signedInPage, switchLanguage, systemInChromium } from '../helpers/system.ts';
import { artifactsDir } from '../helpers/browser.ts';

const artifacts = artifactsDir;

/** A tier-2 link of a router with CBQoS (simulation.yaml: routerDefaults qos: cbqos). */
const cbqosLink = 't2-ha-noi-son-tay';
/** A tier-2 link of a router with one sub-interface per service (lai-chau-core-1: qos: subinterfaces). */
const subinterfaceLink = 't2-lai-chau-tam-duong';
const allClasses = 'internet,docex,video,other';

const env = systemInChromium({ intervalMs: 2_000 });

async function openPage(hash: string): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await signedInPage(env.browser, env.system, 'viewer');
  await page.goto(`${env.system.url}/${hash}`);
  await page.locator('[data-testid="conn"][data-state="open"]').waitFor({ timeout: 15_000 });
  return { page, errors };
}

/** The class chart shows every class, then gains points within two polls, without reload. */
async function expectClassChartLive(page: Page): Promise<void> {
  const chart = page.locator('[data-testid="class-chart"]');
  await expect.poll(() => chart.getAttribute('data-classes'), { timeout: 20_000, interval: 250 }).toBe(allClasses);
  const pointsBefore = Number(await chart.getAttribute('data-points'));
  await expect
    .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 2 * env.system.intervalMs + 1_000, interval: 100 })
    .toBeGreaterThan(pointsBefore);
  await page.locator('[data-testid="drop-chart"]').waitFor();
  // Every class row shows a live post-policy rate.
  const rows = page.locator('[data-testid="class-row"]');
  expect(await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-class')))).toEqual(allClasses.split(','));
  await expect
    .poll(() => rows.evaluateAll((elements) => elements.every((element) => Number(element.getAttribute('data-bps') || 'NaN') > 0)), {
      timeout: 10_000,
    })
    .toBe(true);
}

interface QosReply {
  available: boolean;
  classes: { source: string; serviceClass: string; className: string; dir?: string }[];
}

/** The service classes the collector maps for a link, each with how it is measured. */
async function mappedClasses(linkId: string): Promise<{ sources: string[]; serviceClasses: string[] }> {
  const qos = await env.system.getAs<QosReply>(`/api/v1/qos?link=${linkId}`);
  expect(qos.available).toBe(true);
  return {
    sources: [...new Set(qos.classes.map((mapping) => mapping.source))],
    serviceClasses: [...new Set(qos.classes.map((mapping) => mapping.serviceClass))].sort(),
  };
}

describe('per-class traffic in Chromium', () => {
  it('stacks the four classes of a CBQoS tier-2 link, live, with the router’s reservations', async () => {
    expect(await mappedClasses(cbqosLink)).toEqual({ sources: ['cisco'], serviceClasses: ['docex', 'internet', 'other', 'video'] });
    const { page, errors } = await openPage(`#/link/${cbqosLink}`);
    await expectClassChartLive(page);
    // simulation.yaml reserves 20 % (docex) + 30 % (video) of the link on this router.
    const reservedBps = Number(await page.locator('[data-testid="reserved-band"]').getAttribute('data-reserved-bps'));
    expect(reservedBps).toBeGreaterThan(0);
    await page.screenshot({ path: `${artifacts}link-classes-cbqos-vi.png`, fullPage: true });
    await page.locator('[data-testid="dir-up"]').click();
    await expect.poll(() => page.locator('[data-testid="class-chart"]').getAttribute('data-dir')).toBe('up');
    await expect.poll(() => page.locator('[data-testid="class-chart"]').getAttribute('data-classes'), { timeout: 10_000 }).toBe(allClasses);
    await switchLanguage(page, 'en');
    await page.screenshot({ path: `${artifacts}link-classes-cbqos-up-en.png`, fullPage: true });
    await switchLanguage(page, 'vi');
    await closeCleanly(page, errors);
  }, 60_000);

  it('stacks the four classes of a sub-interface tier-2 link, live', async () => {
    expect(await mappedClasses(subinterfaceLink)).toEqual({ sources: ['subinterface'], serviceClasses: ['docex', 'internet', 'other', 'video'] });
    const { page, errors } = await openPage(`#/link/${subinterfaceLink}`);
    await expectClassChartLive(page);
    await page.screenshot({ path: `${artifacts}link-classes-subinterface.png`, fullPage: true });
    await closeCleanly(page, errors);
  }, 60_000);

  it('lists a province’s links with live class sparklines, reached from the national table', async () => {
    const { page, errors } = await openPage('#/');
    const topology = await env.system.getAs<{ links: { id: string; province: string; tier: number }[] }>('/api/v1/topology');
    const expected = topology.links.filter((link) => link.province === 'ha-noi');
    expect(expected.length).toBeGreaterThan(1);
    // History to open with: what the page will ask for (every link, the four classes, the last
    // hour at 300 points) holds at least 3 points in every series: more than the live stream
    // alone brings within one interval of opening (its snapshot and one batch).
    const provinceQuery = `${expected.map((link) => `link=${link.id}`).join('&')}&dir=down&class=internet&class=docex&class=video&class=other&from=-1h&to=now&maxPoints=300`;
    const fewestHistoryPoints = async (): Promise<number> =>
      Math.min(...(await env.system.getAs<{ series: { points: unknown[] }[] }>(`/api/v1/history?${provinceQuery}`)).series.map((series) => series.points.length));
    await expect.poll(fewestHistoryPoints, { timeout: 60_000, interval: 1_000 }).toBeGreaterThanOrEqual(3);
    const historyPoints = await fewestHistoryPoints();
    const historyRequests: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/history') historyRequests.push(url);
    });
    const historyAnswered = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/history');
    await page.locator('[data-testid="link-row"][data-link="t1-ha-noi"] [data-testid="province-link"]').click();
    await page.waitForURL(/#\/province\/ha-noi$/);
    await page.locator('[data-testid="province-page"]').waitFor();
    await historyAnswered;
    // One request: every link of the province, the shown direction, the four classes.
    expect(historyRequests).toHaveLength(1);
    const asked = historyRequests[0]!.searchParams;
    expect(new Set(asked.getAll('link'))).toEqual(new Set(expected.map((link) => link.id)));
    expect(asked.getAll('dir')).toEqual(['down']);
    expect(asked.getAll('class')).toEqual(['internet', 'docex', 'video', 'other']);

    const rows = page.locator('[data-testid="province-link-row"]');
    await expect.poll(() => rows.count()).toBe(expected.length);
    // The tier-1 uplink first, then the tier-2 links.
    const shown = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-link')));
    expect(shown[0]).toBe('t1-ha-noi');
    expect(new Set(shown)).toEqual(new Set(expected.map((link) => link.id)));

    const sparklines = page.locator('[data-testid="province-link-row"] [data-testid="sparkline"]');
    expect(await sparklines.count()).toBe(expected.length * 4);
    // Every sparkline opens with its history, within one poll interval of the answer.
    const pointsOf = (): Promise<number[]> => sparklines.evaluateAll((elements) => elements.map((element) => Number(element.getAttribute('data-points'))));
    await expect.poll(async () => Math.min(...(await pointsOf())), { timeout: env.system.intervalMs, interval: 100 }).toBeGreaterThanOrEqual(historyPoints);
    // And the points keep coming, live.
    const before = await pointsOf();
    await expect
      .poll(async () => (await pointsOf()).every((count, index) => count > (before[index] ?? Infinity)), {
        timeout: 2 * env.system.intervalMs + 1_000,
        interval: 100,
      })
      .toBe(true);
    await page.screenshot({ path: `${artifacts}province-ha-noi.png`, fullPage: true });

    await page.locator('[data-testid="nav-unmatched"]').click();
    await page.locator('[data-testid="unmatched-page"]').waitFor();
    // The page lists exactly what the API calls unmatched (the example rules match every class).
    const unmatched = await env.system.getAs<QosReply>('/api/v1/qos?unmatched=true');
    expect(unmatched.available).toBe(true);
    await expect.poll(() => page.locator('[data-testid="unmatched-none"], [data-testid="unmatched-row"]').count()).toBe(Math.max(1, unmatched.classes.length));
    expect(await page.locator('[data-testid="unmatched-row"]').count()).toBe(unmatched.classes.length);
    await page.screenshot({ path: `${artifacts}unmatched.png`, fullPage: true });
    await closeCleanly(page, errors);
  }, 60_000);
});
