// The InfluxDB store's metrics (Prometheus): write latency, points written, the spool's points
// and bytes, points pending, InfluxDB reachability, and points lost for good by reason.
// Registered into the registry the caller gives, or a private one nobody reads.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreHealth, WriteResult } from './influx-store.ts';

/** Why points were lost for good. */
export const lostReasons = ['spool-bound', 'spool-queue', 'spool-write', 'spool-unreadable', 'rejected', 'no-spool'] as const;
export type LostReason = (typeof lostReasons)[number];

/** Seconds: a 5,000-point batch to a local influxd takes tens of ms; a timeout is 10 s. */
export const writeDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the gauges and the lost-points counter read at each scrape. */
export interface StoreGauges {
  health(): StoreHealth;
  /** Points InfluxDB refused as bad data; points lost because there was no spool. */
  rejectedPoints(): number;
  noSpoolLostPoints(): number;
}

/** Pure: the store's cumulative lost points by reason (the parts of `droppedPoints` in health). */
export function lostPointsByReason(health: StoreHealth, rejected: number, noSpool: number): Record<LostReason, number> {
  return {
    'spool-bound': health.spool?.droppedPoints ?? 0,
    'spool-queue': health.spool?.queueDroppedPoints ?? 0,
    'spool-write': health.spool?.lostPoints ?? 0,
    'spool-unreadable': health.spool?.unreadableLines ?? 0,
    rejected,
    'no-spool': noSpool,
  };
}

export class StoreMetrics {
  readonly #writeDuration: Histogram<'result'>;
  readonly #pointsWritten: Counter;

  constructor(registry: Registry | undefined, gauges: StoreGauges) {
    const registers = [registry ?? new Registry()];
    this.#writeDuration = new Histogram({
      name: 'lanewatch_store_write_duration_seconds',
      help: 'Latency of one write request to InfluxDB, by result: ok, rejected (HTTP 400: bad points dropped), failed (unreachable: points spooled).',
      labelNames: ['result'],
      buckets: writeDurationBuckets,
      registers,
    });
    this.#pointsWritten = new Counter({ name: 'lanewatch_store_points_written_total', help: 'Points InfluxDB accepted.', registers });
    new Gauge({
      name: 'lanewatch_store_spool_points',
      help: 'Points in the on-disk spool, waiting for InfluxDB.',
      registers,
      collect() {
        this.set(gauges.health().spooledPoints);
      },
    });
    new Gauge({
      name: 'lanewatch_store_spool_bytes',
      help: 'Bytes of the on-disk spool (bounded by collector.spool.maxBytes).',
      registers,
      collect() {
        this.set(gauges.health().spooledBytes);
      },
    });
    new Gauge({
      name: 'lanewatch_store_pending_points',
      help: 'Points in memory or on their way to InfluxDB or the spool.',
      registers,
      collect() {
        this.set(gauges.health().pendingPoints);
      },
    });
    new Gauge({
      name: 'lanewatch_store_influx_reachable',
      help: '1 while writes to InfluxDB succeed, 0 while it is unreachable (points go to the spool).',
      registers,
      collect() {
        this.set(gauges.health().influxReachable ? 1 : 0);
      },
    });
    // The store and the spool keep cumulative counts; the counter follows them at each scrape.
    const seen: Record<LostReason, number> = { 'spool-bound': 0, 'spool-queue': 0, 'spool-write': 0, 'spool-unreadable': 0, rejected: 0, 'no-spool': 0 };
    new Counter({
      name: 'lanewatch_store_points_lost_total',
      help: 'Points lost for good, by reason: spool-bound (oldest over collector.spool.maxBytes), spool-queue (newest while too many waited for the spool disk), spool-write (disk full or I/O error), spool-unreadable (torn or corrupt lines), rejected (InfluxDB HTTP 400), no-spool (spool unusable while InfluxDB was down).',
      labelNames: ['reason'],
      registers,
      collect() {
        const totals = lostPointsByReason(gauges.health(), gauges.rejectedPoints(), gauges.noSpoolLostPoints());
        for (const reason of lostReasons) {
          const more = totals[reason] - seen[reason];
          if (more > 0) seen[reason] = totals[reason];
          this.inc({ reason }, Math.max(0, more));
        }
      },
    });
  }

  /** One write request ended: `acceptedPoints` reached InfluxDB (a partial write keeps the valid ones). */
  writeDone(result: WriteResult, acceptedPoints: number, durationMs: number): void {
    if (acceptedPoints > 0) this.#pointsWritten.inc(acceptedPoints);
    this.#writeDuration.observe({ result }, Math.max(0, durationMs) / 1_000);
  }
}
