// POST /api/v1/policies/backtest on the whole app against a real influxd holding a synthetic
// week written through the real InfluxStore, its 5-minute rollup made by the store's backfill
// (SELECT … INTO): the current policy raises exactly the expected episodes, a draft with bigger
// tier-1 reservations raises exactly those plus the one its smaller Internet limit makes; a
// subset of links; the 400s (range over 30 days, an invalid draft, an unknown link, too much
// work), 403 for a viewer and a province user, 429 past the concurrent limit, 503 while
// InfluxDB is down; without the rollup policy, the same episodes from raw samples.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Direction, LinkSample, PollBatch, TrafficClass } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { InfluxStore } from '../../collector/store/influx-store.ts';
import { backfillWindow, retentionOf } from '../../collector/store/rollups.ts';
import { startInfluxd, type InfluxdHandle } from '../helpers/influxd.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { influxDefaults } from '../helpers/store.ts';

const log = pino({ level: 'silent' });
const dayMs = 86_400_000;
const minuteMs = 60_000;
const M = 1e6;
/** Midnight UTC eight days ago: the synthetic week is [weekStartMs, weekStartMs + 7 days). */
const weekStartMs = Math.floor((Date.now() - 8 * dayMs) / dayMs) * dayMs;
const atTime = (day: number, hour: number, minute = 0): number => weekStartMs + day * dayMs + hour * 3_600_000 + minute * minuteMs;
const iso = (ms: number): string => new Date(ms).toISOString();

const uplink = { id: 't1-hue', tier: 1 as const, capacityBps: 1_000 * M };
const commune = { id: 't2-hue-thua-thien-hue', tier: 2 as const, capacityBps: 100 * M };

interface Rates {
  totalBps: number;
  internetBps: number;
  docexBps: number;
  videoBps: number;
  videoDropBps: number;
}

/** [fromMs, toMs) windows of the week and the rates in them (everything else is the quiet baseline). */
const surges: { link: string; dir: Direction; fromMs: number; toMs: number; rates: Rates }[] = [
  // A: Internet 600 of 1000 Mbit/s, above the 500 both policies leave it, and busy: warning under both.
  { link: uplink.id, dir: 'down', fromMs: atTime(1, 10), toMs: atTime(1, 11), rates: { totalBps: 850 * M, internetBps: 600 * M, docexBps: 100 * M, videoBps: 100 * M, videoDropBps: 0 } },
  // B: Internet 450: inside the current 500, above the draft's 400: warning under the draft only.
  { link: uplink.id, dir: 'down', fromMs: atTime(3, 14), toMs: atTime(3, 14, 30), rates: { totalBps: 820 * M, internetBps: 450 * M, docexBps: 100 * M, videoBps: 100 * M, videoDropBps: 0 } },
  // C: Internet 700 and 1 % of video dropped: starved while encroaching, critical under both.
  { link: uplink.id, dir: 'down', fromMs: atTime(4, 20), toMs: atTime(4, 20, 40), rates: { totalBps: 900 * M, internetBps: 700 * M, docexBps: 50 * M, videoBps: 99 * M, videoDropBps: 1 * M } },
  // A blip of two buckets: under raiseAfter (3), no episode.
  { link: uplink.id, dir: 'down', fromMs: atTime(5, 9), toMs: atTime(5, 9, 10), rates: { totalBps: 850 * M, internetBps: 600 * M, docexBps: 100 * M, videoBps: 100 * M, videoDropBps: 0 } },
  // D: a tier-2 link's upstream: Internet 60 of 100 Mbit/s (limit 50): warning under both (the draft changes tier 1 only).
  { link: commune.id, dir: 'up', fromMs: atTime(2, 18), toMs: atTime(2, 19), rates: { totalBps: 85 * M, internetBps: 60 * M, docexBps: 10 * M, videoBps: 10 * M, videoDropBps: 0 } },
];

function ratesAt(link: { id: string; capacityBps: number }, dir: Direction, atMs: number): Rates {
  const surge = surges.find((s) => s.link === link.id && s.dir === dir && atMs >= s.fromMs && atMs < s.toMs);
  if (surge) return surge.rates;
  const c = link.capacityBps;
  return { totalBps: 0.3 * c, internetBps: 0.15 * c, docexBps: 0.05 * c, videoBps: 0.05 * c, videoDropBps: 0 };
}

function samplesAt(link: { id: string; tier: 1 | 2; capacityBps: number }, dir: Direction, atMs: number): LinkSample[] {
  const rates = ratesAt(link, dir, atMs);
  const sample = (cls: TrafficClass, bitsPerSecond: number, dropBitsPerSecond?: number): LinkSample => ({
    atMs, intervalMs: minuteMs, link: link.id, province: 'hue', tier: link.tier, dir, class: cls,
    bitsPerSecond, capacityBps: link.capacityBps, utilization: bitsPerSecond / link.capacityBps,
    ...(dropBitsPerSecond !== undefined ? { dropBitsPerSecond } : {}),
  });
  return [
    sample('total', rates.totalBps),
    sample('internet', rates.internetBps),
    sample('docex', rates.docexBps, 0),
    sample('video', rates.videoBps, rates.videoDropBps),
  ];
}

let influxd: InfluxdHandle;
let spoolDir: string;
let t: TestApp;
let down: TestApp;
let currentDocument: Record<string, unknown>;
/** The draft: tier-1 reservations 25 % + 35 % instead of 20 % + 30 %: Internet may carry 400 of 1000 Mbit/s. */
let draftDocument: Record<string, unknown>;
let pointsWritten = 0;
let influxUrl = '';
const database = 'lw_backtest';

beforeAll(async () => {
  influxd = await startInfluxd();
  spoolDir = mkdtempSync(join(tmpdir(), 'lanewatch-backtest-spool-'));
  influxUrl = influxd.url;
  const store = new InfluxStore({
    influx: { ...influxDefaults, url: influxd.url, database, retentionDays: 30, batchSize: 5_000, flushIntervalMs: 100 },
    spool: { dir: spoolDir, maxBytes: 256 * 1024 * 1024 },
    log,
  });
  await store.start();
  for (let atMs = weekStartMs; atMs < weekStartMs + 7 * dayMs; atMs += minuteMs) {
    const links: LinkSample[] = [];
    for (const link of [uplink, commune]) for (const dir of ['down', 'up'] as const) links.push(...samplesAt(link, dir, atMs));
    const batch: PollBatch = { poll: { atMs, device: 'hn-core-1', province: 'hue', ok: true, latencyMs: 1, varbinds: 1 }, links, interfaces: [] };
    store.write(batch);
    pointsWritten += links.length;
    // Paced: the store keeps a few batches in memory and spools the rest; let it write them.
    if (pointsWritten % 4_000 < links.length) {
      while (store.health().pendingPoints > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  await store.stop();
  const health = store.health();
  if (health.spooledPoints !== 0 || health.droppedPoints !== 0 || !health.influxReachable) throw new Error(`store did not write everything: ${JSON.stringify(health)}`);

  // The week is older than any continuous query looks back: rolled up as the store's backfill does, a day at a time.
  const influx = createInfluxClient({ url: influxd.url, database });
  for (let day = 0; day < 7; day += 1) {
    const window = { fromMs: weekStartMs + day * dayMs, toMs: weekStartMs + (day + 1) * dayMs };
    await backfillWindow(influx, { database, retention: retentionOf({}), measurement: 'traffic', window, nowMs: Date.now() });
  }
  t = await startTestApp({ influx });
  down = await startTestApp();
  currentDocument = (await t.as('engineer')({ method: 'GET', url: '/api/v1/policies' })).json<{ document: Record<string, unknown> }>().document;
  const draft = structuredClone(currentDocument) as { tiers: Record<string, { reservations?: Record<string, unknown> }> };
  draft.tiers['1'] = { ...draft.tiers['1'], reservations: { docex: { percent: 25 }, video: { percent: 35 } } };
  draftDocument = draft as unknown as Record<string, unknown>;
}, 120_000);

afterAll(async () => {
  await t?.close();
  await down?.close();
  await influxd?.destroy();
  if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
});

interface EpisodeView {
  link: string;
  province: string;
  tier: number;
  dir: string;
  level: string;
  fromMs: number;
  toMs: number | null;
  same: boolean;
}
interface BacktestView {
  fromMs: number;
  toMs: number;
  links: number;
  series: number;
  buckets: number;
  source: string;
  current: { revision: number; episodes: EpisodeView[]; truncated: boolean; counts: Record<string, number> };
  draft: { episodes: EpisodeView[]; truncated: boolean; counts: Record<string, number> };
  differences: { onlyCurrent: number; onlyDraft: number; links: { link: string; current: number; draft: number }[] };
  elapsedMs: number;
}

const week = () => ({ from: iso(weekStartMs), to: iso(weekStartMs + 7 * dayMs) });

/** `[link, dir, level, from, to]` with times as ISO, for readable failures. */
const brief = (episodes: EpisodeView[]) => episodes.map((e) => [e.link, e.dir, e.level, iso(e.fromMs), e.toMs === null ? null : iso(e.toMs), e.same]);

describe('POST /api/v1/policies/backtest over a synthetic week', () => {
  it('the current policy raises A, D and C; the draft raises those and B; the difference is t1-hue', async () => {
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const res = await t.as('engineer')({ method: 'POST', url: '/api/v1/policies/backtest', payload: { document: draftDocument, ...week() } });
    loopDelay.disable();
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<BacktestView>();
    const A = ['t1-hue', 'down', 'warning', iso(atTime(1, 10, 10)), iso(atTime(1, 11, 20))];
    const D = ['t2-hue-thua-thien-hue', 'up', 'warning', iso(atTime(2, 18, 10)), iso(atTime(2, 19, 20))];
    const B = ['t1-hue', 'down', 'warning', iso(atTime(3, 14, 10)), iso(atTime(3, 14, 50))];
    const C = ['t1-hue', 'down', 'critical', iso(atTime(4, 20, 10)), iso(atTime(4, 21, 0))];
    expect(brief(body.current.episodes)).toEqual([[...A, true], [...D, true], [...C, true]]);
    expect(brief(body.draft.episodes)).toEqual([[...A, true], [...D, true], [...B, false], [...C, true]]);
    expect(body.current.counts).toEqual({ episodes: 3, warning: 2, critical: 1, links: 2 });
    expect(body.draft.counts).toEqual({ episodes: 4, warning: 3, critical: 1, links: 2 });
    expect(body.differences).toEqual({ onlyCurrent: 0, onlyDraft: 1, links: [{ link: 't1-hue', province: 'hue', tier: 1, current: 2, draft: 3 }] });
    expect(body.current.revision).toBe(1);
    expect(body.current.episodes[0]).toMatchObject({ province: 'hue', tier: 1 });
    // Every link of the topology examined; the two with data judged in every 5-minute bucket of the week, both directions.
    expect(body).toMatchObject({ fromMs: weekStartMs, toMs: weekStartMs + 7 * dayMs, links: t.config.topology.links.length, series: 4, buckets: 4 * 7 * 288, source: 'rollup_5m' });
    console.info(
      `backtest of a week: ${pointsWritten} raw points, ${body.links} links, ${body.buckets} buckets judged per policy in ${body.elapsedMs} ms; ` +
        `event loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    expect(loopDelay.max / 1e6).toBeLessThan(500);
  }, 60_000);

  it('a subset of links: only theirs are replayed', async () => {
    const res = await t.as('admin')({
      method: 'POST',
      url: '/api/v1/policies/backtest',
      payload: { document: draftDocument, ...week(), links: ['t2-hue-thua-thien-hue', 't2-hue-thua-thien-hue'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<BacktestView>();
    expect(body.links).toBe(1);
    expect(brief(body.current.episodes)).toEqual([['t2-hue-thua-thien-hue', 'up', 'warning', iso(atTime(2, 18, 10)), iso(atTime(2, 19, 20)), true]]);
    expect(brief(body.draft.episodes)).toEqual(brief(body.current.episodes));
    expect(body.differences).toEqual({ onlyCurrent: 0, onlyDraft: 0, links: [] });
  });

  it('the current document as the draft: the same episodes, nothing differs', async () => {
    const res = await t.as('engineer')({ method: 'POST', url: '/api/v1/policies/backtest', payload: { document: currentDocument, ...week() } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<BacktestView>();
    expect(brief(body.draft.episodes)).toEqual(brief(body.current.episodes));
    expect(body.differences.onlyDraft + body.differences.onlyCurrent).toBe(0);
  });

  it('a range ending with a raised state leaves that episode open (toMs null)', async () => {
    const res = await t.as('engineer')({
      method: 'POST',
      url: '/api/v1/policies/backtest',
      payload: { document: currentDocument, from: iso(atTime(1, 9)), to: iso(atTime(1, 10, 30)), links: ['t1-hue'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(brief(res.json<BacktestView>().current.episodes)).toEqual([['t1-hue', 'down', 'warning', iso(atTime(1, 10, 10)), null, true]]);
  });

  it('relative times as the history API takes them', async () => {
    const res = await t.as('engineer')({ method: 'POST', url: '/api/v1/policies/backtest', payload: { document: draftDocument, from: '-30d', to: 'now', links: ['t1-hue'] } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<BacktestView>();
    expect(body.toMs - body.fromMs).toBe(30 * dayMs);
    expect(body.draft.counts.episodes).toBe(3);
  });
});

describe('refusals', () => {
  const post = (user: string, payload: Record<string, unknown>) => t.as(user)({ method: 'POST', url: '/api/v1/policies/backtest', payload });

  it('a range over 30 days: 400 naming from and to', async () => {
    const res = await post('engineer', { document: currentDocument, from: '-31d', to: 'now' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, field: 'from', message: expect.stringMatching(/from and to span 31\.0 days .*at most 30 days/) });
    const exactly = await post('engineer', { document: currentDocument, from: iso(weekStartMs), to: iso(weekStartMs + 30 * dayMs + 1), links: ['t1-hue'] });
    expect(exactly.statusCode).toBe(400);
  });

  it('from not before to, or not a time: 400 naming the field', async () => {
    const reversed = await post('engineer', { document: currentDocument, from: 'now', to: '-1h' });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json()).toMatchObject({ field: 'from', message: expect.stringContaining('not before to') });
    const garbage = await post('engineer', { document: currentDocument, from: 'yesterday-ish', to: 'now' });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json()).toMatchObject({ field: 'from', message: expect.stringContaining('yesterday-ish') });
    const badTo = await post('engineer', { document: currentDocument, from: '-1h', to: '2026-13-01' });
    expect(badTo.json()).toMatchObject({ statusCode: 400, field: 'to' });
  });

  it('an invalid draft: 400 with the problems at their paths, as PUT answers', async () => {
    const invalid = structuredClone(currentDocument) as { defaults: { thresholds: Record<string, number> } };
    invalid.defaults.thresholds['highUtil'] = 2;
    const res = await post('engineer', { document: invalid, from: '-1d', to: 'now' });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ field: string; problems: { path: string; message: string }[] }>();
    expect(body.field).toBe('document.defaults.thresholds.highUtil');
    expect(body.problems.map((p) => p.path)).toContain('defaults.thresholds.highUtil');
    const put = await t.as('engineer')({ method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': '"1"' }, payload: { document: invalid } });
    expect(put.statusCode).toBe(400);
    expect(put.json<{ problems: unknown }>().problems).toEqual(body.problems);
  });

  it('an unknown link: 400 naming its place in the list', async () => {
    const res = await post('engineer', { document: currentDocument, from: '-1d', to: 'now', links: ['t1-hue', 'no-such-link'] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'links.1', message: expect.stringContaining('no-such-link') });
  });

  it('more work than backtest.maxSeriesBuckets: 400 saying what to shrink', async () => {
    // Every link of the example (245) × 2 directions × 30 days of 5-minute buckets: 4.2 million.
    const work = t.config.topology.links.length * 2 * 8_640;
    expect(work).toBeGreaterThan(t.config.settings.backtest.maxSeriesBuckets);
    const res = await post('engineer', { document: currentDocument, from: iso(weekStartMs), to: iso(weekStartMs + 30 * dayMs) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      field: 'links',
      message: expect.stringMatching(new RegExp(`${work} link-direction 5-minute buckets, above the ${t.config.settings.backtest.maxSeriesBuckets} .*fewer links or a shorter range`)),
    });
  });

  it('unknown body keys: 400', async () => {
    const res = await post('engineer', { document: currentDocument, from: '-1d', to: 'now', author: 'someone' });
    expect(res.statusCode).toBe(400);
  });

  it.each([
    ['viewer', 403],
    ['hue', 403],
  ])('%s: %i', async (user, status) => {
    const res = await post(user, { document: currentDocument, from: '-1d', to: 'now' });
    expect(res.statusCode).toBe(status);
  });

  it('without a session: 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/policies/backtest', headers: { origin: 'http://localhost:80' }, payload: { document: currentDocument } });
    expect(res.statusCode).toBe(401);
  });

  it('past backtest.maxConcurrent (2) running at once: 429 with Retry-After', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => post('engineer', { document: draftDocument, ...week() })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 429]);
    const refused = answers.find((a) => a.statusCode === 429);
    expect(refused?.headers['retry-after']).toBe('5');
  }, 60_000);

  it('a database without the 5-minute rollup: the same episodes from raw samples', async () => {
    const before = (await post('engineer', { document: draftDocument, ...week() })).json<BacktestView>();
    expect(before.source).toBe('rollup_5m');
    const dropped = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `DROP RETENTION POLICY "rollup_5m" ON "${database}"` }) });
    expect(dropped.status).toBe(200);
    // influxd closes the policy's shards a moment after it answers ("engine is closed" meanwhile).
    const gone = async () => {
      const answer = await fetch(`${influxUrl}/query?db=${database}&q=${encodeURIComponent('SELECT count("bps_total_mean") FROM "rollup_5m"."traffic"')}`);
      return ((await answer.text()).match(/retention policy not found/) ?? []).length;
    };
    await expect.poll(gone, { timeout: 10_000 }).toBe(1);
    const res = await post('engineer', { document: draftDocument, ...week() });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json<BacktestView>();
    expect(after.source).toBe('raw');
    expect(brief(after.current.episodes)).toEqual(brief(before.current.episodes));
    expect(brief(after.draft.episodes)).toEqual(brief(before.draft.episodes));
    expect(after.buckets).toBe(before.buckets);
  }, 60_000);

  it('InfluxDB down: 503 with Retry-After', async () => {
    const res = await down.as('engineer')({ method: 'POST', url: '/api/v1/policies/backtest', payload: { document: currentDocument, from: '-1d', to: 'now' } });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json()).toMatchObject({ statusCode: 503, message: expect.stringContaining('InfluxDB') });
  });
});
