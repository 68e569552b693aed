// Runs every device every `intervalMs` at a stable per-device offset (spread over the
// interval so a fleet is not polled in one burst, in steps of POLL_SLOT_MS: the devices that
// share a step share one timer and go out together), with at most `concurrency` polls in
// flight. A device whose previous poll is still running or waiting skips that tick: two
// polls of one device never overlap, and a dead or slow device only ever holds one slot.
// Timeouts, retries and backoff are per request, in the SNMP session (collector/snmp).
import type { Logger } from 'pino';
import type { SchedulerMetrics } from './metrics.ts';

export interface PollResult {
  ok: boolean;
  error?: string;
}

/** A device's state by its last poll (unknown: not polled yet). */
export const deviceStates = ['unknown', 'up', 'down'] as const;
export type DeviceState = (typeof deviceStates)[number];

export interface SchedulerOptions {
  devices: readonly string[];
  intervalMs: number;
  concurrency: number;
  /** Polls one device. Should not reject; a rejection counts as a failed poll. */
  run: (device: string) => Promise<PollResult>;
  log: Logger;
  now?: () => number;
  /** Counts ticks passed over and polls that ended late (collector/metrics.ts). */
  metrics?: SchedulerMetrics;
}

/** FNV-1a 32-bit hash of a string. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** MurmurHash3's 32-bit finalizer: spreads FNV's poorly mixed bits for similar ids. */
export function fmix32(hash: number): number {
  let h = hash >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The step offsets are made of: fine enough to spread a fleet (10 steps in 10 s, 60 in a
 * minute), coarse enough that many devices share a timer and their answers arrive together.
 * On a VM the process pays for each wake-up far more than for a datagram it reads while awake:
 * at the national network's 336 polls a second, 1 s steps instead of 50 ms ones halved the bare
 * GETBULK loop's CPU on this schedule (bench:national's floor, 0.035 → 0.016 of a core) and
 * took a fifth off `lanewatch run`'s. A step's polls beyond `concurrency` wait their turn.
 */
export const POLL_SLOT_MS = 1_000;

/** A device's stable offset within the interval (a multiple of POLL_SLOT_MS): the same id always polls at the same phase. */
export function jitterOffsetMs(device: string, intervalMs: number): number {
  const slots = Math.max(1, Math.floor(intervalMs / POLL_SLOT_MS));
  return Math.floor((fmix32(fnv1a32(device)) / 2 ** 32) * slots) * Math.floor(intervalMs / slots);
}

/** The first time ≥ nowMs that is `offsetMs` past a multiple of `intervalMs` (epoch-aligned). */
export function nextDueMs(nowMs: number, offsetMs: number, intervalMs: number): number {
  const due = Math.floor((nowMs - offsetMs) / intervalMs) * intervalMs + offsetMs;
  return due >= nowMs ? due : due + intervalMs;
}

interface DeviceSlot {
  offsetMs: number;
  /** Waiting for a concurrency slot or polling. */
  busy: boolean;
  /** When the tick of the poll waiting or running was due (ms epoch): it is late if it ends past this + intervalMs. */
  dueMs: number;
  state: DeviceState;
  skipped: number;
  /** Consecutive failed polls. */
  failures: number;
  /** Ticks still to pass over before a device that is down is polled again. */
  backoffTicks: number;
}

/** A device that is down is polled at least every this many intervals. */
export const maxDownBackoffIntervals = 8;

/**
 * Ticks to pass over after `failures` consecutive failed polls: 0 after the first (a lost
 * packet), then 1, 3, 7… up to `maxDownBackoffIntervals - 1`. Dead devices (a regional power
 * cut) then cost a fraction of the concurrency budget instead of all of it, and the healthy
 * ones keep their schedule.
 */
export function downBackoffTicks(failures: number): number {
  if (failures <= 1) return 0;
  return Math.min(2 ** (failures - 1), maxDownBackoffIntervals) - 1;
}

export class Scheduler {
  readonly #opts: SchedulerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #slots = new Map<string, DeviceSlot>();
  /** Devices by offset: one timer per offset, and the tick it is armed for. */
  readonly #steps = new Map<number, { devices: string[]; timer: NodeJS.Timeout | undefined; dueMs: number }>();
  readonly #queue: string[] = [];
  /** Polls running now (a count, not their promises: nothing is kept per poll). */
  #inFlight = 0;
  /** Who waits for the polls in flight to end (stop()). */
  readonly #drained: (() => void)[] = [];
  #running = false;

  constructor(opts: SchedulerOptions) {
    if (!(opts.intervalMs > 0)) throw new Error('intervalMs must be positive');
    if (!(opts.concurrency >= 1)) throw new Error('concurrency must be at least 1');
    this.#opts = opts;
    this.#log = opts.log;
    this.#now = opts.now ?? Date.now;
    for (const device of opts.devices) {
      const offsetMs = jitterOffsetMs(device, opts.intervalMs);
      const step = this.#steps.get(offsetMs);
      if (step) step.devices.push(device);
      else this.#steps.set(offsetMs, { devices: [device], timer: undefined, dueMs: 0 });
      this.#slots.set(device, {
        offsetMs,
        busy: false,
        dueMs: 0,
        state: 'unknown',
        skipped: 0,
        failures: 0,
        backoffTicks: 0,
      });
    }
  }

  get running(): boolean {
    return this.#running;
  }

  /** Polls in progress right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Polls due and waiting for a concurrency slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  stateOf(device: string): DeviceState {
    return this.#slots.get(device)?.state ?? 'unknown';
  }

  /** How many ticks a device skipped because its previous poll was still running. */
  skippedOf(device: string): number {
    return this.#slots.get(device)?.skipped ?? 0;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const [offsetMs, step] of this.#steps) {
      step.dueMs = 0;
      this.#arm(offsetMs);
    }
  }

  /** Stops scheduling and waits for the polls in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const step of this.#steps.values()) {
      if (step.timer) clearTimeout(step.timer);
      step.timer = undefined;
    }
    for (const device of this.#queue.splice(0)) {
      const slot = this.#slots.get(device);
      if (slot) slot.busy = false;
    }
    if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
  }

  #arm(offsetMs: number): void {
    const step = this.#steps.get(offsetMs);
    if (!step || !this.#running) return;
    const now = this.#now();
    // The tick after the one just made, never that one again: a timer runs on the monotonic
    // clock and may fire a few ms before the wall clock says it is due. At start, or after a
    // stall longer than an interval, the first tick strictly after now.
    let due = step.dueMs === 0 ? 0 : step.dueMs + this.#opts.intervalMs;
    if (due <= now) due = nextDueMs(now + 1, offsetMs, this.#opts.intervalMs);
    step.dueMs = due;
    step.timer = setTimeout(() => this.#tickStep(offsetMs), due - now);
  }

  #tickStep(offsetMs: number): void {
    const step = this.#steps.get(offsetMs);
    if (!step || !this.#running) return;
    // The tick being made (the time its timer was armed for); #arm moves step.dueMs on.
    const dueMs = step.dueMs;
    this.#arm(offsetMs);
    for (const device of step.devices) this.#tick(device, dueMs);
    this.#pump();
  }

  #tick(device: string, dueMs: number): void {
    const slot = this.#slots.get(device);
    if (!slot) return;
    if (slot.backoffTicks > 0) {
      slot.backoffTicks--;
      this.#opts.metrics?.tickSkipped('backoff');
      return;
    }
    if (slot.busy) {
      slot.skipped++;
      this.#opts.metrics?.tickSkipped('busy');
      this.#log.debug({ device, skipped: slot.skipped }, 'previous poll still running: tick skipped');
      return;
    }
    slot.busy = true;
    slot.dueMs = dueMs;
    this.#queue.push(device);
  }

  #pump(): void {
    while (this.#running && this.#inFlight < this.#opts.concurrency && this.#queue.length > 0) {
      const device = this.#queue.shift();
      if (device === undefined) break;
      this.#inFlight++;
      void this.#runOne(device);
    }
  }

  /** Runs one poll; never rejects. At its end the slot it held goes to the next poll waiting. */
  async #runOne(device: string): Promise<void> {
    const slot = this.#slots.get(device);
    let result: PollResult;
    try {
      result = await this.#opts.run(device);
    } catch (err) {
      result = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    try {
      if (slot) {
        slot.busy = false;
        if (this.#now() > slot.dueMs + this.#opts.intervalMs) this.#opts.metrics?.pollLate();
        this.#noteState(device, slot, result);
      }
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0 && this.#drained.length > 0) for (const resolve of this.#drained.splice(0)) resolve();
      this.#pump();
    }
  }

  /** Logs a device's state change once per change, not every poll. */
  #noteState(device: string, slot: DeviceSlot, result: PollResult): void {
    slot.failures = result.ok ? 0 : slot.failures + 1;
    slot.backoffTicks = downBackoffTicks(slot.failures);
    const next: DeviceState = result.ok ? 'up' : 'down';
    const previous = slot.state;
    if (next === previous) return;
    slot.state = next;
    if (next === 'down') this.#log.warn({ device, error: result.error, previous }, 'device down');
    else if (previous === 'down') this.#log.info({ device }, 'device up again');
    else this.#log.debug({ device }, 'device up');
  }
}
