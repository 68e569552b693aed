// InfluxStore recovering from an InfluxDB that was down, then slower than the input, then fast
// again, while points keep coming at a steady rate: the spool's backlog drains to nothing while
// live points are written directly beside it, and every point reaches InfluxDB exactly once.
// The stand-in server is a fault injector for states a real influxd cannot be put in on demand;
// it records the time of every line written, in the order they came.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorePoint } from '../../collector/store/points.ts';
import { createTestStore } from '../helpers/store.ts';
import { readBody, startInfluxStandIn, type InfluxStandIn } from '../helpers/influx-stand-in.ts';
import { waitFor } from '../helpers/wait.ts';

type Mode = 'down' | 'slow' | 'fast';

let standIn: InfluxStandIn;
let url: string;
let mode: Mode = 'down';
/** How long a write takes in each mode (down: refused at once). */
const writeDelayMs: Record<Mode, number> = { down: 0, slow: 400, fast: 25 };
/** The time (ms) of every line InfluxDB took, in arrival order. */
const written: number[] = [];

beforeAll(async () => {
  standIn = await startInfluxStandIn(
    (req, res) =>
      readBody(req, (body) => {
        setTimeout(() => {
          for (const line of body.split('\n')) {
            if (line.length > 0) written.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
          }
          res.writeHead(204).end();
        }, writeDelayMs[mode]);
      }),
    () => mode === 'down',
  );
  url = standIn.url;
});
afterAll(async () => {
  await standIn.close();
});

const baseMs = Date.now() - 3_600_000;

/** One `poll` point per ms of time (not a rolled measurement: no backfill queries). */
function pollPoint(i: number): StorePoint {
  return { measurement: 'poll', tags: { device: `r${i % 50}`, province: 'ha-noi' }, fields: { ok: true, latencyMs: i % 100, varbinds: 10 }, atMs: baseMs + i };
}

describe('InfluxStore recovering from an InfluxDB that was down, then slow', () => {
  it('drains the spool while points keep coming, writes live points beside it, and writes every point exactly once', async () => {
    const batchSize = 200;
    const { store, close } = createTestStore({
      influx: { url, database: 'lanewatch', retentionDays: 30, batchSize, flushIntervalMs: 100, maxBufferedPoints: 1_000 },
      retry: { initialMs: 50, maxMs: 200 },
      requestTimeoutMs: 5_000,
    });
    let produced = 0;
    // A steady 2,000 points/s: 40 every 20 ms.
    const producer = setInterval(() => {
      const points: StorePoint[] = [];
      for (let k = 0; k < 40; k++) points.push(pollPoint(produced++));
      store.writePoints(points);
    }, 20);
    try {
      mode = 'down';
      await store.start();
      await waitFor('more than 3 batches spooled while down', () => store.health().spooledPoints > 3 * batchSize, { timeoutMs: 20_000 });

      // Reachable but slower than the input (a write of 200 points takes 400 ms: 500 points/s):
      // what the buffer cannot hold goes to the spool.
      mode = 'slow';
      await waitFor('reachable', () => store.health().influxReachable, { timeoutMs: 10_000 });
      const slowFrom = store.health().spooledPoints;
      await waitFor('the spool grows while influxdb is slow', () => store.health().spooledPoints > slowFrom + 5 * batchSize, { timeoutMs: 20_000 });

      // Fast again (8,000 points/s, 4× the input): the backlog drains while the input goes on.
      mode = 'fast';
      const fastFrom = produced;
      await waitFor('the spool drained while points keep coming', () => store.health().spooledPoints === 0 && store.health().pendingPoints < 1_000, {
        timeoutMs: 30_000,
        context: () => JSON.stringify(store.health()),
      });
      // The input went on all along.
      expect(produced - fastFrom).toBeGreaterThan(0);

      clearInterval(producer);
      await waitFor('everything written', () => store.health().pendingPoints === 0 && store.health().spooledPoints === 0 && written.length >= produced, {
        timeoutMs: 20_000,
      });
      const health = store.health();
      expect(health.droppedPoints).toBe(0);
      // Every point exactly once: as many lines as points, and each time once (count by time range).
      const sorted = [...written].sort((a, b) => a - b);
      expect(sorted.length).toBe(produced);
      expect(sorted[0]).toBe(baseMs);
      expect(sorted.at(-1)).toBe(baseMs + produced - 1);
      expect(new Set(sorted).size).toBe(produced);
      // Live points did not wait behind the backlog: some point produced once InfluxDB was fast
      // reached it before the last of the spooled ones.
      const lastOfBacklog = written.findLastIndex((atMs) => atMs < baseMs + fastFrom);
      const firstLive = written.findIndex((atMs) => atMs >= baseMs + fastFrom);
      expect(firstLive).toBeGreaterThanOrEqual(0);
      expect(firstLive).toBeLessThan(lastOfBacklog);
    } finally {
      clearInterval(producer);
      await close();
    }
  }, 90_000);
});
