// The live stream over a real listening server and a real `ws` client: snapshot on connect,
// then the samples of every published batch, filtered by subscription; slow clients dropped.
// And InfluxTail: traffic points written to a real influxd come back on the bus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { InfluxDB } from 'influx';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { buildApp } from '../../server/app.ts';
import { InfluxTail } from '../../server/live/influx-tail.ts';
import Fastify from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import { LiveSnapshot } from '../../server/live/snapshot.ts';
import { liveRoutes } from '../../server/routes/live.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import type { LinkStateChange, LinkStatus, ProvinceStatus } from '../../server/analysis/model.ts';
import type { EffectivePolicy, PolicySource } from '../../server/policies/model.ts';
import { startInfluxd, type InfluxdHandle } from '../helpers/influxd.ts';

/** The part of the `ws` client used here (the package ships no types of its own). */
interface WsClient {
  readonly readyState: number;
  on(event: 'open', listener: () => void): this;
  on(event: 'message', listener: (data: Buffer) => void): this;
  on(event: 'close', listener: (code: number) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  send(data: string): void;
  pause(): void;
  resume(): void;
  close(): void;
  terminate(): void;
}
const WebSocketClient = createRequire(import.meta.url)('ws') as new (url: string) => WsClient;

type ServerMessage =
  | { type: 'snapshot'; atMs: number; samples: LinkSample[] }
  | { type: 'samples'; samples: LinkSample[] }
  | { type: 'states'; atMs: number; links: LinkStatus[]; provinces: ProvinceStatus[]; changes?: LinkStateChange[] }
  | { type: 'error'; message: string };

/** A connected client with its messages queued in arrival order. */
class TestClient {
  readonly ws: WsClient;
  readonly #queue: ServerMessage[] = [];
  readonly #waiters: ((m: ServerMessage) => void)[] = [];
  readonly closed: Promise<number>;

  private constructor(ws: WsClient) {
    this.ws = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString('utf8')) as ServerMessage;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static async connect(url: string): Promise<TestClient> {
    const ws = new WebSocketClient(url);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    return client;
  }

  next(timeoutMs = 5_000): Promise<ServerMessage> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === 3) return;
    this.ws.close();
    await this.closed;
  }
}

function sample(link: string, province: string, overrides: Partial<LinkSample> = {}): LinkSample {
  return {
    atMs: Date.now(), intervalMs: 5_000, link, province, tier: 1, dir: 'down', class: 'total',
    bitsPerSecond: 12_345_678, capacityBps: 1e9, utilization: 0.012345678, ...overrides,
  };
}

function batch(links: LinkSample[], device = 'hn-core-1'): PollBatch {
  return { poll: { atMs: Date.now(), device, province: 'ha-noi', ok: true, latencyMs: 4, varbinds: 50 }, links, interfaces: [] };
}

async function eventually(check: () => boolean, what: string, withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let handle: InfluxdHandle;
let config: LanewatchConfig;
let influx: InfluxDB;

beforeAll(async () => {
  handle = await startInfluxd();
  config = loadConfig(defaultConfigDir, { env: { LANEWATCH_INFLUX_URL: handle.url } });
  influx = createInfluxClient(config.settings.influx);
  await influx.createDatabase(config.settings.influx.database);
});

afterAll(async () => {
  await handle?.destroy();
});

describe('WebSocket /api/v1/live', () => {
  let bus: LiveBus;
  let app: FastifyInstance;
  let url: string;
  /** Listeners on the bus besides WebSocket clients (the app's snapshot). */
  let baseListeners: number;

  beforeAll(async () => {
    bus = new LiveBus();
    app = await buildApp({ config, bus, influx, live: { maxBufferedBytes: 64 * 1024 } });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    url = `${address.replace(/^http/, 'ws')}/api/v1/live`;
    baseListeners = bus.listenerCount;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('sends the snapshot on connect, then the samples of each published batch', async () => {
    const before = sample('t1-hue', 'hue', { atMs: Date.now() - 1_000 });
    bus.publish(batch([before]));
    const client = await TestClient.connect(url);
    try {
      const first = await client.next();
      expect(first.type).toBe('snapshot');
      if (first.type !== 'snapshot') return;
      expect(first.samples).toContainEqual(before);

      bus.publish(batch([])); // a batch without link samples sends nothing
      const next = [sample('t1-hue', 'hue', { dir: 'up' }), sample('t1-hue', 'hue', { class: 'video', dropBitsPerSecond: 800 })];
      bus.publish(batch(next));
      expect(await client.next()).toEqual({ type: 'samples', samples: next });
    } finally {
      await client.close();
    }
    await eventually(() => bus.listenerCount === baseListeners, 'unsubscribe after close');
  });

  it('filters by subscription; invalid messages get an error and the stream goes on', async () => {
    const client = await TestClient.connect(url);
    try {
      expect((await client.next()).type).toBe('snapshot');

      client.send('{not json');
      const notJson = await client.next();
      expect(notJson).toMatchObject({ type: 'error' });

      client.send({ type: 'subscribe', links: ['t1-nowhere'] });
      const unknownLink = await client.next();
      expect(unknownLink.type).toBe('error');
      if (unknownLink.type === 'error') expect(unknownLink.message).toContain('t1-nowhere');

      client.send({ type: 'subscribe', province: 'ca-mau' });
      const resnapshot = await client.next();
      expect(resnapshot.type).toBe('snapshot');
      if (resnapshot.type === 'snapshot') expect(resnapshot.samples.every((s) => s.province === 'ca-mau')).toBe(true);

      const hue = sample('t1-hue', 'hue');
      const caMau = sample('t1-ca-mau', 'ca-mau');
      bus.publish(batch([hue, caMau]));
      bus.publish(batch([hue])); // nothing for this client
      expect(await client.next()).toEqual({ type: 'samples', samples: [caMau] });

      const daNang = sample('t1-da-nang', 'da-nang');
      client.send({ type: 'subscribe', links: ['t1-da-nang'] });
      expect((await client.next()).type).toBe('snapshot');
      bus.publish(batch([hue, caMau]));
      bus.publish(batch([hue, daNang]));
      expect(await client.next()).toEqual({ type: 'samples', samples: [daNang] });

      client.send({ type: 'subscribe' }); // everything again
      expect((await client.next()).type).toBe('snapshot');
      bus.publish(batch([hue, caMau]));
      expect(await client.next()).toEqual({ type: 'samples', samples: [hue, caMau] });
    } finally {
      await client.close();
    }
  });

  it('drops a client that stops reading instead of buffering without bound', async () => {
    const slow = await TestClient.connect(url);
    const healthy = await TestClient.connect(url);
    expect((await slow.next()).type).toBe('snapshot');
    expect((await healthy.next()).type).toBe('snapshot');
    expect(bus.listenerCount).toBe(baseListeners + 2);
    slow.ws.pause();
    // ~90 KB per message: the kernel buffers fill, then the server's queue passes 64 KiB.
    const big = Array.from({ length: 400 }, (_, i) => sample('t1-hue', 'hue', { atMs: i, bitsPerSecond: i }));
    let published = 0;
    let received = 0;
    healthy.ws.on('message', () => {
      received += 1;
    });
    while (bus.listenerCount > baseListeners + 1 && published < 2_000) {
      bus.publish(batch(big));
      published += 1;
      if (published % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(bus.listenerCount).toBe(baseListeners + 1);
    // The healthy client kept receiving everything.
    await eventually(() => received === published, 'the healthy client got every batch', 20_000);
    slow.ws.resume();
    await slow.closed;
    await healthy.close();
    await eventually(() => bus.listenerCount === baseListeners, 'all clients unsubscribed');
  });

  it('answers a plain HTTP request with 426', async () => {
    const res = await fetch(url.replace(/^ws/, 'http'));
    expect(res.status).toBe(426);
  });
});

describe('InfluxTail', () => {
  it('publishes traffic points written to influxd once each, and drives the WebSocket', async () => {
    const bus = new LiveBus();
    const received: LinkSample[] = [];
    bus.subscribe((b) => received.push(...b.links));
    const tail = new InfluxTail({ influx, bus, config, intervalMs: 200, log: pino({ level: 'silent' }) });
    const app = await buildApp({ config, bus, influx });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = await TestClient.connect(`${address.replace(/^http/, 'ws')}/api/v1/live`);
    const write = (atMs: number, bps: number, cls = 'total') =>
      influx.writePoints(
        [{
          measurement: 'traffic',
          tags: { link: 't1-hue', province: 'hue', tier: '1', dir: 'down', class: cls },
          fields: { bps, util: bps / 1e9, capacityBps: 1e9, dropBps: 0 },
          timestamp: atMs,
        }],
        { precision: 'ms' },
      );
    try {
      expect((await client.next()).type).toBe('snapshot');
      const t0 = Date.now() - 2_000;
      await write(t0, 1e6);
      await write(t0, 2e6, 'video');
      tail.start();
      await eventually(() => received.length >= 2, 'the first points on the bus');
      const tailed = await client.next();
      expect(tailed.type).toBe('samples');
      if (tailed.type === 'samples') {
        expect(tailed.samples.map((s) => [s.class, s.bitsPerSecond]).sort()).toEqual([['total', 1e6], ['video', 2e6]]);
        expect(tailed.samples[0]).toMatchObject({ atMs: t0, link: 't1-hue', province: 'hue', tier: 1, dir: 'down', capacityBps: 1e9, dropBitsPerSecond: 0 });
      }

      // A later point arrives once; the earlier ones are not published again.
      await write(t0 + 1_000, 3e6);
      await eventually(() => received.length >= 3, 'the next point on the bus');
      await new Promise((r) => setTimeout(r, 600)); // a few more ticks re-read the overlap window
      expect(received.map((s) => s.bitsPerSecond).sort()).toEqual([1e6, 2e6, 3e6]);

      // InfluxDB down: the tail keeps trying; back up: it carries on.
      await handle.stop();
      await new Promise((r) => setTimeout(r, 500));
      await handle.start();
      await write(t0 + 1_500, 4e6);
      await eventually(() => received.length >= 4, 'a point after influxd restarted', 10_000);
      expect(received[3]?.bitsPerSecond).toBe(4e6);

      const snapshot = (await app.inject({ method: 'GET', url: '/api/v1/live/snapshot' })).json<{ samples: LinkSample[] }>();
      expect(snapshot.samples.find((s) => s.link === 't1-hue' && s.class === 'total')?.bitsPerSecond).toBe(4e6);
    } finally {
      await tail.stop();
      await client.close();
      await app.close();
    }
  });
});

describe('WebSocket /api/v1/live states', () => {
  let bus: LiveBus;
  let analyzer: Analyzer;
  let app: FastifyInstance;
  let url: string;
  let atMs = Date.now();

  /** Docex 10 %, video 20 % everywhere; a state is entered on the first sample and left on the first clean one. */
  const policies = (): PolicySource => ({
    current: () => ({ revision: 1, document: { defaults: {}, tiers: {}, provinces: {}, links: {} } }),
    effective: (linkId, capacityBps): EffectivePolicy | undefined => {
      const link = config.topology.links.find((l) => l.id === linkId);
      if (!link) return undefined;
      const c = link.capacityBps ?? capacityBps ?? 0;
      return {
        link: linkId, province: link.province, tier: link.tier, capacityBps: c,
        reservationsBps: { docex: 0.1 * c, video: 0.2 * c }, reservedBps: 0.3 * c,
        thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 1, clearAfter: 1 }, from: {},
      };
    },
    onChange: () => () => {},
  });

  /** One poll of a tier-1 link: down direction, total and internet as shares of its capacity. */
  const poll = (link: string, province: string, totalShare: number, internetShare: number): PollBatch => {
    atMs += 1_000;
    const capacityBps = config.topology.links.find((l) => l.id === link)!.capacityBps!;
    const base = { atMs, intervalMs: 1_000, link, province, tier: 1 as const, dir: 'down' as const, capacityBps };
    return batch([
      { ...base, class: 'total', bitsPerSecond: totalShare * capacityBps, utilization: totalShare },
      { ...base, class: 'internet', bitsPerSecond: internetShare * capacityBps, utilization: internetShare },
    ]);
  };
  // Encroaching (Internet above 70 %) and busy, under critUtil: warning.
  const surge = (link: string, province: string) => poll(link, province, 0.9, 0.8);
  const calm = (link: string, province: string) => poll(link, province, 0.2, 0.1);

  /** The next message of a type, skipping sample messages. */
  async function nextOf<T extends ServerMessage['type']>(client: TestClient, type: T): Promise<Extract<ServerMessage, { type: T }>> {
    for (;;) {
      const message = await client.next();
      if (message.type === type) return message as Extract<ServerMessage, { type: T }>;
      if (message.type !== 'samples') throw new Error(`expected ${type}, got ${message.type}`);
    }
  }

  beforeAll(async () => {
    bus = new LiveBus();
    analyzer = new Analyzer({ config, bus, policies: policies(), log: pino({ level: 'silent' }) });
    analyzer.start();
    const snapshot = new LiveSnapshot({ bus, maxAgeMs: 60_000 });
    snapshot.start();
    app = Fastify();
    app.addHook('onClose', async () => snapshot.stop());
    await app.register(fastifyWebsocket);
    await app.register(liveRoutes, {
      prefix: '/api/v1',
      bus,
      snapshot,
      states: analyzer,
      known: { links: new Set(config.topology.links.map((l) => l.id)), provinces: new Set(config.topology.provinces.map((p) => p.id)) },
      maxBufferedBytes: 1024 * 1024,
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    url = `${address.replace(/^http/, 'ws')}/api/v1/live`;
  });

  afterAll(async () => {
    analyzer?.stop();
    await app?.close();
  });

  it('sends the states after the snapshot on connect, then once per batch that changed a state', async () => {
    bus.publish(surge('t1-hue', 'hue'));
    const client = await TestClient.connect(url);
    try {
      expect((await client.next()).type).toBe('snapshot');
      const first = await client.next();
      expect(first.type).toBe('states');
      if (first.type !== 'states') return;
      expect(first.changes).toBeUndefined();
      expect(first.provinces).toHaveLength(34);
      expect(first.provinces.find((p) => p.province === 'hue')?.level).toBe('warning');
      expect(first.links.map((s) => [s.link, s.dir, s.level])).toEqual([['t1-hue', 'down', 'warning']]);

      // Samples that change nothing: samples only, no states.
      bus.publish(surge('t1-hue', 'hue'));
      expect((await client.next()).type).toBe('samples');
      // One batch changing two links: one states message, after that batch's samples.
      atMs += 1_000;
      const two = batch([...calm('t1-hue', 'hue').links, ...surge('t1-ca-mau', 'ca-mau').links].map((s) => ({ ...s, atMs })));
      bus.publish(two);
      // The batch's samples and its states (in the order the bus serves its subscribers).
      const pair = [await client.next(), await client.next()];
      expect(pair.map((m) => m.type).sort()).toEqual(['samples', 'states']);
      const changed = pair.find((m) => m.type === 'states');
      if (changed?.type !== 'states') return;
      expect(changed.changes?.map((c) => [c.link, c.from, c.to])).toEqual([['t1-hue', 'warning', 'ok'], ['t1-ca-mau', 'ok', 'warning']]);
      expect(changed.links.map((s) => [s.link, s.level])).toEqual([['t1-ca-mau', 'warning'], ['t1-hue', 'ok']]);
      expect(changed.provinces.filter((p) => p.level !== 'ok').map((p) => p.province)).toEqual(['ca-mau']);
    } finally {
      await client.close();
    }
  });

  it('respects the subscription: only its links and provinces, only changes it can see', async () => {
    const client = await TestClient.connect(url);
    try {
      expect((await client.next()).type).toBe('snapshot');
      expect((await client.next()).type).toBe('states');
      client.send({ type: 'subscribe', province: 'da-nang' });
      expect((await client.next()).type).toBe('snapshot');
      const filtered = await nextOf(client, 'states');
      expect(filtered.provinces.map((p) => p.province)).toEqual(['da-nang']);
      expect(filtered.links.every((s) => s.province === 'da-nang')).toBe(true);

      bus.publish(calm('t1-ca-mau', 'ca-mau')); // a change this client does not see
      bus.publish(surge('t1-da-nang', 'da-nang'));
      const next = await nextOf(client, 'states');
      expect(next.changes?.map((c) => [c.link, c.to])).toEqual([['t1-da-nang', 'warning']]);
      expect(next.links.map((s) => [s.link, s.level])).toEqual([['t1-da-nang', 'warning']]);
      expect(next.provinces).toEqual([{ province: 'da-nang', level: 'warning', worst: [{ link: 't1-da-nang', dir: 'down', level: 'warning' }] }]);

      client.send({ type: 'subscribe', links: ['t1-hue'] });
      await nextOf(client, 'snapshot');
      const byLink = await nextOf(client, 'states');
      expect(byLink.links.map((s) => s.link)).toEqual(['t1-hue']);
      expect(byLink.provinces.map((p) => p.province)).toEqual(['hue']);
    } finally {
      await client.close();
    }
  });
});
