// History queries against a real influxd, fed through the real InfluxStore.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Direction, LinkSample, PollBatch, TrafficClass } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { InfluxStore } from '../../collector/store/influx-store.ts';
import { bucketMsFor, influxqlString, pingInflux, queryLinkHistory } from '../../server/history/query-history.ts';
import { freeTcpPort } from '../helpers/ports.ts';
import { startInfluxd, type InfluxdHandle } from '../helpers/influxd.ts';

const log = pino({ level: 'silent' });
const database = 'lw_history';
let influxd: InfluxdHandle;
let influx: InfluxDB;
let spoolDir: string;

const stepMs = 10_000;
/** A minute-aligned start two hours ago: 60 samples every 10 s on `hn-01`. */
const startMs = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
const endMs = startMs + 59 * stepMs;
/** A week of 5-minute samples on `long-link` (2016 points). */
const weekStartMs = Math.floor((Date.now() - 8 * 86_400_000) / 60_000) * 60_000;
const weekSamples = 7 * 24 * 12;
const oddLink = `it's "odd", = yes`;

function sample(link: string, atMs: number, dir: Direction, cls: TrafficClass, bitsPerSecond: number, withDrop: boolean): LinkSample {
  const s: LinkSample = {
    atMs, intervalMs: stepMs, link, province: 'ha-noi', tier: 1, dir, class: cls,
    bitsPerSecond, capacityBps: 1e6, utilization: bitsPerSecond / 1e6,
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

beforeAll(async () => {
  influxd = await startInfluxd();
  spoolDir = mkdtempSync(join(tmpdir(), 'lanewatch-history-spool-'));
  const store = new InfluxStore({
    influx: { url: influxd.url, database, retentionDays: 30, batchSize: 5_000, flushIntervalMs: 100 },
    spool: { dir: spoolDir, maxBytes: 64 * 1024 * 1024 },
    log,
  });
  await store.start();
  for (let i = 0; i < 60; i += 1) {
    const atMs = startMs + i * stepMs;
    store.write(batchOf([
      sample('hn-01', atMs, 'down', 'total', bpsAt(i), true),
      sample('hn-01', atMs, 'up', 'total', 7, false),
      sample('hn-01', atMs, 'down', 'video', 5, false),
      sample('hn-02', atMs, 'down', 'total', 9, false),
      sample(oddLink, atMs, 'down', 'total', 42, false),
    ]));
  }
  for (let i = 0; i < weekSamples; i += 1) {
    store.write(batchOf([sample('long-link', weekStartMs + i * 300_000, 'down', 'total', i, false)]));
  }
  await store.stop();
  const h = store.health();
  if (h.spooledPoints !== 0 || h.droppedPoints !== 0 || !h.influxReachable) throw new Error(`store did not write everything: ${JSON.stringify(h)}`);
  influx = createInfluxClient({ url: influxd.url, database });
});

afterAll(async () => {
  await influxd?.destroy();
  if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
});

describe('queryLinkHistory', () => {
  it('returns the raw points of one link, direction and class, oldest first', async () => {
    const points = await queryLinkHistory(influx, { link: 'hn-01', dir: 'down', class: 'total', fromMs: startMs, toMs: endMs });
    expect(points.length).toBe(60);
    points.forEach((p, i) => {
      expect(p).toEqual({ atMs: startMs + i * stepMs, bitsPerSecond: bpsAt(i), utilization: bpsAt(i) / 1e6, dropBitsPerSecond: bpsAt(i) / 100 });
    });

    const up = await queryLinkHistory(influx, { link: 'hn-01', dir: 'up', class: 'total', fromMs: startMs, toMs: endMs });
    expect(up.length).toBe(60);
    expect(up.every((p) => p.bitsPerSecond === 7 && p.dropBitsPerSecond === undefined)).toBe(true);
    expect(up[0]).not.toHaveProperty('dropBitsPerSecond');

    const video = await queryLinkHistory(influx, { link: 'hn-01', dir: 'down', class: 'video', fromMs: startMs, toMs: endMs });
    expect(video.map((p) => p.bitsPerSecond)).toEqual(Array.from({ length: 60 }, () => 5));
  });

  it('keeps to the range, both ends included, and answers nothing outside it', async () => {
    const points = await queryLinkHistory(influx, { link: 'hn-01', dir: 'down', class: 'total', fromMs: startMs + 10 * stepMs, toMs: startMs + 19 * stepMs });
    expect(points.map((p) => p.bitsPerSecond)).toEqual(Array.from({ length: 10 }, (_, k) => bpsAt(10 + k)));
    const before = await queryLinkHistory(influx, { link: 'hn-01', dir: 'down', class: 'total', fromMs: startMs - 3_600_000, toMs: startMs - 1 });
    expect(before).toEqual([]);
  });

  it('buckets with mean() when the range holds more than maxPoints', async () => {
    const maxPoints = 7;
    const points = await queryLinkHistory(influx, { link: 'hn-01', dir: 'down', class: 'total', fromMs: startMs, toMs: endMs, maxPoints });
    expect(points.length).toBeGreaterThan(1);
    expect(points.length).toBeLessThanOrEqual(maxPoints);
    const bucketMs = bucketMsFor(startMs, endMs, maxPoints);
    const expected = new Map<number, number[]>();
    for (let i = 0; i < 60; i += 1) {
      const key = startMs + Math.floor((i * stepMs) / bucketMs) * bucketMs;
      expected.set(key, [...(expected.get(key) ?? []), bpsAt(i)]);
    }
    expect(points.map((p) => p.atMs)).toEqual([...expected.keys()]);
    points.forEach((p) => {
      const values = expected.get(p.atMs) ?? [];
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(p.bitsPerSecond).toBeCloseTo(mean, 6);
      expect(p.utilization).toBeCloseTo(mean / 1e6, 12);
      expect(p.dropBitsPerSecond).toBeCloseTo(mean / 100, 6);
    });
  });

  it('a week of 5-minute samples comes back as at most 1000 buckets whose mean is kept', async () => {
    const toMs = weekStartMs + 7 * 86_400_000;
    const points = await queryLinkHistory(influx, { link: 'long-link', dir: 'down', class: 'total', fromMs: weekStartMs, toMs });
    expect(points.length).toBeLessThanOrEqual(1_000);
    expect(points.length).toBeGreaterThan(500);
    for (let k = 1; k < points.length; k += 1) expect(points[k]!.atMs).toBeGreaterThan(points[k - 1]!.atMs);
    // Every bucket is a mean of consecutive values i = 0..2015, so the overall mean holds.
    const overall = points.reduce((a, p) => a + p.bitsPerSecond, 0) / points.length;
    expect(overall).toBeGreaterThan(900);
    expect(overall).toBeLessThan(1_115);
    expect(points[0]!.bitsPerSecond).toBeLessThan(3);
  });

  it('odd link names (quotes, commas, backslashes) neither break the query nor reach other links', async () => {
    const odd = await queryLinkHistory(influx, { link: oddLink, dir: 'down', class: 'total', fromMs: startMs, toMs: endMs });
    expect(odd.length).toBe(60);
    expect(odd.every((p) => p.bitsPerSecond === 42)).toBe(true);

    for (const link of [
      `x' OR "link" =~ /.*/ OR "link" = 'y`,
      `hn-01' --`,
      `\\`,
      `a\\' OR 1=1; DROP DATABASE lw_history; SELECT '`,
      `back\\slash\\`,
      `line\nbreak`,
      `"hn-01"`,
    ]) {
      await expect(queryLinkHistory(influx, { link, dir: 'down', class: 'total', fromMs: startMs, toMs: endMs })).resolves.toEqual([]);
    }
    expect(await influx.getDatabaseNames()).toContain(database);
  });

  it('rejects a malformed query before it reaches InfluxDB', async () => {
    const base = { link: 'hn-01', dir: 'down' as const, class: 'total' as const, fromMs: startMs, toMs: endMs };
    await expect(queryLinkHistory(influx, { ...base, link: '' })).rejects.toThrow(RangeError);
    await expect(queryLinkHistory(influx, { ...base, fromMs: endMs, toMs: startMs })).rejects.toThrow(RangeError);
    await expect(queryLinkHistory(influx, { ...base, toMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(queryLinkHistory(influx, { ...base, toMs: Date.UTC(2262, 3, 12) })).rejects.toThrow(RangeError);
    await expect(queryLinkHistory(influx, { ...base, maxPoints: 0 })).rejects.toThrow(RangeError);
    await expect(queryLinkHistory(influx, { ...base, dir: 'sideways' as Direction })).rejects.toThrow(RangeError);
    await expect(queryLinkHistory(influx, { ...base, class: 'bulk' as TrafficClass })).rejects.toThrow(RangeError);
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
