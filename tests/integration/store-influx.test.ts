// InfluxStore against a real influxd: points land, outages spool, restarts replay, the bound holds.
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfluxDB } from 'influx';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { PollBatch } from '../../collector/samples.ts';
import { InfluxStore, rawRetentionPolicy } from '../../collector/store/influx-store.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { waitFor } from '../helpers/wait.ts';
import { influxdStores } from '../helpers/influxd-store.ts';

const influxd = sharedInfluxd();
const setup = influxdStores(influxd, 'lw_store');

/** Times well inside the 30-day retention policy; one batch per second. */
const baseMs = Date.now() - 3_600_000;

/** One poll of device `r1`: a poll point, one traffic point (bps = 1000 + i), one iface point. */
function batch(i: number, link = 'hn-01'): PollBatch {
  const atMs = baseMs + i * 1_000;
  return {
    poll: i % 2 === 0
      ? { atMs, device: 'r1', province: 'ha-noi', ok: true, latencyMs: 12.5, varbinds: 97 }
      : { atMs, device: 'r1', province: 'ha-noi', ok: false, latencyMs: 2_000, varbinds: 0, error: 'timeout\nafter 2 s' },
    links: [
      {
        atMs,
        intervalMs: 1_000,
        link,
        province: 'ha-noi',
        tier: 1,
        dir: 'down',
        class: 'total',
        bitsPerSecond: 1_000 + i,
        dropBitsPerSecond: 0.5,
        capacityBps: 1e9,
        utilization: (1_000 + i) / 1e9,
      },
    ],
    interfaces: [
      { atMs, intervalMs: 1_000, device: 'r1', ifName: 'Gi0/1.300', province: 'ha-noi', inBps: 10 + i, outBps: 20 + i, operUp: true, inErrors: 0, outErrors: 1 },
    ],
  };
}

async function trafficBps(query: InfluxDB, link = 'hn-01'): Promise<number[]> {
  const rows = await query.query<{ bps: number }>(`SELECT "bps_total" AS "bps" FROM "traffic" WHERE "link" = '${link}' ORDER BY time ASC`);
  return rows.map((r) => r.bps);
}

/**
 * Once `total` batches were given while influxd was down: every point is spooled or counted as
 * dropped, some dropped; then influxd is back, the spool drains, and some traffic lands.
 */
async function someDroppedThenBack(store: InfluxStore, query: InfluxDB, total: number): Promise<{ down: ReturnType<InfluxStore['health']>; kept: number[] }> {
  await waitFor('buffer spooled', () => store.health().pendingPoints === 0);
  const down = store.health();
  expect(down.droppedPoints).toBeGreaterThan(0);
  expect(down.spooledPoints + down.droppedPoints).toBe(total * 3);
  await influxd.start();
  await waitFor('spool drained', () => store.health().spooledPoints === 0 && store.health().influxReachable);
  const kept = await trafficBps(query);
  expect(kept.length).toBeGreaterThan(0);
  expect(kept.length).toBeLessThan(total);
  return { down, kept };
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => from + k);
}

describe('InfluxStore', () => {
  it('creates the database with a default retention policy and writes points with the schema tags, fields and times', async () => {
    const { store, query } = setup();
    await store.start();
    expect(store.health().influxReachable).toBe(true);
    for (const i of [0, 1]) store.write(batch(i));
    await waitFor('points written', async () => (await trafficBps(query)).length === 2);

    const policies = await query.showRetentionPolicies();
    expect(policies.find((p) => p.name === rawRetentionPolicy)).toMatchObject({ default: true, duration: '720h0m0s' });

    const traffic = await query.query<Record<string, unknown>>(`SELECT * FROM "traffic" ORDER BY time ASC`);
    expect(traffic.length).toBe(2);
    expect(traffic[1]).toMatchObject({
      link: 'hn-01', province: 'ha-noi', tier: '1', dir: 'down',
      bps_total: 1_001, dropBps_total: 0.5, util_total: 1_001 / 1e9, capacityBps_total: 1e9,
    });
    expect(traffic[1]).not.toHaveProperty('class');
    expect((traffic[1]?.time as Date).getTime()).toBe(baseMs + 1_000);

    const iface = await query.query<Record<string, unknown>>(`SELECT * FROM "iface" ORDER BY time ASC`);
    expect(iface[0]).toMatchObject({ device: 'r1', ifName: 'Gi0/1.300', province: 'ha-noi', inBps: 10, outBps: 20, operUp: true, inErrors: 0, outErrors: 1 });
    expect((iface[0]?.time as Date).getTime()).toBe(baseMs);

    const poll = await query.query<Record<string, unknown>>(`SELECT * FROM "poll" ORDER BY time ASC`);
    expect(poll[0]).toMatchObject({ device: 'r1', province: 'ha-noi', ok: true, latencyMs: 12.5, varbinds: 97, error: null });
    expect(poll[1]).toMatchObject({ ok: false, latencyMs: 2_000, varbinds: 0, error: 'timeout after 2 s' });

    // Rates are floats in InfluxDB, never integers.
    const fieldTypes = await query.query<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM "traffic"');
    expect(new Set(fieldTypes.map((f) => f.fieldType))).toEqual(new Set(['float']));

    const h = store.health();
    expect(h).toMatchObject({ influxReachable: true, spooledPoints: 0, droppedPoints: 0, pendingPoints: 0 });
    expect(h.lastWriteOkAtMs).toBeTypeOf('number');
  });

  it('spools while influxd is down and, once it is back, drains the spool so every point lands', async () => {
    const { store, query, settings } = setup({ batchSize: 20 });
    const spoolDir = settings.spool.dir;
    await store.start();
    for (const i of range(0, 10)) store.write(batch(i));
    await waitFor('first points written', async () => (await trafficBps(query)).length === 10);

    await influxd.stop();
    for (const i of range(10, 40)) store.write(batch(i));
    await waitFor('points spooled', () => store.health().spooledPoints === 40 * 3);
    const down = store.health();
    expect(down.influxReachable).toBe(false);
    expect(down.lastError).toBeTruthy();
    expect(down.pendingPoints).toBe(0);
    expect(down.spooledBytes).toBeGreaterThan(0);
    expect(readdirSync(spoolDir).length).toBeGreaterThan(0);

    await influxd.start();
    // Points keep coming while the spool drains: written beside the backlog, every one lands.
    for (const i of range(50, 10)) store.write(batch(i));
    await waitFor('spool drained', () => {
      const h = store.health();
      return h.influxReachable && h.spooledPoints === 0 && h.pendingPoints === 0;
    });
    await waitFor('all points in influxdb', async () => (await trafficBps(query)).length === 60);
    expect(await trafficBps(query)).toEqual(range(1_000, 60));
    const polls = await query.query<{ n: number }>('SELECT count("latencyMs") AS "n" FROM "poll"');
    expect(polls[0]?.n).toBe(60);
    expect(readdirSync(spoolDir)).toEqual([]);
    expect(store.health().droppedPoints).toBe(0);
  });

  it('starts while influxd is down without throwing, and creates the database when it comes up', async () => {
    await influxd.stop();
    const { store, query, settings } = setup();
    await store.start();
    expect(store.health().influxReachable).toBe(false);
    for (const i of range(0, 5)) store.write(batch(i));
    await waitFor('points spooled', () => store.health().spooledPoints === 15);
    await influxd.start();
    await waitFor('points written', async () => (await query.getDatabaseNames()).includes(settings.influx.database) && (await trafficBps(query)).length === 5);
    expect(await trafficBps(query)).toEqual(range(1_000, 5));
  });

  it('a new store over an existing spool directory (restart after a crash) replays it', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'lanewatch-store-spool-'));
    // Runs after the stores over it are closed.
    onTestFinished(() => rmSync(spoolDir, { recursive: true, force: true }));
    await influxd.stop();
    const first = setup({ spoolDir, batchSize: 7 });
    await first.store.start();
    for (const i of range(0, 20)) first.store.write(batch(i));
    await first.store.stop();
    expect(first.store.health().spooledPoints).toBe(60);
    // A crash mid-write leaves a torn last line.
    const segments = readdirSync(spoolDir).sort();
    appendFileSync(join(spoolDir, segments.at(-1) ?? 'seg-x.jsonl'), '{"measurement":"traffic","tags":{"li');

    await influxd.start();
    const second = setup({ spoolDir, batchSize: 7, database: first.settings.influx.database });
    await second.store.start();
    await waitFor('spool replayed', () => second.store.health().spooledPoints === 0);
    await waitFor('all points in influxdb', async () => (await trafficBps(second.query)).length === 20);
    expect(await trafficBps(second.query)).toEqual(range(1_000, 20));
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('points InfluxDB rejects as bad data are dropped and counted, and do not block the points behind them', async () => {
    const { store, query } = setup({ batchSize: 3 });
    await store.start();
    // A string `bps_total` in the shard first: the store's float `bps_total` then conflicts (HTTP 400).
    await query.writePoints([{ measurement: 'traffic', tags: { link: 'x' }, fields: { bps_total: 'text' }, timestamp: baseMs - 1 }], { precision: 'ms' });
    for (const i of range(0, 5)) store.write(batch(i));
    // The iface and poll points of the same batches still land.
    await waitFor('iface points written', async () => {
      const rows = await query.query<{ n: number }>('SELECT count("inBps") AS "n" FROM "iface"');
      return rows[0]?.n === 5 && store.health().pendingPoints === 0;
    });
    const h = store.health();
    expect(h.influxReachable).toBe(true);
    expect(h.spooledPoints).toBe(0);
    expect(h.lastError).toMatch(/conflict/);
    expect(h.droppedPoints).toBe(5); // the traffic points only: the partial write kept the rest
  });

  it('the points waiting for the spool disk are bounded: what comes faster than the disk takes it is dropped and counted', async () => {
    await influxd.stop();
    const { store, query } = setup({ batchSize: 10, spoolMaxQueuedPoints: 60 });
    await store.start();
    const total = 500;
    // All at once: every append after the first waits for the disk.
    let mostPending = 0;
    for (const i of range(0, total)) {
      store.write(batch(i));
      mostPending = Math.max(mostPending, store.health().pendingPoints);
    }
    // The buffer (a batch of 10 while InfluxDB is down, and the batch that crossed it) and the spool's queue (60), and no more.
    expect(mostPending).toBeLessThanOrEqual(10 + 3 + 60);
    const { down, kept } = await someDroppedThenBack(store, query, total);
    expect(down.spool?.queueDroppedPoints).toBeGreaterThan(0);
    expect(down.droppedPoints).toBe(down.spool?.queueDroppedPoints);
    // In order, nothing twice.
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(new Set(kept).size).toBe(kept.length);
  });

  it('over its bound the spool drops the oldest points and counts them', async () => {
    await influxd.stop();
    const maxBytes = 16 * 1024;
    const { store, query } = setup({ batchSize: 10, maxBytes });
    await store.start();
    const total = 300;
    for (const i of range(0, total)) {
      store.write(batch(i));
      if (i % 25 === 24) await waitFor('buffer spooled', () => store.health().pendingPoints === 0);
    }
    const { down, kept } = await someDroppedThenBack(store, query, total);
    expect(down.spooledBytes).toBeLessThanOrEqual(maxBytes);
    // What survived is the newest, contiguous, ending with the last point.
    expect(kept).toEqual(range(1_000 + total - kept.length, kept.length));
  });
});
