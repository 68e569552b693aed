// InfluxStore against an InfluxDB that answers /ping but cannot keep up with writes (an
// overloaded server): memory stays bounded, the rest waits in the spool, health says so.
// The stand-in server is a fault injector for a state a real influxd cannot be put in on demand.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollBatch } from '../../collector/samples.ts';
import { createTestStore } from '../helpers/store.ts';

let server: Server;
let url: string;
const held: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/ping')) {
      res.writeHead(204).end();
    } else if (req.url?.startsWith('/query')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['lanewatch']] }] }] }));
    } else {
      held.push(res); // a write that never completes (until the request times out)
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await new Promise((r) => server.close(r));
});

function batch(i: number): PollBatch {
  const atMs = Date.now() - 3_600_000 + i * 1_000;
  return {
    poll: { atMs, device: 'r1', province: 'ha-noi', ok: true, latencyMs: 1, varbinds: 10 },
    links: [{ atMs, intervalMs: 1_000, link: 'l1', province: 'ha-noi', tier: 1, dir: 'down', class: 'total', bitsPerSecond: i, capacityBps: 1e9, utilization: i / 1e9 }],
    interfaces: [],
  };
}

describe('InfluxStore with an InfluxDB slower than the collector', () => {
  it('keeps at most a few batches in memory and spools the rest in order', async () => {
    const batchSize = 10;
    const { store, close } = createTestStore({
      influx: { url, database: 'lanewatch', retentionDays: 30, batchSize, flushIntervalMs: 50 },
      retry: { initialMs: 100, maxMs: 400 },
      requestTimeoutMs: 30_000,
    });
    try {
      await store.start();
      for (let i = 0; i < 500; i++) store.write(batch(i)); // 1,000 points, none of which InfluxDB takes
      await new Promise((r) => setTimeout(r, 200));
      const health = store.health();
      expect(health.pendingPoints).toBeLessThanOrEqual(5 * batchSize);
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
});
