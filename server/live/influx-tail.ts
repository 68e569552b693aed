// For `lanewatch server` without a collector in the same process: reads the `traffic` points
// the collector wrote to InfluxDB and republishes them on the live bus, so the snapshot, the
// WebSocket and the analyzer work in the split deployment too.
//
// Every field the store writes on a `traffic` point (collector/store/points.ts) comes back:
// the tags link, province, tier, dir and each class's fields (bps_video, dropBps_video,
// preBps_video, reservedBps_video, util_video…, and the link's capacityBps_total), so the
// tailed LinkSamples of a point equal the ones the collector published, but for their time: a
// point holds every class of its link and direction at its total's time. The one
// exception is `intervalMs`, which the store does not write: the tail takes an `intervalMs`
// field when a point has one, else the configured poll interval.
//
// Reading is paged: one query returns at most `pageSize` points at or after a time, oldest
// first. A full page is taken up to its last timestamp (points at that time may have been cut
// off, and InfluxDB orders points of one timestamp differently from one query to the next, so
// no OFFSET), and the next page starts at that timestamp. A full page of one timestamp only is
// read again by series (SLIMIT/SOFFSET: one point per series per time). After an outage
// (InfluxDB down, or the server busy) the gap is read page after page, oldest first, each page
// published as it arrives, until a page comes back short. Points reach InfluxDB after they are
// stamped (the store batches them), so every tick re-reads the last `overlapMs` before the
// newest point seen, and publishes only what is newer than what it already published for that
// link, direction and class.
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { LanewatchConfig } from '../../config/schema.ts';
import type { LiveBus } from '../../collector/live-bus.ts';
import { directions, trafficClasses, type Direction } from '../../api/schemas.ts';
import { trafficField } from '../../collector/store/points.ts';
import type { LinkSample } from '../../collector/samples.ts';
import { SampleSlots } from './snapshot.ts';

export interface InfluxTailOptions {
  /** Only `query` is used. */
  influx: Pick<InfluxDB, 'query'>;
  bus: LiveBus;
  config: LanewatchConfig;
  /** How often to query for new points. */
  intervalMs: number;
  log: Logger;
  /** How far back the first query reaches (default `backfillIntervals` collector intervals). */
  backfillMs?: number;
  /**
   * Points reach InfluxDB after they are stamped (the store batches them): each tick re-reads
   * this much before the newest point seen, and skips what it already published.
   */
  overlapMs?: number;
  /** Most points one query returns (default 5,000). */
  pageSize?: number;
  now?: () => number;
}

/** What the tail did since it was created. */
export interface InfluxTailStats {
  /** Queries sent (pages), failed ones included. */
  queries: number;
  /** Points read back (re-reads of the overlap included). */
  rows: number;
  /** Samples published on the bus. */
  published: number;
  /** Points that were not a traffic sample (missing tag or field, no class with a rate). */
  malformed: number;
}

export const defaultPageSize = 5_000;
/** The first query reaches back this many collector intervals unless `backfillMs` says otherwise. */
export const backfillIntervals = 2;

const knownDirections: ReadonlySet<string> = new Set(directions);

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Pure: one row of `SELECT * FROM traffic` (tags and fields as columns) to its samples, one per
 * class with a rate; none when the row is not a traffic point of this shape. `intervalMs` is
 * used when the row has no `intervalMs` field of its own.
 */
export function rowToSamples(row: Record<string, unknown>, atMs: number, intervalMs: number): LinkSample[] {
  const { link, province, tier, dir } = row;
  const capacityBps = finite(row[trafficField('capacityBps', 'total')]);
  if (typeof link !== 'string' || typeof province !== 'string' || typeof dir !== 'string' || !knownDirections.has(dir)) return [];
  const tierNumber = Number(tier);
  if ((tierNumber !== 1 && tierNumber !== 2) || capacityBps === undefined) return [];
  const storedIntervalMs = finite(row['intervalMs']);
  const samples: LinkSample[] = [];
  for (const cls of trafficClasses) {
    const bitsPerSecond = finite(row[trafficField('bps', cls)]);
    if (bitsPerSecond === undefined) continue;
    const sample: LinkSample = {
      atMs,
      intervalMs: storedIntervalMs !== undefined && storedIntervalMs > 0 ? storedIntervalMs : intervalMs,
      link,
      province,
      tier: tierNumber,
      dir: dir as Direction,
      class: cls,
      bitsPerSecond,
      capacityBps,
      utilization: finite(row[trafficField('util', cls)]) ?? (capacityBps > 0 ? bitsPerSecond / capacityBps : 0),
    };
    const dropBitsPerSecond = finite(row[trafficField('dropBps', cls)]);
    if (dropBitsPerSecond !== undefined) sample.dropBitsPerSecond = dropBitsPerSecond;
    const prePolicyBitsPerSecond = finite(row[trafficField('preBps', cls)]);
    if (prePolicyBitsPerSecond !== undefined) sample.prePolicyBitsPerSecond = prePolicyBitsPerSecond;
    const reservedBps = finite(row[trafficField('reservedBps', cls)]);
    if (reservedBps !== undefined) sample.reservedBps = reservedBps;
    samples.push(sample);
  }
  return samples;
}

/** What to do after a page read from `fromMs` (LIMIT pageSize). */
export type PagePlan =
  /** A short page: everything is read; take it all. */
  | { take: number; next: 'done' }
  /** A full page: take the points before its last timestamp (some at that time may be cut off) and read from there. */
  | { take: number; next: 'from'; fromMs: number }
  /** A full page at a single timestamp: read that timestamp by series (SLIMIT/SOFFSET), then go on after it. */
  | { take: 0; next: 'same-time'; timeMs: number };

/** Pure: the plan after a page whose point times (ascending) are `timesMs`. */
export function planAfterPage(timesMs: readonly number[], pageSize: number): PagePlan {
  if (timesMs.length < pageSize) return { take: timesMs.length, next: 'done' };
  const lastMs = timesMs[timesMs.length - 1]!;
  const take = timesMs.indexOf(lastMs);
  if (take === 0) return { take: 0, next: 'same-time', timeMs: lastMs };
  return { take, next: 'from', fromMs: lastMs };
}

/** Pure: the InfluxQL of one page: at most `pageSize` points at or after `fromMs`, oldest first. */
export function pageQuery(fromMs: number, pageSize: number): string {
  return `SELECT * FROM "traffic" WHERE time >= ${Math.floor(fromMs)}ms ORDER BY time ASC LIMIT ${pageSize}`;
}

/**
 * Pure: the InfluxQL of one page of the points at exactly `timeMs`, by series (one point per
 * series at a time, so at most `pageSize` points; series come in a stable order).
 */
export function sameTimeQuery(timeMs: number, pageSize: number, seriesOffset: number): string {
  const offset = seriesOffset > 0 ? ` SOFFSET ${seriesOffset}` : '';
  return `SELECT * FROM "traffic" WHERE time = ${Math.floor(timeMs)}ms GROUP BY * SLIMIT ${pageSize}${offset}`;
}

interface TrafficRow {
  time?: { getTime(): number };
  [column: string]: unknown;
}

interface TimedRow {
  atMs: number;
  row: TrafficRow;
}

/** A row at or before the newest one published for its series is not published again. */
function notOlder(publishedAtMs: number, atMs: number): boolean {
  return publishedAtMs >= atMs;
}

export class InfluxTail {
  readonly #options: InfluxTailOptions;
  readonly #now: () => number;
  readonly #overlapMs: number;
  readonly #pageSize: number;
  /** Newest atMs published per (link, dir, class). */
  readonly #published = new SampleSlots<number>();
  /** Where the next tick's first page starts. */
  #fromMs: number | undefined;
  #newestMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #running = false;
  #stopping = false;
  #failing = false;
  readonly #stats: InfluxTailStats = { queries: 0, rows: 0, published: 0, malformed: 0 };

  constructor(options: InfluxTailOptions) {
    const pageSize = options.pageSize ?? defaultPageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`influx tail: pageSize must be a positive integer, got ${pageSize}`);
    this.#options = options;
    this.#pageSize = pageSize;
    this.#now = options.now ?? Date.now;
    const { settings } = options.config;
    this.#overlapMs = options.overlapMs ?? Math.max(5_000, 3 * settings.influx.flushIntervalMs);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopping = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  stats(): InfluxTailStats {
    return { ...this.#stats };
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#inFlight = this.tick().finally(() => {
        this.#inFlight = undefined;
        this.#schedule(this.#options.intervalMs);
      });
    }, delayMs);
  }

  /**
   * Reads every page from where the last tick left off up to the newest point and publishes
   * each page's new samples as one batch; never rejects. Exposed for tests and a first fill.
   */
  async tick(): Promise<void> {
    const backfillMs = this.#options.backfillMs ?? backfillIntervals * this.#options.config.settings.collector.intervalMs;
    this.#fromMs ??= this.#now() - backfillMs;
    let fromMs = Math.floor(this.#fromMs);
    let malformed = 0;
    try {
      for (;;) {
        const page = await this.#read(pageQuery(fromMs, this.#pageSize));
        if (page === undefined) return; // failed: the next tick starts from #fromMs again
        const plan = planAfterPage(page.timesMs, this.#pageSize);
        malformed += page.malformed + this.#publish(page.rows.slice(0, plan.take));
        if (plan.next === 'done') break;
        if (plan.next === 'from') fromMs = plan.fromMs;
        else {
          for (let seriesOffset = 0; ; seriesOffset += this.#pageSize) {
            const same = await this.#read(sameTimeQuery(plan.timeMs, this.#pageSize, seriesOffset));
            if (same === undefined) return;
            malformed += same.malformed + this.#publish(same.rows);
            if (same.rows.length < this.#pageSize) break;
          }
          fromMs = plan.timeMs + 1;
        }
        // A later tick resumes near here even if a following page fails.
        this.#fromMs = Math.max(this.#fromMs, fromMs - this.#overlapMs);
        // A stopped tail stops paging; a later start resumes from #fromMs.
        if (this.#stopping) break;
      }
    } finally {
      if (malformed > 0) this.#options.log.warn({ skipped: malformed }, 'influx tail skipped malformed traffic points');
    }
    if (this.#newestMs > 0) this.#fromMs = Math.max(this.#fromMs, this.#newestMs - this.#overlapMs);
  }

  /** One query: its rows with their times (ascending), or undefined when it failed (logged once per outage). */
  async #read(query: string): Promise<{ rows: TimedRow[]; timesMs: number[]; malformed: number } | undefined> {
    const { influx, log } = this.#options;
    this.#stats.queries += 1;
    let result: TrafficRow[];
    try {
      result = [...(await influx.query<Record<string, unknown>>(query, { precision: 'ms' }))];
    } catch (err) {
      if (!this.#failing) log.warn({ err }, 'influx tail query failed, retrying every interval');
      this.#failing = true;
      return undefined;
    }
    if (this.#failing) log.info('influx tail query recovered');
    this.#failing = false;
    this.#stats.rows += result.length;
    const rows: TimedRow[] = [];
    let malformed = 0;
    for (const row of result) {
      const atMs = row.time?.getTime();
      if (atMs === undefined || !Number.isFinite(atMs)) malformed += 1;
      else rows.push({ atMs, row });
    }
    return { rows, timesMs: rows.map((r) => r.atMs), malformed };
  }

  /** Publishes the rows' samples not published yet as one batch; returns how many rows were malformed. */
  #publish(rows: readonly TimedRow[]): number {
    const { bus, config } = this.#options;
    const intervalMs = config.settings.collector.intervalMs;
    const samples: LinkSample[] = [];
    let malformed = 0;
    for (const { atMs, row } of rows) {
      const rowSamples = rowToSamples(row, atMs, intervalMs);
      if (rowSamples.length === 0) {
        malformed += 1;
        continue;
      }
      if (atMs > this.#newestMs) this.#newestMs = atMs;
      for (const sample of rowSamples) {
        if (this.#published.offer(sample, atMs, notOlder)) samples.push(sample);
      }
    }
    this.#stats.malformed += malformed;
    if (samples.length === 0) return malformed;
    // A same-time page comes by series: keep the batch in time order all the same.
    samples.sort((a, b) => a.atMs - b.atMs);
    this.#stats.published += samples.length;
    const nowMs = this.#now();
    bus.publish({
      poll: { atMs: nowMs, device: 'influx-tail', province: '', ok: true, latencyMs: 0, varbinds: 0 },
      links: samples,
      interfaces: [],
    });
    return malformed;
  }
}
