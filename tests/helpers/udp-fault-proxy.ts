// A UDP relay in user space between the collector and SNMP agents, injecting network faults (the
// test kernel has no netem). One front socket per agent address: point the collector's router
// address at `addressOf(agent)`; each client port seen on a front socket gets its own back
// socket to the agent, so answers find their way back. Every datagram, in both directions,
// goes through the same seeded faults:
//   - loss: dropped with probability `lossRate`;
//   - delay and jitter: held for `delayMs` ± `jitterMs` (uniform);
//   - reordering: with probability `reorderRate` held `reorderExtraMs` longer, so later
//     datagrams overtake it;
//   - duplication: with probability `duplicateRate` sent twice (the copy 1–5 ms later);
//   - truncation: with probability `truncateRate` cut to a random shorter length;
//   - corruption: with probability `corruptRate` one random bit flipped in the message envelope
//     (the first `corruptBytes` bytes: BER lengths, version, community, PDU type, request id).
//     A flip among the varbind values would keep the message valid and change a counter: no
//     SNMPv2c receiver can notice that (there is no checksum; SNMPv3 authPriv's HMAC would),
//     so it is not what this relay injects.
// Same seed, same decisions for the same sequence of datagrams.
import { createSocket, type Socket } from 'node:dgram';

export interface UdpFaults {
  lossRate: number;
  delayMs: number;
  jitterMs: number;
  duplicateRate: number;
  reorderRate: number;
  reorderExtraMs: number;
  truncateRate: number;
  corruptRate: number;
  /** Bytes at the start of a datagram where a corruption lands (default 24). */
  corruptBytes?: number;
}

export const noFaults: UdpFaults = {
  lossRate: 0,
  delayMs: 0,
  jitterMs: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderExtraMs: 0,
  truncateRate: 0,
  corruptRate: 0,
};

export interface UdpFaultCounts {
  datagrams: number;
  dropped: number;
  delivered: number;
  duplicated: number;
  reordered: number;
  truncated: number;
  corrupted: number;
}

const zeroCounts = (): UdpFaultCounts => ({ datagrams: 0, dropped: 0, delivered: 0, duplicated: 0, reordered: 0, truncated: 0, corrupted: 0 });

/** mulberry32: a small seeded PRNG, [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What happens to one datagram: pure, given the random draws. */
export interface FaultDecision {
  drop: boolean;
  delayMs: number;
  reordered: boolean;
  /** Also sent again this much later; undefined: once. */
  duplicateAfterMs?: number;
  /** Cut to this many bytes; undefined: whole. */
  truncateTo?: number;
  /** Byte and bit flipped; undefined: intact. */
  corrupt?: { byte: number; bit: number };
}

/** Pure: the fate of a datagram of `length` bytes under `faults`, drawing from `random`. */
export function decide(faults: UdpFaults, length: number, random: () => number): FaultDecision {
  // Every draw is taken, in a fixed order, so one datagram's fate never shifts another's.
  const [lost, jitter, reorder, duplicate, duplicateGap, truncate, truncateAt, corrupt, corruptAt, corruptBit] = Array.from({ length: 10 }, random) as [
    number, number, number, number, number, number, number, number, number, number,
  ];
  const reordered = reorder < faults.reorderRate;
  const decision: FaultDecision = {
    drop: lost < faults.lossRate,
    delayMs: Math.max(0, faults.delayMs + (2 * jitter - 1) * faults.jitterMs) + (reordered ? faults.reorderExtraMs : 0),
    reordered,
  };
  if (duplicate < faults.duplicateRate) decision.duplicateAfterMs = 1 + Math.floor(duplicateGap * 5);
  if (truncate < faults.truncateRate && length > 1) decision.truncateTo = Math.floor(truncateAt * (length - 1));
  if (corrupt < faults.corruptRate && length > 0) {
    decision.corrupt = { byte: Math.floor(corruptAt * Math.min(length, faults.corruptBytes ?? 24)), bit: Math.floor(corruptBit * 8) };
  }
  return decision;
}

/** Pure: the bytes actually sent under a decision. */
export function applyDecision(datagram: Buffer, decision: FaultDecision): Buffer {
  let out = decision.truncateTo !== undefined ? Buffer.from(datagram.subarray(0, decision.truncateTo)) : Buffer.from(datagram);
  if (decision.corrupt && decision.corrupt.byte < out.length) {
    out = Buffer.from(out);
    out[decision.corrupt.byte] = out[decision.corrupt.byte]! ^ (1 << decision.corrupt.bit);
  }
  return out;
}

function bind(socket: Socket, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

interface Front {
  target: { host: string; port: number };
  socket: Socket;
  /** Client `host:port` → its back socket to the agent, and when it was last used. */
  backs: Map<string, { socket: Socket; lastUsedMs: number }>;
}

export class UdpFaultProxy {
  readonly #fronts = new Map<string, Front>();
  readonly #random: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sweeper: NodeJS.Timeout;
  #faults: UdpFaults;
  #stopped = false;
  readonly toAgent: UdpFaultCounts = zeroCounts();
  readonly toClient: UdpFaultCounts = zeroCounts();

  private constructor(faults: UdpFaults, seed: number) {
    this.#faults = faults;
    this.#random = seededRandom(seed);
    // A client (one SNMP session per poll) that has been quiet for 10 s is gone: close its back socket.
    this.#sweeper = setInterval(() => this.#sweep(10_000), 2_000);
    this.#sweeper.unref();
  }

  /** A front socket on a free loopback port for every agent address (`host:port`). */
  static async start(agents: readonly string[], faults: UdpFaults, seed: number): Promise<UdpFaultProxy> {
    const proxy = new UdpFaultProxy(faults, seed);
    try {
      for (const agent of agents) await proxy.#addFront(agent);
    } catch (err) {
      await proxy.stop();
      throw err;
    }
    return proxy;
  }

  /** Where to send to reach `agent` through the faults. */
  addressOf(agent: string): string {
    const front = this.#fronts.get(agent);
    if (!front) throw new Error(`udp fault proxy: no front for agent ${agent}`);
    return `127.0.0.1:${front.socket.address().port}`;
  }

  setFaults(faults: UdpFaults): void {
    this.#faults = faults;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweeper);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closing: Promise<void>[] = [];
    for (const front of this.#fronts.values()) {
      for (const back of front.backs.values()) closing.push(new Promise((r) => back.socket.close(() => r())));
      closing.push(new Promise((r) => front.socket.close(() => r())));
    }
    this.#fronts.clear();
    await Promise.all(closing);
  }

  async #addFront(agent: string): Promise<void> {
    const m = /^(.+):(\d+)$/.exec(agent);
    if (!m) throw new Error(`udp fault proxy: agent address must be host:port, got ${agent}`);
    const socket = createSocket('udp4');
    await bind(socket);
    const front: Front = { target: { host: m[1]!, port: Number(m[2]) }, socket, backs: new Map() };
    this.#fronts.set(agent, front);
    socket.on('error', () => undefined);
    socket.on('message', (datagram, rinfo) => {
      const back = this.#backFor(front, `${rinfo.address}:${rinfo.port}`, rinfo.address, rinfo.port);
      back.lastUsedMs = Date.now();
      this.#forward(datagram, this.toAgent, (bytes) => back.socket.send(bytes, front.target.port, front.target.host));
    });
  }

  /** The client's back socket (created and bound at once: sends before the bind completes wait for it). */
  #backFor(front: Front, key: string, clientHost: string, clientPort: number): { socket: Socket; lastUsedMs: number } {
    const known = front.backs.get(key);
    if (known) return known;
    const socket = createSocket('udp4');
    const back = { socket, lastUsedMs: Date.now() };
    front.backs.set(key, back);
    socket.on('error', () => undefined);
    socket.on('message', (datagram) => {
      back.lastUsedMs = Date.now();
      this.#forward(datagram, this.toClient, (bytes) => front.socket.send(bytes, clientPort, clientHost));
    });
    socket.bind(0, '127.0.0.1');
    return back;
  }

  #forward(datagram: Buffer, counts: UdpFaultCounts, send: (bytes: Buffer) => void): void {
    if (this.#stopped) return;
    counts.datagrams += 1;
    const decision = decide(this.#faults, datagram.length, this.#random);
    if (decision.drop) {
      counts.dropped += 1;
      return;
    }
    if (decision.reordered) counts.reordered += 1;
    if (decision.truncateTo !== undefined) counts.truncated += 1;
    if (decision.corrupt) counts.corrupted += 1;
    const bytes = applyDecision(datagram, decision);
    const later = (delayMs: number, what: () => void): void => {
      if (delayMs <= 0) {
        what();
        return;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (!this.#stopped) what();
      }, delayMs);
      this.#timers.add(timer);
    };
    later(decision.delayMs, () => {
      counts.delivered += 1;
      send(bytes);
    });
    if (decision.duplicateAfterMs !== undefined) {
      counts.duplicated += 1;
      later(decision.delayMs + decision.duplicateAfterMs, () => send(bytes));
    }
  }

  #sweep(idleMs: number): void {
    const nowMs = Date.now();
    for (const front of this.#fronts.values()) {
      for (const [key, back] of front.backs) {
        if (nowMs - back.lastUsedMs < idleMs) continue;
        front.backs.delete(key);
        back.socket.close();
      }
    }
  }
}
