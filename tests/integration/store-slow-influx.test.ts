// InfluxStore against an InfluxDB that answers /ping but cannot keep up with writes (an
// overloaded server): memory stays bounded (`influx.maxBufferedPoints`), the rest waits in the
// spool, health says so; and against one that is slow but keeps up: the buffer rides it out and
// nothing is spooled.
// The stand-in server is a fault injector for a state a real influxd cannot be put in on demand.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollBatch } from '../../collector/samples.ts';
import { createTestStore } from '../helpers/store.ts';
import { readBody, startInfluxStandIn, type InfluxStandIn } from '../helpers/influx-stand-in.ts';
import { waitFor } from '../helpers/wait.ts';

let standIn: InfluxStandIn;
let url: string;
const held: ServerResponse[] = [];
/** Writes answered after this long (204); undefined: writes never answered. */
let writeDelayMs: number | undefined;
let writtenLines = 0;

beforeAll(async () => {
  standIn = await startInfluxStandIn((req, res) => {
    if (writeDelayMs === undefined) {
      held.push(res); // a write that never completes (until the request times out)
      return;
    }
    readBody(req, (body) => {
      setTimeout(() => {
        writtenLines += body.split('\n').length;
        res.writeHead(204).end();
      }, writeDelayMs);
    });
  });
  url = standIn.url;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await standIn.close();
});

/** A store of 100-point batches that may hold 2,000 points in memory (both slow-write tests). */
function slowWriteStore(): ReturnType<typeof createTestStore> {
  return createTestStore({
    influx: { url, database: 'lanewatch', retentionDays: 30, batchSize: 100, flushIntervalMs: 50, maxBufferedPoints: 2_000 },
    retry: { initialMs: 100, maxMs: 400 },
    requestTimeoutMs: 30_000,
  });
}

function batch(i: number): PollBatch {
  const atMs = Date.now() - 3_600_000 + i * 1_000;
  return {
    poll: { atMs, device: 'r1', province: 'ha-noi', ok: true, latencyMs: 1, varbinds: 10 },
    links: [{ atMs, intervalMs: 1_000, link: 'l1', province: 'ha-noi', tier: 1, dir: 'down', class: 'total', bitsPerSecond: i, capacityBps: 1e9, utilization: i / 1e9 }],
    interfaces: [],
  };
}

describe('InfluxStore with an InfluxDB slower than the collector', () => {
  it('keeps at most maxBufferedPoints in memory and spools the rest in order', async () => {
    writeDelayMs = undefined;
    const batchSize = 10;
    const maxBufferedPoints = 40;
    const { store, close } = createTestStore({
      influx: { url, database: 'lanewatch', retentionDays: 30, batchSize, flushIntervalMs: 50, maxBufferedPoints },
      retry: { initialMs: 100, maxMs: 400 },
      requestTimeoutMs: 30_000,
    });
    try {
      await store.start();
      for (let i = 0; i < 500; i++) store.write(batch(i)); // 1,000 points, none of which InfluxDB takes
      await new Promise((r) => setTimeout(r, 200));
      const health = store.health();
      expect(health.pendingPoints).toBeLessThanOrEqual(maxBufferedPoints + batchSize);
      // Nothing lost: every point is in memory or in the spool (a spooled chunk being written
      // counts in both until InfluxDB confirms it).
      expect(health.pendingPoints + health.spooledPoints).toBeGreaterThanOrEqual(1_000);
      expect(health.pendingPoints + health.spooledPoints).toBeLessThanOrEqual(1_000 + batchSize);
      expect(health.spooledPoints).toBeGreaterThan(900);
      expect(health.droppedPoints).toBe(0);
    } finally {
      for (const res of held.splice(0)) res.destroy();
      await close();
    }
  }, 120_000);

  it('a full buffer handed to the spool while the one before is still being written: nothing dropped (the default queue bound holds both)', async () => {
    writeDelayMs = undefined; // InfluxDB takes no write: past maxBufferedPoints the buffer goes to the spool
    const maxBufferedPoints = 100_000; // two hand-overs just over it pass the spool's own 200,000
    const { store, close } = createTestStore({
      influx: { url, database: 'lanewatch', retentionDays: 30, batchSize: 5_000, flushIntervalMs: 50, maxBufferedPoints },
      spool: { maxBytes: 1024 * 1024 * 1024 },
      retry: { initialMs: 100, maxMs: 400 },
      requestTimeoutMs: 30_000,
    });
    try {
      await store.start();
      // In one synchronous run, so the spool's disk writes nothing meanwhile: two hand-overs of
      // just over 100,000 points wait for it at once.
      const batches = 100_050; // 2 points each (traffic, poll)
      for (let i = 0; i < batches; i++) store.write(batch(i));
      await waitFor('both hand-overs on disk', () => {
        const h = store.health();
        return h.spooledPoints > 2 * maxBufferedPoints || h.droppedPoints > 0;
      }, { timeoutMs: 60_000 });
      const health = store.health();
      expect(health.droppedPoints).toBe(0);
      expect(health.spool?.queueDroppedPoints).toBe(0);
      expect(health.spooledPoints).toBeGreaterThan(2 * maxBufferedPoints);
    } finally {
      for (const res of held.splice(0)) res.destroy();
      await close();
    }
  }, 120_000);

  it('at a stop, writes one batch to a slow InfluxDB and spools the rest (the stop stays short, nothing is lost)', async () => {
    writeDelayMs = 1_000; // each write takes a second: 9 batches written one by one would take 9 s
    writtenLines = 0;
    const { store, close } = slowWriteStore();
    try {
      await store.start();
      for (let i = 0; i < 500; i++) store.write(batch(i)); // 1,000 points, InfluxDB takes 100 a second
      await new Promise((r) => setTimeout(r, 300));
      expect(store.health().pendingPoints).toBeGreaterThan(500);
      const stopStartedAtMs = Date.now();
      await store.stop();
      const stopMs = Date.now() - stopStartedAtMs;
      // The write in flight and one more batch: about 2 s, not the 9 s of writing every batch.
      expect(stopMs).toBeLessThan(4_000);
      const health = store.health();
      expect(health.droppedPoints).toBe(0);
      expect(writtenLines + health.spooledPoints).toBe(1_000);
      expect(health.spooledPoints).toBeGreaterThan(500);
    } finally {
      writeDelayMs = undefined;
      await close();
    }
  }, 60_000);

  it('holds what a slow InfluxDB has not taken yet in memory, spools nothing and writes it all', async () => {
    writeDelayMs = 150; // every write takes 150 ms: 10 writes of 100 points take 1.5 s
    writtenLines = 0;
    const { store, close } = slowWriteStore();
    try {
      await store.start();
      let mostPending = 0;
      for (let i = 0; i < 500; i++) {
        store.write(batch(i)); // 1,000 points at once, 10× what one write takes
        mostPending = Math.max(mostPending, store.health().pendingPoints);
      }
      expect(mostPending).toBeGreaterThan(500); // InfluxDB was behind …
      await waitFor('every point written', () => writtenLines === 1_000 && store.health().pendingPoints === 0, { timeoutMs: 20_000 });
      const health = store.health();
      expect(health.spooledPoints).toBe(0); // … and nothing went to disk
      expect(health.droppedPoints).toBe(0);
      expect(health.pendingPoints).toBe(0);
    } finally {
      writeDelayMs = undefined;
      await close();
    }
  }, 60_000);
});
