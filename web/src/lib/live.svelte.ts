// The live client: the reactive side of the live WebSocket (its connection, backoff and
// watches are in live-connection.ts), folding the snapshot and every batch of samples into
// reactive state. The data is one immutable LiveData in `$state.raw`, replaced (never
// mutated) on every message.
import { parseLiveMessage, type StatesView } from './api.ts';
import { LiveConnection, type BackoffOptions, type ConnectionState, type SocketLike } from './live-connection.ts';
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

export { backoffDelayMs, type BackoffOptions, type ConnectionState } from './live-connection.ts';

export interface LiveClientOptions {
  /** ws:// or wss:// address of the live endpoint (see `liveUrl`). */
  url: string;
  limits?: Partial<LiveLimits>;
  backoff?: Partial<BackoffOptions>;
  /** Injected for tests and non-browser hosts; defaults to the global WebSocket. */
  createSocket?: (url: string) => SocketLike;
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
  /** No national total until the snapshot of a new subscription. */
  #nationalPaused = false;

  readonly limits: LiveLimits;
  readonly #connection: LiveConnection;

  constructor(options: LiveClientOptions) {
    this.limits = { ...defaultLiveLimits, ...options.limits };
    this.#connection = new LiveConnection({
      url: options.url,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      createSocket: options.createSocket ?? ((url) => new WebSocket(url)),
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.onRefused === undefined ? {} : { onRefused: options.onRefused }),
      ...(options.refusedAfter === undefined ? {} : { refusedAfter: options.refusedAfter }),
      onText: (text) => this.#onText(text),
      onBinary: () => {
        this.ignoredMessages += 1;
      },
      onState: (state) => {
        this.connection = state;
      },
      onOpen: () => {
        this.openedAtMs = Date.now();
      },
      onRetry: () => {
        this.reconnects += 1;
      },
      // Another subscription: the national total restarts from the snapshot that follows (a
      // total over a few watched links is not the national one, nor are the batches still
      // filtered the old way before it).
      onSubscription: () => {
        this.#nationalPaused = true;
        if (this.data.national.length > 0) this.data = { ...this.data, national: [] };
      },
    });
  }

  start(): void {
    this.#connection.start();
  }

  stop(): void {
    this.#connection.stop();
  }

  /**
   * Keeps a chart series for `linkId`, and narrows the live stream to the watched links, while
   * the returned function is not called.
   */
  watch(linkId: string): () => void {
    return this.#connection.watch(linkId, () => {
      const tierOne = new Set<string>();
      for (const sample of this.data.latest.values()) if (sample.tier === 1) tierOne.add(sample.link);
      this.data = dropSeries(
        this.data,
        (link, classSeries) => this.#connection.isWatched(link) || (!classSeries && tierOne.has(link)),
      );
    });
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
    if (message.type === 'snapshot') this.#nationalPaused = false;
    const data = applySamples(this.data, message.samples, {
      mode: message.type === 'snapshot' ? 'snapshot' : 'samples',
      keepSeries: (sample) => sample.tier === 1 || this.#connection.isWatched(sample.link),
      keepClassSeries: (sample) => this.#connection.isWatched(sample.link),
      limits: this.limits,
    });
    this.data = this.#nationalPaused && data.national.length > 0 ? { ...data, national: [] } : data;
  }
}
