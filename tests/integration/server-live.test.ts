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
