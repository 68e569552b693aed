// The split deployment (`lanewatch collector` + `lanewatch server`): the collector's PollBatches
// go through the REAL InfluxStore into a real influxd, and the server's InfluxTail reads them
// back onto its live bus. The tailed LinkSamples equal the collector's (every field the store
// writes), a gap larger than one page is read in several bounded queries with nothing lost or
// duplicated, and the tail drives the snapshot and the WebSocket, through an influxd restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfluxDB } from 'influx';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { directions, trafficClasses } from '../../api/schemas.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { InfluxStore } from '../../collector/store/influx-store.ts';
import { InfluxTail, pageQuery, planAfterPage, sameTimeQuery } from '../../server/live/influx-tail.ts';
import { startTestApp } from '../helpers/app.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { waitFor } from '../helpers/wait.ts';
import { storeDrained } from '../helpers/store.ts';
import { WebSocketClient, type WsClient } from '../helpers/ws-client.ts';

const handle = sharedInfluxd();
let config: LanewatchConfig;
let influx: InfluxDB;
let spoolRoot: string;
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  config = loadConfig(defaultConfigDir, { env: { LANEWATCH_INFLUX_URL: handle.url } });
  influx = createInfluxClient(config.settings.influx);
  spoolRoot = mkdtempSync(join(tmpdir(), 'lanewatch-split-'));
});

afterAll(async () => {
  if (spoolRoot) rmSync(spoolRoot, { recursive: true, force: true });
});

/** The collector's store, as `lanewatch collector` builds it, on its own database and spool. */
async function collectorStore(database: string): Promise<InfluxStore> {
  const store = new InfluxStore({
    influx: { ...config.settings.influx, database, flushIntervalMs: 50, batchSize: 1_000 },
    spool: { dir: mkdtempSync(join(spoolRoot, 'spool-')), maxBytes: 64 * 1024 * 1024 },
    log: silent,
    retry: { initialMs: 100, maxMs: 200 },
    requestTimeoutMs: 2_000,
  });
  await store.start();
  return store;
}

/** Every sample published on `bus` from now on. */
function samplesOn(bus: LiveBus): LinkSample[] {
  const seen: LinkSample[] = [];
  bus.subscribe((b) => seen.push(...b.links));
  return seen;
}

/** The collector's store on `database`, and a bus for a tail with the samples published on it. */
async function collectorAndBus(database: string): Promise<{ store: InfluxStore; bus: LiveBus; tailed: LinkSample[] }> {
  const store = await collectorStore(database);
  const bus = new LiveBus();
  return { store, bus, tailed: samplesOn(bus) };
}

/** A query function that counts its calls and the rows each returned, over a real client. */
function countingInflux(client: InfluxDB): { influx: Pick<InfluxDB, 'query'>; pages: number[] } {
  const pages: number[] = [];
  const query: InfluxDB['query'] = async (q, options) => {
    const result = await client.query(q as string, options);
    pages.push(result.length);
    return result as never;
  };
  return { influx: { query }, pages };
}

function tailOn(database: string, bus: LiveBus, opts: { influx?: Pick<InfluxDB, 'query'>; pageSize?: number; backfillMs?: number } = {}): InfluxTail {
  const client = opts.influx ?? createInfluxClient({ ...config.settings.influx, database });
  return new InfluxTail({
    influx: client,
    bus,
    config,
    intervalMs: 60_000, // ticks are driven by the test
    log: silent,
    backfillMs: opts.backfillMs ?? 3_600_000,
    ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
  });
}

const sortKey = (s: LinkSample): string => `${s.link}|${s.dir}|${s.class}|${s.atMs}`;
const byKeyAndTime = (a: LinkSample, b: LinkSample): number => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0);

describe('InfluxTail pure parts', () => {
  it.each([
    { times: [], plan: { take: 0, next: 'done' } },
    { times: [100, 100, 200], plan: { take: 3, next: 'done' } },
    { times: [100, 100, 200, 200, 300], plan: { take: 4, next: 'from', fromMs: 300 } },
    { times: [100, 200, 200, 200, 200], plan: { take: 1, next: 'from', fromMs: 200 } },
    { times: [200, 200, 200, 200, 200], plan: { take: 0, next: 'same-time', timeMs: 200 } },
  ])('planAfterPage($times, 5) → $plan', ({ times, plan }) => {
    expect(planAfterPage(times, 5)).toEqual(plan);
  });

  it('pageQuery and sameTimeQuery', () => {
    expect(pageQuery(1_000.7, 10)).toBe('SELECT * FROM "traffic" WHERE time >= 1000ms ORDER BY time ASC LIMIT 10');
    expect(sameTimeQuery(1_000, 10, 0)).toBe('SELECT * FROM "traffic" WHERE time = 1000ms GROUP BY * SLIMIT 10');
    expect(sameTimeQuery(1_000, 10, 20)).toBe('SELECT * FROM "traffic" WHERE time = 1000ms GROUP BY * SLIMIT 10 SOFFSET 20');
  });
});

describe('split server: collector store → influxd → InfluxTail', () => {
  it("the tail's samples equal the collector's, every stored field included", async () => {
    const database = 'split_roundtrip';
    const { store, bus, tailed } = await collectorAndBus(database);
    const t0 = Date.now() - 60_000;
    const base = { intervalMs: config.settings.collector.intervalMs, link: 't1-hue', province: 'hue', tier: 1 as const, capacityBps: 1e9 };
    // Awkward floats, every optional field present and absent, both directions, tier 2.
    const samples: LinkSample[] = [
      { ...base, atMs: t0, dir: 'down', class: 'total', bitsPerSecond: 123_456_789.123_456_78, utilization: 0.123_456_789_123_456_78 },
      { ...base, atMs: t0, dir: 'up', class: 'total', bitsPerSecond: 0, utilization: 0 },
      {
        ...base, atMs: t0, dir: 'down', class: 'video', bitsPerSecond: 1 / 3, utilization: 1 / 3e9,
        dropBitsPerSecond: 0.1 + 0.2, prePolicyBitsPerSecond: 1 / 3 + 0.1 + 0.2, reservedBps: 150_000_000,
      },
      { ...base, atMs: t0, dir: 'down', class: 'docex', bitsPerSecond: 2 ** 52 + 1, utilization: 1.099_999_999_999, reservedBps: 0 },
      { ...base, atMs: t0, dir: 'down', class: 'internet', bitsPerSecond: 5e8, utilization: 0.5, dropBitsPerSecond: 0, prePolicyBitsPerSecond: 5e8 },
      { ...base, atMs: t0, dir: 'up', class: 'other', bitsPerSecond: 1e-7, utilization: 1e-16, prePolicyBitsPerSecond: 1e-7 },
      {
        ...base, atMs: t0 + 1_000, link: 't2-hue-phong-dien', tier: 2, capacityBps: 100e6, dir: 'up', class: 'video',
        bitsPerSecond: 9_999_999.999, utilization: 0.099_999_999_99, dropBitsPerSecond: 12.5, prePolicyBitsPerSecond: 10_000_012.499, reservedBps: 20e6,
      },
    ];
    const batch: PollBatch = {
      poll: { atMs: t0, device: 'hue-core', province: 'hue', ok: true, latencyMs: 12, varbinds: 300 },
      links: samples,
      interfaces: [{ atMs: t0, intervalMs: 1_000, device: 'hue-core', ifName: 'Gi0/0/1', province: 'hue', inBps: 1, outBps: 2, operUp: true, inErrors: 0, outErrors: 0 }],
    };
    const tail = tailOn(database, bus);
    try {
      store.write(batch);
      await storeDrained(store);
      await tail.tick();
      // `intervalMs` is the one field the store does not write: the tail gives the configured
      // interval, which these samples carry, so the whole sample must come back equal.
      expect([...tailed].sort(byKeyAndTime)).toEqual([...samples].sort(byKeyAndTime));
      expect(tail.stats()).toMatchObject({ published: samples.length, malformed: 0 });
      // A second tick re-reads the overlap and publishes nothing again.
      await tail.tick();
      expect(tailed.length).toBe(samples.length);
    } finally {
      await tail.stop();
      await store.stop();
    }
  });

  it('reads an outage gap larger than one page in several bounded queries, in order, nothing lost or duplicated', async () => {
    const database = 'split_gap';
    const { store, bus, tailed } = await collectorAndBus(database);
    const pageSize = 100;
    const { influx: counted, pages } = countingInflux(createInfluxClient({ ...config.settings.influx, database }));
    const tail = tailOn(database, bus, { influx: counted, pageSize });
    const links = config.topology.links.slice(0, 30);
    // One poll per second of 30 links × 2 directions, 5 classes each: 60 points (300 samples)
    // per second, many at the same timestamp (a page boundary falls inside a timestamp).
    const pollAt = (atMs: number, of = links): PollBatch => ({
      poll: { atMs, device: 'many', province: 'hue', ok: true, latencyMs: 1, varbinds: 1 },
      links: of.flatMap((l) =>
        directions.flatMap((dir) =>
          trafficClasses.map((cls, k) => ({
            atMs, intervalMs: config.settings.collector.intervalMs, link: l.id, province: l.province, tier: l.tier, dir, class: cls,
            bitsPerSecond: (atMs % 100_000) + k, capacityBps: 1e9, utilization: ((atMs % 100_000) + k) / 1e9,
          })),
        ),
      ),
      interfaces: [],
    });
    const written: LinkSample[] = [];
    const write = (atMs: number, of = links): void => {
      const b = pollAt(atMs, of);
      written.push(...b.links);
      store.write(b);
    };
    const t0 = Date.now() - 600_000;
    try {
      for (let s = 0; s < 3; s++) write(t0 + s * 1_000);
      await storeDrained(store);
      await tail.tick();
      expect(tailed.length).toBe(900);
      expect(pages.every((n) => n <= pageSize)).toBe(true);

      // InfluxDB down: the tail's queries fail; the collector spools 20 polls.
      await handle.stop();
      const queriesBefore = pages.length;
      await tail.tick();
      expect(tail.stats().queries).toBe(queriesBefore + 1); // the failed one
      for (let s = 3; s < 23; s++) write(t0 + s * 1_000);
      // And one timestamp with more points than a page: every link of the topology at once.
      const all = config.topology.links;
      write(t0 + 23_000, all);
      await waitFor('the store to spool', () => store.health().spooledPoints > 0);

      // Back: the spool drains; the tail catches up in pages of at most 100 points.
      await handle.start();
      await storeDrained(store);
      const pagesBefore = pages.length;
      await tail.tick();
      const gapPages = pages.slice(pagesBefore);
      const bigPoints = all.length * 2;
      expect(bigPoints).toBeGreaterThan(pageSize);
      const gapPoints = 20 * 60 + bigPoints;
      expect(gapPages.every((n) => n <= pageSize)).toBe(true);
      expect(gapPages.length).toBeGreaterThanOrEqual(Math.ceil(gapPoints / pageSize));
      // Each full page moves past at least one whole timestamp (60 points here, so one per
      // page): at most one page per timestamp of the gap and of the overlap re-read (the 3
      // timestamps within overlapMs before the newest seen); the big timestamp takes one page
      // that finds it full, then one page per 100 series, then the last, short page.
      expect(gapPages.length).toBeLessThanOrEqual(20 + 3 + 1 + Math.ceil(bigPoints / pageSize) + 1);

      // Every written sample published exactly once, each series in time order.
      const seen = new Map<string, number>();
      for (const s of tailed) {
        const key = `${s.link}|${s.dir}|${s.class}`;
        const last = seen.get(key);
        expect(last === undefined || s.atMs > last, `${key} in order`).toBe(true);
        seen.set(key, s.atMs);
      }
      expect(tailed.length).toBe(written.length);
      const asText = (list: LinkSample[]): string[] => list.map((x) => JSON.stringify(x, Object.keys(x).sort())).sort();
      expect(asText(tailed)).toEqual(asText(written));
    } finally {
      await tail.stop();
      await store.stop();
    }
  }, 60_000);

  it('drives the snapshot and the WebSocket of the whole app, and carries on after influxd restarts', async () => {
    const database = config.settings.influx.database;
    const store = await collectorStore(database);
    const t = await startTestApp({ config, influx });
    const origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const received = samplesOn(t.bus);
    const tail = new InfluxTail({ influx, bus: t.bus, config, intervalMs: 200, log: silent, backfillMs: 10_000 });
    const ws = await LiveClient.connect(`${origin.replace(/^http/, 'ws')}/api/v1/live`, { cookie: await t.login('viewer'), origin });
    const base = { intervalMs: config.settings.collector.intervalMs, link: 't1-hue', province: 'hue', tier: 1 as const, dir: 'down' as const, capacityBps: 1e9 };
    const poll = (atMs: number, links: LinkSample[]): PollBatch => ({ poll: { atMs, device: 'hue-core', province: 'hue', ok: true, latencyMs: 1, varbinds: 1 }, links, interfaces: [] });
    try {
      await ws.waitFor((m) => m.type === 'states');
      const t0 = Date.now() - 2_000;
      const video: LinkSample = { ...base, atMs: t0, class: 'video', bitsPerSecond: 2e6, utilization: 2e-3, dropBitsPerSecond: 10, prePolicyBitsPerSecond: 2_000_010, reservedBps: 1e8 };
      const total: LinkSample = { ...base, atMs: t0, class: 'total', bitsPerSecond: 1e6, utilization: 1e-3 };
      store.write(poll(t0, [total, video]));
      await storeDrained(store);
      tail.start();
      await waitFor('the first points on the bus', () => received.length >= 2);
      const message = await ws.waitFor((m) => m.type === 'samples');
      expect([...(message.samples ?? [])].sort(byKeyAndTime)).toEqual([total, video].sort(byKeyAndTime));

      // The snapshot (the link page's first picture) has the reserved band and the pre-policy rate.
      const snapshot = (await t.as('viewer')({ method: 'GET', url: '/api/v1/live/snapshot' })).json<{ samples: LinkSample[] }>();
      expect(snapshot.samples.find((s) => s.link === 't1-hue' && s.dir === 'down' && s.class === 'video')).toEqual(video);

      // A later point arrives once; a few ticks re-read the overlap without publishing again.
      store.write(poll(t0 + 1_000, [{ ...total, atMs: t0 + 1_000, bitsPerSecond: 3e6, utilization: 3e-3 }]));
      await waitFor('the next point on the bus', () => received.length >= 3);
      await new Promise((r) => setTimeout(r, 600));
      expect(received.map((s) => s.bitsPerSecond).sort((a, b) => a - b)).toEqual([1e6, 2e6, 3e6]);

      // InfluxDB down: the tail keeps trying; back up: it carries on.
      await handle.stop();
      await new Promise((r) => setTimeout(r, 500));
      await handle.start();
      store.write(poll(t0 + 1_500, [{ ...total, atMs: t0 + 1_500, bitsPerSecond: 4e6, utilization: 4e-3 }]));
      await waitFor('a point after influxd restarted', () => received.length >= 4, { timeoutMs: 15_000 });
      expect(received[3]?.bitsPerSecond).toBe(4e6);
    } finally {
      await tail.stop();
      await ws.close();
      await t.close();
      await store.stop();
    }
  }, 60_000);
});

// ---- a minimal signed-in live-stream client ---------------------------------------------------

interface LiveMessage {
  type: string;
  samples?: LinkSample[];
}

class LiveClient {
  readonly #ws: WsClient;
  readonly #messages: LiveMessage[] = [];
  readonly #closed: Promise<void>;

  private constructor(ws: WsClient) {
    this.#ws = ws;
    ws.on('message', (data) => this.#messages.push(JSON.parse(String(data)) as LiveMessage));
    this.#closed = new Promise((resolve) => ws.on('close', () => resolve()));
  }

  static async connect(url: string, handshake: { cookie: string; origin: string }): Promise<LiveClient> {
    const ws = new WebSocketClient(url, { headers: handshake });
    const client = new LiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    return client;
  }

  /** The first message (received or to come) that matches, removing it and those before it. */
  async waitFor(match: (m: LiveMessage) => boolean, withinMs = 5_000): Promise<LiveMessage> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const index = this.#messages.findIndex(match);
      if (index >= 0) return this.#messages.splice(0, index + 1)[index]!;
      if (Date.now() > deadline) throw new Error(`no matching message within ${withinMs} ms: ${JSON.stringify(this.#messages.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    if (this.#ws.readyState === 3) return;
    this.#ws.close();
    await this.#closed;
  }
}
