// The whole system (real influxd, `lanewatch simulate`, `lanewatch run` as processes, the
// example's 36 routers and 245 links, polled every second) through faults of its storage:
// - InfluxDB stopped for 30 s, time compressed: the demo polls every 5 s, so 10 minutes there
//   are 120 polls per router; here 30 polls at 1 s (the wall time compressed 20×, a quarter of
//   the points). Health degraded within one interval; 0 points lost after InfluxDB returns.
// - `kill -9` of `lanewatch run` while InfluxDB is down (points spooling), then a restart: every
//   point that was written to InfluxDB or spooled on disk before the kill is in InfluxDB
//   exactly once, and nothing else stamped before the kill is.
// - `kill -9` while the spool drains into InfluxDB (a chunk written but not yet acknowledged
//   in its sidecar is written again after the restart: InfluxDB keeps one point per series and
//   time), then a restart: the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxDB } from 'influx';
import { influxPointKeys, metricValue, spoolOnDisk, startFaultSystem, waitFor, type FaultSystem } from './fault-system.ts';

let system: FaultSystem;
beforeAll(async () => {
  // Small batches: the spool drains in many writes, so a kill can land in the middle.
  system = await startFaultSystem({ intervalMs: 1_000, influxBatchSize: 2_000 });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

const outageMs = Number(process.env.LANEWATCH_OUTAGE_MS ?? 30_000);

async function drained(): Promise<void> {
  await waitFor('the spool to drain and nothing to be pending', 180_000, async () => {
    const h = await system.health();
    if (h.status !== 'ok' || (h.influx.spooledPoints ?? 0) > 0) return undefined;
    const metrics = await system.getText('/metrics');
    return metricValue(metrics, 'lanewatch_store_pending_points') === 0 ? true : undefined;
  }, system.logs);
}

function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((k) => !b.has(k));
}

describe('the system through storage faults', () => {
  it(`influxd stopped for ${outageMs / 1000} s: health degraded within one interval, 0 points lost after it returns`, async () => {
    const before = await system.health();
    expect(before.status).toBe('ok');
    const metricsBefore = await system.getText('/metrics');
    expect(metricValue(metricsBefore, 'lanewatch_store_points_lost_total')).toBe(0);

    await system.influx.stop();
    const downAtMs = Date.now();
    await waitFor('health to say degraded', system.intervalMs + 1_500, async () => ((await system.health()).influx.reachable ? undefined : true), system.logs);
    const degradedAfterMs = Date.now() - downAtMs;

    await new Promise((r) => setTimeout(r, outageMs));
    const during = await system.health();
    expect(during.status).toBe('degraded');
    expect(during.collector?.devicesUp).toBe(before.collector?.devices);
    const spooledAtReturn = during.influx.spooledPoints ?? 0;
    const upAtMs = Date.now();
    await system.influx.start();
    await drained();
    const drainedAfterMs = Date.now() - upAtMs;

    const metrics = await system.getText('/metrics');
    const after = await system.health();
    expect(after.influx.droppedPoints ?? 0).toBe(0);
    expect(metricValue(metrics, 'lanewatch_store_points_lost_total')).toBe(0);

    // Every router polled every second of the outage, and every poll is in InfluxDB: no hole
    // longer than 2.5 intervals in any device's `poll` series or any link's `total` series.
    const db = new InfluxDB(`${system.influx.url}/lanewatch`);
    const window = `time >= ${downAtMs - 2_000}ms AND time <= ${upAtMs + 2_000}ms`;
    const holes = async (query: string, key: (row: Record<string, unknown>) => string): Promise<{ series: number; points: number; holes: string[] }> => {
      const rows = await db.query<Record<string, unknown>>(query, { precision: 'ms' });
      const bySeries = new Map<string, number[]>();
      for (const row of rows) {
        const list = bySeries.get(key(row)) ?? [];
        list.push((row['time'] as { getTime(): number }).getTime());
        bySeries.set(key(row), list);
      }
      const found: string[] = [];
      for (const [series, times] of bySeries) {
        times.sort((a, b) => a - b);
        for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > 2.5 * system.intervalMs) found.push(`${series}: ${times[i - 1]} → ${times[i]}`);
        if (times[0]! > downAtMs + 2.5 * system.intervalMs || times[times.length - 1]! < upAtMs - 2.5 * system.intervalMs) found.push(`${series}: only ${times[0]} → ${times[times.length - 1]}`);
      }
      return { series: bySeries.size, points: rows.length, holes: found };
    };
    const polls = await holes(`SELECT ok FROM poll WHERE ${window} GROUP BY device`, (r) => String(r['device']));
    const totals = await holes(`SELECT bps_total FROM traffic WHERE ${window} GROUP BY link, dir`, (r) => `${String(r['link'])} ${String(r['dir'])}`);
    console.log(
      `[influxd outage] down ${outageMs} ms; degraded after ${degradedAfterMs} ms; ${spooledAtReturn} points spooled when it returned; ` +
        `drained ${drainedAfterMs} ms after; outage window: ${polls.points} poll points of ${polls.series} devices, ${totals.points} total-traffic points of ${totals.series} series; ` +
        `holes: ${polls.holes.length + totals.holes.length}`,
    );
    expect(degradedAfterMs).toBeLessThanOrEqual(system.intervalMs + 1_500);
    expect(spooledAtReturn).toBeGreaterThan(0);
    expect(polls.series).toBe(before.collector?.devices);
    expect(totals.series).toBe(system.linkIds.length * 2);
    expect(polls.holes).toEqual([]);
    expect(totals.holes).toEqual([]);
  }, outageMs + 120_000);

  it('kill -9 while points spool (influxd down), then a restart: every acknowledged point in InfluxDB exactly once', async () => {
    await system.influx.stop();
    await waitFor('points in the spool', 20_000, async () => ((await system.health()).influx.spooledPoints ?? 0) > 5_000 ? true : undefined, system.logs);
    const killed = await system.killRun('SIGKILL');
    const killedAtMs = Date.now();
    expect(killed.signal).toBe('SIGKILL');
    const spool = spoolOnDisk(system.spoolDir);

    await system.influx.start();
    const written = await influxPointKeys(system.influx.url, killedAtMs);
    const expected = new Set([...written, ...spool.keys]);
    await system.startRun();
    await drained();
    const after = await influxPointKeys(system.influx.url, killedAtMs);
    console.log(
      `[kill -9 while spooling] ${spool.lines} points in ${spool.segments} spool segments (${spool.tornLines} torn last lines), ` +
        `${written.size} in InfluxDB before the restart; after: ${after.size} points stamped before the kill`,
    );
    expect(spool.keys.size).toBeGreaterThan(5_000);
    expect(difference(expected, after).slice(0, 5)).toEqual([]);
    expect(difference(after, expected).slice(0, 5)).toEqual([]);
    expect(after.size).toBe(expected.size);
  }, 300_000);

  it('kill -9 while the spool drains into InfluxDB, then a restart: every acknowledged point in InfluxDB exactly once', async () => {
    await system.influx.stop();
    await waitFor('points in the spool', 30_000, async () => ((await system.health()).influx.spooledPoints ?? 0) > 12_000 ? true : undefined, system.logs);
    const most = (await system.health()).influx.spooledPoints ?? 0;
    await system.influx.start();
    // Kill as soon as the drain is under way.
    await waitFor('the drain to start', 30_000, async () => {
      const spooled = (await system.health()).influx.spooledPoints ?? 0;
      return spooled < most - 1_000 ? true : undefined;
    }, system.logs);
    const killed = await system.killRun('SIGKILL');
    const killedAtMs = Date.now();
    expect(killed.signal).toBe('SIGKILL');
    const spool = spoolOnDisk(system.spoolDir);
    const written = await influxPointKeys(system.influx.url, killedAtMs);
    const expected = new Set([...written, ...spool.keys]);
    // Killed mid-drain: points of the outage both in InfluxDB already and still on disk.
    const overlap = [...spool.keys].filter((k) => written.has(k)).length;
    await system.startRun();
    await drained();
    const after = await influxPointKeys(system.influx.url, killedAtMs);
    console.log(
      `[kill -9 while draining] ${most} points spooled at most; at the kill ${spool.lines} on disk (${spool.ackedLines} acknowledged in sidecars, ` +
        `${overlap} already in InfluxDB: written, not yet acknowledged or in a segment not yet deleted), ${written.size} in InfluxDB; ` +
        `after the restart: ${after.size} points stamped before the kill`,
    );
    expect(spool.lines).toBeGreaterThan(0);
    expect(written.size).toBeGreaterThan(0);
    expect(difference(expected, after).slice(0, 5)).toEqual([]);
    expect(difference(after, expected).slice(0, 5)).toEqual([]);
    expect(after.size).toBe(expected.size);
  }, 180_000);
});
