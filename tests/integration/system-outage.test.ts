// The whole system (real influxd, `lanewatch simulate`, `lanewatch run`) through an InfluxDB
// outage: health says so within one interval, nothing crashes, and the samples taken while
// InfluxDB was down are in it after it returns.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { InfluxDB } from 'influx';
import { startSystem, getJson, type SystemHandle } from '../helpers/system.ts';

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

async function waitFor<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${system.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
    const degraded = await waitFor('health to report influxdb down', system.intervalMs + 1_500, async () => {
      const h = await getJson<Health>(health);
      return h.influx.reachable ? undefined : h;
    });
    expect(degraded.status).toBe('degraded');

    // Stay down for a few polls; the collector and the server keep running.
    await new Promise((r) => setTimeout(r, 6 * system.intervalMs));
    const during = await getJson<Health>(health);
    expect(during.collector?.devicesUp).toBe(ok.collector?.devices);
    const upAtMs = Date.now();

    await system.influx.start();
    await waitFor('health to report influxdb back', 10_000, async () => {
      const h = await getJson<Health>(health);
      return h.status === 'ok' ? h : undefined;
    });

    // The spool drains oldest first: count once it is empty.
    await waitFor('the spool to drain', 20_000, async () => {
      const h = await getJson<Health & { influx: { spooledPoints?: number } }>(health);
      return h.influx.spooledPoints === 0 ? h : undefined;
    });
    // Every link and direction has samples stamped while InfluxDB was down.
    const influx = new InfluxDB(`${system.influx.url}/lanewatch`);
    const rows = await waitFor('spooled samples to reach influxdb', 15_000, async () => {
      const result = await influx.query<{ link: string; dir: string; count: number }>(
        `SELECT count(bps) AS count FROM traffic WHERE class = 'total' AND time >= ${downAtMs}ms AND time <= ${upAtMs}ms GROUP BY link, dir`,
      );
      return result.length === system.linkIds.length * 2 ? result : undefined;
    });
    for (const row of rows) expect(row.count).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
