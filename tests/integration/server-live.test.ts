// The live stream of the whole app over a real listening server and a real `ws` client,
// signed in with a session cookie and a same-origin Origin: snapshot and states on connect,
// then the samples of every published batch, filtered by subscription; slow clients dropped.
// The handshake needs a session (401) and refuses a foreign Origin (403); a province user's
// stream carries its own province only. (The split server's InfluxTail: split-server.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { InfluxDB } from 'influx';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import type { LinkStateChange, LinkStatus, ProvinceStatus } from '../../server/analysis/model.ts';
import type { PolicyDocument } from '../../server/policies/model.ts';
import { startTestApp, type TestApp, type TestAppOptions } from '../helpers/app.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { waitFor } from '../helpers/wait.ts';

/** The part of the `ws` client used here (the package ships no types of its own). */
interface WsClient {
  readonly readyState: number;
  on(event: 'open', listener: () => void): this;
  on(event: 'message', listener: (data: Buffer) => void): this;
  on(event: 'close', listener: (code: number) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'unexpected-response', listener: (request: unknown, response: { statusCode?: number }) => void): this;
  send(data: string): void;
  pause(): void;
  resume(): void;
  close(): void;
  terminate(): void;
}
const WebSocketClient = createRequire(import.meta.url)('ws') as new (url: string, options?: { headers?: Record<string, string> }) => WsClient;

/** What the browser sends with the handshake: the session cookie and the page's origin. */
interface Handshake {
  cookie?: string;
  origin?: string;
}

function handshakeHeaders(handshake: Handshake): Record<string, string> {
  const headers: Record<string, string> = {};
  if (handshake.cookie !== undefined) headers['cookie'] = handshake.cookie;
  if (handshake.origin !== undefined) headers['origin'] = handshake.origin;
  return headers;
}

/** The HTTP status a refused handshake was answered with (fails when the socket opens). */
function refusedStatus(url: string, handshake: Handshake): Promise<number> {
  const ws = new WebSocketClient(url, { headers: handshakeHeaders(handshake) });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the handshake was accepted'));
    });
    ws.on('error', () => undefined);
  });
}

type ServerMessage =
  | { type: 'snapshot'; atMs: number; samples: LinkSample[] }
  | { type: 'samples'; samples: LinkSample[] }
  | { type: 'states'; atMs: number; links: LinkStatus[]; provinces: ProvinceStatus[] }
  | { type: 'stateChanges'; atMs: number; links: LinkStatus[]; provinces: ProvinceStatus[]; changes: LinkStateChange[] }
  | { type: 'error'; message: string };

function isOfType<T extends ServerMessage['type']>(message: ServerMessage | undefined, type: T): message is Extract<ServerMessage, { type: T }> {
  return message?.type === type;
}

/** The message as its type; fails the test (saying `what` and the message) when it is another or missing. */
function messageOfType<T extends ServerMessage['type']>(message: ServerMessage | undefined, type: T, what = ''): Extract<ServerMessage, { type: T }> {
  expect(message?.type, `${what} ${JSON.stringify(message)}`).toBe(type);
  assert(isOfType(message, type));
  return message;
}

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

  static async connect(url: string, handshake: Handshake): Promise<TestClient> {
    const ws = new WebSocketClient(url, { headers: handshakeHeaders(handshake) });
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

  /** The opening messages: the snapshot, then the states (the app runs an analyzer). */
  async opening(): Promise<{ snapshot: Extract<ServerMessage, { type: 'snapshot' }>; states: Extract<ServerMessage, { type: 'states' }> }> {
    const snapshot = await this.next();
    if (snapshot.type !== 'snapshot') throw new Error(`expected snapshot, got ${JSON.stringify(snapshot)}`);
    const states = await this.next();
    if (states.type !== 'states') throw new Error(`expected states, got ${JSON.stringify(states)}`);
    return { snapshot, states };
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

/** The live stream's bound in the first describe: small, so that a slow client passes it soon. */
const maxLiveBufferedBytes = 64 * 1024;

/**
 * At most how many bytes the kernel can hold for one loopback TCP connection whose reader has
 * stopped: the sender's and the receiver's socket buffers at their largest (Linux; 64 MiB
 * where that cannot be read).
 */
function loopbackBufferBytes(): number {
  const largest = (file: string): number | undefined => {
    try {
      const value = Number(readFileSync(file, 'utf8').trim().split(/\s+/).at(-1));
      return Number.isFinite(value) && value > 0 ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const send = largest('/proc/sys/net/ipv4/tcp_wmem');
  const receive = largest('/proc/sys/net/ipv4/tcp_rmem');
  return send !== undefined && receive !== undefined ? send + receive : 64 * 1024 * 1024;
}

const handle = sharedInfluxd();
let config: LanewatchConfig;
let influx: InfluxDB;

beforeAll(async () => {
  config = loadConfig(defaultConfigDir, { env: { LANEWATCH_INFLUX_URL: handle.url } });
  influx = createInfluxClient(config.settings.influx);
  await influx.createDatabase(config.settings.influx.database);
});

/** The whole app listening on a free loopback port; its live URL and its own origin. */
async function listening(options: TestAppOptions = {}): Promise<{ t: TestApp; url: string; origin: string }> {
  const t = await startTestApp({ config, influx, ...options });
  const origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, url: `${origin.replace(/^http/, 'ws')}/api/v1/live`, origin };
}

/** A signed-in, same-origin handshake as this user. */
async function as(t: TestApp, origin: string, username: string): Promise<Handshake> {
  return { cookie: await t.login(username), origin };
}

describe('WebSocket /api/v1/live', () => {
  let t: TestApp;
  let url: string;
  let origin: string;
  /** A viewer's handshake. */
  let viewer: Handshake;

  beforeAll(async () => {
    const server = { ...config.settings.server, maxLiveBufferedBytes };
    ({ t, url, origin } = await listening({ config: { ...config, settings: { ...config.settings, server } } }));
    viewer = await as(t, origin, 'viewer');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('sends the snapshot and the states on connect, then the samples of each published batch', async () => {
    const before = sample('t1-hue', 'hue', { atMs: Date.now() - 1_000 });
    t.bus.publish(batch([before]));
    const client = await TestClient.connect(url, viewer);
    try {
      const { snapshot, states } = await client.opening();
      expect(snapshot.samples).toContainEqual(before);
      expect(states.provinces).toHaveLength(34);

      t.bus.publish(batch([])); // a batch without link samples sends nothing
      const next = [sample('t1-hue', 'hue', { dir: 'up' }), sample('t1-hue', 'hue', { class: 'video', dropBitsPerSecond: 800 })];
      t.bus.publish(batch(next));
      expect(await client.next()).toEqual({ type: 'samples', samples: next });
    } finally {
      await client.close();
    }
    await waitFor('unsubscribe after close', () => t.app.liveClients() === 0);
  });

  it('filters by subscription; invalid messages get an error and the stream goes on', async () => {
    const client = await TestClient.connect(url, viewer);
    try {
      await client.opening();

      client.send('{not json');
      const notJson = await client.next();
      expect(notJson).toMatchObject({ type: 'error' });

      client.send({ type: 'subscribe', links: ['t1-nowhere'] });
      const unknownLink = messageOfType(await client.next(), 'error');
      expect(unknownLink.message).toContain('t1-nowhere');

      client.send({ type: 'subscribe', province: 'ca-mau' });
      const { snapshot: resnapshot } = await client.opening();
      expect(resnapshot.samples.every((s) => s.province === 'ca-mau')).toBe(true);

      const hue = sample('t1-hue', 'hue');
      const caMau = sample('t1-ca-mau', 'ca-mau');
      t.bus.publish(batch([hue, caMau]));
      t.bus.publish(batch([hue])); // nothing for this client
      expect(await client.next()).toEqual({ type: 'samples', samples: [caMau] });

      const daNang = sample('t1-da-nang', 'da-nang');
      client.send({ type: 'subscribe', links: ['t1-da-nang'] });
      await client.opening();
      t.bus.publish(batch([hue, caMau]));
      t.bus.publish(batch([hue, daNang]));
      expect(await client.next()).toEqual({ type: 'samples', samples: [daNang] });

      client.send({ type: 'subscribe' }); // everything again
      await client.opening();
      t.bus.publish(batch([hue, caMau]));
      expect(await client.next()).toEqual({ type: 'samples', samples: [hue, caMau] });
    } finally {
      await client.close();
    }
  });

  it('drops a client that stops reading instead of buffering without bound, and keeps the one that reads', async () => {
    const slow = await TestClient.connect(url, viewer);
    const healthy = await TestClient.connect(url, viewer);
    await slow.opening();
    await healthy.opening();
    expect(t.app.liveClients()).toBe(2);
    // The slow client reads nothing more: its socket stops taking data off the kernel.
    slow.ws.pause();
    let slowMessages = 0;
    slow.ws.on('message', () => (slowMessages += 1));
    let received = 0;
    healthy.ws.on('message', (data) => {
      const message = JSON.parse(data.toString('utf8')) as ServerMessage;
      if (message.type === 'samples') received += message.samples.length;
    });

    // One batch a round, one message a round; each round waits for the healthy client to have
    // read every sample so far, so it is never behind when the next message goes out, however
    // slow the machine. The slow client's backlog grows by one message a round: once the
    // kernel's socket buffers are full, the server's own queue holds data and it is dropped.
    const big = Array.from({ length: 4_000 }, (_, i) => sample('t1-hue', 'hue', { atMs: i, bitsPerSecond: i }));
    const messageBytes = Buffer.byteLength(JSON.stringify({ type: 'samples', samples: big }), 'utf8');
    const maxRounds = Math.ceil((loopbackBufferBytes() + maxLiveBufferedBytes) / messageBytes) + 2;
    let published = 0;
    const round = async (): Promise<void> => {
      t.bus.publish(batch(big));
      published += big.length;
      await waitFor(`the healthy client to read all ${published} samples`, () => received === published, {
        failIf: () => (healthy.ws.readyState === 1 ? undefined : `the server disconnected the healthy client (${received} samples read)`),
      });
      // The server counts a message as unsent until its write's callback runs, a phase of the
      // event loop after the client can have it all (libuv's pending callbacks): let it run.
      await new Promise((resolve) => setImmediate(resolve));
    };
    let rounds = 0;
    while (t.app.liveClients() > 1 && rounds < maxRounds) {
      await round();
      rounds += 1;
    }
    expect(t.app.liveClients(), `clients after ${rounds} rounds of ${messageBytes} bytes`).toBe(1);
    expect(slowMessages).toBe(0);
    // The stream goes on for the client that reads.
    await round();
    expect(t.app.liveClients()).toBe(1);
    slow.ws.resume();
    expect(await slow.closed).toBe(1006); // terminated, no close handshake
    await healthy.close();
    await waitFor('all clients unsubscribed', () => t.app.liveClients() === 0);
  });

  it('answers a plain HTTP request with 426 (and without a session with 401)', async () => {
    const httpUrl = url.replace(/^ws/, 'http');
    const res = await fetch(httpUrl, { headers: { cookie: viewer.cookie ?? '' } });
    expect(res.status).toBe(426);
    expect((await fetch(httpUrl)).status).toBe(401);
  });
});

describe('WebSocket /api/v1/live access', () => {
  let t: TestApp;
  let url: string;
  let origin: string;
  /** The server's open TCP connections. */
  const serverSockets = new Set<Socket>();

  beforeAll(async () => {
    ({ t, url, origin } = await listening());
    t.app.server.on('connection', (socket: Socket) => {
      serverSockets.add(socket);
      socket.on('close', () => serverSockets.delete(socket));
    });
  });

  afterAll(async () => {
    // A refused handshake's connection can outlive the client (see the test that says so);
    // app.close() would wait for it forever.
    for (const socket of serverSockets) socket.destroy();
    await t?.close();
  });

  it('refuses a handshake without a session (401) or with a made-up one (401)', async () => {
    expect(await refusedStatus(url, { origin })).toBe(401);
    expect(await refusedStatus(url, {})).toBe(401);
    expect(await refusedStatus(url, { origin, cookie: 'lanewatch_session=forged-token' })).toBe(401);
    expect(t.app.liveClients()).toBe(0);
  });

  it('releases the connection of a refused handshake once the client is gone', async () => {
    const earlier = new Set(serverSockets);
    expect(await refusedStatus(url, { origin })).toBe(401);
    expect(await refusedStatus(url, { origin: 'https://evil.example', cookie: await t.login('viewer') })).toBe(403);
    // The clients have hung up: the server must not keep their sockets (a leak, and a close that never ends).
    await waitFor('the server closed the refused connections', () => [...serverSockets].every((socket) => earlier.has(socket)), { timeoutMs: 2_000 });
  });

  it('refuses a handshake from a foreign Origin (403), even with a session', async () => {
    const cookie = await t.login('viewer');
    expect(await refusedStatus(url, { cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await refusedStatus(url, { cookie, origin: origin.replace('127.0.0.1', 'localhost') })).toBe(403);
    expect(t.app.liveClients()).toBe(0);
    // A script (no Origin at all) with a session is let in.
    const script = await TestClient.connect(url, { cookie });
    try {
      await script.opening();
    } finally {
      await script.close();
    }
  });

  it("streams a province user's own province only; subscribing to another province or its links is an error that keeps the filter", async () => {
    const hue = sample('t1-hue', 'hue', { atMs: Date.now() - 1_000 });
    const caMau = sample('t1-ca-mau', 'ca-mau', { atMs: Date.now() - 1_000 });
    t.bus.publish(batch([hue, caMau]));
    const client = await TestClient.connect(url, await as(t, origin, 'hue'));
    try {
      const { snapshot, states } = await client.opening();
      expect(snapshot.samples).toContainEqual(hue);
      expect(snapshot.samples.every((s) => s.province === 'hue')).toBe(true);
      expect(states.provinces.map((p) => p.province)).toEqual(['hue']);
      expect(states.links.every((s) => s.province === 'hue')).toBe(true);

      const next = () => [sample('t1-hue', 'hue'), sample('t1-ca-mau', 'ca-mau')] as const;
      let [ownSample, otherSample] = next();
      t.bus.publish(batch([ownSample, otherSample]));
      expect(await client.next()).toEqual({ type: 'samples', samples: [ownSample] });

      for (const refused of [
        { subscribe: { type: 'subscribe', province: 'ca-mau' }, mentions: 'ca-mau' },
        { subscribe: { type: 'subscribe', links: ['t1-hue', 't1-ca-mau'] }, mentions: 't1-ca-mau' },
        { subscribe: { type: 'subscribe', province: 'hue', links: ['t1-ca-mau'] }, mentions: 't1-ca-mau' },
      ]) {
        client.send(refused.subscribe);
        const error = messageOfType(await client.next(), 'error', JSON.stringify(refused.subscribe));
        expect(error.message).toContain(refused.mentions);
        // Still its own province, nothing else.
        [ownSample, otherSample] = next();
        t.bus.publish(batch([otherSample]));
        t.bus.publish(batch([ownSample, otherSample]));
        expect(await client.next()).toEqual({ type: 'samples', samples: [ownSample] });
      }

      // "Everything" for a province user is its own province.
      client.send({ type: 'subscribe' });
      const again = await client.opening();
      expect(again.snapshot.samples.every((s) => s.province === 'hue')).toBe(true);
      expect(again.states.provinces.map((p) => p.province)).toEqual(['hue']);
      [ownSample, otherSample] = next();
      t.bus.publish(batch([ownSample, otherSample]));
      expect(await client.next()).toEqual({ type: 'samples', samples: [ownSample] });
    } finally {
      await client.close();
    }
  });
});

describe('WebSocket /api/v1/live states', () => {
  let t: TestApp;
  let url: string;
  let origin: string;
  let viewer: Handshake;
  let atMs = Date.now();

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
  // Encroaching (Internet above what the reservations leave) and busy, under critUtil: warning.
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
    ({ t, url, origin } = await listening());
    viewer = await as(t, origin, 'viewer');
    // The example policy, with a state entered on the first sample and left on the first clean
    // one, saved by an engineer through the API.
    const { document, revision } = t.policies.current();
    const quick: PolicyDocument = structuredClone(document);
    quick.defaults.thresholds = { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 1, clearAfter: 1 };
    const saved = await t.as('engineer')({ method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': `"${revision}"` }, payload: { document: quick } });
    if (saved.statusCode !== 200) throw new Error(`policy save: ${saved.statusCode} ${saved.body}`);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('sends the whole states picture after the snapshot on connect, then the states each batch changed', async () => {
    t.bus.publish(surge('t1-hue', 'hue'));
    const client = await TestClient.connect(url, viewer);
    try {
      const { states: first } = await client.opening();
      expect(first).not.toHaveProperty('changes');
      expect(first.provinces).toHaveLength(34);
      expect(first.provinces.find((p) => p.province === 'hue')?.level).toBe('warning');
      expect(first.links.map((s) => [s.link, s.dir, s.level])).toEqual([['t1-hue', 'down', 'warning']]);

      // Samples that change nothing: samples only, no states.
      t.bus.publish(surge('t1-hue', 'hue'));
      expect((await client.next()).type).toBe('samples');
      // One batch changing two links: one stateChanges message, after that batch's samples.
      atMs += 1_000;
      const two = batch([...calm('t1-hue', 'hue').links, ...surge('t1-ca-mau', 'ca-mau').links].map((s) => ({ ...s, atMs })));
      t.bus.publish(two);
      const pair = [await client.next(), await client.next()];
      expect(pair.map((m) => m.type)).toEqual(['samples', 'stateChanges']);
      const changed = messageOfType(pair[1], 'stateChanges');
      expect(changed.changes.map((c) => [c.link, c.from, c.to])).toEqual([['t1-hue', 'warning', 'ok'], ['t1-ca-mau', 'ok', 'warning']]);
      // The two links and their two provinces, not the picture again.
      expect(changed.links.map((s) => [s.link, s.level])).toEqual([['t1-ca-mau', 'warning'], ['t1-hue', 'ok']]);
      expect(new Map(changed.provinces.map((p) => [p.province, p.level]))).toEqual(new Map([['hue', 'ok'], ['ca-mau', 'warning']]));
    } finally {
      await client.close();
    }
  });

  it('respects the subscription: only its links and provinces, only changes it can see', async () => {
    const client = await TestClient.connect(url, viewer);
    try {
      await client.opening();
      client.send({ type: 'subscribe', province: 'da-nang' });
      expect((await client.next()).type).toBe('snapshot');
      const filtered = await nextOf(client, 'states');
      expect(filtered.provinces.map((p) => p.province)).toEqual(['da-nang']);
      expect(filtered.links.every((s) => s.province === 'da-nang')).toBe(true);

      t.bus.publish(calm('t1-ca-mau', 'ca-mau')); // a change this client does not see
      t.bus.publish(surge('t1-da-nang', 'da-nang'));
      const next = await nextOf(client, 'stateChanges');
      expect(next.changes.map((c) => [c.link, c.to])).toEqual([['t1-da-nang', 'warning']]);
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

  it("gives a province user its own province's states and changes only", async () => {
    const client = await TestClient.connect(url, await as(t, origin, 'ca-mau'));
    try {
      const { states } = await client.opening();
      expect(states.provinces.map((p) => p.province)).toEqual(['ca-mau']);
      expect(states.links.every((s) => s.province === 'ca-mau')).toBe(true);

      t.bus.publish(calm('t1-da-nang', 'da-nang')); // another province's change: not for this user
      t.bus.publish(surge('t1-ca-mau', 'ca-mau'));
      const next = await nextOf(client, 'stateChanges');
      expect(next.changes.map((c) => [c.link, c.to])).toEqual([['t1-ca-mau', 'warning']]);
      expect(next.links.map((s) => s.link)).toEqual(['t1-ca-mau']);
      expect(next.provinces.map((p) => p.province)).toEqual(['ca-mau']);

      // Subscribing to another province is refused; the stream stays on its own.
      client.send({ type: 'subscribe', province: 'da-nang' });
      expect(await nextOf(client, 'error')).toMatchObject({ message: expect.stringContaining('da-nang') });
      t.bus.publish(surge('t1-da-nang', 'da-nang'));
      t.bus.publish(calm('t1-ca-mau', 'ca-mau'));
      const after = await nextOf(client, 'stateChanges');
      expect(after.changes.map((c) => [c.link, c.to])).toEqual([['t1-ca-mau', 'ok']]);
      expect(after.links.map((s) => s.province)).toEqual(['ca-mau']);
      expect(after.provinces.map((p) => p.province)).toEqual(['ca-mau']);
    } finally {
      await client.close();
    }
  });

  it('gives a client that comes mid-stream the whole picture first; changes applied over it end as the analyzer holds them', async () => {
    const early = await TestClient.connect(url, viewer);
    try {
      const { states: earlyStates } = await early.opening();
      // Changes before the second client comes: it must see them in its picture, not as changes.
      t.bus.publish(surge('t1-thanh-hoa', 'thanh-hoa'));
      t.bus.publish(surge('t1-quang-ninh', 'quang-ninh'));
      // Both in one coalescing window: one message.
      const held = [await nextOf(early, 'stateChanges')];
      expect(held[0]!.links.map((s) => s.link)).toEqual(['t1-quang-ninh', 't1-thanh-hoa']);
      const late = await TestClient.connect(url, viewer);
      try {
        const { states: lateStates } = await late.opening();
        expect(lateStates.links.filter((s) => ['t1-thanh-hoa', 't1-quang-ninh'].includes(s.link)).map((s) => [s.link, s.level])).toEqual([
          ['t1-quang-ninh', 'warning'],
          ['t1-thanh-hoa', 'warning'],
        ]);
        // One change after: both clients get the very same message, with that link only.
        t.bus.publish(calm('t1-thanh-hoa', 'thanh-hoa'));
        const [fromEarly, fromLate] = [await nextOf(early, 'stateChanges'), await nextOf(late, 'stateChanges')];
        expect(fromLate).toEqual(fromEarly);
        expect(fromLate.links.map((s) => [s.link, s.level])).toEqual([['t1-thanh-hoa', 'ok']]);
        // Each client's picture with its changes applied is the analyzer's.
        const view = t.analyzer.view();
        const expected = pictureOf(view);
        expect(pictureOf(applyChanges(earlyStates, [...held, fromEarly]))).toEqual(expected);
        expect(pictureOf(applyChanges(lateStates, [fromLate]))).toEqual(expected);
      } finally {
        await late.close();
      }
    } finally {
      await early.close();
    }
  });
});

/** A states picture with `changes` applied in order (each replaces the entries it names). */
function applyChanges(
  picture: { links: LinkStatus[]; provinces: ProvinceStatus[] },
  changes: readonly { links: LinkStatus[]; provinces: ProvinceStatus[] }[],
): { links: LinkStatus[]; provinces: ProvinceStatus[] } {
  const links = new Map(picture.links.map((s) => [`${s.link}|${s.dir}`, s]));
  const provinces = new Map(picture.provinces.map((p) => [p.province, p]));
  for (const change of changes) {
    for (const s of change.links) links.set(`${s.link}|${s.dir}`, s);
    for (const p of change.provinces) provinces.set(p.province, p);
  }
  return { links: [...links.values()], provinces: [...provinces.values()] };
}

/** The levels of a picture, by link direction and province (what a client shows). */
function pictureOf(picture: { links: LinkStatus[]; provinces: ProvinceStatus[] }): { links: Map<string, string>; provinces: Map<string, unknown> } {
  return {
    links: new Map(picture.links.map((s) => [`${s.link}|${s.dir}`, `${s.level} since ${s.sinceMs}`])),
    provinces: new Map(picture.provinces.map((p) => [p.province, { level: p.level, worst: p.worst }])),
  };
}

describe('WebSocket /api/v1/live limits', () => {
  let t: TestApp;
  let url: string;
  let origin: string;
  const maxLiveClients = 3;

  beforeAll(async () => {
    const limited: LanewatchConfig = { ...config, settings: { ...config.settings, server: { ...config.settings.server, maxLiveClients } } };
    ({ t, url, origin } = await listening({ config: limited }));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('refuses clients beyond server.maxLiveClients with close code 1013, and admits again when one leaves', async () => {
    const viewer = await as(t, origin, 'viewer');
    const clients = await Promise.all(Array.from({ length: maxLiveClients }, () => TestClient.connect(url, viewer)));
    await Promise.all(clients.map((c) => c.opening()));
    const extra = await TestClient.connect(url, viewer);
    expect(await extra.closed).toBe(1013);
    expect(t.app.liveClients()).toBe(maxLiveClients);
    await clients[0]!.close();
    await waitFor('one client left', () => t.app.liveClients() === maxLiveClients - 1);
    const again = await TestClient.connect(url, viewer);
    await again.opening();
    for (const c of [...clients.slice(1), again]) await c.close();
  });

  it("rate-limits subscribe: a burst of five answered with the new filter's snapshot only, then errors", async () => {
    const client = await TestClient.connect(url, await as(t, origin, 'viewer'));
    try {
      await client.opening();
      t.bus.publish(batch([sample('t1-hue', 'hue'), sample('t1-thanh-hoa', 'thanh-hoa')]));
      expect((await client.next()).type).toBe('samples');
      for (let i = 0; i < 5; i++) client.send({ type: 'subscribe', province: 'hue' });
      for (let i = 0; i < 5; i++) {
        const { snapshot } = await client.opening();
        expect(new Set(snapshot.samples.map((s) => s.province))).toEqual(new Set(['hue']));
      }
      client.send({ type: 'subscribe' });
      const refused = await client.next();
      expect(refused).toMatchObject({ type: 'error', message: expect.stringContaining('too many') });
      // The filter stayed: the next batch carries Huế only.
      t.bus.publish(batch([sample('t1-hue', 'hue', { dir: 'up' }), sample('t1-thanh-hoa', 'thanh-hoa', { dir: 'up' })]));
      const next = messageOfType(await client.next(), 'samples');
      expect(next.samples.map((s) => s.province)).toEqual(['hue']);
    } finally {
      await client.close();
    }
  });
});
