// One WebSocket client of the live stream: a snapshot and the whole states picture on connect
// and on every new subscription (rate-limited), then what the hub hands it (samples, and the
// states that changed). A client that cannot keep up is
// dropped, not buffered.
import type { FastifyBaseLogger } from 'fastify';
import type { LinkSample } from '../../collector/samples.ts';
import type { LiveSnapshot } from './snapshot.ts';
import type { StatesSource } from '../analysis/analyzer.ts';
import type { AnalyzerView, LinkStateChange, LinkStatus, ProvinceStatus } from '../analysis/model.ts';
import type { Principal } from '../../api/access.ts';
import { confinedTo, type TopologyScope } from '../auth/scope.ts';
import { applyFilter, matchesFilter, parseClientMessage, type KnownIds, type LiveFilter } from './filter.ts';
import type { LiveMetrics } from './metrics.ts';

/** The part of a `ws` WebSocket this module uses. */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const OPEN = 1;

export type ServerMessage =
  | { type: 'snapshot'; atMs: number; samples: LinkSample[] }
  | { type: 'samples'; samples: LinkSample[] }
  | StatesMessage
  | StateChangesMessage
  | { type: 'error'; message: string };

/**
 * The link and province states the client's filter lets through, the whole (filtered) picture:
 * sent on connect and after every new subscription, so a client replaces what it had.
 */
export interface StatesMessage {
  type: 'states';
  atMs: number;
  links: LinkStatus[];
  provinces: ProvinceStatus[];
}

/**
 * What changed since: the current status of each link direction whose state changed or that is
 * new in the picture (and of the provinces they are in), within the client's filter, and the
 * changes themselves. A client applies them over the picture it holds; the rest stays.
 */
export interface StateChangesMessage {
  type: 'stateChanges';
  atMs: number;
  links: LinkStatus[];
  provinces: ProvinceStatus[];
  changes: LinkStateChange[];
}

/** Pure: the part of the states a filter lets through; a province passes with its own filter or with one of its links. */
export function filterStates(
  links: readonly LinkStatus[],
  provinces: readonly ProvinceStatus[],
  filter: LiveFilter | undefined,
): { links: LinkStatus[]; provinces: ProvinceStatus[] } {
  if (!filter) return { links: [...links], provinces: [...provinces] };
  const kept = links.filter((s) => matchesFilter(s, filter));
  const provinceIds = new Set(kept.map((s) => s.province));
  if (filter.province !== undefined) provinceIds.add(filter.province);
  return { links: kept, provinces: provinces.filter((p) => provinceIds.has(p.province)) };
}

/**
 * Pure: the `stateChanges` message for one filter: of `moved` (the analyzer's `changed`: the
 * statuses that moved, as they are now), what the filter lets through, with its `changes`;
 * undefined when the filter sees none of it (no link and no province of it).
 */
export function stateChangesMessage(
  moved: AnalyzerView,
  changes: readonly LinkStateChange[],
  filter: LiveFilter | undefined,
): StateChangesMessage | undefined {
  const mine = filterStates(moved.links, moved.provinces, filter);
  // A province the filter names may have changed with no link of it left in the window: a link
  // that moved to another province takes its level out of the one it left.
  if (mine.links.length === 0 && mine.provinces.length === 0) return undefined;
  return { type: 'stateChanges', atMs: moved.atMs, ...mine, changes: changes.filter((c) => matchesFilter(c, filter)) };
}

export interface LiveConnectionOptions {
  socket: LiveSocket;
  snapshot: LiveSnapshot;
  /** The analyzer's states: the whole picture after the snapshot (the hub sends what changes). */
  states?: StatesSource;
  known: KnownIds;
  /** Above this many bytes waiting to be sent, the client is disconnected. */
  maxBufferedBytes: number;
  log: FastifyBaseLogger;
  /** Who is connected: a province user's stream carries its own province only. */
  principal: Principal;
  scope: TopologyScope;
  /** Counts messages and bytes sent, and slow clients dropped. */
  metrics?: LiveMetrics;
}

/**
 * Pure: the filter a principal's subscription becomes, or the reason it is refused. A confined
 * principal's "everything" is its own province; naming another province or its links is refused.
 */
export function scopedFilter(
  filter: LiveFilter | undefined,
  principal: Principal,
  scope: Pick<TopologyScope, 'seesLink'>,
): { ok: true; filter: LiveFilter | undefined } | { ok: false; message: string } {
  // A province account that names no province is confined to nothing, never to everything.
  if (principal.role === 'province' && principal.province === undefined) {
    return { ok: false, message: 'this province account names no province: nothing to show' };
  }
  const only = confinedTo(principal);
  if (only === undefined) return { ok: true, filter };
  if (filter === undefined) return { ok: true, filter: { province: only } };
  if (filter.province !== undefined && filter.province !== only) {
    return { ok: false, message: `province: "${filter.province}" is not your province` };
  }
  const foreign = [...(filter.links ?? [])].filter((id) => !scope.seesLink(principal, id));
  if (foreign.length > 0) {
    return { ok: false, message: `links: ${foreign.slice(0, 5).map((id) => `"${id}"`).join(', ')} not in your province` };
  }
  return { ok: true, filter };
}

function messageText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (Array.isArray(data) && data.every((d) => Buffer.isBuffer(d))) return Buffer.concat(data).toString('utf8');
  return undefined;
}

/** `subscribe` messages: a burst of this many, then one per `subscribeRefillMs`. */
export const subscribeBurst = 5;
export const subscribeRefillMs = 2_000;

/** Pure token bucket for one client's subscribe messages. */
export class SubscribeLimiter {
  #tokens: number;
  #lastMs: number;
  readonly #burst: number;
  readonly #refillMs: number;

  constructor(nowMs: number, burst = subscribeBurst, refillMs = subscribeRefillMs) {
    this.#tokens = burst;
    this.#lastMs = nowMs;
    this.#burst = burst;
    this.#refillMs = refillMs;
  }

  /** True when a subscribe at `nowMs` may go through (and spends a token). */
  take(nowMs: number): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (nowMs - this.#lastMs) / this.#refillMs);
    this.#lastMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** A message serialised, with its size in UTF-8 bytes: measured once, however many clients it goes to. */
export interface Frame {
  text: string;
  bytes: number;
}

export function frameOf(message: ServerMessage): Frame {
  const text = JSON.stringify(message);
  return { text, bytes: Buffer.byteLength(text, 'utf8') };
}

/** Lets nothing through: the filter of a connection refused before it starts. */
const nothing: LiveFilter = { links: new Set() };

/** Pure: one string per distinct filter, so a batch is serialised once per filter, not per client. */
export function filterKey(filter: LiveFilter | undefined): string {
  if (!filter) return '*';
  const links = filter.links ? [...filter.links].sort().join(',') : '';
  return `p=${filter.province ?? ''};l=${links}`;
}

/**
 * One client of the live stream. The hub (server/live/hub.ts) serialises each batch once per
 * distinct filter and hands the text to every connection with that filter; a connection sends
 * its own snapshot and states when it starts and when its filter changes.
 */
export class LiveConnection {
  readonly #options: LiveConnectionOptions;
  readonly #limiter: SubscribeLimiter;
  #filter: LiveFilter | undefined;
  #filterKey: string;
  #closed = false;
  #onStop: (() => void) | undefined;
  /** Why this principal may see nothing live: the connection is closed with it on start. */
  readonly #refusal: string | undefined;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
    const initial = scopedFilter(undefined, options.principal, options.scope);
    // Fails closed: a principal whose scope cannot be worked out sees nothing, not everything.
    this.#filter = initial.ok ? initial.filter : nothing;
    this.#refusal = initial.ok ? undefined : initial.message;
    this.#filterKey = filterKey(this.#filter);
    this.#limiter = new SubscribeLimiter(Date.now());
  }

  get filter(): LiveFilter | undefined {
    return this.#filter;
  }

  get filterKey(): string {
    return this.#filterKey;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends the snapshot and states, then listens to the client; `onStop` runs once when it ends.
   * A principal refused outright gets the reason and a policy close (1008) instead.
   */
  start(onStop?: () => void): void {
    const { socket } = this.#options;
    this.#onStop = onStop;
    if (this.#refusal !== undefined) {
      this.#send({ type: 'error', message: this.#refusal });
      this.stop();
      socket.close(1008, 'no live scope');
      return;
    }
    socket.on('close', () => this.stop());
    socket.on('error', (err) => {
      this.#options.log.warn({ err }, 'live socket error');
      this.stop();
    });
    socket.on('message', (data) => this.#onMessage(data));
    this.#sendSnapshot();
    this.#sendStates();
  }

  /** Idempotent. */
  stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onStop?.();
  }

  /**
   * The snapshot and the whole states picture again, as after a subscribe: what the filter lets
   * through changed without the client asking (a link moved out of the province it watches, and
   * its rows must go from the client's picture; `stateChanges` only adds and replaces).
   */
  refresh(): void {
    if (this.#closed) return;
    this.#sendSnapshot();
    this.#sendStates();
  }

  /** The whole states picture this connection's filter lets through. */
  #sendStates(): void {
    const source = this.#options.states;
    if (!source) return;
    const view = source.view();
    this.#send({ type: 'states', atMs: view.atMs, ...filterStates(view.links, view.provinces, this.#filter) });
  }

  #sendSnapshot(): void {
    const { atMs, samples } = this.#options.snapshot.snapshot();
    this.#send({ type: 'snapshot', atMs, samples: applyFilter(samples, this.#filter) });
  }

  #onMessage(data: unknown): void {
    if (!this.#limiter.take(Date.now())) {
      this.#send({ type: 'error', message: `subscribe: too many (at most ${subscribeBurst} at once, then one every ${subscribeRefillMs / 1000} s); ignored` });
      return;
    }
    const text = messageText(data);
    const parsed = text === undefined ? { ok: false as const, message: 'message is not text' } : parseClientMessage(text, this.#options.known);
    if (!parsed.ok) {
      this.#send({ type: 'error', message: parsed.message });
      return;
    }
    const scoped = scopedFilter(parsed.filter, this.#options.principal, this.#options.scope);
    if (!scoped.ok) {
      this.#send({ type: 'error', message: scoped.message });
      return;
    }
    this.#filter = scoped.filter;
    this.#filterKey = filterKey(this.#filter);
    // The client's view changes with its filter: the new filter's snapshot and states.
    this.#sendSnapshot();
    this.#sendStates();
  }

  #send(message: ServerMessage): void {
    if (this.#closed) return;
    this.sendText(frameOf(message), message.type);
  }

  /**
   * Sends a message already serialised (`frameOf`). A client whose unsent data plus this
   * message would pass `maxBufferedBytes` is dropped (one message larger than the bound still
   * goes to a client that has nothing waiting: a national snapshot can be several MB).
   */
  sendText({ text, bytes }: Frame, type: ServerMessage['type']): void {
    const { socket, maxBufferedBytes, log } = this.#options;
    if (this.#closed || socket.readyState !== OPEN) return;
    // `ws`'s bufferedAmount: the socket's writes not yet completed, each message whole however
    // much of it the kernel has taken (the kernel's buffers are not in it), plus what its sender
    // holds. A client that keeps up is at 0 or the one message in flight, so the bound must
    // pass two of the largest messages for such a client to stay.
    const waiting = socket.bufferedAmount;
    if (waiting > 0 && waiting + bytes > maxBufferedBytes) {
      log.warn({ bufferedBytes: waiting, messageBytes: bytes, maxBufferedBytes }, 'live client too slow, disconnecting');
      this.#options.metrics?.droppedSlow();
      this.stop();
      socket.terminate();
      return;
    }
    try {
      socket.send(text);
      this.#options.metrics?.sent(type, bytes);
    } catch (err) {
      log.warn({ err }, 'live send failed');
      this.stop();
      socket.terminate();
    }
  }
}
