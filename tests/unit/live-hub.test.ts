// The live fan-out: each batch serialised once per distinct filter (clients with the same
// filter get the very same text), a client's size check before each send, and the subscribe
// token bucket. Real LiveBus, LiveSnapshot and LiveConnection over a recording socket.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { LiveConnection, SubscribeLimiter, filterKey, type LiveSocket } from '../../server/live/connection.ts';
import { LiveHub } from '../../server/live/hub.ts';
import { LiveSnapshot } from '../../server/live/snapshot.ts';
import { TopologyScope } from '../../server/auth/scope.ts';
import type { Principal } from '../../api/access.ts';
import type { LinkDir, StatesSource } from '../../server/analysis/analyzer.ts';
import type { AnalyzerView, LinkStateChange } from '../../server/analysis/model.ts';

class RecordingSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  terminated = false;
  readonly #listeners = new Map<string, ((arg?: unknown) => void)[]>();
  send(data: string): void {
    this.sent.push(data);
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
    for (const l of this.#listeners.get('close') ?? []) l();
  }
  close(): void {
    this.terminate();
  }
  on(event: 'message', listener: (data: unknown) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: string, listener: (arg: never) => void): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener as (arg?: unknown) => void]);
    return this;
  }
  emit(event: string, arg?: unknown): void {
    for (const l of this.#listeners.get(event) ?? []) l(arg);
  }
}

const topology = {
  intervalMs: 1_000,
  provinces: [
    { id: 'hue', name: 'Huế', region: 'central' },
    { id: 'ha-noi', name: 'Hà Nội', region: 'north' },
  ],
  routers: [{ id: 'core', name: 'core' }],
  links: [
    { id: 't1-hue', name: 'Huế', tier: 1 as const, province: 'hue', router: 'core', ifName: 'a', downIs: 'out' as const },
    { id: 't1-ha-noi', name: 'Hà Nội', tier: 1 as const, province: 'ha-noi', router: 'core', ifName: 'b', downIs: 'out' as const },
  ],
};
const scope = new TopologyScope(topology);
const known = { links: new Set(['t1-hue', 't1-ha-noi']), provinces: new Set(['hue', 'ha-noi']) };

function sample(link: string, province: string): LinkSample {
  return { atMs: 1, intervalMs: 1_000, link, province, tier: 1, dir: 'down', class: 'total', bitsPerSecond: 1, capacityBps: 10, utilization: 0.1 };
}
function batch(links: LinkSample[]): PollBatch {
  return { poll: { atMs: 1, device: 'core', province: 'hue', ok: true, latencyMs: 1, varbinds: 1 }, links, interfaces: [] };
}

function setup(maxBufferedBytes = 1_000_000, coalesceMs = 0, states?: StatesSource) {
  const bus = new LiveBus();
  const snapshot = new LiveSnapshot({ bus, maxAgeMs: 60_000 });
  const hub = new LiveHub({ bus, maxClients: 10, coalesceMs, ...(states ? { states } : {}) });
  hub.start();
  const connect = (principal: Principal) => {
    const socket = new RecordingSocket();
    const connection = new LiveConnection({ socket, snapshot, known, maxBufferedBytes, log: pino({ level: 'silent' }), principal, scope, ...(states ? { states } : {}) });
    expect(hub.admit(connection)).toBe(true);
    connection.start(() => hub.remove(connection));
    return { socket, connection };
  };
  return { bus, hub, connect };
}

describe('LiveHub', () => {
  it('serialises a batch once per distinct filter; clients with one filter get the same text', () => {
    const { bus, hub, connect } = setup();
    const viewers = [connect({ username: 'v1', role: 'viewer' }), connect({ username: 'v2', role: 'viewer' }), connect({ username: 'v3', role: 'engineer' })];
    const hue = [connect({ username: 'hue', role: 'province', province: 'hue' }), connect({ username: 'hue2', role: 'province', province: 'hue' })];
    bus.publish(batch([sample('t1-hue', 'hue'), sample('t1-ha-noi', 'ha-noi')]));
    expect(hub.lastSerialisations).toBe(2);
    const national = viewers.map((v) => v.socket.sent.at(-1));
    expect(new Set(national).size).toBe(1);
    expect(JSON.parse(national[0]!)).toMatchObject({ type: 'samples', samples: [{ link: 't1-hue' }, { link: 't1-ha-noi' }] });
    const province = hue.map((h) => h.socket.sent.at(-1));
    expect(new Set(province).size).toBe(1);
    expect(JSON.parse(province[0]!)).toMatchObject({ type: 'samples', samples: [{ link: 't1-hue' }] });
  });

  it('sends nothing to a filter the batch does not touch, and forgets a client that left', () => {
    const { bus, hub, connect } = setup();
    const hanoi = connect({ username: 'hn', role: 'province', province: 'ha-noi' });
    const before = hanoi.socket.sent.length;
    bus.publish(batch([sample('t1-hue', 'hue')]));
    expect(hanoi.socket.sent.length).toBe(before);
    hanoi.socket.terminate();
    expect(hub.size).toBe(0);
  });

  it('drops a client whose waiting data plus the next message would pass the bound; a big message to an idle client goes', () => {
    const { bus, connect } = setup(200);
    const idle = connect({ username: 'a', role: 'viewer' });
    const slow = connect({ username: 'b', role: 'viewer' });
    slow.socket.bufferedAmount = 150;
    bus.publish(batch([sample('t1-hue', 'hue'), sample('t1-ha-noi', 'ha-noi')]));
    expect(slow.socket.terminated).toBe(true);
    expect(idle.socket.terminated).toBe(false);
    expect(idle.socket.sent.at(-1)!.length).toBeGreaterThan(200);
  });
});

describe("a province user's live scope", () => {
  /** Every link and province a message carries (samples and states alike). */
  const seen = (text: string): string[] => {
    const message = JSON.parse(text) as { samples?: LinkSample[]; links?: { province: string }[]; provinces?: { province: string }[] };
    return [...(message.samples ?? []), ...(message.links ?? []), ...(message.provinces ?? [])].map((entry) => entry.province);
  };

  it('is its own province through every subscription, refused or not; never the whole country', () => {
    const { bus, connect } = setup();
    const hue = connect({ username: 'hue', role: 'province', province: 'hue' });
    const subscriptions = [
      { type: 'subscribe' },
      { type: 'subscribe', province: 'ha-noi' },
      { type: 'subscribe', links: ['t1-ha-noi'] },
      { type: 'subscribe', links: ['t1-hue'] },
      { type: 'subscribe', province: 'hue' },
      { type: 'subscribe' },
    ];
    for (const subscription of subscriptions) {
      hue.socket.emit('message', JSON.stringify(subscription));
      expect(hue.connection.filter, JSON.stringify(subscription)).toBeDefined();
      bus.publish(batch([sample('t1-hue', 'hue'), sample('t1-ha-noi', 'ha-noi')]));
    }
    expect(hue.socket.sent.filter((text) => seen(text).length > 0).length).toBeGreaterThanOrEqual(subscriptions.length);
    expect(new Set(hue.socket.sent.flatMap(seen))).toEqual(new Set(['hue']));
  });

  it('is nothing for a province account that names no province: told why and closed', () => {
    const { bus, hub, connect } = setup();
    const lost = connect({ username: 'lost', role: 'province' });
    expect(lost.socket.sent.map((text) => JSON.parse(text) as unknown)).toEqual([
      { type: 'error', message: 'this province account names no province: nothing to show' },
    ]);
    expect(lost.socket.terminated).toBe(true);
    expect(lost.connection.closed).toBe(true);
    expect(hub.size).toBe(0);
    expect(lost.connection.filter).toEqual({ links: new Set() });
    bus.publish(batch([sample('t1-hue', 'hue')]));
    expect(lost.socket.sent).toHaveLength(1);
  });
});

describe('a link sampled under another province', () => {
  it('gives the clients watching the province it left their whole picture again; the others only the changes', () => {
    // The analyzer's side as the hub sees it: a batch moved t1-hue, now sampled under ha-noi.
    const view: AnalyzerView = { atMs: 1, links: [], provinces: [{ province: 'hue', level: 'ok', worst: [] }, { province: 'ha-noi', level: 'ok', worst: [] }] };
    let announce: ((moved: LinkDir[], changes: LinkStateChange[]) => void) | undefined;
    const states: StatesSource = {
      view: () => view,
      changed: () => view,
      onBatchStates: (listener) => {
        announce = listener;
        return () => (announce = undefined);
      },
    };
    const { connect } = setup(1_000_000, 0, states);
    const hue = connect({ username: 'hue', role: 'province', province: 'hue' });
    const hanoi = connect({ username: 'hn', role: 'province', province: 'ha-noi' });
    const national = connect({ username: 'v', role: 'viewer' });
    const types = (socket: RecordingSocket, from: number): string[] => socket.sent.slice(from).map((t) => (JSON.parse(t) as { type: string }).type);
    const before = [hue, hanoi, national].map((c) => c.socket.sent.length);
    announce?.([{ link: 't1-hue', dir: 'down', leftProvince: 'hue' }], []);
    expect(types(hue.socket, before[0]!)).toEqual(['stateChanges', 'snapshot', 'states']);
    expect(types(hanoi.socket, before[1]!)).toEqual(['stateChanges']);
    expect(types(national.socket, before[2]!)).toEqual(['stateChanges']);
    // A move that leaves no province (a tier change): nobody is refreshed.
    const after = [hue, hanoi].map((c) => c.socket.sent.length);
    announce?.([{ link: 't1-hue', dir: 'down' }], []);
    expect(types(hue.socket, after[0]!)).toEqual(['stateChanges']);
    expect(types(hanoi.socket, after[1]!)).toEqual(['stateChanges']);
  });
});

describe('LiveHub coalescing', () => {
  it('sends the batches of one window as one message, in order, and nothing after stop', async () => {
    const { bus, hub, connect } = setup(1_000_000, 30);
    const viewer = connect({ username: 'v', role: 'viewer' });
    const opening = viewer.socket.sent.length;
    bus.publish(batch([sample('t1-hue', 'hue')]));
    bus.publish(batch([sample('t1-ha-noi', 'ha-noi')]));
    bus.publish(batch([sample('t1-hue', 'hue')]));
    expect(viewer.socket.sent.length).toBe(opening);
    await new Promise((r) => setTimeout(r, 80));
    expect(viewer.socket.sent.length).toBe(opening + 1);
    const message = JSON.parse(viewer.socket.sent.at(-1)!) as { type: string; samples: LinkSample[] };
    expect(message.type).toBe('samples');
    expect(message.samples.map((s) => s.link)).toEqual(['t1-hue', 't1-ha-noi', 't1-hue']);
    bus.publish(batch([sample('t1-hue', 'hue')]));
    hub.stop();
    await new Promise((r) => setTimeout(r, 80));
    expect(viewer.socket.sent.length).toBe(opening + 1);
  });
});

describe('filterKey', () => {
  it.each([
    [undefined, '*'],
    [{ province: 'hue' }, 'p=hue;l='],
    [{ links: new Set(['b', 'a']) }, 'p=;l=a,b'],
    [{ links: new Set(['a', 'b']), province: 'hue' }, 'p=hue;l=a,b'],
  ])('%o → %s', (filter, key) => {
    expect(filterKey(filter)).toBe(key);
  });
});

describe('SubscribeLimiter', () => {
  it('allows a burst of five, then one per two seconds', () => {
    const limiter = new SubscribeLimiter(0);
    expect(Array.from({ length: 6 }, () => limiter.take(0))).toEqual([true, true, true, true, true, false]);
    expect(limiter.take(1_000)).toBe(false);
    expect(limiter.take(2_000)).toBe(true);
    expect(limiter.take(2_000)).toBe(false);
    expect(limiter.take(60_000)).toBe(true);
  });
});
