// The collector's metrics (Prometheus): polls, poll errors by kind, poll duration, devices by
// state, polls in flight and waiting, scheduler ticks passed over, and samples a counter rule
// refused. Registered into the registry the caller gives (the process's, served at
// GET /metrics); without one, into a private registry nobody reads (tests, `lanewatch poll`).
// The scheduler and the pollers see only the small interfaces below, not prom-client.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SnmpErrorKind } from './snmp/errors.ts';
import type { Discontinuity } from './rates.ts';
import type { ClassDiscontinuity } from './qos/counters.ts';
import type { PollOutcome } from './samples.ts';
import { deviceStates, type DeviceState } from './scheduler.ts';

/** Why a tick polled nothing: the previous poll still ran, or the device is down and backing off. */
export type SkippedTick = 'busy' | 'backoff';

/** What the scheduler reports. */
export interface SchedulerMetrics {
  tickSkipped(reason: SkippedTick): void;
  /** A poll ended after its interval had passed (its device's next tick was due): the collector is not keeping up. */
  pollLate(): void;
}

/** Why a counter rule gave no sample: a discontinuity, or a rate it refused (DESIGN §3). */
export type DropReason = Discontinuity | ClassDiscontinuity | 'over-capacity' | 'not-finite';
/** Which counters: a link's interface, or a QoS class (or per-service sub-interface). */
export type DropCounters = 'interface' | 'class';

/** What a device poller reports. */
export interface PollerMetrics {
  /** One interval of one interface or class (a discontinuity), or one direction's rate (refused), without a sample. */
  sampleDropped(reason: DropReason, counters: DropCounters): void;
}

/** What the collector's gauges read at each scrape. */
export interface CollectorGauges {
  devicesByState(): Record<DeviceState, number>;
  pollsInFlight(): number;
  pollsWaiting(): number;
}

export const pollErrorKinds = ['timeout', 'auth', 'request', 'response', 'socket', 'internal'] as const satisfies readonly (SnmpErrorKind | 'internal')[];
export type PollErrorKind = (typeof pollErrorKinds)[number];

const skippedTicks: readonly SkippedTick[] = ['busy', 'backoff'];

/** Seconds: a healthy GETBULK answers in milliseconds; a dead device takes timeout × (retries + 1). */
export const pollDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Pure: the metric kind of a failed poll (an outcome without a kind failed outside SNMP). */
export function pollErrorKindOf(outcome: Pick<PollOutcome, 'ok' | 'errorKind'>): PollErrorKind | undefined {
  if (outcome.ok) return undefined;
  return outcome.errorKind ?? 'internal';
}

/** Pure: whether a rule's outcome counts as a dropped sample (a first reading only sets the baseline). */
export function countsAsDropped(reason: DropReason): boolean {
  return reason !== 'first-reading';
}

/** A counter by one label, each of whose `values` is exported from the start (at 0, not absent until it first happens). */
export function labelledCounter<L extends string>(name: string, help: string, label: L, values: readonly string[], registers: Registry[]): Counter<L> {
  const counter = new Counter<L>({ name, help, labelNames: [label], registers });
  for (const value of values) counter.inc({ [label]: value } as Partial<Record<L, string>>, 0);
  return counter;
}

export class CollectorMetrics implements SchedulerMetrics, PollerMetrics {
  readonly #polls: Counter;
  readonly #pollErrors: Counter<'kind'>;
  readonly #pollDuration: Histogram<'result'>;
  readonly #ticksSkipped: Counter<'reason'>;
  readonly #pollsLate: Counter;
  readonly #samplesDropped: Counter<'reason' | 'counters'>;

  constructor(registry: Registry | undefined, gauges: CollectorGauges) {
    const registers = [registry ?? new Registry()];
    this.#polls = new Counter({ name: 'lanewatch_collector_polls_total', help: 'Device polls completed (successful or not).', registers });
    this.#pollErrors = labelledCounter(
      'lanewatch_collector_poll_errors_total',
      'Failed device polls by kind: timeout, auth (SNMPv3), request (agent error status), response (unusable answer), socket, internal.',
      'kind',
      pollErrorKinds,
      registers,
    );
    this.#pollDuration = new Histogram({
      name: 'lanewatch_collector_poll_duration_seconds',
      help: 'Wall time of one device poll: interfaces, QoS class counters and discovery on a first poll.',
      labelNames: ['result'],
      buckets: pollDurationBuckets,
      registers,
    });
    this.#ticksSkipped = labelledCounter(
      'lanewatch_collector_ticks_skipped_total',
      "Scheduled polls not made: busy (the device's previous poll still running) or backoff (a device down, polled less often).",
      'reason',
      skippedTicks,
      registers,
    );
    this.#pollsLate = new Counter({
      name: 'lanewatch_collector_polls_late_total',
      help: "Device polls that ended after their interval had passed (the device's next tick was due): the collector is not keeping up with its schedule.",
      registers,
    });
    this.#samplesDropped = new Counter({
      name: 'lanewatch_collector_samples_dropped_total',
      help: 'Intervals without a sample because a counter rule refused them (reboot, discontinuity, counter went back, over-capacity rate, ...), by reason and counters (interface or class).',
      labelNames: ['reason', 'counters'],
      registers,
    });
    new Gauge({
      name: 'lanewatch_collector_devices',
      help: 'Configured devices by the state of their last poll (unknown: not polled yet).',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = gauges.devicesByState();
        for (const state of deviceStates) this.set({ state }, counts[state]);
      },
    });
    new Gauge({
      name: 'lanewatch_collector_polls_in_flight',
      help: 'Device polls running now (at most collector.concurrency).',
      registers,
      collect() {
        this.set(gauges.pollsInFlight());
      },
    });
    new Gauge({
      name: 'lanewatch_collector_polls_waiting',
      help: 'Device polls due and waiting for a concurrency slot.',
      registers,
      collect() {
        this.set(gauges.pollsWaiting());
      },
    });
  }

  /** One poll done (not one cut short by stop()). */
  pollDone(outcome: Pick<PollOutcome, 'ok' | 'errorKind'>, durationMs: number): void {
    this.#polls.inc();
    const kind = pollErrorKindOf(outcome);
    if (kind !== undefined) this.#pollErrors.inc({ kind });
    this.#pollDuration.observe({ result: outcome.ok ? 'ok' : 'error' }, Math.max(0, durationMs) / 1_000);
  }

  tickSkipped(reason: SkippedTick): void {
    this.#ticksSkipped.inc({ reason });
  }

  pollLate(): void {
    this.#pollsLate.inc();
  }

  sampleDropped(reason: DropReason, counters: DropCounters): void {
    if (countsAsDropped(reason)) this.#samplesDropped.inc({ reason, counters });
  }
}
