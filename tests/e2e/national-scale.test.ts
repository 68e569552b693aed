// The browser at national size, in Debian's Chromium: the whole server (buildApp, analyzer,
// real influxd for history) on the national example (config/national: 34 tier-1 links, 3,321
// commune links, 3,357 routers), fed on its live bus with what the collector publishes
// (bench/browser-feed.ts: one batch per router per interval, each router's own link ends).
// The pages show the feed's values; a live message re-renders only the rows and tiles of the
// links it carries (counted with a MutationObserver on the table and the tiles, from a still
// page, measured again if the page's windows moved meanwhile): a commune's
// batch touches nothing on the national page, one tier-1 link's batch its own row and tile,
// a batch of five communes of Hà Nội exactly those five rows of its 127 on the province page;
// and a viewer keeps up with the whole national feed every 10 s (the server coalesces it into
// about ten messages a second and drops a client that falls behind) without a page error.
// Timings are measured by `npm run bench:browser`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../config/load.ts';
import type { LinkSample } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { webDistDir } from '../../cli/commands/run.ts';
import { batchOf, endSamples, FeedPlayer, isBusy, routerFeeds, type LinkEnd, type RouterFeed } from '../../bench/browser-feed.ts';
import { startInfluxd, type InfluxdHandle } from '../helpers/influxd.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signedInContext } from '../helpers/system.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';

const nationalDir = fileURLToPath(new URL('../../config/national/', import.meta.url));
/** Both steps the pages quantize their windows by (the 10 s interval; an hour over 96 px): messages inside one keep every window still. */
const windowStepsMs = 150_000;

let influx: InfluxdHandle;
let t: TestApp;
let url: string;
let browser: Browser;
let feeds: RouterFeed[];
let intervalMs: number;
/**
 * The sample time of the first round: just after the next boundary of both window steps, so
 * that the messages of the first two tests (a few seconds later) move no window.
 */
let startMs: number;

beforeAll(async () => {
  if (!existsSync(join(webDistDir, 'index.html'))) throw new Error(`no built UI in ${webDistDir}: run npm run build:web`);
  influx = await startInfluxd();
  const loaded = loadConfig(nationalDir);
  const config = {
    ...loaded,
    settings: {
      ...loaded.settings,
      influx: { ...loaded.settings.influx, url: influx.url },
    },
  };
  intervalMs = config.settings.collector.intervalMs;
  const database = config.settings.influx.database;
  await createInfluxClient({ url: influx.url, database }).createDatabase(database);
  t = await startTestApp({ config, influx: createInfluxClient({ url: influx.url, database }), webDir: webDistDir });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  feeds = routerFeeds(config.topology);
  startMs = Math.ceil(Date.now() / windowStepsMs) * windowStepsMs + 1_000;
  // Three rounds of every router before any page opens: the snapshot a page starts from, and
  // the analyzer's warnings on the busy links already raised (steady from then on).
  const warmUp = new FeedPlayer({ bus: t.bus, feeds, intervalMs });
  for (const round of [0, 1, 2]) warmUp.publishRound(startMs + (round - 2) * intervalMs, round);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await influx?.destroy();
});

/** The ends of `linkIds` (either direction), as the feed's routers measure them. */
function endsOf(linkIds: readonly string[], dir?: LinkSample['dir']): LinkEnd[] {
  const wanted = new Set(linkIds);
  return feeds.flatMap((feed) => feed.ends).filter((end) => wanted.has(end.link) && (dir === undefined || end.dir === dir));
}

/** Publishes one batch of these ends at `atMs`, rates scaled by `factor` (so that what is shown visibly changes). */
function publish(ends: readonly LinkEnd[], atMs: number, factor: number): void {
  const batch = batchOf('test-router', ends[0]?.province ?? '', [], atMs, intervalMs, 0);
  batch.links = ends.flatMap((end) =>
    endSamples(end, atMs, intervalMs, 0).map((sample) => ({ ...sample, bitsPerSecond: sample.bitsPerSecond * factor, utilization: sample.utilization * factor })),
  );
  t.bus.publish(batch);
}

/** Starts counting, in the page, which rows (by `data-link`) and tiles (by `data-province`) the DOM changes in. */
async function watchMutations(page: Page, rowsSelector: string): Promise<void> {
  await page.evaluate((selector) => {
    const seen = { rows: new Set<string>(), tiles: new Set<string>() };
    const record = (records: MutationRecord[]): void => {
      for (const entry of records) {
        const element = entry.target instanceof Element ? entry.target : entry.target.parentElement;
        const row = element?.closest('tr[data-link]');
        if (row) seen.rows.add(row.getAttribute('data-link') ?? '');
        const tile = element?.closest('[data-testid="province-tile"]');
        if (tile) seen.tiles.add(tile.getAttribute('data-province') ?? '');
      }
    };
    const options = { subtree: true, childList: true, attributes: true, characterData: true };
    for (const root of document.querySelectorAll(`${selector}, [data-testid="province-tiles"]`)) new MutationObserver(record).observe(root, options);
    Object.assign(window, { lanewatchMutations: seen });
  }, rowsSelector);
}

/** Empties the counts. */
async function resetMutations(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = (window as unknown as { lanewatchMutations: { rows: Set<string>; tiles: Set<string> } }).lanewatchMutations;
    seen.rows.clear();
    seen.tiles.clear();
  });
}

/** The rows and tiles changed since the last reset, once the page has drawn twice more and settled. */
async function mutated(page: Page): Promise<{ rows: string[]; tiles: string[] }> {
  await page.waitForTimeout(300);
  return page.evaluate(
    () =>
      new Promise<{ rows: string[]; tiles: string[] }>((resolve) => {
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const seen = (window as unknown as { lanewatchMutations: { rows: Set<string>; tiles: Set<string> } }).lanewatchMutations;
            resolve({ rows: [...seen.rows].sort(), tiles: [...seen.tiles].sort() });
          }),
        );
      }),
  );
}

/**
 * What, besides a message, re-renders every row: the windows the page shows (the range
 * picker's, the sparklines') and whether a history fetch is under way (its answer moves the
 * windows to the server's clock and fills every row's history).
 */
async function windowsOf(page: Page): Promise<string> {
  return page.evaluate(() =>
    JSON.stringify(
      [...document.querySelectorAll('[data-testid="range-window"], [data-spark-to-ms], [data-loading]')].map((element) => [
        element.getAttribute('data-from-ms') ?? element.getAttribute('data-spark-from-ms'),
        element.getAttribute('data-to-ms') ?? element.getAttribute('data-spark-to-ms'),
        element.getAttribute('data-loading'),
      ]),
    ),
  );
}

/** Waits until the page is still: no history loading, and no row or tile changing while its windows stay put. */
async function waitUntilStill(page: Page): Promise<void> {
  await expect
    .poll(
      async () => {
        const before = await windowsOf(page);
        if (before.includes('"true"')) return 'loading history';
        await resetMutations(page);
        const changed = await mutated(page);
        if (changed.rows.length + changed.tiles.length > 0) return `changing: ${JSON.stringify(changed)}`;
        return (await windowsOf(page)) === before ? 'still' : 'windows moving';
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe('still');
}

/**
 * The rows and tiles that one message re-renders: `send(attempt)` publishes it and resolves
 * when the page received it. Measured from a still page; if the page's windows moved during
 * the measurement (real time or a late history answer, which redraw every row for their own
 * reason), measured once more with `send(1)`. A message that re-renders rows it does not
 * carry still shows them, since the windows stayed put.
 */
async function rerenderedBy(page: Page, send: (attempt: 0 | 1) => Promise<void>): Promise<{ rows: string[]; tiles: string[] }> {
  const moves: string[] = [];
  for (const attempt of [0, 1] as const) {
    await waitUntilStill(page);
    const before = await windowsOf(page);
    await resetMutations(page);
    await send(attempt);
    const changed = await mutated(page);
    const after = await windowsOf(page);
    if (after === before) return changed;
    moves.push(`${before} -> ${after}`);
  }
  throw new Error(`the page's windows moved during both measurements: ${moves.join('; ')}`);
}

/** Waiters for live frames, per page: each gets every text frame its page's WebSocket receives. */
const frameWaiters = new Map<Page, Set<(payload: string) => void>>();
/** Live WebSockets of each page that closed (the server drops a client that falls behind). */
const socketCloses = new Map<Page, number>();
/** Whole states pictures each page received (one on connect, one per new subscription). */
const statesPictures = new Map<Page, number>();

/** Resolves when the page's live WebSocket receives a frame naming `linkId`. */
function frameWith(page: Page, linkId: string, timeoutMs = 10_000): Promise<void> {
  const waiters = frameWaiters.get(page);
  if (waiters === undefined) throw new Error('frameWith: the page was not opened by onPage');
  return new Promise((resolve, reject) => {
    const waiter = (payload: string): void => {
      if (!payload.includes(`"link":"${linkId}"`)) return;
      clearTimeout(timer);
      waiters.delete(waiter);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters.delete(waiter);
      reject(new Error(`no live frame carried ${linkId} within ${timeoutMs} ms`));
    }, timeoutMs);
    waiters.add(waiter);
  });
}

/**
 * Runs `body` on a page of `path` in a new signed-in context, and closes the context however
 * `body` ends (a page left open would be counted by the next test's `liveClients`).
 */
async function onPage(
  path: string,
  viewport: { width: number; height: number },
  body: (opened: { page: Page; errors: string[] }) => Promise<void>,
): Promise<void> {
  // The server has let go of every earlier test's client (a closed context's socket closes a little later).
  await expect.poll(() => t.app.liveClients(), { message: 'live clients left by an earlier test', timeout: 10_000 }).toBe(0);
  const context = await signedInContext(browser, { url, login: (user) => t.login(user) }, 'viewer', { viewport });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const waiters = new Set<(payload: string) => void>();
    frameWaiters.set(page, waiters);
    socketCloses.set(page, 0);
    page.on('websocket', (socket) => {
      socket.on('framereceived', (frame) => {
        const payload = String(frame.payload);
        if (payload.startsWith('{"type":"states"')) statesPictures.set(page, (statesPictures.get(page) ?? 0) + 1);
        for (const waiter of [...waiters]) waiter(payload);
      });
      socket.on('close', () => socketCloses.set(page, (socketCloses.get(page) ?? 0) + 1));
    });
    await page.goto(`${url}/${path}`);
    await page.locator('[data-testid="conn"][data-state="open"]').waitFor({ timeout: 20_000 });
    await body({ page, errors });
  } finally {
    await context.close();
  }
}

/** The national page, once its 34 tier-1 rows are drawn. */
function onNationalPage(body: (opened: { page: Page; errors: string[] }) => Promise<void>): Promise<void> {
  return onPage('#/', { width: 1400, height: 1000 }, async (opened) => {
    await expect.poll(() => opened.page.locator('[data-testid="link-row"]').count(), { timeout: 20_000 }).toBe(34);
    await body(opened);
  });
}

/** The page's live WebSocket never closed (the server drops a client that falls behind) and is the server's only client. */
async function expectNeverDropped(page: Page): Promise<void> {
  expect(socketCloses.get(page)).toBe(0);
  expect(await page.locator('[data-testid="conn"]').getAttribute('data-state')).toBe('open');
  expect(t.app.liveClients()).toBe(1);
}

describe('the browser at national size', () => {
  it('national page: 34 rows and tiles from the feed; a message re-renders only the rows and tiles of its links', async () => {
    await onNationalPage(async ({ page, errors }) => {
      await expect.poll(() => page.locator('[data-testid="province-tile"]').count()).toBe(34);
      // The worse direction of the last round, as the feed computed it.
      const hue = endsOf(['t1-hue']).map((end) => endSamples(end, startMs, intervalMs, 2)[0]?.utilization ?? 0);
      await expect
        .poll(() => page.locator('[data-link="t1-hue"] [data-testid="utilization"]').getAttribute('data-utilization'), { timeout: 20_000 })
        .toBe(String(Math.max(...hue)));
      await page.screenshot({ path: `${artifactsDir}national-scale-vi.png`, fullPage: true });

      await watchMutations(page, '[data-testid="national-table"] tbody');

      // A commune router's batch: nothing the national page shows.
      const commune = feeds.find((feed) => feed.ends.every((end) => end.tier === 2 && end.dir === 'up'));
      expect(commune).toBeDefined();
      const communeChanged = await rerenderedBy(page, async (attempt) => {
        const frame = frameWith(page, commune!.ends[0]!.link);
        publish(commune!.ends, startMs + 1_000 + attempt * 100, 0.5 + attempt * 0.1);
        await frame;
      });
      expect(communeChanged).toEqual({ rows: [], tiles: [] });

      // One tier-1 link (both directions, busier): its row and its province's tile, nothing else.
      const hueChanged = await rerenderedBy(page, async (attempt) => {
        const frame = frameWith(page, 't1-hue');
        publish(endsOf(['t1-hue']), startMs + 2_000 + attempt * 100, 1.5 + attempt * 0.1);
        await frame;
      });
      expect(hueChanged).toEqual({ rows: ['t1-hue'], tiles: ['hue'] });

      // The Hà Nội centre router's batch: the rows of the tier-1 links it is the near end of.
      const centre = feeds.find((feed) => feed.router === 'hn-core-1');
      expect(centre?.ends.length).toBeGreaterThan(20);
      const changed = await rerenderedBy(page, async (attempt) => {
        const frame = frameWith(page, centre!.ends[0]!.link);
        publish(centre!.ends, startMs + 3_000 + attempt * 100, 0.6 + attempt * 0.1);
        await frame;
      });
      expect(changed.rows).toEqual(centre!.ends.map((end) => end.link).sort());
      expect(changed.tiles.length).toBeLessThanOrEqual(centre!.ends.length);
      expect(errors).toEqual([]);
    });
  }, 120_000);

  it('province page (Hà Nội, 126 communes): a message of five communes re-renders those five rows of 127', async () => {
    await onPage('#/province/ha-noi', { width: 1400, height: 1000 }, async ({ page, errors }) => {
      const rows = page.locator('[data-testid="province-link-row"]');
      await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(127);
      // Its stream narrowed to its links, with their snapshot: every row has a rate.
      await expect
        .poll(() => page.locator('[data-testid="province-link-row"] .spark[data-class="internet"] .rate').allTextContents(), { timeout: 20_000 })
        .not.toContain('—');
      await watchMutations(page, '[data-testid="province-page"] table tbody');
      const communes = rowsOfProvince('ha-noi').filter((id) => id.startsWith('t2-')).filter((_, index) => index % 25 === 3).slice(0, 5);
      expect(communes).toHaveLength(5);
      const downChanged = await rerenderedBy(page, async (attempt) => {
        const frame = frameWith(page, communes[0]!);
        publish(endsOf(communes, 'down'), startMs + 4_000 + attempt * 100, 1.4 + attempt * 0.1);
        await frame;
      });
      expect(downChanged.rows).toEqual([...communes].sort());

      // The same links' other direction: its sparklines are not shown (one direction at a time),
      // but the utilization bars show both directions: the same five rows, and only them.
      const upChanged = await rerenderedBy(page, async (attempt) => {
        const frame = frameWith(page, communes[1]!);
        publish(endsOf(communes, 'up'), startMs + 5_000 + attempt * 100, 1.3 + attempt * 0.1);
        await frame;
      });
      expect(upChanged.rows).toEqual([...communes].sort());

      // A few more rounds of Hà Nội's routers, so that its sparklines have a line to show.
      const haNoiFeeds = feeds.filter((feed) => feed.province === 'ha-noi');
      for (const round of [3, 4, 5, 6]) {
        for (const feed of haNoiFeeds) t.bus.publish(batchOf(feed.router, feed.province, feed.ends, startMs + (round - 2) * intervalMs, intervalMs, round));
      }
      await expect
        .poll(() => page.locator('[data-link="t2-ha-noi-ba-dinh"] [data-testid="sparkline"][data-class="internet"]').getAttribute('data-points'))
        .toBe('5');
      await page.screenshot({ path: `${artifactsDir}province-scale-vi.png`, fullPage: false });
      expect(errors).toEqual([]);
    });
  }, 120_000);

  it('a viewer keeps up with the whole national feed (3,357 batches every 10 s) on the national page', async () => {
    await onNationalPage(async ({ page, errors }) => {
      // Sample times carry on after the first tests' (a late sample never replaces a newer one).
      const shiftMs = startMs + 5 * intervalMs - Date.now();
      const player = new FeedPlayer({ bus: t.bus, feeds, intervalMs, now: () => Date.now() + shiftMs });
      const before = await page.locator('[data-testid="link-row"] [data-testid="rate-down"]').allTextContents();
      player.start(3);
      try {
        await page.waitForTimeout(2 * intervalMs + 2_000);
      } finally {
        player.stop();
      }
      expect(player.published.batches).toBeGreaterThanOrEqual(2 * feeds.length);
      // Never dropped (the server drops a client that falls behind) and showing the new rates.
      await expectNeverDropped(page);
      expect(await page.locator('[data-testid="link-row"] [data-testid="rate-down"]').allTextContents()).not.toEqual(before);
      await page.screenshot({ path: `${artifactsDir}national-scale-live-vi.png`, fullPage: true });
      await page.locator('[data-testid="lang-en"]').click();
      await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('en');
      await page.screenshot({ path: `${artifactsDir}national-scale-live-en.png`, fullPage: true });
      expect(errors).toEqual([]);
    });
  }, 120_000);

  // The analyzer's states reach a client as the whole picture once (6,710 link states, about
  // 3.2 MB), then as the statuses that moved (server/live/hub.ts, `stateChanges`): a wave of
  // changes across the country is a few small messages, not a picture per batch (which was
  // hundreds of MB, past server.maxLiveBufferedBytes: the server dropped the viewer).
  it('a wave of state changes (60 commune links in every province raising warnings at once) leaves the viewer connected, holding the analyzer\'s states', async () => {
    await onNationalPage(async ({ page, errors }) => {
      const tileStates = (): Promise<Record<string, string>> =>
        page.evaluate(() =>
          Object.fromEntries(
            [...document.querySelectorAll('[data-testid="province-tile"]')].map((tile) => [tile.getAttribute('data-province') ?? '', tile.getAttribute('data-state') ?? '']),
          ),
        );
      const analyzerStates = (): Record<string, string> => Object.fromEntries(t.analyzer.view().provinces.map((p) => [p.province, p.level]));
      await expect.poll(tileStates, { timeout: 20_000 }).toEqual(analyzerStates());
      const before = await tileStates();
      // Quiet commune routers, two per province, so that nearly every province's tile moves.
      const perProvince = new Map<string, number>();
      const quiet = feeds
        .filter((feed) => feed.ends.length === 1 && feed.ends[0]!.tier === 2 && !isBusy(feed.ends[0]!.index))
        .filter((feed) => {
          const taken = perProvince.get(feed.province) ?? 0;
          perProvince.set(feed.province, taken + 1);
          return taken < 2;
        })
        .slice(0, 60);
      expect(quiet).toHaveLength(60);
      const waiters = frameWaiters.get(page)!;
      const stateFrames: number[] = [];
      const record = (payload: string): void => {
        if (payload.startsWith('{"type":"stateChanges"')) stateFrames.push(payload.length);
      };
      waiters.add(record);
      const atMs = startMs + 30 * intervalMs;
      // Three busy samples each (raiseAfter): the third batch of each router raises its warning.
      for (const step of [0, 1, 2]) {
        for (const feed of quiet) {
          // Index 7: one of the feed's busy links (Internet above its share, the link 86% full).
          const busyEnds = feed.ends.map((end) => ({ ...end, index: 7 }));
          t.bus.publish(batchOf(feed.router, feed.province, busyEnds, atMs + step * intervalMs, intervalMs, 0));
        }
      }
      const expected = analyzerStates();
      const levels = new Map(t.analyzer.view().links.map((s) => [`${s.link} ${s.dir}`, s.level]));
      expect(quiet.map((feed) => levels.get(`${feed.ends[0]!.link} ${feed.ends[0]!.dir}`))).toEqual(quiet.map(() => 'warning'));
      // The page shows the analyzer's state of every province, the tiles the wave moved included.
      await expect.poll(tileStates, { timeout: 20_000 }).toEqual(expected);
      const moved = Object.keys(expected).filter((province) => before[province] !== expected[province]);
      expect(moved.length).toBeGreaterThanOrEqual(20);
      await page.waitForTimeout(2_000);
      waiters.delete(record);
      await expectNeverDropped(page);
      // The changes only: each message tens of kB, far from the 3.2 MB picture, which went once, on connect.
      expect(stateFrames.length).toBeGreaterThan(0);
      expect(Math.max(...stateFrames)).toBeLessThan(200_000);
      expect(statesPictures.get(page)).toBe(1);
      expect(errors).toEqual([]);
    });
  }, 120_000);
});

/** The links of a province in topology order. */
function rowsOfProvince(province: string): string[] {
  return [...new Set(feeds.flatMap((feed) => feed.ends).filter((end) => end.province === province).sort((a, b) => a.index - b.index).map((end) => end.link))];
}
