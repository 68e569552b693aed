// GET /api/v1/history on the whole app against a real influxd filled through the real
// InfluxStore, with rollups made by the backfill's SELECT … INTO: the single-series shape with
// its source and step, several links and classes in one request (series in request order), a
// week from the 5-minute rollup and step=1h from the 1-hour one, 400s naming the field, and a
// province user who may not name another province's link among its own.
import type { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directions as dirs, trafficClasses as classes, type ErrorReply, type History, type HistoryMany } from '../../api/schemas.ts';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import { backfillWindow, retentionOf } from '../../collector/store/rollups.ts';
import { queryHistory } from '../../server/history/query-history.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { createTestStore, storeDrained } from '../helpers/store.ts';

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;
/** Eight days of one-minute samples up to a minute ago, on every direction and class of two links. */
const endMs = Math.floor(Date.now() / minuteMs) * minuteMs - minuteMs;
const samples = 8 * 24 * 60;
const startMs = endMs - (samples - 1) * minuteMs;
const links = [
  { id: 't1-hue', province: 'hue' },
  { id: 't2-hue-huong-thuy', province: 'hue' },
];

/** A known value per link, direction, class and minute. */
function bpsOf(linkIndex: number, dirIndex: number, classIndex: number, i: number): number {
  return 1e6 * (1 + linkIndex) + 1e5 * dirIndex + 1e4 * classIndex + ((i * 7_919) % 1_013);
}

const influxd = sharedInfluxd();
let influx: InfluxDB;
let config: LanewatchConfig;
let t: TestApp;

beforeAll(async () => {
  config = loadConfig(defaultConfigDir, { env: { LANEWATCH_INFLUX_URL: influxd.url } });
  const database = config.settings.influx.database;
  const { store, close } = createTestStore({
    influx: { ...config.settings.influx, batchSize: 10_000, flushIntervalMs: 50 },
    spool: { maxBytes: 256 * 1024 * 1024 },
  });
  await store.start();
  for (let i = 0; i < samples; i += 1) {
    const points: StorePoint[] = [];
    links.forEach((link, l) => {
      dirs.forEach((dir, d) => {
        // One point per link direction, each class's rate in its own fields.
        const fields: StorePoint['fields'] = { capacityBps_total: 1e9 };
        classes.forEach((cls, c) => {
          const bps = bpsOf(l, d, c, i);
          fields[`bps_${cls}`] = bps;
          fields[`util_${cls}`] = bps / 1e9;
        });
        points.push({ measurement: 'traffic', tags: { link: link.id, province: link.province, tier: '1', dir }, fields, atMs: startMs + i * minuteMs });
      });
    });
    store.writePoints(points);
    if (i % 1_000 === 999) await storeDrained(store);
  }
  await storeDrained(store);
  await close();
  influx = createInfluxClient({ url: influxd.url, database });
  const window = { fromMs: Math.floor(startMs / hourMs) * hourMs, toMs: Math.ceil((endMs + 1) / hourMs) * hourMs };
  await backfillWindow(influx, { database, retention: retentionOf(config.settings.influx), measurement: 'traffic', window, nowMs: Date.now() });
  t = await startTestApp({ config, influx });
}, 180_000);

afterAll(async () => {
  await t?.close();
});

async function get<T>(url: string, as = 'viewer'): Promise<{ status: number; body: T; tookMs: number }> {
  const started = performance.now();
  const res = await t.as(as)({ method: 'GET', url });
  return { status: res.statusCode, body: res.json<T>(), tookMs: performance.now() - started };
}

describe('one link, direction and class', () => {
  it('answers the series at the top level with its source and step', async () => {
    const { status, body } = await get<History>('/api/v1/history?link=t1-hue&dir=down&from=-30m');
    expect(status).toBe(200);
    expect(body).toMatchObject({ link: 't1-hue', dir: 'down', class: 'total', source: 'raw', stepMs: 0 });
    expect(body).not.toHaveProperty('series');
    expect(body.toMs - body.fromMs).toBe(30 * minuteMs);
    expect(body.points.length).toBeGreaterThanOrEqual(28);
    expect(body.points.length).toBeLessThanOrEqual(30);
    for (const p of body.points) {
      const i = (p.atMs - startMs) / minuteMs;
      expect(p).toEqual({ atMs: startMs + i * minuteMs, bitsPerSecond: bpsOf(0, 0, 0, i), utilization: bpsOf(0, 0, 0, i) / 1e9 });
    }
  });

  it('a week answers from the 5-minute rollup, at most 1500 points with max and p95', async () => {
    const { status, body, tookMs } = await get<History>('/api/v1/history?link=t1-hue&dir=up&class=video&from=-7d');
    expect(status).toBe(200);
    expect(body).toMatchObject({ link: 't1-hue', dir: 'up', class: 'video', source: '5m', stepMs: 10 * minuteMs });
    expect(body.points.length).toBeGreaterThan(1_000);
    expect(body.points.length).toBeLessThanOrEqual(1_500);
    for (const p of body.points.slice(1)) {
      const values = Array.from({ length: 10 }, (_, k) => (p.atMs + k * minuteMs - startMs) / minuteMs).filter((i) => i <= samples - 1).map((i) => bpsOf(0, 1, 3, i));
      expect(p.bitsPerSecond).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 4);
      expect(p.maxBitsPerSecond).toBe(Math.max(...values));
      expect(p.p95BitsPerSecond).toBeLessThanOrEqual(Math.max(...values));
    }
    console.info(`history api: a week of one series: ${body.points.length} points from the 5-minute rollup in ${tookMs.toFixed(1)} ms`);
  });

  it('step=1h answers from the 1-hour rollup; maxPoints bounds the answer', async () => {
    const hourly = await get<History>('/api/v1/history?link=t1-hue&dir=down&from=-7d&step=1h');
    expect(hourly.body).toMatchObject({ source: '1h', stepMs: hourMs });
    expect(hourly.body.points.length).toBeGreaterThanOrEqual(168);
    expect(hourly.body.points.length).toBeLessThanOrEqual(169);
    const bounded = await get<History>('/api/v1/history?link=t1-hue&dir=down&from=-7d&maxPoints=100');
    expect(bounded.body).toMatchObject({ source: '1h', stepMs: 2 * hourMs });
    expect(bounded.body.points.length).toBeLessThanOrEqual(100);
    const millis = await get<History>(`/api/v1/history?link=t1-hue&dir=down&from=-1d&step=${5 * minuteMs}`);
    expect(millis.body).toMatchObject({ source: '5m', stepMs: 5 * minuteMs });
  });
});

describe('several links, directions and classes in one request', () => {
  it('a link page (both directions, every class) opens with one request, series in request order', async () => {
    const classQuery = classes.map((c) => `class=${c}`).join('&');
    const { status, body, tookMs } = await get<HistoryMany>(`/api/v1/history?link=t1-hue&dir=down&dir=up&${classQuery}&from=-7d`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: '5m', stepMs: 10 * minuteMs });
    expect(body).not.toHaveProperty('points');
    expect(body.series.map((s) => `${s.link}/${s.dir}/${s.class}`)).toEqual(dirs.flatMap((d) => classes.map((c) => `t1-hue/${d}/${c}`)));
    body.series.forEach((s, k) => {
      const d = Math.floor(k / classes.length);
      const c = k % classes.length;
      expect(s.points.length).toBeGreaterThan(1_000);
      const p = s.points[100]!;
      const values = Array.from({ length: 10 }, (_, j) => bpsOf(0, d, c, (p.atMs + j * minuteMs - startMs) / minuteMs));
      expect(p.bitsPerSecond).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 10, 4);
    });

    // What InfluxDB read for it, against the raw samples the same answer would have needed.
    const fromMs = body.fromMs;
    const where = `"link" = 't1-hue' AND time >= ${Math.floor(fromMs / (5 * minuteMs)) * 5 * minuteMs}ms AND time <= ${body.toMs}ms`;
    const rolled = await influx.query<{ n: number }>(`SELECT count("bps_total_mean") AS "n" FROM "rollup_5m"."traffic" WHERE ${where}`);
    const raw = await influx.query<{ n: number }>(`SELECT count("bps_total") AS "n" FROM "traffic" WHERE "link" = 't1-hue' AND time >= ${fromMs}ms AND time <= ${body.toMs}ms`);
    const points = body.series.reduce((n, s) => n + s.points.length, 0);
    // The same answer from raw samples per step, for comparison (InfluxDB's time only).
    const rawStarted = performance.now();
    await influx.query(
      `SELECT ${classes.map((c) => `mean("bps_${c}"), max("bps_${c}"), percentile("bps_${c}", 95), mean("util_${c}")`).join(', ')} FROM "traffic" WHERE "link" = 't1-hue' AND time >= ${fromMs}ms AND time <= ${body.toMs}ms GROUP BY time(10m), "dir" fill(none)`,
    );
    const rawTookMs = performance.now() - rawStarted;
    const queryStarted = performance.now();
    await queryHistory(influx, { links: ['t1-hue'], dirs: [...dirs], classes: [...classes], fromMs, toMs: body.toMs, rawIntervalMs: config.settings.collector.intervalMs });
    const queryTookMs = performance.now() - queryStarted;
    console.info(
      `history api: a week of t1-hue (2 dirs × 5 classes = 10 series) from the 5-minute rollup: ${points} points answered in ${tookMs.toFixed(0)} ms ` +
        `(of which InfluxDB and parsing ${queryTookMs.toFixed(0)} ms); InfluxDB read ${rolled[0]?.n ?? 0} rollup rows (+ the raw tail) ` +
        `instead of ${raw[0]?.n ?? 0} raw samples (the raw query per 10 min: ${rawTookMs.toFixed(0)} ms)`,
    );
    expect(rolled[0]?.n).toBeLessThan((raw[0]?.n ?? 0) / 4);
  });

  it('several links of one class; a link without data is an empty series', async () => {
    const { body } = await get<HistoryMany>('/api/v1/history?link=t2-hue-huong-thuy&link=t1-hue&link=t2-hue-a-luoi&dir=down&from=-1h');
    expect(body).toMatchObject({ source: 'raw', stepMs: 0 });
    expect(body.series.map((s) => [s.link, s.points.length > 50])).toEqual([
      ['t2-hue-huong-thuy', true],
      ['t1-hue', true],
      ['t2-hue-a-luoi', false],
    ]);
    expect(body.series[0]!.points[0]!.bitsPerSecond).toBe(bpsOf(1, 0, 0, (body.series[0]!.points[0]!.atMs - startMs) / minuteMs));
  });

  it('the same link named twice is one series', async () => {
    const { body } = await get<History>('/api/v1/history?link=t1-hue&link=t1-hue&dir=down&class=video&class=video&from=-10m');
    expect(body).toMatchObject({ link: 't1-hue', dir: 'down', class: 'video' });
  });
});

describe('bad requests: 400 naming the field', () => {
  const tooManyLinks = Array.from({ length: 51 }, () => 'link=t1-hue').join('&');
  const manyLinks = configuredLinks(11);
  const cases: [string, string, string, RegExp][] = [
    ['an unknown link among known ones', 'link=t1-hue&link=t1-atlantis&dir=down', 'link', /t1-atlantis/],
    ['a bad class among good ones', 'link=t1-hue&dir=down&class=total&class=gold', 'class', /gold/],
    ['a bad direction among good ones', 'link=t1-hue&dir=down&dir=sideways', 'dir', /sideways/],
    ['an empty link', 'link=&dir=down', 'link', /link/],
    ['a link given too often', `${tooManyLinks}&dir=down`, 'link', /at most 50/],
    ['too many series', `${manyLinks}&dir=down&dir=up&class=total&class=internet&class=docex&class=video&class=other`, 'link', /110 series.*at most 100/],
    ['an unreadable step', 'link=t1-hue&dir=down&step=often', 'step', /step.*duration/],
    ['a step too fine', 'link=t1-hue&dir=down&step=10ms', 'step', /step.*1s/],
    ['maxPoints too large', 'link=t1-hue&dir=down&maxPoints=20000', 'maxPoints', /maxPoints/],
    ['from after to', 'link=t1-hue&dir=down&from=now&to=-1h', 'from', /from.*before to/],
  ];
  it.each(cases)('%s', async (_name, query, field, mentions) => {
    const { status, body } = await get<ErrorReply>(`/api/v1/history?${query}`);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(body.message).toMatch(mentions);
  });
});

/** `link=…` for n configured links. */
function configuredLinks(n: number): string {
  const ids = loadConfig(defaultConfigDir).topology.links.slice(0, n).map((l) => l.id);
  return ids.map((id) => `link=${id}`).join('&');
}

describe('a province user', () => {
  it('reads several of its own links in one request', async () => {
    const { status, body } = await get<HistoryMany>('/api/v1/history?link=t1-hue&link=t2-hue-huong-thuy&dir=down&from=-1h', 'hue');
    expect(status).toBe(200);
    expect(body.series.map((s) => s.link)).toEqual(['t1-hue', 't2-hue-huong-thuy']);
  });

  it("may not name another province's link among its own: 403 naming it, no data", async () => {
    const res = await t.as('hue')({ method: 'GET', url: '/api/v1/history?link=t1-hue&link=t1-ca-mau&dir=down&from=-1h' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ statusCode: 403, message: expect.stringContaining('t1-ca-mau') });
    expect(res.body).not.toContain('"points"');
    expect(res.body).not.toContain('"series"');
  });
});

describe('influxd down', () => {
  it('a week answers 503 with Retry-After, like a short range', async () => {
    await influxd.stop();
    try {
      for (const url of ['/api/v1/history?link=t1-hue&dir=down&from=-7d', '/api/v1/history?link=t1-hue&link=t2-hue-huong-thuy&dir=down&from=-10m']) {
        const res = await t.as('viewer')({ method: 'GET', url });
        expect(res.statusCode, url).toBe(503);
        expect(res.headers['retry-after']).toBe('10');
      }
    } finally {
      await influxd.start();
    }
  });
});
