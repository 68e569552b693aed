// The whole system (real influxd, `lanewatch simulate`, `lanewatch run`) through an InfluxDB
// outage: health says so within one interval, nothing crashes, and the samples taken while
// InfluxDB was down are in it after it returns.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { InfluxDB } from 'influx';
import { startSystem, getJson, type SystemHandle } from '../helpers/system.ts';
import { pause } from '../helpers/wait.ts';

interface Health {
  status: 'ok' | 'degraded';
  influx: { reachable: boolean };
  collector: { running: boolean; devices: number; devicesUp: number } | null;
}

let system: SystemHandle;
beforeAll(async () => {
  system = await startSystem({ intervalMs: 1_000 });
}, 90_000);
afterAll(async () => {
  await system?.stop();
});

describe('system through an InfluxDB outage', () => {
  it('reports health, spools while down and backfills when InfluxDB returns', async () => {
    const health = `${system.url}/api/v1/health`;
    const ok = await getJson<Health>(health);
    expect(ok.status).toBe('ok');
    expect(ok.influx.reachable).toBe(true);
    expect(ok.collector).toMatchObject({ running: true, devices: 36, devicesUp: 36 });

    await system.influx.stop();
    const downAtMs = Date.now();
    // Within one poll interval (plus the health probe's own 1 s timeout).
    const degraded = await system.waitFor('health to report influxdb down', async () => {
      const h = await getJson<Health>(health);
      return h.influx.reachable ? undefined : h;
    }, { timeoutMs: system.intervalMs + 1_500, intervalMs: 100 });
    expect(degraded.status).toBe('degraded');

    // Stay down for a few polls; the collector and the server keep running.
    await pause(6 * system.intervalMs);
    const during = await getJson<Health>(health);
    expect(during.collector?.devicesUp).toBe(ok.collector?.devices);
    const upAtMs = Date.now();

    await system.influx.start();
    await system.waitFor('health to report influxdb back', async () => {
      const h = await getJson<Health>(health);
      return h.status === 'ok' ? h : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });

    // The spool drains oldest first: count once it is empty.
    await system.waitFor('the spool to drain', async () => {
      const h = await getJson<Health & { influx: { spooledPoints?: number } }>(health);
      return h.influx.spooledPoints === 0 ? h : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    // Every link and direction has samples stamped while InfluxDB was down.
    const influx = new InfluxDB(`${system.influx.url}/lanewatch`);
    const rows = await system.waitFor('spooled samples to reach influxdb', async () => {
      const result = await influx.query<{ link: string; dir: string; count: number }>(
        `SELECT count(bps_total) AS count FROM traffic WHERE time >= ${downAtMs}ms AND time <= ${upAtMs}ms GROUP BY link, dir`,
      );
      return result.length === system.linkIds.length * 2 ? result : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100 });
    for (const row of rows) expect(row.count).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
