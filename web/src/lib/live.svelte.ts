// The live client: the reactive side of the live WebSocket (its connection, backoff and
// watches are in live-connection.ts). Each message is folded into one LiveStore in place
// (live-store.ts); what pages read is tracked per key: a row that reads one link's samples
// re-renders when a message changes those samples, not on every message. Reads outside a
// component or effect are plain look-ups.
import { createSubscriber } from 'svelte/reactivity';
import { parseLiveMessage, type Direction, type LinkSample, type ServiceClass, type StatesView, type TrafficClass } from './api.ts';
import { LiveConnection, type BackoffOptions, type ConnectionState, type SocketLike } from './live-connection.ts';
import {
  LiveStore,
  sampleKey,
  seriesKey,
  type LiveData,
  type LiveLimits,
  type LiveMap,
  type Listener,
  type NationalPoint,
  type RatePoint,
} from './live-store.ts';
import type { LatestReader } from './national.ts';
import { StatesIndex, statusKey, type ProvinceStates, type ShownState } from './states.ts';
import type { LinkStatus, ProvinceStatus } from './api.ts';

export { backoffDelayMs, type BackoffOptions, type ConnectionState } from './live-connection.ts';

/** The least time between two requests for the whole states picture after a dropped states message. */
export const statesResyncMinMs = 5_000;

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

/**
 * Signals per key, made on the first tracked read of a key and dropped when nothing reads it
 * any more (`createSubscriber`): the listener the store calls for that key re-runs exactly the
 * effects and deriveds that read it.
 */
class KeyedSignals {
  readonly #subscribers = new Map<string, () => void>();
  readonly #listen: (key: string, listener: Listener) => () => void;

  constructor(listen: (key: string, listener: Listener) => () => void) {
    this.#listen = listen;
  }

  track(key: string): void {
    let subscribe = this.#subscribers.get(key);
    if (subscribe === undefined) {
      subscribe = createSubscriber((update) => {
        const stop = this.#listen(key, update);
        return () => {
          stop();
          this.#subscribers.delete(key);
        };
      });
      this.#subscribers.set(key, subscribe);
    }
    subscribe();
  }

  /** Keys some effect reads now. */
  get size(): number {
    return this.#subscribers.size;
  }
}

/** A keyed view of the store whose `get`/`has` track one key and whose iteration tracks every change. */
class TrackedMap<V> implements LiveMap<V> {
  readonly #read: (key: string) => V | undefined;
  readonly #entries: () => Iterable<[string, V]>;
  readonly #count: () => number;
  readonly #trackKey: (key: string) => void;
  readonly #trackAll: () => void;

  constructor(options: {
    read: (key: string) => V | undefined;
    entries: () => Iterable<[string, V]>;
    count: () => number;
    trackKey: (key: string) => void;
    trackAll: () => void;
  }) {
    this.#read = options.read;
    this.#entries = options.entries;
    this.#count = options.count;
    this.#trackKey = options.trackKey;
    this.#trackAll = options.trackAll;
  }

  get(key: string): V | undefined {
    this.#trackKey(key);
    return this.#read(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    this.#trackAll();
    return this.#count();
  }

  entries(): Iterable<[string, V]> {
    this.#trackAll();
    return this.#entries();
  }

  keys(): Iterable<string> {
    this.#trackAll();
    return [...this.#entries()].map(([key]) => key);
  }

  values(): Iterable<V> {
    this.#trackAll();
    return [...this.#entries()].map(([, value]) => value);
  }
}

export class LiveClient implements LatestReader, ProvinceStates {
  connection: ConnectionState = $state('closed');
  /** When the socket last opened and the message counters, for the header's tooltip. */
  openedAtMs: number | null = $state(null);
  reconnects = $state(0);
  ignoredMessages = $state(0);
  rejectedSamples = $state(0);
  /** What was wrong with the last sample rejected, and where (diagnostics). */
  lastRejection: string | null = $state(null);
  /** Why the last message was ignored (diagnostics). */
  lastIgnored: string | null = $state(null);
  /**
   * Counts `states` messages and `stateChanges` messages with changes: pages that refetch on a
   * state change watch it. A `stateChanges` without changes (link directions new to the
   * picture, thousands after a server restart) changes no alert.
   */
  statesVersion = $state(0);
  /** Counts every change of the states held (seeded ones too): `states` tracks it. */
  #statesRevision = $state(0);
  #statesFromSocket = false;
  /** When the whole states picture was last asked for again (a states message was dropped). */
  #resyncAtMs = Number.NEGATIVE_INFINITY;
  /** No national total until the snapshot of a new subscription. */
  #nationalPaused = false;

  readonly limits: LiveLimits;
  /** The live data, mutated in place by every message. */
  readonly store: LiveStore;
  readonly #statesIndex = new StatesIndex();
  readonly #connection: LiveConnection;
  readonly #latestSignals: KeyedSignals;
  readonly #seriesSignals: KeyedSignals;
  readonly #linkStateSignals: KeyedSignals;
  readonly #provinceSignals: KeyedSignals;
  readonly #trackNational: () => void;
  readonly #trackNewest: () => void;
  readonly #trackAny: () => void;
  readonly #clocks = new Map<number, () => void>();

  /**
   * The live data as maps and values, for readers written against `LiveData`: `latest.get` and
   * `series.get` track one key; iterating, `national` and `newestAtMs` track what they name.
   */
  readonly data: LiveData;

  constructor(options: LiveClientOptions) {
    this.store = new LiveStore(options.limits);
    this.limits = this.store.limits;
    const store = this.store;
    this.#latestSignals = new KeyedSignals((key, listener) => store.onLatest(key, listener));
    this.#seriesSignals = new KeyedSignals((key, listener) => store.onSeries(key, listener));
    this.#linkStateSignals = new KeyedSignals((key, listener) => {
      const separator = key.lastIndexOf('\u0000');
      return this.#statesIndex.onLink(key.slice(0, separator), key.slice(separator + 1) === 'up' ? 'up' : 'down', listener);
    });
    this.#provinceSignals = new KeyedSignals((province, listener) => this.#statesIndex.onProvince(province, listener));
    this.#trackNational = createSubscriber((update) => store.onNational(update));
    this.#trackNewest = createSubscriber((update) => store.onNewest(update));
    this.#trackAny = createSubscriber((update) => store.onAny(update));
    const trackAny = this.#trackAny;
    const trackNational = this.#trackNational;
    const trackNewest = this.#trackNewest;
    this.data = {
      latest: new TrackedMap({
        read: (key) => store.get(key),
        entries: () => store.latestEntries(),
        count: () => store.size,
        trackKey: (key) => this.#latestSignals.track(key),
        trackAll: trackAny,
      }),
      series: new TrackedMap({
        read: (key) => store.series(key),
        entries: () => store.seriesEntries(),
        count: () => store.seriesCount,
        trackKey: (key) => this.#seriesSignals.track(key),
        trackAll: trackAny,
      }),
      get national() {
        trackNational();
        return store.national;
      },
      get newestAtMs() {
        trackNewest();
        return store.newestAtMs;
      },
      get samplesApplied() {
        trackAny();
        return store.samplesApplied;
      },
    };

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
        this.store.clearNational();
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
      this.store.dropSeries((link, classSeries, tierOne) => this.#connection.isWatched(link) || (!classSeries && tierOne));
    });
  }

  // ---- Reads, each tracking only what it reads ----

  /** The latest sample of one link, direction and class; null when none. */
  latest(linkId: string, dir: Direction, trafficClass: TrafficClass): LinkSample | null {
    const key = sampleKey(linkId, dir, trafficClass);
    this.#latestSignals.track(key);
    return this.store.get(key) ?? null;
  }

  /** Whether that sample is stale (false when there is none): changes when it goes stale. */
  isStale(linkId: string, dir: Direction, trafficClass: TrafficClass): boolean {
    const key = sampleKey(linkId, dir, trafficClass);
    this.#latestSignals.track(key);
    return this.store.isStale(key);
  }

  /** Recent class-total points of one link and direction (empty when none kept). */
  series(linkId: string, dir: Direction): readonly RatePoint[] {
    const key = seriesKey(linkId, dir);
    this.#seriesSignals.track(key);
    return this.store.series(key) ?? [];
  }

  /** Recent points of one service class of a watched link and direction (empty when none kept). */
  classSeries(linkId: string, dir: Direction, serviceClass: ServiceClass): readonly RatePoint[] {
    const key = sampleKey(linkId, dir, serviceClass);
    this.#seriesSignals.track(key);
    return this.store.series(key) ?? [];
  }

  /** The national tier-1 total, one point per poll interval. */
  get national(): readonly NationalPoint[] {
    return this.data.national;
  }

  /** The newest sample time (changes with nearly every message: prefer `clockMs`). */
  get newestAtMs(): number | null {
    return this.data.newestAtMs;
  }

  /**
   * The newest sample time rounded up to a multiple of `stepMs`, or null before any sample:
   * changes once per step, so a window that ends there slides once per step, not per message.
   */
  clockMs(stepMs: number): number | null {
    const step = Math.max(1, stepMs);
    const quantized = (): number | null => {
      const newestAtMs = this.store.newestAtMs;
      return newestAtMs === null ? null : Math.ceil(newestAtMs / step) * step;
    };
    let track = this.#clocks.get(step);
    if (track === undefined) {
      track = createSubscriber((update) => {
        let last = quantized();
        return this.store.onNewest(() => {
          const now = quantized();
          if (now === last) return;
          last = now;
          update();
        });
      });
      this.#clocks.set(step, track);
    }
    track();
    return quantized();
  }

  /** The analyzer's state of one link and direction (tracks that one only). */
  linkState(linkId: string, dir: Direction): ShownState {
    this.#linkStateSignals.track(statusKey(linkId, dir));
    return this.#statesIndex.linkState(linkId, dir);
  }

  /** The analyzer's status of one link direction (tracks that one only). */
  linkStatus(linkId: string, dir: Direction): LinkStatus | undefined {
    this.#linkStateSignals.track(statusKey(linkId, dir));
    return this.#statesIndex.linkStatus(linkId, dir);
  }

  /** The analyzer's state of one province (tracks that one only). */
  provinceState(provinceId: string): ShownState {
    this.#provinceSignals.track(provinceId);
    return this.#statesIndex.provinceState(provinceId);
  }

  provinceStatus(provinceId: string): ProvinceStatus | undefined {
    this.#provinceSignals.track(provinceId);
    return this.#statesIndex.provinceStatus(provinceId);
  }

  /** Keys some component reads now (diagnostics and tests). */
  get trackedKeys(): { latest: number; series: number } {
    return { latest: this.#latestSignals.size, series: this.#seriesSignals.size };
  }

  /**
   * Link and province states (the WebSocket's picture and its changes, or `GET states` until
   * the first one) as one view: built when read after a change, so pages that read one link's
   * or province's state through `linkState`/`provinceState` never pay for it.
   */
  get states(): StatesView | null {
    void this.#statesRevision;
    return this.#statesIndex.view;
  }

  /** States from `GET states`: used only until the WebSocket sends its own. */
  seedStates(states: StatesView): void {
    if (this.#statesFromSocket) return;
    this.#statesIndex.set(states);
    this.#statesRevision += 1;
  }

  #onText(text: string): void {
    const message = parseLiveMessage(text);
    if (message.type === 'ignored') {
      this.ignoredMessages += 1;
      this.lastIgnored = message.reason;
      if (message.statesLost === true) this.#resyncStates();
      return;
    }
    if (message.type === 'states' || message.type === 'stateChanges') {
      this.#statesFromSocket = true;
      if (message.type === 'states') this.#statesIndex.set(message.states);
      else this.#statesIndex.apply(message.changed);
      this.#statesRevision += 1;
      if (message.type === 'states' || message.changed.changes.length > 0) this.statesVersion += 1;
      return;
    }
    if (message.rejected > 0) {
      this.rejectedSamples += message.rejected;
      this.lastRejection = `${message.type}: ${message.problem ?? 'invalid sample'}`;
    }
    if (message.type === 'snapshot') this.#nationalPaused = false;
    this.store.apply(message.samples, {
      mode: message.type === 'snapshot' ? 'snapshot' : 'samples',
      keepSeries: (sample) => sample.tier === 1 || this.#connection.isWatched(sample.link),
      keepClassSeries: (sample) => this.#connection.isWatched(sample.link),
      national: !this.#nationalPaused,
    });
  }

  /**
   * The states held missed a message: the same subscription again makes the server send the
   * whole picture. At most once per `statesResyncMinMs`, so a server that keeps sending what
   * this client cannot read is not asked in a loop, nor past its subscribe limit (5 at once,
   * then one per 2 s: server/live/connection.ts).
   */
  #resyncStates(): void {
    const nowMs = Date.now();
    if (nowMs - this.#resyncAtMs < statesResyncMinMs) return;
    this.#resyncAtMs = nowMs;
    this.#connection.resubscribe();
  }
}
