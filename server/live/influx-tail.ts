// For `lanewatch server` without a collector in the same process: reads the `traffic` points
// the collector wrote to InfluxDB and republishes them on the live bus, so the snapshot and
// the WebSocket work in the split deployment too.
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { LanewatchConfig } from '../../config/schema.ts';
import type { LiveBus } from '../../collector/live-bus.ts';
import type { Direction, LinkSample, TrafficClass } from '../../collector/samples.ts';
import { sampleKey } from './snapshot.ts';

export interface InfluxTailOptions {
  influx: InfluxDB;
  bus: LiveBus;
  config: LanewatchConfig;
  /** How often to query for new points. */
  intervalMs: number;
  log: Logger;
  /** How far back the first query reaches (default two collector intervals). */
  backfillMs?: number;
  /**
   * Points reach InfluxDB after they are stamped (the store batches them): each query
   * re-reads this much before the newest point seen, and skips what it already published.
   */
  overlapMs?: number;
  now?: () => number;
}

const directions: ReadonlySet<string> = new Set<Direction>(['down', 'up']);
const classes: ReadonlySet<string> = new Set<TrafficClass>(['total', 'internet', 'docex', 'video', 'other']);

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Pure: one row of `SELECT * FROM traffic` (tags and fields as columns) to a sample. */
export function rowToSample(row: Record<string, unknown>, atMs: number, intervalMs: number): LinkSample | undefined {
  const { link, province, tier, dir } = row;
  const cls = row['class'];
  const bitsPerSecond = finite(row['bps']);
  const capacityBps = finite(row['capacityBps']);
  if (typeof link !== 'string' || typeof province !== 'string' || typeof dir !== 'string' || typeof cls !== 'string') return undefined;
  if (!directions.has(dir) || !classes.has(cls)) return undefined;
  const tierNumber = Number(tier);
  if (tierNumber !== 1 && tierNumber !== 2) return undefined;
  if (bitsPerSecond === undefined || capacityBps === undefined) return undefined;
  const sample: LinkSample = {
    atMs,
    intervalMs,
    link,
    province,
    tier: tierNumber,
    dir: dir as Direction,
    class: cls as TrafficClass,
    bitsPerSecond,
    capacityBps,
    utilization: finite(row['util']) ?? (capacityBps > 0 ? bitsPerSecond / capacityBps : 0),
  };
  const dropBitsPerSecond = finite(row['dropBps']);
  if (dropBitsPerSecond !== undefined) sample.dropBitsPerSecond = dropBitsPerSecond;
  return sample;
}

interface TrafficRow {
  time: { getTime(): number };
  [column: string]: unknown;
}

export class InfluxTail {
  readonly #options: InfluxTailOptions;
  readonly #now: () => number;
  readonly #overlapMs: number;
  /** Newest atMs published per (link, dir, class). */
  readonly #published = new Map<string, number>();
  #sinceMs: number | undefined;
  #newestMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #running = false;
  #failing = false;

  constructor(options: InfluxTailOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const { settings } = options.config;
    this.#overlapMs = options.overlapMs ?? Math.max(5_000, 3 * settings.influx.flushIntervalMs);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const backfillMs = this.#options.backfillMs ?? 2 * this.#options.config.settings.collector.intervalMs;
    this.#sinceMs ??= this.#now() - backfillMs;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
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

  /** One query and publish; never rejects. Exposed for tests and for a first fill. */
  async tick(): Promise<void> {
    const { influx, bus, log, config } = this.#options;
    const sinceMs = Math.floor(this.#sinceMs ?? this.#now());
    const startedMs = this.#now();
    let rows: TrafficRow[];
    try {
      const result = await influx.query<Record<string, unknown>>(
        `SELECT * FROM "traffic" WHERE time > ${sinceMs}ms ORDER BY time ASC`,
        { precision: 'ms' },
      );
      rows = [...result];
    } catch (err) {
      if (!this.#failing) log.warn({ err }, 'influx tail query failed, retrying every interval');
      this.#failing = true;
      return;
    }
    if (this.#failing) log.info('influx tail query recovered');
    this.#failing = false;

    const intervalMs = config.settings.collector.intervalMs;
    const samples: LinkSample[] = [];
    let skipped = 0;
    for (const row of rows) {
      const atMs = row.time.getTime();
      const sample = rowToSample(row, atMs, intervalMs);
      if (!sample) {
        skipped += 1;
        continue;
      }
      if (atMs > this.#newestMs) this.#newestMs = atMs;
      const key = sampleKey(sample);
      const last = this.#published.get(key);
      if (last !== undefined && atMs <= last) continue;
      this.#published.set(key, atMs);
      samples.push(sample);
    }
    if (skipped > 0) log.warn({ skipped }, 'influx tail skipped malformed traffic points');
    if (this.#newestMs > 0) this.#sinceMs = Math.max(sinceMs, this.#newestMs - this.#overlapMs);
    if (samples.length === 0) return;
    const nowMs = this.#now();
    bus.publish({
      poll: { atMs: nowMs, device: 'influx-tail', province: '', ok: true, latencyMs: nowMs - startedMs, varbinds: 0 },
      links: samples,
      interfaces: [],
    });
  }
}
