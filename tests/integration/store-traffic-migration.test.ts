// An upgrade against a real influxd: `traffic` of the earlier shape (one point per link,
// direction and class, tag `class`) in raw samples and both rollups is copied into this shape
// (one point per link and direction, the classes as fields) when the store starts, the
// rollups of the raw data's newest hour are recomputed, the old series are dropped, history
// reads the migrated data from every source, and a second start finds nothing to do.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { retentionOf } from '../../collector/store/rollups.ts';
import { shapeCopySelect, shapePolicies, TrafficShapeMigration } from '../../collector/store/traffic-migration.ts';
import { queryHistory } from '../../server/history/query-history.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { createTestStore } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';

const influxd = sharedInfluxd();
const database = 'lw_shape';
const hourMs = 3_600_000;
const dayMs = 86_400_000;
const tags = { link: 'm1', province: 'hue', tier: '1', dir: 'down' };
/** Three hours of one-minute samples, ending an hour-aligned three hours ago. */
const rawStartMs = Math.floor((Date.now() - 6 * hourMs) / hourMs) * hourMs;
const rawSamples = 180;
/** A day two months ago: past raw retention, held by the rollups only. */
const oldDayMs = Math.floor((Date.now() - 60 * dayMs) / dayMs) * dayMs;

const totalBps = (i: number): number => 1e6 + i * 1_000;
const videoBps = (i: number): number => 2e5 + i * 10;

let influx: InfluxDB;

async function rows(sql: string, policy?: string): Promise<Record<string, unknown>[]> {
  const body = (await influx.queryRaw(sql, { precision: 'ms', ...(policy ? { retentionPolicy: policy } : {}) })) as {
    results: { error?: string; series?: { tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[];
  };
  const first = body.results[0];
  if (first?.error) throw new Error(first.error);
  return (first?.series ?? []).flatMap((s) => s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })));
}

/** Points of the earlier shape, written as an earlier version wrote them (line protocol of node-influx). */
async function writeEarlierShape(): Promise<void> {
  const raw = [];
  for (let i = 0; i < rawSamples; i += 1) {
    const timestamp = rawStartMs + i * 60_000;
    raw.push({ measurement: 'traffic', tags: { ...tags, class: 'total' }, fields: { bps: totalBps(i), util: totalBps(i) / 1e9, capacityBps: 1e9 }, timestamp });
    raw.push({ measurement: 'traffic', tags: { ...tags, class: 'video' }, fields: { bps: videoBps(i), util: videoBps(i) / 1e9, capacityBps: 1e9, preBps: videoBps(i) * 1.5, reservedBps: 3e5 }, timestamp });
  }
  await influx.writePoints(raw, { precision: 'ms', retentionPolicy: 'raw' });
  // Rollups as the earlier continuous queries wrote them (`samples` an integer, as count()
  // writes it): every hour of the raw span (the last one wrong on purpose: it is recomputed from
  // the raw samples), and a day past raw retention.
  const rollup = (timestamp: number, cls: string, bps: number) =>
    `traffic,class=${cls},dir=${tags.dir},link=${tags.link},province=${tags.province},tier=${tags.tier} ` +
    `bps_mean=${bps},bps_max=${bps * 2},bps_p95=${bps * 1.5},util_mean=${bps / 1e9},capacityBps_max=1e9,samples=60i ${timestamp}`;
  const hours = [0, 1, 2].flatMap((h) => [rollup(rawStartMs + h * hourMs, 'total', h === 2 ? 1 : 1e6), rollup(rawStartMs + h * hourMs, 'video', 2e5)]);
  const oldHours = Array.from({ length: 24 }, (_, h) => [rollup(oldDayMs + h * hourMs, 'total', 7e6 + h), rollup(oldDayMs + h * hourMs, 'docex', 1e5 + h)]).flat();
  await writeLines('rollup_1h', [...hours, ...oldHours]);
  const fives = Array.from({ length: 12 }, (_, k) => [rollup(rawStartMs + k * 300_000, 'total', 1e6 + k), rollup(rawStartMs + k * 300_000, 'video', 2e5 + k)]).flat();
  await writeLines('rollup_5m', fives);
}

async function writeLines(policy: string, lines: readonly string[]): Promise<void> {
  const answer = await fetch(`${influxd.url}/write?db=${database}&rp=${policy}&precision=ms`, { method: 'POST', body: lines.join('\n') });
  if (answer.status !== 204) throw new Error(`write to ${policy}: ${answer.status} ${await answer.text()}`);
}

beforeAll(async () => {
  influx = createInfluxClient({ url: influxd.url, database });
  // An earlier install: the database and its policies, then its traffic.
  const first = createTestStore({ influx: { url: influxd.url, database } });
  await first.store.start();
  await first.close();
  await writeEarlierShape();
});

afterAll(async () => {
  await influx.dropDatabase(database).catch(() => undefined);
});

describe('traffic of the earlier shape, at the next start', () => {
  it('the copy statement names each field of a class in this shape, grouped by the tags of a link direction', () => {
    const raw = shapePolicies.find((p) => !p.rollup);
    if (!raw) throw new Error('no raw policy');
    expect(shapeCopySelect('lw', raw, 'video', { fromMs: 0, toMs: hourMs })).toBe(
      'SELECT "bps" AS "bps_video", "dropBps" AS "dropBps_video", "preBps" AS "preBps_video", "reservedBps" AS "reservedBps_video", ' +
        '"util" AS "util_video", "capacityBps" AS "capacityBps_total" INTO "lw"."raw"."traffic" FROM "lw"."raw"."traffic" ' +
        `WHERE "class" = 'video' AND time >= 0ms AND time < ${hourMs}ms GROUP BY "link", "province", "tier", "dir"`,
    );
  });

  it('is copied into one point per link and direction, the old series dropped, and history reads it from every source', async () => {
    const { log, lines } = captureLog('info');
    const store = createTestStore({ influx: { url: influxd.url, database }, log });
    await store.store.start();
    try {
      await waitFor('the migration', () => lines.some((l) => /traffic migrat/.test(String(l.msg))), { timeoutMs: 60_000 });
    } finally {
      await store.close();
    }
    expect(lines.filter((l) => /migration failed/.test(String(l.msg)))).toEqual([]);
    expect(lines.some((l) => l.msg === 'traffic migrated: the earlier shape dropped')).toBe(true);

    // Raw: every sample, both classes in one point.
    const raw = await rows(`SELECT * FROM "traffic" WHERE "link" = 'm1' ORDER BY time`, 'raw');
    expect(raw).toHaveLength(rawSamples);
    raw.forEach((row, i) => {
      expect(row).toMatchObject({
        time: rawStartMs + i * 60_000,
        bps_total: totalBps(i),
        util_total: totalBps(i) / 1e9,
        capacityBps_total: 1e9,
        bps_video: videoBps(i),
        preBps_video: videoBps(i) * 1.5,
        reservedBps_video: 3e5,
      });
    });
    // The earlier shape is gone: one series per link direction and policy, no class tag.
    expect(await rows(`SHOW SERIES FROM "traffic"`)).toEqual([{ key: 'traffic,dir=down,link=m1,province=hue,tier=1' }]);
    expect(await rows(`SHOW TAG KEYS FROM "traffic"`)).toEqual([{ tagKey: 'dir' }, { tagKey: 'link' }, { tagKey: 'province' }, { tagKey: 'tier' }]);

    // Rollups: fields renamed by class; the raw data's newest hour recomputed from its samples.
    const hours = await rows(`SELECT "bps_total_mean", "bps_video_mean", "bps_total_max", "samples" FROM "rollup_1h"."traffic" WHERE time >= ${rawStartMs}ms AND time < ${rawStartMs + 3 * hourMs}ms`);
    expect(hours.map((r) => [r['time'], r['bps_total_mean'], r['bps_video_mean']])).toEqual([
      [rawStartMs, 1e6, 2e5],
      [rawStartMs + hourMs, 1e6, 2e5],
      [rawStartMs + 2 * hourMs, expect.closeTo(totalBps(149.5), 6), expect.closeTo(videoBps(149.5), 6)],
    ]);
    expect(hours[2]).toMatchObject({ bps_total_max: totalBps(179), samples: 60 });
    const fives = await rows(`SELECT "bps_total_mean", "bps_video_p95" FROM "rollup_5m"."traffic" WHERE time < ${rawStartMs + hourMs}ms`);
    expect(fives.map((r) => [r['bps_total_mean'], r['bps_video_p95']])).toEqual(Array.from({ length: 12 }, (_, k) => [1e6 + k, (2e5 + k) * 1.5]));

    // History: a recent range from raw samples, a range two months ago from the 1-hour rollup.
    const recent = await queryHistory(influx, {
      links: ['m1'],
      dirs: ['down'],
      classes: ['total', 'video'],
      fromMs: rawStartMs,
      toMs: rawStartMs + 30 * 60_000,
      retention: retentionOf({}),
      rawIntervalMs: 60_000,
    });
    expect(recent.source).toBe('raw');
    expect(recent.series.map((s) => s.points.map((p) => p.bitsPerSecond))).toEqual([
      Array.from({ length: 31 }, (_, i) => totalBps(i)),
      Array.from({ length: 31 }, (_, i) => videoBps(i)),
    ]);
    const old = await queryHistory(influx, {
      links: ['m1'],
      dirs: ['down'],
      classes: ['total', 'docex'],
      fromMs: oldDayMs,
      toMs: oldDayMs + dayMs - 1,
      stepMs: hourMs,
      retention: retentionOf({}),
    });
    expect(old.source).toBe('1h');
    expect(old.series.map((s) => s.points.map((p) => p.bitsPerSecond))).toEqual([
      Array.from({ length: 24 }, (_, h) => 7e6 + h),
      Array.from({ length: 24 }, (_, h) => 1e5 + h),
    ]);
  });

  it('resumes after the windows its state file says are copied, and removes the file once done', async () => {
    const resumed = 'lw_shape_resume';
    const client = createInfluxClient({ url: influxd.url, database: resumed });
    const setup = createTestStore({ influx: { url: influxd.url, database: resumed } });
    await setup.store.start();
    await setup.close();
    const lines = Array.from({ length: rawSamples }, (_, i) => `traffic,class=total,dir=down,link=m1,province=hue,tier=1 bps=${totalBps(i)} ${rawStartMs + i * 60_000}`);
    const answer = await fetch(`${influxd.url}/write?db=${resumed}&rp=raw&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(answer.status).toBe(204);
    const stateFile = join(mkdtempSync(join(tmpdir(), 'lanewatch-migration-')), 'state.json');
    // A run stopped after copying the newest hour.
    writeFileSync(stateFile, JSON.stringify({ raw: rawStartMs + 2 * hourMs }));
    const migration = new TrafficShapeMigration({ influx: client, database: resumed, retention: retentionOf({}), log: pino({ level: 'silent' }), stateFile });
    const result = await migration.run();
    expect(result.written).toEqual({ raw: 120 });
    expect(result.statements).toBe(12 * 5); // two hours of 10-minute windows, a statement per class
    expect(existsSync(stateFile)).toBe(false);
    const copied = await client.query<{ n: number }>(`SELECT count("bps_total") AS "n" FROM "raw"."traffic"`);
    expect(copied[0]?.n).toBe(120);
    await client.dropDatabase(resumed);
  });

  it('a second run finds nothing of the earlier shape and writes nothing', async () => {
    const migration = new TrafficShapeMigration({ influx, database, retention: retentionOf({}), log: pino({ level: 'silent' }) });
    expect(await migration.run()).toEqual({ migrated: false, written: {}, statements: 0 });
  });
});
