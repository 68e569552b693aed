// One WebSocket client of the live stream: a snapshot on connect, then every bus batch's
// link samples that pass its filter. A client that cannot keep up is dropped, not buffered.
import type { FastifyBaseLogger } from 'fastify';
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample } from '../../collector/samples.ts';
import type { LiveSnapshot } from './snapshot.ts';
import type { StatesSource } from '../analysis/analyzer.ts';
import type { LinkStateChange, LinkStatus, ProvinceStatus } from '../analysis/model.ts';
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
  on(event: 'message', listener: (data: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const OPEN = 1;

export type ServerMessage =
  | { type: 'snapshot'; atMs: number; samples: LinkSample[] }
  | { type: 'samples'; samples: LinkSample[] }
  | StatesMessage
  | { type: 'error'; message: string };

/**
 * The link and province states the client's filter lets through: the whole (filtered) picture
 * every time, so a client can replace what it had; `changes` lists what moved (absent on
 * connect and after a new subscription).
 */
export interface StatesMessage {
  type: 'states';
  atMs: number;
  links: LinkStatus[];
  provinces: ProvinceStatus[];
  changes?: LinkStateChange[];
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

export interface LiveConnectionOptions {
  socket: LiveSocket;
  bus: LiveBus;
  snapshot: LiveSnapshot;
  /** The analyzer's states: sent after the snapshot and on every batch that changed one. */
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

export class LiveConnection {
  readonly #options: LiveConnectionOptions;
  #filter: LiveFilter | undefined;
  #unsubscribe: (() => void) | undefined;
  #unsubscribeStates: (() => void) | undefined;
  #closed = false;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
    const initial = scopedFilter(undefined, options.principal, options.scope);
    this.#filter = initial.ok ? initial.filter : undefined;
  }

  start(): void {
    const { socket, bus } = this.#options;
    socket.on('close', () => this.stop());
    socket.on('error', (err) => {
      this.#options.log.warn({ err }, 'live socket error');
      this.stop();
    });
    socket.on('message', (data) => this.#onMessage(data));
    this.#sendSnapshot();
    this.#sendStates();
    this.#unsubscribe = bus.subscribe((batch) => {
      if (batch.links.length === 0) return;
      const samples = applyFilter(batch.links, this.#filter);
      if (samples.length > 0) this.#send({ type: 'samples', samples });
    });
    if (this.#closed) return;
    this.#unsubscribeStates = this.#options.states?.onBatchChanges((changes) => {
      const mine = changes.filter((c) => matchesFilter(c, this.#filter));
      if (mine.length > 0) this.#sendStates(mine);
    });
  }

  /** Unsubscribes from the bus; idempotent. */
  stop(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#unsubscribeStates?.();
    this.#unsubscribeStates = undefined;
  }

  #sendStates(changes?: LinkStateChange[]): void {
    const source = this.#options.states;
    if (!source) return;
    const view = source.view();
    const message: StatesMessage = { type: 'states', atMs: view.atMs, ...filterStates(view.links, view.provinces, this.#filter) };
    if (changes) message.changes = changes;
    this.#send(message);
  }

  #sendSnapshot(): void {
    const { atMs, samples } = this.#options.snapshot.snapshot();
    this.#send({ type: 'snapshot', atMs, samples: applyFilter(samples, this.#filter) });
  }

  #onMessage(data: unknown): void {
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
    // The client's view changes with its filter: give it a consistent starting point again.
    this.#sendSnapshot();
    this.#sendStates();
  }

  #send(message: ServerMessage): void {
    const { socket, maxBufferedBytes, log } = this.#options;
    if (this.#closed || socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > maxBufferedBytes) {
      log.warn({ bufferedBytes: socket.bufferedAmount, maxBufferedBytes }, 'live client too slow, disconnecting');
      this.#options.metrics?.droppedSlow();
      this.stop();
      socket.terminate();
      return;
    }
    try {
      const text = JSON.stringify(message);
      socket.send(text);
      this.#options.metrics?.sent(message.type, text);
    } catch (err) {
      log.warn({ err }, 'live send failed');
      this.stop();
      socket.terminate();
    }
  }
}
