// GET /api/v1/health: is InfluxDB reachable (a fresh ping, cached briefly), how is the
// store coping, and is the collector polling.
import type { FastifyInstance } from 'fastify';
import type { StoreHealth } from '../../collector/store/influx-store.ts';
import type { CollectorHealth } from '../../collector/collector.ts';
import { route } from './contract.ts';

export interface PingResult {
  reachable: boolean;
  error?: string;
}

export interface HealthView {
  status: 'ok' | 'degraded';
  influx: {
    reachable: boolean;
    error?: string;
    spooledPoints?: number;
    droppedPoints?: number;
    lastWriteOkAtMs?: number;
  };
  collector: CollectorHealth | null;
}

export interface HealthInput {
  ping: PingResult;
  store?: StoreHealth;
  collector?: CollectorHealth;
  nowMs: number;
  /** The collector's poll interval: no poll within two of them is degraded. */
  intervalMs: number;
  /** When health checking began: before any poll, the two intervals count from here. */
  sinceMs: number;
}

/**
 * Share of devices down above which the collector counts as degraded. A national network
 * always has a few dead sites: those are network events (shown per device), not a failing
 * monitor; a large share down points at the monitor's own reachability or credentials.
 */
const maxDownShare = 0.05;

/** Pure: combines the probes into the health view. */
function assessHealth(input: HealthInput): HealthView {
  const { ping, store, collector, nowMs, intervalMs, sinceMs } = input;
  const influx: HealthView['influx'] = { reachable: ping.reachable };
  const error = ping.error ?? (store && !store.influxReachable ? store.lastError : undefined);
  if (error !== undefined) influx.error = error;
  if (store) {
    influx.spooledPoints = store.spooledPoints;
    influx.droppedPoints = store.droppedPoints;
    if (store.lastWriteOkAtMs !== undefined) influx.lastWriteOkAtMs = store.lastWriteOkAtMs;
  }
  let degraded = !ping.reachable || (store !== undefined && !store.influxReachable);
  if (collector) {
    const stale = nowMs - (collector.lastPollAtMs ?? sinceMs) > 2 * intervalMs;
    const downShare = collector.devices === 0 ? 0 : collector.devicesDown / collector.devices;
    if (!collector.running || downShare > maxDownShare || stale) degraded = true;
  }
  return { status: degraded ? 'degraded' : 'ok', influx, collector: collector ?? null };
}

export interface InfluxProbeOptions {
  url: string;
  ping: (url: string, timeoutMs: number) => Promise<PingResult>;
  timeoutMs: number;
  /** A result younger than this is reused; concurrent checks share one ping. */
  cacheMs: number;
  now?: () => number;
}

/** A ping of InfluxDB, shared by concurrent health requests and reused for `cacheMs`. */
export class InfluxProbe {
  readonly #options: InfluxProbeOptions;
  readonly #now: () => number;
  #last: { atMs: number; result: PingResult } | undefined;
  #inFlight: Promise<PingResult> | undefined;

  constructor(options: InfluxProbeOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  check(): Promise<PingResult> {
    const last = this.#last;
    if (last && this.#now() - last.atMs < this.#options.cacheMs) return Promise.resolve(last.result);
    if (this.#inFlight) return this.#inFlight;
    const { ping, url, timeoutMs } = this.#options;
    const inFlight = ping(url, timeoutMs)
      .catch((err: unknown): PingResult => ({ reachable: false, error: err instanceof Error ? err.message : String(err) }))
      .then((result) => {
        this.#last = { atMs: this.#now(), result };
        return result;
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    this.#inFlight = inFlight;
    return inFlight;
  }
}

export interface HealthRoutesOptions {
  probe: InfluxProbe;
  intervalMs: number;
  storeHealth?: () => StoreHealth;
  collectorHealth?: () => CollectorHealth;
}

export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  const sinceMs = Date.now();
  route(app, 'health', async () => {
    const ping = await options.probe.check();
    const input: HealthInput = { ping, nowMs: Date.now(), intervalMs: options.intervalMs, sinceMs };
    if (options.storeHealth) input.store = options.storeHealth();
    if (options.collectorHealth) input.collector = options.collectorHealth();
    return assessHealth(input);
  });
}
