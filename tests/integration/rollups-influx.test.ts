// Retention policies, continuous queries and rollups against a real influxd, fed through the
// real InfluxStore: created at start and migrated on the next start (a changed duration alters
// the policy, a changed query is recreated); rollups agree with the raw samples of each
// bucket (mean, max, nearest-rank 95th percentile, count, linkState shares); the rollups of a
// span spooled while influxd was down are computed once it is back; an owed span survives a
// restart. Continuous queries run on InfluxDB's own clock, so the rollups here come from the
// same SELECT … INTO the backfill runs, over spans older than any continuous query looks at.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../config/schema.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { InfluxStore } from '../../collector/store/influx-store.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import {
  backfillStateFile,
  backfillWindow,
  continuousQueryText,
  normaliseInfluxql,
  retentionOf,
  rollupDefinitions,
  rollupLevels,
  RollupBackfill,
  runInfluxql,
} from '../../collector/store/rollups.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { waitFor, waitForValue } from '../helpers/wait.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { influxDefaults } from '../helpers/store.ts';

const hourMs = 3_600_000;
const influxd = sharedInfluxd();
const tempDirs: string[] = [];

afterAll(async () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-rollups-'));
  tempDirs.push(dir);
  return dir;
}

function storeFor(database: string, influx: Partial<Settings['influx']>, log: Logger, spoolDir = tempDir()): InfluxStore {
  return new InfluxStore({
    influx: { ...influxDefaults, url: influxd.url, database, batchSize: 5_000, flushIntervalMs: 50, ...influx },
    spool: { dir: spoolDir, maxBytes: 64 * 1024 * 1024 },
    log,
    retry: { initialMs: 100, maxMs: 400 },
  });
}

/** Starts and stops a store on `database` (a start sets up its policies and continuous queries); what it logged. */
async function startAndStop(database: string, influx: Partial<Settings['influx']> = {}): Promise<LogLine[]> {
  const { log, lines } = captureLog('info');
  const store = storeFor(database, influx, log);
  await store.start();
  await store.stop();
  return lines;
}

/** Rows of a query as objects (time in epoch ms). */
async function rows(influx: InfluxDB, sql: string): Promise<Record<string, unknown>[]> {
  const body = (await influx.queryRaw(sql, { precision: 'ms' })) as {
    results: { error?: string; series?: { tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[];
  };
  const first = body.results[0];
  if (first?.error) throw new Error(first.error);
  return (first?.series ?? []).flatMap((s) => s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })));
}

async function policies(influx: InfluxDB, database: string): Promise<Record<string, { duration: string; default: boolean }>> {
  const list = await influx.showRetentionPolicies(database);
  return Object.fromEntries(list.map((p) => [p.name, { duration: p.duration, default: p.default }]));
}

async function continuousQueries(influx: InfluxDB, database: string): Promise<Map<string, string>> {
  const result = await runInfluxql(influx, 'SHOW CONTINUOUS QUERIES');
  const series = result.series?.find((s) => s.name === database);
  return new Map((series?.values ?? []).map((row) => [String(row[0]), String(row[1])]));
}

/** InfluxDB's percentile(): nearest rank, index floor(n × p / 100 + 0.5) − 1 of the sorted values. */
function nearestRank(values: readonly number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.floor((sorted.length * percent) / 100 + 0.5) - 1;
  const v = sorted[Math.min(sorted.length - 1, Math.max(0, i))];
  if (v === undefined) throw new Error('no values');
  return v;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Deterministic, uneven values (so means, maxima and percentiles all differ). */
function valueAt(i: number): number {
  return ((i * 7_919) % 1_013) * 1_000 + (i % 7) * 37;
}

/** A link direction's point: its total, and its video class at half the total. */
function trafficPoint(link: string, atMs: number, i: number): StorePoint {
  const bps = valueAt(i);
  const fields: StorePoint['fields'] = { bps_total: bps, util_total: bps / 1e9, capacityBps_total: 1e9, bps_video: bps / 2, preBps_video: bps * 1.1, reservedBps_video: 2e8 };
  if (i % 3 === 0) fields['dropBps_total'] = (i % 11) * 10;
  return { measurement: 'traffic', tags: { link, province: 'hue', tier: '1', dir: 'down' }, fields, atMs };
}

/** 0 ok, 1 warning, 2 critical: a pattern with known shares. */
function stateAt(i: number): number {
  return i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2;
}

function statePoint(link: string, atMs: number, i: number): StorePoint {
  return { measurement: 'linkState', tags: { link, province: 'hue', tier: '1', dir: 'down' }, fields: { state: stateAt(i), encroachBps: i * 10 }, atMs };
}

describe('retention policies and continuous queries at start', () => {
  const database = 'lw_migrate';
  let influx: InfluxDB;
  beforeAll(() => {
    influx = createInfluxClient({ url: influxd.url, database });
  });

  it('creates raw (default), 5-minute and 1-hour policies and a continuous query per level and measurement', async () => {
    const messages = await startAndStop(database);
    expect(await policies(influx, database)).toMatchObject({
      raw: { duration: '720h0m0s', default: true },
      rollup_5m: { duration: '8760h0m0s', default: false },
      rollup_1h: { duration: '43800h0m0s', default: false },
    });
    const shown = await continuousQueries(influx, database);
    expect([...shown.keys()].sort()).toEqual(['linkState_1h', 'linkState_5m', 'traffic_1h', 'traffic_5m']);
    for (const level of rollupLevels) {
      for (const def of rollupDefinitions) {
        const text = continuousQueryText(database, level, def);
        expect(normaliseInfluxql(shown.get(`${def.measurement}_${level.name}`) ?? ''), text).toBe(normaliseInfluxql(text));
      }
    }
    expect(messages.filter((m) => m.msg === 'influxdb continuous query created')).toHaveLength(4);
  });

  it('a second start with the same settings changes nothing', async () => {
    const before = await continuousQueries(influx, database);
    const messages = await startAndStop(database);
    expect(messages.filter((m) => m.msg.startsWith('influxdb retention policy') || m.msg.startsWith('influxdb continuous query'))).toEqual([]);
    expect(await continuousQueries(influx, database)).toEqual(before);
  });

  it('a changed duration alters the policy on the next start; raw stays the default', async () => {
    const messages = await startAndStop(database, { retention: { rawDays: 7, fiveMinuteDays: 90, hourDays: 400 } });
    expect(await policies(influx, database)).toMatchObject({
      raw: { duration: '168h0m0s', default: true },
      rollup_5m: { duration: '2160h0m0s', default: false },
      rollup_1h: { duration: '9600h0m0s', default: false },
    });
    expect(messages.filter((m) => m.msg === 'influxdb retention policy altered').map((m) => m['policy'])).toEqual(['raw', 'rollup_5m', 'rollup_1h']);

    // The old setting name still works.
    await startAndStop(database, { retentionDays: 14 });
    expect(await policies(influx, database)).toMatchObject({
      raw: { duration: '336h0m0s', default: true },
      rollup_5m: { duration: '8760h0m0s' },
      rollup_1h: { duration: '43800h0m0s' },
    });
  });

  it('a continuous query whose definition changed is dropped and recreated; the others stay', async () => {
    await runInfluxql(influx, `DROP CONTINUOUS QUERY "traffic_5m" ON "${database}"`);
    await runInfluxql(
      influx,
      `CREATE CONTINUOUS QUERY "traffic_5m" ON "${database}" RESAMPLE EVERY 5m FOR 10m BEGIN SELECT mean("bps") AS "bps_mean" INTO "${database}"."rollup_5m"."traffic" FROM "${database}"."raw"."traffic" GROUP BY time(5m), * END`,
    );
    expect(await continuousQueries(influx, database)).toSatisfy((m: Map<string, string>) => (m.get('traffic_5m') ?? '').includes('FOR 10m'));
    const messages = await startAndStop(database);
    const text = continuousQueryText(database, rollupLevels[0]!, rollupDefinitions[0]!);
    expect(normaliseInfluxql((await continuousQueries(influx, database)).get('traffic_5m') ?? '')).toBe(normaliseInfluxql(text));
    expect(messages.filter((m) => m.msg.startsWith('influxdb continuous query')).map((m) => [m.msg, m['continuousQuery']])).toEqual([
      ['influxdb continuous query recreated', 'traffic_5m'],
    ]);
  });
});

describe('rollups against the raw samples', () => {
  const database = 'lw_rollup';
  let influx: InfluxDB;
  /** Two hours of 10 s samples, from an hour boundary five hours ago. */
  const startMs = Math.floor((Date.now() - 5 * hourMs) / hourMs) * hourMs;
  const samples = 720;
  const stepMs = 10_000;

  beforeAll(async () => {
    influx = createInfluxClient({ url: influxd.url, database });
    const store = storeFor(database, {}, pino({ level: 'silent' }));
    await store.start();
    const points: StorePoint[] = [];
    for (let i = 0; i < samples; i += 1) points.push(trafficPoint('r1', startMs + i * stepMs, i), statePoint('r1', startMs + i * stepMs, i));
    // One sample on the next window's first instant: outside the backfilled window.
    points.push(trafficPoint('r1', startMs + 2 * hourMs, samples));
    store.writePoints(points);
    await store.stop();
    const retention = retentionOf({});
    for (const measurement of ['traffic', 'linkState'] as const) {
      const written = await backfillWindow(influx, { database, retention, measurement, window: { fromMs: startMs, toMs: startMs + 2 * hourMs }, nowMs: Date.now() });
      expect(written).toEqual({ '5m': 24, '1h': 2 });
    }
  });

  function bucketValues(bucketMs: number, bucketStartMs: number, of: (i: number) => number): number[] {
    const out: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const atMs = startMs + i * stepMs;
      if (atMs >= bucketStartMs && atMs < bucketStartMs + bucketMs) out.push(of(i));
    }
    return out;
  }

  it.each([
    ['5m', 300_000, 24, 30],
    ['1h', 3_600_000, 2, 360],
  ])('traffic_%s: mean, max and nearest-rank p95 of each bucket, and its count', async (level, bucketMs, buckets, perBucket) => {
    const got = await rows(influx, `SELECT * FROM "rollup_${level}"."traffic" WHERE "link" = 'r1' ORDER BY time`);
    expect(got.map((r) => r['time'])).toEqual(Array.from({ length: buckets }, (_, k) => startMs + k * bucketMs));
    for (const row of got) {
      const at = row['time'] as number;
      const bps = bucketValues(bucketMs, at, valueAt);
      expect(bps).toHaveLength(perBucket);
      expect(row).toMatchObject({ link: 'r1', dir: 'down', province: 'hue', tier: '1', samples: perBucket });
      expect(row['bps_total_mean']).toBeCloseTo(mean(bps), 6);
      expect(row['bps_total_max']).toBe(Math.max(...bps));
      expect(row['bps_total_p95']).toBe(nearestRank(bps, 95));
      expect(row['util_total_mean']).toBeCloseTo(mean(bps) / 1e9, 12);
      expect(row['util_total_p95']).toBeCloseTo(nearestRank(bps, 95) / 1e9, 15);
      expect(row['capacityBps_total_max']).toBe(1e9);
      const drops = bucketValues(bucketMs, at, (i) => (i % 3 === 0 ? (i % 11) * 10 : Number.NaN)).filter((v) => !Number.isNaN(v));
      expect(row['dropBps_total_mean']).toBeCloseTo(mean(drops), 9);
      expect(row['dropBps_total_max']).toBe(Math.max(...drops));
      // The video class, in the same point: its own fields.
      expect(row['bps_video_mean']).toBeCloseTo(mean(bps) / 2, 6);
      expect(row['bps_video_p95']).toBe(nearestRank(bps, 95) / 2);
      expect(row['preBps_video_max']).toBeCloseTo(Math.max(...bps) * 1.1, 6);
      expect(row['reservedBps_video_mean']).toBe(2e8);
      expect(row['bps_docex_mean'] ?? null).toBeNull(); // no docex on this link: nothing rolled up for it
    }
    // The rollup of raw data keeps the raw series' tags and adds none: one series per link direction.
    const tagKeys = await rows(influx, `SHOW TAG KEYS FROM "rollup_${level}"."traffic"`);
    expect(tagKeys.map((r) => r['tagKey']).sort()).toEqual(['dir', 'link', 'province', 'tier']);
  });

  it.each([
    ['5m', 300_000],
    ['1h', 3_600_000],
  ])('linkState_%s: worst and mean state, share of the bucket at warning or worse and at critical', async (level, bucketMs) => {
    const got = await rows(influx, `SELECT * FROM "rollup_${level}"."linkState" WHERE "link" = 'r1' ORDER BY time`);
    expect(got.length).toBe((2 * hourMs) / bucketMs);
    for (const row of got) {
      const states = bucketValues(bucketMs, row['time'] as number, stateAt);
      expect(row['samples']).toBe(states.length);
      expect(row['state_max']).toBe(Math.max(...states));
      expect(row['state_mean']).toBeCloseTo(mean(states), 12);
      expect(row['warning_share']).toBeCloseTo(states.filter((s) => s >= 1).length / states.length, 12);
      expect(row['critical_share']).toBeCloseTo(states.filter((s) => s === 2).length / states.length, 12);
      expect(row['encroachBps_max']).toBe(Math.max(...bucketValues(bucketMs, row['time'] as number, (i) => i * 10)));
    }
  });

  it('the shares are the pattern’s: 40 % at warning or worse, 10 % critical', async () => {
    const [hour] = await rows(influx, `SELECT * FROM "rollup_1h"."linkState" WHERE "link" = 'r1' ORDER BY time LIMIT 1`);
    expect(hour?.['warning_share']).toBeCloseTo(0.4, 12);
    expect(hour?.['critical_share']).toBeCloseTo(0.1, 12);
  });
});

describe('backfill of a span spooled while influxd was down', () => {
  const database = 'lw_outage';

  it('the spool replays the raw points, then the 5-minute and 1-hour rollups of that span appear', async () => {
    const influx = createInfluxClient({ url: influxd.url, database });
    const spoolDir = tempDir();
    const { log, lines: messages } = captureLog('info');
    const store = storeFor(database, {}, log, spoolDir);
    await store.start();
    // Older than any continuous query looks at (1 h rollups: the last 2 h).
    const spanStartMs = Math.floor((Date.now() - 4 * hourMs) / hourMs) * hourMs;
    await influxd.stop();
    try {
      const points: StorePoint[] = [];
      for (let i = 0; i < 360; i += 1) points.push(trafficPoint('o1', spanStartMs + i * 10_000, i), statePoint('o1', spanStartMs + i * 10_000, i));
      store.writePoints(points);
      await waitFor('every point spooled', () => store.health().spooledPoints >= points.length, { timeoutMs: 10_000 });
      expect(store.health().spooledPoints).toBe(points.length);
    } finally {
      await influxd.start();
    }
    const hour = await waitForValue(
      'the replayed hour rolled up and the backfill note gone',
      async () => {
        const found = await rows(influx, `SELECT * FROM "rollup_1h"."traffic" WHERE "link" = 'o1'`);
        return found.length > 0 && !existsSync(backfillStateFile(spoolDir)) ? found : undefined;
      },
      { intervalMs: 100 },
    );
    await store.stop();
    const values = Array.from({ length: 360 }, (_, i) => valueAt(i));
    expect(hour).toHaveLength(1);
    expect(hour[0]).toMatchObject({ time: spanStartMs, samples: 360, bps_total_max: Math.max(...values), bps_total_p95: nearestRank(values, 95) });
    expect(hour[0]?.['bps_total_mean']).toBeCloseTo(mean(values), 6);
    const five = await rows(influx, `SELECT * FROM "rollup_5m"."traffic" WHERE "link" = 'o1' ORDER BY time`);
    expect(five.map((r) => r['time'])).toEqual(Array.from({ length: 12 }, (_, k) => spanStartMs + k * 300_000));
    five.forEach((row, k) => expect(row['bps_total_mean']).toBeCloseTo(mean(values.slice(k * 30, (k + 1) * 30)), 6));
    const states = await rows(influx, `SELECT * FROM "rollup_1h"."linkState" WHERE "link" = 'o1'`);
    expect(states[0]).toMatchObject({ time: spanStartMs, samples: 360 });
    expect(states[0]?.['warning_share']).toBeCloseTo(0.4, 12);
    expect(existsSync(backfillStateFile(spoolDir))).toBe(false);
    expect(store.health()).toMatchObject({ spooledPoints: 0, droppedPoints: 0 });
    expect(messages.some((m) => m.msg === 'rollups of replayed points recomputed')).toBe(true);
  });
});

describe('RollupBackfill', () => {
  const database = 'lw_resume';

  it('an owed span is kept on disk across a restart and computed by the next run', async () => {
    const influx = createInfluxClient({ url: influxd.url, database });
    const setup = storeFor(database, {}, pino({ level: 'silent' }));
    await setup.start();
    const spanStartMs = Math.floor((Date.now() - 6 * hourMs) / hourMs) * hourMs;
    const points = Array.from({ length: 60 }, (_, i) => trafficPoint('s1', spanStartMs + i * 60_000, i));
    setup.writePoints(points);
    await setup.stop();

    const stateFile = join(tempDir(), 'rollup-backfill.json');
    const log = pino({ level: 'silent' });
    const options = { influx, database, retention: retentionOf({}), stateFile, log };
    const first = new RollupBackfill(options);
    await first.note(points);
    await first.close(); // stopped before the spool was replayed to its end
    expect(existsSync(stateFile)).toBe(true);
    expect(await rows(influx, `SELECT * FROM "rollup_1h"."traffic" WHERE "link" = 's1'`)).toEqual([]);

    const second = new RollupBackfill(options);
    second.replayFinished();
    await second.idle();
    const hour = await rows(influx, `SELECT * FROM "rollup_1h"."traffic" WHERE "link" = 's1'`);
    expect(hour).toHaveLength(1);
    expect(hour[0]).toMatchObject({ time: spanStartMs, samples: 60 });
    expect(existsSync(stateFile)).toBe(false);
    expect(second.owed()).toEqual({});
  });

  it('an unreachable InfluxDB keeps the span owed (on disk) and backs off', async () => {
    const stateFile = join(tempDir(), 'rollup-backfill.json');
    const { log, lines: messages } = captureLog('info');
    const backfill = new RollupBackfill({
      influx: createInfluxClient({ url: 'http://127.0.0.1:9', database, requestTimeoutMs: 1_000 }),
      database,
      retention: retentionOf({}),
      stateFile,
      log,
      retry: { initialMs: 60_000 },
    });
    const atMs = Date.now() - 3 * hourMs;
    await backfill.note([trafficPoint('u1', atMs, 1)]);
    backfill.replayFinished();
    await backfill.idle();
    expect(backfill.owed()).toEqual({ traffic: { fromMs: atMs, toMs: atMs } });
    expect(existsSync(stateFile)).toBe(true);
    expect(messages.filter((m) => m.msg === 'rollup backfill failed, retried later')).toHaveLength(1);
    backfill.replayFinished(); // inside the backoff: no second attempt
    await backfill.idle();
    expect(messages.filter((m) => m.msg === 'rollup backfill failed, retried later')).toHaveLength(1);
    await backfill.close();
  });
});
