// The store's metrics against a real influxd: write latency and points written while it is up,
// the spool's points and bytes and the points lost over the spool's bound while it is down,
// points InfluxDB rejects, and the spool draining when it is back.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { PollBatch } from '../../collector/samples.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../helpers/prometheus-text.ts';
import { waitFor } from '../helpers/wait.ts';
import { influxdStores } from '../helpers/influxd-store.ts';

const influxd = sharedInfluxd();
const influxdStore = influxdStores(influxd, 'lw_metrics');

const baseMs = Date.now() - 3_600_000;

/** One poll: a poll point, a traffic point and an iface point. */
function batch(i: number): PollBatch {
  const atMs = baseMs + i * 1_000;
  return {
    poll: { atMs, device: 'r1', province: 'ha-noi', ok: true, latencyMs: 12, varbinds: 97 },
    links: [
      { atMs, intervalMs: 1_000, link: 'hn-01', province: 'ha-noi', tier: 1, dir: 'down', class: 'total', bitsPerSecond: 1_000 + i, capacityBps: 1e9, utilization: (1_000 + i) / 1e9 },
    ],
    interfaces: [{ atMs, intervalMs: 1_000, device: 'r1', ifName: 'Gi0/1', province: 'ha-noi', inBps: 10, outBps: 20, operUp: true, inErrors: 0, outErrors: 0 }],
  };
}

function setup(opts: { maxBytes?: number; batchSize?: number } = {}) {
  const registry = new Registry();
  const { store, query } = influxdStore({ ...opts, registry });
  const scrape = async (): Promise<Map<string, MetricFamily>> => parsePrometheusText(await registry.metrics());
  return { store, registry, scrape, query };
}

describe('store metrics', () => {
  it('times writes and counts points while influxd is up; spool gauges, lost points and failed writes while it is down; the spool drains back', async () => {
    const maxBytes = 16 * 1024;
    const { store, scrape } = setup({ maxBytes, batchSize: 10 });
    await store.start();
    for (let i = 0; i < 10; i++) store.write(batch(i));
    await waitFor('points written', () => store.health().pendingPoints === 0 && store.health().lastWriteOkAtMs !== undefined);
    let m = await scrape();
    expect(sampleValue(m, 'lanewatch_store_points_written_total')).toBe(30);
    expect(sampleValue(m, 'lanewatch_store_write_duration_seconds_count', { result: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(m, 'lanewatch_store_write_duration_seconds_sum', { result: 'ok' })).toBeGreaterThan(0);
    expect(sampleValue(m, 'lanewatch_store_influx_reachable')).toBe(1);
    expect(sampleValue(m, 'lanewatch_store_spool_points')).toBe(0);
    expect(sampleValue(m, 'lanewatch_store_spool_bytes')).toBe(0);
    const writtenBefore = sampleValue(m, 'lanewatch_store_points_written_total');

    await influxd.stop();
    const total = 300;
    for (let i = 10; i < 10 + total; i++) {
      store.write(batch(i));
      if (i % 25 === 24) await waitFor('buffer spooled', () => store.health().pendingPoints === 0);
    }
    await waitFor('buffer spooled', () => store.health().pendingPoints === 0);
    const down = store.health();
    m = await scrape();
    expect(sampleValue(m, 'lanewatch_store_influx_reachable')).toBe(0);
    expect(sampleValue(m, 'lanewatch_store_spool_points')).toBe(down.spooledPoints);
    expect(down.spooledPoints).toBeGreaterThan(0);
    expect(sampleValue(m, 'lanewatch_store_spool_bytes')).toBe(down.spooledBytes);
    expect(down.spooledBytes).toBeGreaterThan(0);
    expect(down.spooledBytes).toBeLessThanOrEqual(maxBytes);
    // Over the bound the oldest spooled points are lost, and counted.
    expect(sampleValue(m, 'lanewatch_store_points_lost_total', { reason: 'spool-bound' })).toBe(down.spool?.droppedPoints);
    expect(down.spool?.droppedPoints).toBeGreaterThan(0);
    expect(sampleValue(m, 'lanewatch_store_spool_points') + sampleValue(m, 'lanewatch_store_points_lost_total', { reason: 'spool-bound' })).toBe(total * 3);
    expect(sampleValue(m, 'lanewatch_store_write_duration_seconds_count', { result: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'lanewatch_store_points_written_total')).toBe(writtenBefore);

    await influxd.start();
    await waitFor('spool drained', () => store.health().spooledPoints === 0 && store.health().influxReachable);
    m = await scrape();
    expect(sampleValue(m, 'lanewatch_store_spool_points')).toBe(0);
    expect(sampleValue(m, 'lanewatch_store_influx_reachable')).toBe(1);
    expect(sampleValue(m, 'lanewatch_store_points_written_total')).toBe(writtenBefore + down.spooledPoints);
  });

  it('counts points InfluxDB rejects as lost, and the ones a partial write kept as written', async () => {
    const { store, scrape, query } = setup({ batchSize: 3 });
    await store.start();
    // A string `bps` first: the store's float `bps` then conflicts (HTTP 400, partial write).
    await query.writePoints([{ measurement: 'traffic', tags: { link: 'x' }, fields: { bps_total: 'text' }, timestamp: baseMs - 1 }], { precision: 'ms' });
    for (let i = 0; i < 5; i++) store.write(batch(i));
    await waitFor('points settled', () => store.health().pendingPoints === 0 && store.health().droppedPoints === 5);
    const m = await scrape();
    expect(sampleValue(m, 'lanewatch_store_points_lost_total', { reason: 'rejected' })).toBe(5);
    expect(sampleValue(m, 'lanewatch_store_points_written_total')).toBe(10);
    expect(sampleValue(m, 'lanewatch_store_write_duration_seconds_count', { result: 'rejected' })).toBeGreaterThanOrEqual(1);
  });
});
