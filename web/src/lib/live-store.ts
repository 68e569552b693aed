// The live data, kept in Maps and updated in place by each WebSocket message: the latest sample
// of every link, direction and class, bounded recent points per series, and the national
// tier-1 total as running sums. A message's work is proportional to its own samples (plus the
// samples that went stale since the last one), never to every link: listeners are per key, and
// only the keys a message changed are notified. The reactive LiveClient (live.svelte.ts) turns
// those listeners into per-key signals, so a page re-renders the rows a message touched.
// Plain TypeScript: tested directly, without a framework.
import type { Direction, LinkSample, TrafficClass } from './api.ts';

/** One point of a link's chart series (class total, or one service class). */
export interface RatePoint {
  atMs: number;
  bitsPerSecond: number;
  utilization: number;
  capacityBps: number;
  /** Service classes: dropped bits per second, where the router reports drops. */
  dropBitsPerSecond?: number;
  /** Service classes: the bandwidth the router reserves for the class, where it reports one. */
  reservedBps?: number;
}

/** One point of the national tier-1 total: utilization of the summed links, per direction. */
export interface NationalPoint {
  atMs: number;
  downBitsPerSecond: number;
  upBitsPerSecond: number;
  capacityBps: number;
  /** Σ bps / Σ capacity over the tier-1 links with a current sample; null when none. */
  downUtilization: number | null;
  upUtilization: number | null;
  links: number;
}

/** The read side of a map (a Map, or the live client's tracked view of its store). */
export interface LiveMap<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  readonly size: number;
  keys(): Iterable<string>;
  values(): Iterable<V>;
  entries(): Iterable<[string, V]>;
}

/** The live data as values (`applySamples`; the LiveClient's `data` is a tracked view of its LiveStore). */
export interface LiveData {
  /** Latest sample per link, direction and class (key: `sampleKey`). */
  latest: LiveMap<LinkSample>;
  /**
   * Bounded recent points per link and direction: class total under `seriesKey`, each service
   * class (of the links that keep class series) under `sampleKey`.
   */
  series: LiveMap<readonly RatePoint[]>;
  /** Bounded national tier-1 total, one point per national step. */
  national: readonly NationalPoint[];
  /** Newest sample time seen. */
  newestAtMs: number | null;
  /** Samples applied since the start (for the UI's diagnostics). */
  samplesApplied: number;
}

export interface LiveLimits {
  /** Most points kept per series. */
  maxPoints: number;
  /** Points older than this behind the newest one are dropped. */
  windowMs: number;
  /** A sample older than this many of its own intervals behind the newest is stale. */
  staleIntervals: number;
  /**
   * One national point per this many ms (the poll interval). Absent: the tier-1 samples'
   * interval rounded to the second (a measured interval is the configured one ± jitter).
   */
  nationalStepMs?: number;
}

export const defaultLiveLimits: LiveLimits = { maxPoints: 720, windowMs: 60 * 60 * 1000, staleIntervals: 3 };

export function emptyLiveData(): LiveData {
  return { latest: new Map(), series: new Map(), national: [], newestAtMs: null, samplesApplied: 0 };
}

export function sampleKey(link: string, dir: Direction, trafficClass: TrafficClass): string {
  return `${link}\u0000${dir}\u0000${trafficClass}`;
}

export function seriesKey(link: string, dir: Direction): string {
  return `${link}\u0000${dir}`;
}

/** The link of a `sampleKey` or `seriesKey`. */
export function linkOfKey(key: string): string {
  const separator = key.indexOf('\u0000');
  return separator === -1 ? key : key.slice(0, separator);
}

/** True when `sample` is more than `staleIntervals` of its intervals behind `newestAtMs`. */
export function isStale(sample: Pick<LinkSample, 'atMs' | 'intervalMs'>, newestAtMs: number | null, staleIntervals: number): boolean {
  if (newestAtMs === null) return false;
  return sample.atMs < newestAtMs - staleIntervals * Math.max(sample.intervalMs, 1);
}

/** When `sample` goes stale: the first newest time past `atMs + staleIntervals × intervalMs`. */
export function staleAfterMs(sample: Pick<LinkSample, 'atMs' | 'intervalMs'>, staleIntervals: number): number {
  return sample.atMs + staleIntervals * Math.max(sample.intervalMs, 1);
}

/**
 * The national step: the configured one, else a sample's measured interval rounded to the
 * second (at least one second).
 */
export function nationalStepMs(intervalMs: number, configuredMs: number | undefined): number {
  if (configuredMs !== undefined && configuredMs > 0) return configuredMs;
  return Math.max(1_000, Math.round(intervalMs / 1_000) * 1_000);
}

/** The start of the national step holding `atMs` (steps aligned on the epoch). */
export function nationalBucketMs(atMs: number, stepMs: number): number {
  return Math.floor(atMs / stepMs) * stepMs;
}

/**
 * Appends a point to a time-ordered series: a point at the same time replaces the last one,
 * an older point is ignored (uPlot needs sorted x), and the result keeps at most `maxPoints`
 * points within `windowMs` of the newest. Returns the same array when nothing changed.
 */
export function appendPoint<P extends { atMs: number }>(
  points: readonly P[],
  point: P,
  limits: Pick<LiveLimits, 'maxPoints' | 'windowMs'>,
): readonly P[] {
  const last = points[points.length - 1];
  if (last !== undefined && point.atMs < last.atMs) return points;
  const next = last !== undefined && point.atMs === last.atMs ? [...points.slice(0, -1), point] : [...points, point];
  const oldestAllowedMs = point.atMs - limits.windowMs;
  let start = Math.max(0, next.length - limits.maxPoints);
  while (start < next.length && (next[start]?.atMs ?? Infinity) < oldestAllowedMs) start += 1;
  return start === 0 ? next : next.slice(start);
}

/**
 * The national tier-1 total recomputed from every latest sample (stale ones left out): the
 * reference the running sums of `TierOneAggregate` are tested against.
 */
export function nationalTotal(
  latest: ReadonlyMap<string, LinkSample>,
  atMs: number,
  newestAtMs: number | null,
  staleIntervals: number,
): NationalPoint {
  const aggregate = new TierOneAggregate();
  for (const [key, sample] of latest) {
    if (sample.tier !== 1 || sample.class !== 'total') continue;
    if (isStale(sample, newestAtMs, staleIntervals)) continue;
    aggregate.add(key, sample);
  }
  return aggregate.point(atMs);
}

/** The chart point of one sample (class fields only where the sample has them). */
export function ratePoint(sample: LinkSample): RatePoint {
  const point: RatePoint = {
    atMs: sample.atMs,
    bitsPerSecond: sample.bitsPerSecond,
    utilization: sample.utilization,
    capacityBps: sample.capacityBps,
  };
  if (sample.class !== 'total') {
    if (sample.dropBitsPerSecond !== undefined) point.dropBitsPerSecond = sample.dropBitsPerSecond;
    if (sample.reservedBps !== undefined) point.reservedBps = sample.reservedBps;
  }
  return point;
}

/**
 * Running sums of the tier-1 class totals counted now (one per link and direction): adding,
 * replacing or removing one costs O(1), whatever the number of links.
 */
export class TierOneAggregate {
  readonly #counted = new Map<string, LinkSample>();
  /** Directions counted per link. */
  readonly #directions = new Map<string, number>();
  #down = { bitsPerSecond: 0, capacityBps: 0, count: 0 };
  #up = { bitsPerSecond: 0, capacityBps: 0, count: 0 };

  /** Counts `sample` under `key`, replacing what was counted there. */
  add(key: string, sample: LinkSample): void {
    this.remove(key);
    this.#counted.set(key, sample);
    this.#directions.set(sample.link, (this.#directions.get(sample.link) ?? 0) + 1);
    const sums = sample.dir === 'down' ? this.#down : this.#up;
    sums.bitsPerSecond += sample.bitsPerSecond;
    sums.capacityBps += sample.capacityBps;
    sums.count += 1;
  }

  /** Stops counting `key`; false when it was not counted. */
  remove(key: string): boolean {
    const sample = this.#counted.get(key);
    if (sample === undefined) return false;
    this.#counted.delete(key);
    const directions = (this.#directions.get(sample.link) ?? 1) - 1;
    if (directions > 0) this.#directions.set(sample.link, directions);
    else this.#directions.delete(sample.link);
    const sums = sample.dir === 'down' ? this.#down : this.#up;
    sums.count -= 1;
    // The last one out leaves exact zeros, not the rounding left by adding and subtracting.
    if (sums.count === 0) {
      sums.bitsPerSecond = 0;
      sums.capacityBps = 0;
    } else {
      sums.bitsPerSecond -= sample.bitsPerSecond;
      sums.capacityBps -= sample.capacityBps;
    }
    return true;
  }

  counted(key: string): LinkSample | undefined {
    return this.#counted.get(key);
  }

  clear(): void {
    this.#counted.clear();
    this.#directions.clear();
    this.#down = { bitsPerSecond: 0, capacityBps: 0, count: 0 };
    this.#up = { bitsPerSecond: 0, capacityBps: 0, count: 0 };
  }

  /** Links with at least one direction counted. */
  get links(): number {
    return this.#directions.size;
  }

  point(atMs: number): NationalPoint {
    const down = this.#down;
    const up = this.#up;
    return {
      atMs,
      downBitsPerSecond: down.bitsPerSecond,
      upBitsPerSecond: up.bitsPerSecond,
      capacityBps: Math.max(down.capacityBps, up.capacityBps),
      downUtilization: down.capacityBps > 0 ? down.bitsPerSecond / down.capacityBps : null,
      upUtilization: up.capacityBps > 0 ? up.bitsPerSecond / up.capacityBps : null,
      links: this.#directions.size,
    };
  }
}

/** A sample's time to go stale, for the queue of `LiveStore`. */
interface Expiry {
  staleAfterMs: number;
  key: string;
  atMs: number;
}

/** A binary min-heap of expiries, earliest first: push and pop in O(log n). */
export class ExpiryQueue {
  readonly #heap: Expiry[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(expiry: Expiry): void {
    const heap = this.#heap;
    heap.push(expiry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent];
      if (above === undefined || above.staleAfterMs <= expiry.staleAfterMs) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = expiry;
  }

  peek(): Expiry | undefined {
    return this.#heap[0];
  }

  pop(): Expiry | undefined {
    const heap = this.#heap;
    const first = heap[0];
    const last = heap.pop();
    if (first === undefined || last === undefined || heap.length === 0) return first;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      let smallestAtMs = last.staleAfterMs;
      const leftItem = heap[left];
      if (leftItem !== undefined && leftItem.staleAfterMs < smallestAtMs) {
        smallest = left;
        smallestAtMs = leftItem.staleAfterMs;
      }
      const rightItem = heap[right];
      if (rightItem !== undefined && rightItem.staleAfterMs < smallestAtMs) smallest = right;
      if (smallest === index) break;
      heap[index] = heap[smallest] as Expiry;
      index = smallest;
    }
    heap[index] = last;
    return first;
  }

  clear(): void {
    this.#heap.length = 0;
  }
}

export interface StoreApplyOptions {
  /** `snapshot` replaces the latest samples; `samples` updates them. */
  mode: 'snapshot' | 'samples';
  /** Whether to keep a chart series for this link (tier 1 and watched links). */
  keepSeries: (sample: LinkSample) => boolean;
  /** Whether to keep per-class series for this link (pages that chart its classes); default none. */
  keepClassSeries?: (sample: LinkSample) => boolean;
  /** Whether the national series takes a point (default true; false while a new subscription waits for its snapshot). */
  national?: boolean;
}

/** What one message (or one call) changed, and the work it took. */
export interface LiveChanges {
  /** Sample keys whose latest sample changed, was removed, or went stale. */
  latest: ReadonlySet<string>;
  /** Series keys with a new point, or removed. */
  series: ReadonlySet<string>;
  /** The national series changed. */
  national: boolean;
  /** The newest sample time moved. */
  newestAtMs: boolean;
  /** Entries of the store read or written: samples, expiries checked, series appended, keys removed. */
  touched: number;
  /** Listener calls made. */
  notified: number;
}

export type Listener = () => void;

/** Listeners per key: notifying a key costs a look-up, whatever the number of keys. */
export class KeyedListeners {
  readonly #byKey = new Map<string, Set<Listener>>();

  add(key: string, listener: Listener): () => void {
    let set = this.#byKey.get(key);
    if (set === undefined) {
      set = new Set();
      this.#byKey.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = this.#byKey.get(key);
      if (current === undefined) return;
      current.delete(listener);
      if (current.size === 0) this.#byKey.delete(key);
    };
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** Keys listened to now. */
  keys(): IterableIterator<string> {
    return this.#byKey.keys();
  }

  /** Calls the listeners of each key; returns how many were called. */
  notify(keys: Iterable<string>): number {
    let calls = 0;
    for (const key of keys) {
      const set = this.#byKey.get(key);
      if (set === undefined) continue;
      for (const listener of set) {
        listener();
        calls += 1;
      }
    }
    return calls;
  }
}

class ChangeSet implements LiveChanges {
  latest = new Set<string>();
  series = new Set<string>();
  national = false;
  /** The national sums moved (the series takes a point from them, unless paused). */
  sums = false;
  newestAtMs = false;
  touched = 0;
  notified = 0;
}

/**
 * The live data of one session, mutated in place. Reads are O(1) per key; `apply` costs
 * O(samples in the message + samples gone stale since), and tells only the listeners of the
 * keys it changed.
 */
export class LiveStore {
  readonly limits: LiveLimits;
  readonly #latest = new Map<string, LinkSample>();
  readonly #series = new Map<string, readonly RatePoint[]>();
  /** Links whose total series is kept because they are tier 1 (kept when a watch ends). */
  readonly #tierOneLinks = new Set<string>();
  #national: readonly NationalPoint[] = [];
  readonly #aggregate = new TierOneAggregate();
  /** When counted tier-1 totals and listened-to samples go stale; entries of replaced samples are skipped. */
  readonly #expiries = new ExpiryQueue();
  #newestAtMs: number | null = null;
  #samplesApplied = 0;
  #nationalStepMs: number | null = null;
  readonly #latestListeners = new KeyedListeners();
  readonly #seriesListeners = new KeyedListeners();
  readonly #nationalListeners = new Set<Listener>();
  readonly #newestListeners = new Set<Listener>();
  readonly #anyListeners = new Set<Listener>();

  constructor(limits: Partial<LiveLimits> = {}) {
    this.limits = { ...defaultLiveLimits, ...limits };
  }

  // ---- Reads ----

  get(key: string): LinkSample | undefined {
    return this.#latest.get(key);
  }

  /** Whether the latest sample under `key` is stale now (false when there is none). */
  isStale(key: string): boolean {
    const sample = this.#latest.get(key);
    return sample !== undefined && isStale(sample, this.#newestAtMs, this.limits.staleIntervals);
  }

  /** The points kept under `key` (a `seriesKey`, or a `sampleKey` for a class series); undefined when none. */
  series(key: string): readonly RatePoint[] | undefined {
    return this.#series.get(key);
  }

  get national(): readonly NationalPoint[] {
    return this.#national;
  }

  get newestAtMs(): number | null {
    return this.#newestAtMs;
  }

  get samplesApplied(): number {
    return this.#samplesApplied;
  }

  get size(): number {
    return this.#latest.size;
  }

  get seriesCount(): number {
    return this.#series.size;
  }

  /** Entries waiting in the expiry queue (bounded by the samples of the stale window that matter). */
  get pendingExpiries(): number {
    return this.#expiries.size;
  }

  latestEntries(): IterableIterator<[string, LinkSample]> {
    return this.#latest.entries();
  }

  seriesEntries(): IterableIterator<[string, readonly RatePoint[]]> {
    return this.#series.entries();
  }

  // ---- Listeners ----

  /** Called when the sample under `key` changes, goes away or goes stale. */
  onLatest(key: string, listener: Listener): () => void {
    const heard = this.#latestListeners.has(key);
    const remove = this.#latestListeners.add(key, listener);
    // Its going stale is news now that someone listens (a tier-1 total's expiry is queued already).
    const sample = this.#latest.get(key);
    if (!heard && sample !== undefined && !isTierOneTotal(sample)) this.#track(key, sample);
    return remove;
  }

  /** Called when the series under `key` takes a point or goes away. */
  onSeries(key: string, listener: Listener): () => void {
    return this.#seriesListeners.add(key, listener);
  }

  onNational(listener: Listener): () => void {
    this.#nationalListeners.add(listener);
    return () => this.#nationalListeners.delete(listener);
  }

  onNewest(listener: Listener): () => void {
    this.#newestListeners.add(listener);
    return () => this.#newestListeners.delete(listener);
  }

  /** Called once per change of any kind (for readers that iterate everything). */
  onAny(listener: Listener): () => void {
    this.#anyListeners.add(listener);
    return () => this.#anyListeners.delete(listener);
  }

  // ---- Writes ----

  /** Folds one message's samples in. */
  apply(samples: readonly LinkSample[], options: StoreApplyOptions): LiveChanges {
    const changes = new ChangeSet();
    if (samples.length === 0 && options.mode === 'samples') return changes;

    let messageNewestMs: number | null = null;
    for (const sample of samples) if (messageNewestMs === null || sample.atMs > messageNewestMs) messageNewestMs = sample.atMs;
    if (messageNewestMs !== null && (this.#newestAtMs === null || messageNewestMs > this.#newestAtMs)) {
      this.#newestAtMs = messageNewestMs;
      changes.newestAtMs = true;
    }

    if (options.mode === 'snapshot') this.#replaceLatest(samples, changes);
    else for (const sample of samples) this.#put(sample, changes);
    this.#samplesApplied += samples.length;

    for (const sample of samples) {
      const classSeries = sample.class !== 'total';
      const keep = classSeries ? (options.keepClassSeries?.(sample) ?? false) : options.keepSeries(sample);
      if (!keep) continue;
      if (!classSeries && sample.tier === 1) this.#tierOneLinks.add(sample.link);
      const key = classSeries ? sampleKey(sample.link, sample.dir, sample.class) : seriesKey(sample.link, sample.dir);
      const before = this.#series.get(key) ?? [];
      const after = appendPoint(before, ratePoint(sample), this.limits);
      changes.touched += 1;
      if (after === before) continue;
      this.#series.set(key, after);
      changes.series.add(key);
    }

    this.#expire(changes);
    if (options.national !== false) this.#extendNational(samples, changes);
    this.#notify(changes);
    return changes;
  }

  /** Keeps only the series `keep` accepts (a page stopped watching a link); O(series). */
  dropSeries(keep: (link: string, classSeries: boolean, tierOne: boolean) => boolean): LiveChanges {
    const changes = new ChangeSet();
    for (const key of this.#series.keys()) {
      changes.touched += 1;
      const link = linkOfKey(key);
      const classSeries = key.indexOf('\u0000', link.length + 1) !== -1;
      if (keep(link, classSeries, this.#tierOneLinks.has(link))) continue;
      this.#series.delete(key);
      changes.series.add(key);
    }
    this.#notify(changes);
    return changes;
  }

  /** Empties the national series (a new subscription: its first total comes with its snapshot). */
  clearNational(): LiveChanges {
    const changes = new ChangeSet();
    if (this.#national.length > 0) {
      this.#national = [];
      changes.national = true;
    }
    this.#notify(changes);
    return changes;
  }

  /** The store as immutable values (copies: O(everything), for tests and `applySamples`). */
  toData(): LiveData {
    return {
      latest: new Map(this.#latest),
      series: new Map(this.#series),
      national: this.#national,
      newestAtMs: this.#newestAtMs,
      samplesApplied: this.#samplesApplied,
    };
  }

  /** A store holding `data` (copies it). */
  static from(data: LiveData, limits: Partial<LiveLimits> = {}): LiveStore {
    const store = new LiveStore(limits);
    store.#newestAtMs = data.newestAtMs;
    store.#samplesApplied = data.samplesApplied;
    for (const [key, sample] of data.latest.entries()) {
      store.#latest.set(key, sample);
      store.#count(key, sample);
    }
    for (const [key, points] of data.series.entries()) store.#series.set(key, points);
    store.#national = data.national;
    return store;
  }

  // ---- Internals ----

  #put(sample: LinkSample, changes: ChangeSet): void {
    changes.touched += 1;
    const key = sampleKey(sample.link, sample.dir, sample.class);
    const previous = this.#latest.get(key);
    // A late sample never overwrites a newer one.
    if (previous !== undefined && previous.atMs > sample.atMs) return;
    this.#latest.set(key, sample);
    changes.latest.add(key);
    if (this.#count(key, sample)) changes.sums = true;
  }

  /**
   * Counts a tier-1 total into the national sums while it is current, and queues its expiry
   * (and that of samples someone listens to). Returns whether the sums changed.
   */
  #count(key: string, sample: LinkSample): boolean {
    this.#track(key, sample);
    if (!isTierOneTotal(sample)) return false;
    this.#nationalStepMs = nationalStepMs(sample.intervalMs, this.limits.nationalStepMs);
    if (isStale(sample, this.#newestAtMs, this.limits.staleIntervals)) return this.#aggregate.remove(key);
    this.#aggregate.add(key, sample);
    return true;
  }

  #track(key: string, sample: LinkSample): void {
    const matters = isTierOneTotal(sample) || this.#latestListeners.has(key);
    if (!matters || isStale(sample, this.#newestAtMs, this.limits.staleIntervals)) return;
    this.#expiries.push({ staleAfterMs: staleAfterMs(sample, this.limits.staleIntervals), key, atMs: sample.atMs });
  }

  #replaceLatest(samples: readonly LinkSample[], changes: ChangeSet): void {
    const next = new Map<string, LinkSample>();
    for (const sample of samples) {
      changes.touched += 1;
      const key = sampleKey(sample.link, sample.dir, sample.class);
      const known = next.get(key);
      if (known === undefined || known.atMs <= sample.atMs) next.set(key, sample);
    }
    for (const key of this.#latest.keys()) {
      changes.touched += 1;
      if (next.has(key)) continue;
      this.#latest.delete(key);
      changes.latest.add(key);
    }
    this.#aggregate.clear();
    this.#expiries.clear();
    changes.sums = true;
    for (const [key, sample] of next) {
      this.#latest.set(key, sample);
      changes.latest.add(key);
      this.#count(key, sample);
    }
  }

  /** Samples that went stale as the newest time moved: their listeners hear, the national sums drop them. */
  #expire(changes: ChangeSet): void {
    const newestAtMs = this.#newestAtMs;
    if (newestAtMs === null) return;
    for (let next = this.#expiries.peek(); next !== undefined && next.staleAfterMs < newestAtMs; next = this.#expiries.peek()) {
      this.#expiries.pop();
      changes.touched += 1;
      if (this.#latest.get(next.key)?.atMs !== next.atMs) continue;
      changes.latest.add(next.key);
      if (this.#aggregate.remove(next.key)) changes.sums = true;
    }
  }

  /**
   * One national point per step: the sums now, at the start of the step of the newest tier-1
   * total in the message (x never goes back: a late batch refreshes the newest point).
   */
  #extendNational(samples: readonly LinkSample[], changes: ChangeSet): void {
    if (!changes.sums || this.#nationalStepMs === null || this.#aggregate.links === 0) return;
    let tierOneAtMs: number | null = null;
    for (const sample of samples) {
      if (isTierOneTotal(sample) && (tierOneAtMs === null || sample.atMs > tierOneAtMs)) tierOneAtMs = sample.atMs;
    }
    const atMs = tierOneAtMs ?? this.#newestAtMs;
    if (atMs === null) return;
    const last = this.#national[this.#national.length - 1];
    const bucketMs = nationalBucketMs(atMs, this.#nationalStepMs);
    const pointAtMs = last === undefined ? bucketMs : Math.max(bucketMs, last.atMs);
    const next = appendPoint(this.#national, this.#aggregate.point(pointAtMs), this.limits);
    changes.touched += 1;
    if (next === this.#national) return;
    this.#national = next;
    changes.national = true;
  }

  #notify(changes: ChangeSet): void {
    changes.notified += this.#latestListeners.notify(changes.latest);
    changes.notified += this.#seriesListeners.notify(changes.series);
    if (changes.national) changes.notified += callAll(this.#nationalListeners);
    if (changes.newestAtMs) changes.notified += callAll(this.#newestListeners);
    if (changes.latest.size > 0 || changes.series.size > 0 || changes.national || changes.newestAtMs) {
      changes.notified += callAll(this.#anyListeners);
    }
  }
}

function isTierOneTotal(sample: Pick<LinkSample, 'tier' | 'class'>): boolean {
  return sample.tier === 1 && sample.class === 'total';
}

function callAll(listeners: ReadonlySet<Listener>): number {
  for (const listener of listeners) listener();
  return listeners.size;
}

export interface ApplyOptions extends StoreApplyOptions {
  limits: LiveLimits;
}

/**
 * Folds one message's samples into immutable live data: `data` is copied into a LiveStore, the
 * samples applied, and new data returned (O(everything): for tests and one-off folds; the
 * LiveClient keeps one LiveStore and applies each message in place).
 */
export function applySamples(data: LiveData, samples: readonly LinkSample[], options: ApplyOptions): LiveData {
  if (samples.length === 0 && options.mode === 'samples') return data;
  const store = LiveStore.from(data, options.limits);
  store.apply(samples, options);
  return store.toData();
}

/** Keeps only the series `keep` accepts (by link, and whether per-class), as immutable data. */
export function dropSeries(data: LiveData, keep: (link: string, classSeries: boolean) => boolean): LiveData {
  const store = LiveStore.from(data);
  const changes = store.dropSeries((link, classSeries) => keep(link, classSeries));
  if (changes.series.size === 0) return data;
  return { ...data, series: store.toData().series };
}
