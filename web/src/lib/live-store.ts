// The live data as immutable values and the pure reducer that folds WebSocket messages into
// them. The reactive LiveClient (live.svelte.ts) keeps one LiveData in `$state.raw` and
// replaces it on every message; nothing here is mutated after it is returned.
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

export interface LiveData {
  /** Latest sample per link, direction and class (key: `sampleKey`). */
  latest: ReadonlyMap<string, LinkSample>;
  /**
   * Bounded recent points per link and direction: class total under `seriesKey`, each service
   * class (of the links that keep class series) under `sampleKey`.
   */
  series: ReadonlyMap<string, readonly RatePoint[]>;
  /** Bounded national tier-1 total, one point per message. */
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

/** True when `sample` is more than `staleIntervals` of its intervals behind `newestAtMs`. */
export function isStale(sample: Pick<LinkSample, 'atMs' | 'intervalMs'>, newestAtMs: number | null, staleIntervals: number): boolean {
  if (newestAtMs === null) return false;
  return sample.atMs < newestAtMs - staleIntervals * Math.max(sample.intervalMs, 1);
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

/** The national tier-1 total from the current latest samples (stale ones left out). */
export function nationalTotal(
  latest: ReadonlyMap<string, LinkSample>,
  atMs: number,
  newestAtMs: number | null,
  staleIntervals: number,
): NationalPoint {
  let downBitsPerSecond = 0;
  let upBitsPerSecond = 0;
  let downCapacityBps = 0;
  let upCapacityBps = 0;
  const links = new Set<string>();
  for (const sample of latest.values()) {
    if (sample.tier !== 1 || sample.class !== 'total') continue;
    if (isStale(sample, newestAtMs, staleIntervals)) continue;
    links.add(sample.link);
    if (sample.dir === 'down') {
      downBitsPerSecond += sample.bitsPerSecond;
      downCapacityBps += sample.capacityBps;
    } else {
      upBitsPerSecond += sample.bitsPerSecond;
      upCapacityBps += sample.capacityBps;
    }
  }
  return {
    atMs,
    downBitsPerSecond,
    upBitsPerSecond,
    capacityBps: Math.max(downCapacityBps, upCapacityBps),
    downUtilization: downCapacityBps > 0 ? downBitsPerSecond / downCapacityBps : null,
    upUtilization: upCapacityBps > 0 ? upBitsPerSecond / upCapacityBps : null,
    links: links.size,
  };
}

export interface ApplyOptions {
  /** `snapshot` replaces the latest samples; `samples` updates them. */
  mode: 'snapshot' | 'samples';
  /** Whether to keep a chart series for this link (tier 1 and watched links). */
  keepSeries: (sample: LinkSample) => boolean;
  /** Whether to keep per-class series for this link (pages that chart its classes); default none. */
  keepClassSeries?: (sample: LinkSample) => boolean;
  limits: LiveLimits;
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

/** Folds one message's samples into the live data; returns new data, never mutates `data`. */
export function applySamples(data: LiveData, samples: readonly LinkSample[], options: ApplyOptions): LiveData {
  if (samples.length === 0 && options.mode === 'samples') return data;
  const latest = options.mode === 'snapshot' ? new Map<string, LinkSample>() : new Map(data.latest);
  let newestAtMs = data.newestAtMs;
  let messageAtMs: number | null = null;
  for (const sample of samples) {
    const key = sampleKey(sample.link, sample.dir, sample.class);
    const previous = latest.get(key);
    if (previous === undefined || previous.atMs <= sample.atMs) latest.set(key, sample);
    if (newestAtMs === null || sample.atMs > newestAtMs) newestAtMs = sample.atMs;
    if (messageAtMs === null || sample.atMs > messageAtMs) messageAtMs = sample.atMs;
  }

  let series = data.series;
  const changed = new Map<string, readonly RatePoint[]>();
  for (const sample of samples) {
    const keep = sample.class === 'total' ? options.keepSeries(sample) : (options.keepClassSeries?.(sample) ?? false);
    if (!keep) continue;
    const key = sample.class === 'total' ? seriesKey(sample.link, sample.dir) : sampleKey(sample.link, sample.dir, sample.class);
    const before = changed.get(key) ?? data.series.get(key) ?? [];
    const after = appendPoint(before, ratePoint(sample), options.limits);
    if (after !== before) changed.set(key, after);
  }
  if (changed.size > 0) {
    const next = new Map(data.series);
    for (const [key, points] of changed) next.set(key, points);
    series = next;
  }

  let national = data.national;
  if (messageAtMs !== null) {
    // x never goes back: a late batch refreshes the total at the newest time already plotted.
    const lastNational = national[national.length - 1];
    const pointAtMs = lastNational === undefined ? messageAtMs : Math.max(messageAtMs, lastNational.atMs);
    const total = nationalTotal(latest, pointAtMs, newestAtMs, options.limits.staleIntervals);
    if (total.links > 0) national = appendPoint(national, total, options.limits);
  }

  return { latest, series, national, newestAtMs, samplesApplied: data.samplesApplied + samples.length };
}

/** Keeps only the series `keep` accepts (by link, and whether per-class): used when a page stops watching a link. */
export function dropSeries(data: LiveData, keep: (link: string, classSeries: boolean) => boolean): LiveData {
  let removed = false;
  const series = new Map<string, readonly RatePoint[]>();
  for (const [key, points] of data.series) {
    const separator = key.indexOf('\u0000');
    const link = key.slice(0, separator);
    const classSeries = key.indexOf('\u0000', separator + 1) !== -1;
    if (keep(link, classSeries)) series.set(key, points);
    else removed = true;
  }
  return removed ? { ...data, series } : data;
}
