// History queries against a real influxd, fed through the real InfluxStore, with rollups made
// by the same SELECT … INTO the store's backfill runs: raw samples as stored, raw samples per
// step, the 5-minute and 1-hour rollups (mean, max, 95th percentile of known series), the
// not-yet-rolled tail from raw samples, several series in one query, a range older than raw
// retention, a database without rollup policies, hostile link names.
import pino from 'pino';
import type { InfluxDB } from 'influx';
import { beforeAll, describe, expect, it } from 'vitest';
import { directions, trafficClasses, type Direction, type TrafficClass } from '../../api/schemas.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import { backfillWindow, retentionOf } from '../../collector/store/rollups.ts';
import { influxqlString, pingInflux, queryHistory, type HistoryQuery } from '../../server/history/query-history.ts';
import { freeTcpPort } from '../helpers/ports.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { createTestStore, storeDrained } from '../helpers/store.ts';

const log = pino({ level: 'silent' });
const database = 'lw_history';
const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;
const influxd = sharedInfluxd();
let influx: InfluxDB;

const sampleMs = 10_000;
/** A minute-aligned start two hours ago: 60 samples every 10 s on `hn-01`. */
const startMs = Math.floor((Date.now() - 2 * hourMs) / minuteMs) * minuteMs;
const endMs = startMs + 59 * sampleMs;
const oddLink = `it's "odd", = yes`;

/** Eight days of one-minute samples on `wk` (total and video), up to a minute ago. */
const wkEndMs = Math.floor(Date.now() / minuteMs) * minuteMs - minuteMs;
const wkSamples = 8 * 24 * 60;
const wkStartMs = wkEndMs - (wkSamples - 1) * minuteMs;
/** Deterministic, uneven values, so means, maxima and percentiles differ. */
const wkValue = (i: number): number => ((i * 7_919) % 1_013) * 1_000 + (i % 7) * 37;
const wkTimeOf = (i: number): number => wkStartMs + i * minuteMs;

function sample(link: string, atMs: number, dir: Direction, cls: TrafficClass, bitsPerSecond: number, withDrop: boolean): LinkSample {
  const s: LinkSample = {
    atMs, intervalMs: sampleMs, link, province: 'ha-noi', tier: 1, dir, class: cls,
    bitsPerSecond, capacityBps: 1e9, utilization: bitsPerSecond / 1e9,
  };
  if (withDrop) s.dropBitsPerSecond = bitsPerSecond / 100;
  return s;
}

function batchOf(links: LinkSample[]): PollBatch {
  const atMs = links[0]?.atMs ?? 0;
  return { poll: { atMs, device: 'r1', province: 'ha-noi', ok: true, latencyMs: 1, varbinds: 1 }, links, interfaces: [] };
}

/** The value of sample i on hn-01 down/total. */
const bpsAt = (i: number): number => 1_000 * (i + 1);

/** InfluxDB's percentile(): nearest rank, index floor(n × p / 100 + 0.5) − 1 of the sorted values. */
function nearestRank(values: readonly number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor((sorted.length * percent) / 100 + 0.5) - 1))] ?? Number.NaN;
}
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** The wk values whose sample time lies in [fromMs, toMs). */
function wkValuesIn(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, Math.ceil((fromMs - wkStartMs) / minuteMs)); i < wkSamples && wkTimeOf(i) < toMs; i += 1) out.push(wkValue(i));
  return out;
}

async function rollUp(measurement: 'traffic', fromMs: number, toMs: number): Promise<void> {
  const window = { fromMs: Math.floor(fromMs / hourMs) * hourMs, toMs: Math.ceil((toMs + 1) / hourMs) * hourMs };
  await backfillWindow(influx, { database, retention: retentionOf({}), measurement, window, nowMs: Date.now() });
}

function q(overrides: Partial<HistoryQuery>): HistoryQuery {
  return { links: ['hn-01'], dirs: ['down'], classes: ['total'], fromMs: startMs, toMs: endMs, rawIntervalMs: sampleMs, ...overrides };
}

beforeAll(async () => {
  const { store, close } = createTestStore({ influx: { url: influxd.url, database }, log });
  await store.start();
  for (let i = 0; i < 60; i += 1) {
    const atMs = startMs + i * sampleMs;
    store.write(batchOf([
      sample('hn-01', atMs, 'down', 'total', bpsAt(i), true),
      sample('hn-01', atMs, 'up', 'total', 7, false),
      sample('hn-01', atMs, 'down', 'video', 5, false),
      sample('hn-02', atMs, 'down', 'total', 9, false),
      sample(oddLink, atMs, 'down', 'total', 42, false),
    ]));
  }
  for (let i = 0; i < wkSamples; i += 1) {
    store.write(batchOf([sample('wk', wkTimeOf(i), 'down', 'total', wkValue(i), false), sample('wk', wkTimeOf(i), 'down', 'video', 1_000, false)]));
    // Kept under the store's memory bound, so nothing goes through the spool.
    if (i % 1_000 === 999) await storeDrained(store);
  }
  await storeDrained(store);
  await close();
  const h = store.health();
  if (h.spooledPoints !== 0 || h.droppedPoints !== 0 || !h.influxReachable) throw new Error(`store did not write everything: ${JSON.stringify(h)}`);
  influx = createInfluxClient({ url: influxd.url, database });
  await rollUp('traffic', wkStartMs, wkEndMs);
});

describe('queryHistory from raw samples', () => {
  it('returns the samples of one link, direction and class as stored, oldest first', async () => {
    const result = await queryHistory(influx, q({}));
    expect(result).toMatchObject({ source: 'raw', stepMs: 0 });
    expect(result.series.map((s) => [s.link, s.dir, s.class])).toEqual([['hn-01', 'down', 'total']]);
    const points = result.series[0]!.points;
    expect(points.length).toBe(60);
    points.forEach((p, i) => {
      expect(p).toEqual({ atMs: startMs + i * sampleMs, bitsPerSecond: bpsAt(i), utilization: bpsAt(i) / 1e9, dropBitsPerSecond: bpsAt(i) / 100 });
    });
  });

  it('answers several links, directions and classes in one query, in request order; a series without data is empty', async () => {
    const result = await queryHistory(influx, q({ links: ['hn-02', 'hn-01'], dirs: ['down', 'up'], classes: ['video', 'total'] }));
    expect(result.series.map((s) => `${s.link}/${s.dir}/${s.class}:${s.points.length}`)).toEqual([
      'hn-02/down/video:0',
      'hn-02/down/total:60',
      'hn-02/up/video:0',
      'hn-02/up/total:0',
      'hn-01/down/video:60',
      'hn-01/down/total:60',
      'hn-01/up/video:0',
      'hn-01/up/total:60',
    ]);
    const byKey = new Map(result.series.map((s) => [`${s.link}/${s.dir}/${s.class}`, s.points]));
    expect(byKey.get('hn-02/down/total')!.every((p) => p.bitsPerSecond === 9)).toBe(true);
    expect(byKey.get('hn-01/down/video')!.every((p) => p.bitsPerSecond === 5)).toBe(true);
    expect(byKey.get('hn-01/up/total')!.every((p) => p.bitsPerSecond === 7 && p.dropBitsPerSecond === undefined)).toBe(true);
    expect(byKey.get('hn-01/up/total')![0]).not.toHaveProperty('dropBitsPerSecond');
  });

  it('keeps to the range, both ends included, and answers nothing outside it', async () => {
    const inside = await queryHistory(influx, q({ fromMs: startMs + 10 * sampleMs, toMs: startMs + 19 * sampleMs }));
    expect(inside.series[0]!.points.map((p) => p.bitsPerSecond)).toEqual(Array.from({ length: 10 }, (_, k) => bpsAt(10 + k)));
    const before = await queryHistory(influx, q({ fromMs: startMs - hourMs, toMs: startMs - 1 }));
    expect(before.series[0]!.points).toEqual([]);
  });

  it('per step (mean, max, 95th percentile) when the range holds more than maxPoints', async () => {
    const result = await queryHistory(influx, q({ maxPoints: 7 }));
    // 590 s over at most 6 steps → 98.4 s → the 2-minute step, aligned on the epoch.
    expect(result).toMatchObject({ source: 'raw', stepMs: 2 * minuteMs });
    const points = result.series[0]!.points;
    expect(points.length).toBeGreaterThan(1);
    expect(points.length).toBeLessThanOrEqual(7);
    const expected = new Map<number, number[]>();
    for (let i = 0; i < 60; i += 1) {
      const key = Math.floor((startMs + i * sampleMs) / (2 * minuteMs)) * 2 * minuteMs;
      expected.set(key, [...(expected.get(key) ?? []), bpsAt(i)]);
    }
    expect(points.map((p) => p.atMs)).toEqual([...expected.keys()]);
    for (const p of points) {
      const values = expected.get(p.atMs) ?? [];
      expect(p.bitsPerSecond).toBeCloseTo(mean(values), 6);
      expect(p.utilization).toBeCloseTo(mean(values) / 1e9, 12);
      expect(p.dropBitsPerSecond).toBeCloseTo(mean(values) / 100, 6);
      expect(p.maxBitsPerSecond).toBe(Math.max(...values));
      expect(p.p95BitsPerSecond).toBe(nearestRank(values, 95));
    }
  });

  it('a step asked for is used when the range allows it', async () => {
    const result = await queryHistory(influx, q({ stepMs: minuteMs }));
    expect(result).toMatchObject({ source: 'raw', stepMs: minuteMs });
    expect(result.series[0]!.points).toHaveLength(10);
    expect(result.series[0]!.points[0]).toMatchObject({ atMs: startMs, bitsPerSecond: mean([1, 2, 3, 4, 5, 6].map((k) => k * 1_000)), maxBitsPerSecond: 6_000 });
  });
});

describe('queryHistory from the rollups', () => {
  const nowMs = Date.now();
  const weekQuery = (): HistoryQuery => q({ links: ['wk'], fromMs: nowMs - 7 * dayMs, toMs: nowMs, nowMs, rawIntervalMs: minuteMs });

  it('a week answers from the 5-minute rollup per 10 minutes: mean of the step, its max, the highest bucket p95', async () => {
    const started = performance.now();
    const result = await queryHistory(influx, weekQuery());
    const tookMs = performance.now() - started;
    expect(result).toMatchObject({ source: '5m', stepMs: 10 * minuteMs });
    const points = result.series[0]!.points;
    expect(points.length).toBeGreaterThan(1_000);
    expect(points.length).toBeLessThanOrEqual(1_500);
    const stepMs = 10 * minuteMs;
    const tailFromMs = Math.floor((nowMs - 5 * minuteMs) / stepMs) * stepMs;
    // Every step but the first (it may hold one bucket only) has its samples' mean and max.
    for (const p of points.slice(1)) {
      const values = wkValuesIn(p.atMs, p.atMs + stepMs);
      expect(p.bitsPerSecond, new Date(p.atMs).toISOString()).toBeCloseTo(mean(values), 6);
      expect(p.maxBitsPerSecond).toBe(Math.max(...values));
      // A rolled-up step's p95 is the highest of its 5-minute buckets' p95; a step of the raw tail has its samples' p95.
      const buckets = [wkValuesIn(p.atMs, p.atMs + 5 * minuteMs), wkValuesIn(p.atMs + 5 * minuteMs, p.atMs + stepMs)].filter((b) => b.length > 0);
      const expectedP95 = p.atMs < tailFromMs ? Math.max(...buckets.map((b) => nearestRank(b, 95))) : nearestRank(values, 95);
      expect(p.p95BitsPerSecond, new Date(p.atMs).toISOString()).toBe(expectedP95);
    }
    // The newest steps (not rolled up yet) come from raw samples: the answer reaches the last sample.
    expect(points.at(-1)!.atMs).toBe(Math.floor(wkEndMs / stepMs) * stepMs);
    expect(points.filter((p) => p.atMs >= tailFromMs).length).toBeGreaterThan(0);
    expect(points.slice(1).filter((p) => p.atMs < tailFromMs).length).toBeGreaterThan(1_000);
    console.info(`history: a week of one series from the 5-minute rollup: ${points.length} points in ${tookMs.toFixed(1)} ms`);
  });

  it('step=1h answers from the 1-hour rollup with the exact 95th percentile of each hour', async () => {
    const result = await queryHistory(influx, { ...weekQuery(), stepMs: hourMs });
    expect(result).toMatchObject({ source: '1h', stepMs: hourMs });
    const points = result.series[0]!.points;
    expect(points.length).toBeGreaterThanOrEqual(7 * 24);
    expect(points.length).toBeLessThanOrEqual(7 * 24 + 1);
    for (const p of points.slice(1, -1)) {
      const values = wkValuesIn(p.atMs, p.atMs + hourMs);
      expect(values).toHaveLength(60);
      expect(p.bitsPerSecond).toBeCloseTo(mean(values), 6);
      expect(p.maxBitsPerSecond).toBe(Math.max(...values));
      expect(p.p95BitsPerSecond).toBe(nearestRank(values, 95));
    }
  });

  it('the 5-minute and 1-hour rollups agree with raw samples per step over the same hours', async () => {
    const fromMs = Math.floor((nowMs - 3 * dayMs) / hourMs) * hourMs;
    const toMs = fromMs + 6 * hourMs - 1;
    const asked = { links: ['wk'], fromMs, toMs, nowMs, stepMs: hourMs, rawIntervalMs: minuteMs };
    const fromHour = await queryHistory(influx, q(asked));
    const fromFive = await queryHistory(influx, q({ ...asked, retention: { rawDays: 1, fiveMinuteDays: 365, hourDays: 1_825 }, stepMs: 5 * minuteMs }));
    const fromRaw = await queryHistory(influx, q({ ...asked, stepMs: 2 * minuteMs }));
    expect([fromHour.source, fromFive.source, fromRaw.source]).toEqual(['1h', '5m', 'raw']);
    const hourly = fromHour.series[0]!.points;
    expect(hourly).toHaveLength(6);
    for (const p of hourly) {
      const five = fromFive.series[0]!.points.filter((f) => f.atMs >= p.atMs && f.atMs < p.atMs + hourMs);
      const raw = fromRaw.series[0]!.points.filter((r) => r.atMs >= p.atMs && r.atMs < p.atMs + hourMs);
      expect(five).toHaveLength(12);
      expect(raw).toHaveLength(30);
      expect(p.bitsPerSecond).toBeCloseTo(mean(five.map((f) => f.bitsPerSecond ?? Number.NaN)), 6);
      expect(p.bitsPerSecond).toBeCloseTo(mean(raw.map((r) => r.bitsPerSecond ?? Number.NaN)), 6);
      expect(p.maxBitsPerSecond).toBe(Math.max(...five.map((f) => f.maxBitsPerSecond ?? Number.NaN)));
      expect(p.maxBitsPerSecond).toBe(Math.max(...raw.map((r) => r.maxBitsPerSecond ?? Number.NaN)));
      // An hour's p95 is at most the highest of its 5-minute p95s (each over fewer samples).
      expect(p.p95BitsPerSecond).toBeLessThanOrEqual(Math.max(...five.map((f) => f.p95BitsPerSecond ?? Number.NaN)));
    }
  });

  it('a range older than raw retention is answered from a rollup', async () => {
    const fromMs = Math.floor((nowMs - 5 * dayMs) / hourMs) * hourMs;
    const result = await queryHistory(influx, q({ links: ['wk'], fromMs, toMs: fromMs + dayMs, nowMs, rawIntervalMs: minuteMs, retention: { rawDays: 2, fiveMinuteDays: 365, hourDays: 1_825 } }));
    expect(result).toMatchObject({ source: '5m', stepMs: 5 * minuteMs });
    const points = result.series[0]!.points;
    expect(points).toHaveLength(24 * 12 + 1);
    for (const p of points.slice(0, -1)) expect(p.bitsPerSecond).toBeCloseTo(mean(wkValuesIn(p.atMs, p.atMs + 5 * minuteMs)), 6);
  });

  it('the newest steps come from raw samples, not from a bucket rolled up before its end', async () => {
    const link = 'tail';
    const at = (k: number): number => nowMs - 25 * minuteMs + k * 30_000;
    const { store, close } = createTestStore({ influx: { url: influxd.url, database, flushIntervalMs: 50 }, spool: { maxBytes: 1024 * 1024 }, log });
    await store.start();
    const points: StorePoint[] = [];
    for (let k = 0; k < 40; k += 1) points.push({ measurement: 'traffic', tags: { link, dir: 'down' }, fields: { bps_total: 100 }, atMs: at(k) });
    store.writePoints(points);
    await close();
    // Rolled up now: the current bucket holds 100s only.
    await rollUp('traffic', at(0), nowMs);
    const late: StorePoint[] = [];
    for (let k = 40; k < 50; k += 1) late.push({ measurement: 'traffic', tags: { link, dir: 'down' }, fields: { bps_total: 300 }, atMs: at(k) });
    await influx.writePoints(late.map((p) => ({ measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.atMs })), { precision: 'ms' });

    const result = await queryHistory(influx, q({ links: [link], fromMs: nowMs - 30 * minuteMs, toMs: nowMs, nowMs, stepMs: 5 * minuteMs }));
    expect(result).toMatchObject({ source: '5m', stepMs: 5 * minuteMs });
    const steps = result.series[0]!.points;
    const tailFromMs = Math.floor((nowMs - 5 * minuteMs) / (5 * minuteMs)) * 5 * minuteMs;
    const expected = new Map<number, number[]>();
    for (let k = 0; k < 50; k += 1) {
      const key = Math.floor(at(k) / (5 * minuteMs)) * 5 * minuteMs;
      expected.set(key, [...(expected.get(key) ?? []), k < 40 ? 100 : 300]);
    }
    expect(steps.map((p) => p.atMs)).toEqual([...expected.keys()]);
    for (const p of steps) expect(p.bitsPerSecond).toBeCloseTo(mean(expected.get(p.atMs) ?? []), 9);
    expect(steps.filter((p) => p.atMs >= tailFromMs).some((p) => (p.maxBitsPerSecond ?? 0) === 300)).toBe(true);
  });

  it('a database the store has not migrated (no rollup policies) answers from raw samples per step', async () => {
    const bare = createInfluxClient({ url: influxd.url, database: 'lw_bare' });
    await bare.createDatabase('lw_bare');
    await bare.writePoints(
      Array.from({ length: 24 }, (_, k) => ({ measurement: 'traffic', tags: { link: 'b1', dir: 'down' }, fields: { bps_total: k }, timestamp: nowMs - (k + 1) * hourMs })),
      { precision: 'ms' },
    );
    const result = await queryHistory(bare, q({ links: ['b1'], fromMs: nowMs - 7 * dayMs, toMs: nowMs, nowMs }));
    expect(result).toMatchObject({ source: 'raw', stepMs: 10 * minuteMs });
    expect(result.series[0]!.points.map((p) => p.bitsPerSecond).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 24 }, (_, k) => k));
  });
});

describe('queryHistory guards', () => {
  it('odd link names (quotes, commas, backslashes) neither break the query nor reach other links', async () => {
    const odd = await queryHistory(influx, q({ links: [oddLink] }));
    expect(odd.series[0]!.points.length).toBe(60);
    expect(odd.series[0]!.points.every((p) => p.bitsPerSecond === 42)).toBe(true);

    const hostile = [
      `x' OR "link" =~ /.*/ OR "link" = 'y`,
      `hn-01' --`,
      `\\`,
      `a\\' OR 1=1; DROP DATABASE lw_history; SELECT '`,
      `back\\slash\\`,
      `line\nbreak`,
      `"hn-01"`,
    ];
    const result = await queryHistory(influx, q({ links: hostile }));
    expect(result.series.map((s) => s.points.length)).toEqual(hostile.map(() => 0));
    expect(await influx.getDatabaseNames()).toContain(database);
  });

  it('rejects a malformed query before it reaches InfluxDB', async () => {
    const bad: Partial<HistoryQuery>[] = [
      { links: [] },
      { links: [''] },
      { fromMs: endMs, toMs: startMs },
      { fromMs: endMs, toMs: endMs },
      { toMs: Number.NaN },
      { toMs: Date.UTC(2262, 3, 12) },
      { maxPoints: 1 },
      { stepMs: 0 },
      { dirs: ['sideways' as Direction] },
      { classes: ['bulk' as TrafficClass] },
      { links: Array.from({ length: 51 }, (_, k) => `l${k}`) },
      { links: Array.from({ length: 11 }, (_, k) => `l${k}`), dirs: directions, classes: trafficClasses },
    ];
    for (const overrides of bad) await expect(queryHistory(influx, q(overrides)), JSON.stringify(overrides)).rejects.toThrow(RangeError);
  });
});

describe('influxqlString', () => {
  it.each([
    ['plain', `'plain'`],
    [`it's`, `'it\\'s'`],
    [`a\\`, `'a\\\\'`],
    [`a\\'b`, `'a\\\\\\'b'`],
    ['two\nlines', `'two\\nlines'`],
  ])('%j → %s', (value, expected) => {
    expect(influxqlString(value)).toBe(expected);
  });
});

describe('pingInflux', () => {
  it('reports a running influxd as reachable', async () => {
    expect(await pingInflux(influxd.url, 2_000)).toEqual({ reachable: true });
  });

  it('reports a closed port as unreachable with the reason', async () => {
    const port = await freeTcpPort();
    const result = await pingInflux(`http://127.0.0.1:${port}`, 2_000);
    expect(result.reachable).toBe(false);
    expect(result.error).toMatch(/ECONNREFUSED|fetch failed/);
  });
});
