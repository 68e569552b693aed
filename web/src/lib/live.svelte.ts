// The live client: one WebSocket to /api/v1/live, reconnected with backoff when it drops,
// folding the snapshot and every batch of samples into reactive state. The data is one
// immutable LiveData in `$state.raw`, replaced (never mutated) on every message.
import { parseLiveMessage, type LiveSubscription, type StatesView } from './api.ts';
import {
  applySamples,
  defaultLiveLimits,
  dropSeries,
  emptyLiveData,
  type LiveData,
  type LiveLimits,
  type RatePoint,
  sampleKey,
  seriesKey,
} from './live-store.ts';
import type { Direction, ServiceClass } from './api.ts';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** Exponential backoff with jitter: attempt 0 waits about `initialMs`, capped at `maxMs`. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: number): number {
  const ceilingMs = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceilingMs * (0.5 + 0.5 * random));
}

export interface LiveClientOptions {
  /** ws:// or wss:// address of the live endpoint (see `liveUrl`). */
  url: string;
  limits?: Partial<LiveLimits>;
  backoff?: Partial<BackoffOptions>;
  /** Injected for tests and non-browser hosts; defaults to the global WebSocket. */
  createSocket?: (url: string) => WebSocket;
  random?: () => number;
  /**
   * Called when the socket closed `refusedAfter` times in a row without ever opening (the
   * server refuses the handshake without a session, or is down): the caller checks which.
   */
  onRefused?: () => void;
  refusedAfter?: number;
}

export class LiveClient {
  connection: ConnectionState = $state('closed');
  data: LiveData = $state.raw(emptyLiveData());
  /** When the socket last opened and the message counters, for the header's tooltip. */
  openedAtMs: number | null = $state(null);
  reconnects = $state(0);
  ignoredMessages = $state(0);
  rejectedSamples = $state(0);
  /** Link and province states (WebSocket `states` messages, or `GET states` until the first one). */
  states: StatesView | null = $state.raw(null);
  /** Counts `states` messages: pages that refetch on a state change watch it. */
  statesVersion = $state(0);
  #statesFromSocket = false;

  readonly limits: LiveLimits;
  readonly #url: string;
  readonly #backoff: BackoffOptions;
  readonly #createSocket: (url: string) => WebSocket;
  readonly #random: () => number;
  readonly #onRefused: (() => void) | undefined;
  readonly #refusedAfter: number;
  /** Links watched by a page (reference-counted), whose series are kept even outside tier 1. */
  readonly #watched = new Map<string, number>();
  #socket: WebSocket | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #attempt = 0;
  /** Closes in a row without an open. */
  #refusals = 0;
  #running = false;
  #subscription: LiveSubscription | null = null;

  constructor(options: LiveClientOptions) {
    this.#url = options.url;
    this.limits = { ...defaultLiveLimits, ...options.limits };
    this.#backoff = { initialMs: 500, maxMs: 15_000, ...options.backoff };
    this.#createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.#random = options.random ?? Math.random;
    this.#onRefused = options.onRefused;
    this.#refusedAfter = options.refusedAfter ?? 2;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close(1000, 'client stopped');
    }
    this.connection = 'closed';
  }

  /** Narrows what the server sends (sent again after every reconnect); `{}` for everything. */
  subscribe(subscription: LiveSubscription): void {
    this.#subscription = subscription;
    this.#sendSubscription();
  }

  /** Keeps a chart series for `linkId` while the returned function is not called. */
  watch(linkId: string): () => void {
    this.#watched.set(linkId, (this.#watched.get(linkId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.#watched.get(linkId) ?? 1) - 1;
      if (count > 0) {
        this.#watched.set(linkId, count);
        return;
      }
      this.#watched.delete(linkId);
      const tierOne = new Set<string>();
      for (const sample of this.data.latest.values()) if (sample.tier === 1) tierOne.add(sample.link);
      this.data = dropSeries(this.data, (link, classSeries) => this.#watched.has(link) || (!classSeries && tierOne.has(link)));
    };
  }

  /** Recent class-total points of one link and direction (empty when none kept). */
  series(linkId: string, dir: Direction): readonly RatePoint[] {
    return this.data.series.get(seriesKey(linkId, dir)) ?? [];
  }

  /** Recent points of one service class of a watched link and direction (empty when none kept). */
  classSeries(linkId: string, dir: Direction, serviceClass: ServiceClass): readonly RatePoint[] {
    return this.data.series.get(sampleKey(linkId, dir, serviceClass)) ?? [];
  }

  /** States from `GET states`: used only until the WebSocket sends its own. */
  seedStates(states: StatesView): void {
    if (this.#statesFromSocket) return;
    this.states = states;
  }

  #connect(): void {
    if (!this.#running) return;
    this.connection = 'connecting';
    let socket: WebSocket;
    try {
      socket = this.#createSocket(this.#url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#attempt = 0;
      this.#refusals = 0;
      this.connection = 'open';
      this.openedAtMs = Date.now();
      this.#sendSubscription();
    };
    socket.onmessage = (event: MessageEvent<unknown>) => {
      if (this.#socket !== socket) return;
      if (typeof event.data !== 'string') {
        this.ignoredMessages += 1;
        return;
      }
      this.#onText(event.data);
    };
    socket.onerror = () => {
      // A close event follows every error; reconnecting is done there.
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.#socket !== socket) return;
      // Never opened, or closed by the server for a policy reason (1008) or an application code.
      const refused = this.connection !== 'open' || event.code === 1008 || (event.code >= 4000 && event.code < 5000);
      this.#socket = null;
      this.connection = 'closed';
      this.#scheduleReconnect();
      this.#refusals = refused ? this.#refusals + 1 : 0;
      if (this.#refusals >= this.#refusedAfter) this.#onRefused?.();
    };
  }

  #onText(text: string): void {
    const message = parseLiveMessage(text);
    if (message.type === 'ignored') {
      this.ignoredMessages += 1;
      return;
    }
    if (message.type === 'states') {
      this.#statesFromSocket = true;
      this.states = message.states;
      this.statesVersion += 1;
      return;
    }
    if (message.rejected > 0) this.rejectedSamples += message.rejected;
    this.data = applySamples(this.data, message.samples, {
      mode: message.type === 'snapshot' ? 'snapshot' : 'samples',
      keepSeries: (sample) => sample.tier === 1 || this.#watched.has(sample.link),
      keepClassSeries: (sample) => this.#watched.has(sample.link),
      limits: this.limits,
    });
  }

  #scheduleReconnect(): void {
    if (!this.#running || this.#retryTimer !== null) return;
    const delayMs = backoffDelayMs(this.#attempt, this.#backoff, this.#random());
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.reconnects += 1;
      this.#connect();
    }, delayMs);
  }

  #sendSubscription(): void {
    const socket = this.#socket;
    if (this.#subscription === null || socket === null || socket.readyState !== WebSocket.OPEN) return;
    try {
      socket.send(JSON.stringify({ type: 'subscribe', ...this.#subscription }));
    } catch {
      // The socket is closing; the subscription is sent again on the next open.
    }
  }
}
