// Counters to rates (DESIGN §3): small pure functions, no I/O, no clock, no logging.
// Counters are numbers while exact (below 2^53), bigints above (collector/snmp/values.ts
// Counter); deltas and rates are numbers; time is epoch ms (sysUpTime in centiseconds as the
// agent gives it).
//
// Decisions documented here:
// - A 64-bit counter that went back is a discontinuity. A 32-bit counter that went back is
//   either a wrap (2^32) or a reset, and the counter alone cannot tell which: it is read as a
//   wrap only when the agent witnesses that nothing was reset — a sysUpTime that moved on both
//   readings without a reboot, or ifCounterDiscontinuityTime present (and unchanged) on both.
//   Without a witness the interval gives no sample (`counter32-unverified`): a wrap and a
//   reset both look plausible, and a false wrap is a believable wrong rate. Error counters
//   (Counter32) follow the same rule but only become unknown. A counter-only reset ("clear
//   counters") on an agent with sysUpTime but no discontinuity time still reads as a wrap.
// - sysUpTime going back is a reboot unless it is the agent's own 32-bit wrap (~497 days):
//   the wrapped delta then agrees with the wall clock. sysUpTime that went forward is still a
//   reboot when the agent could have booted after the previous reading (its uptime is not
//   longer than the wall time since then) and it moved less than that wall time: e.g. up 5 s at
//   one poll, restarted 2 s later, up 58 s at the next. Poll jitter of max(1 s, 2 %) is allowed
//   on both comparisons (`CLOCK_AGREEMENT`). An agent that has been up longer than the
//   interval cannot have booted in it, however slowly its clock runs. An agent whose sysUpTime
//   does not move (recorded/static agents) is not a reboot; its clock is just not used for Δt.
// - Δt comes from sysUpTime when it agrees with the poll timestamps within the same
//   max(1 s, 2 %), else from the poll timestamps (when the last response arrived): a sysUpTime
//   that jumped without a reboot is not believed (see `CLOCK_AGREEMENT`).
// - Capacity: the link's capacityBps, else ifHighSpeed × 10^6. ifHighSpeed 0 or absent with
//   no override means the capacity is UNKNOWN: no utilization, no capacity check, and the
//   poller emits no LinkSample (whose schema needs a capacity) — the InterfaceSample still
//   carries the bps.

import type { Counter } from './snmp/values.ts';

export type CounterBits = 32 | 64;

/** How many intervals of missed polls are bridged before a device's readings start fresh. */
export const MAX_GAP_INTERVALS = 3;

export const COUNTER32_MODULUS = 2 ** 32;
/** sysUpTime (TimeTicks, centiseconds) is an unsigned 32-bit value. */
export const TIMETICKS_MODULUS = 2 ** 32;

const maxExactBig = BigInt(Number.MAX_SAFE_INTEGER);

/** A counter as a number where that is exact. */
function exact(c: Counter): Counter {
  return typeof c === 'bigint' && c <= maxExactBig && c >= -maxExactBig ? Number(c) : c;
}

/**
 * The increase of a counter between two readings; undefined when it is a discontinuity. Exact
 * below 2^53 (an increase above that is no interval's traffic).
 */
export function counterDelta(prevValue: Counter, currValue: Counter, bits: CounterBits): number | undefined {
  const prev = exact(prevValue);
  const curr = exact(currValue);
  if (typeof prev === 'bigint' || typeof curr === 'bigint') {
    // Past 2^53: only a 64-bit counter gets there, and it never wraps.
    const p = BigInt(prev);
    const c = BigInt(curr);
    return bits === 64 && p >= 0n && c >= p ? Number(c - p) : undefined;
  }
  if (prev < 0 || curr < 0) return undefined;
  if (curr >= prev) {
    if (bits === 32 && curr >= COUNTER32_MODULUS) return undefined;
    return curr - prev;
  }
  if (bits === 64) return undefined;
  if (prev >= COUNTER32_MODULUS) return undefined;
  return curr + COUNTER32_MODULUS - prev;
}

/**
 * How far the agent's clock (sysUpTime's advance) and the poller's (the poll timestamps' Δt) may
 * disagree over one interval and still be one clock: max(1 s, 2 % of the interval), the one
 * tolerance for every comparison of the two (reboot, sysUpTime's own wrap, the clock for Δt).
 *
 * Within it the agent's Δt is the better one: the agent reads sysUpTime in the same response as
 * the counters, while the timestamps also carry each response's network and queueing delay
 * (a retry resends the same request-id, so a late answer to the first send may be the one
taken: its sysUpTime then trails its timestamp by up to the timeout, and past the tolerance
the timestamps' Δt, carrying that delay, is used for the interval). Two
 * honest clocks differ by that delay's jitter, well within 1 s even at a 10-s interval, and by
 * the agent's oscillator error, parts per million. A wider gap means the agent's clock jumped
 * (set back or forward, without a reboot), and its Δt would scale the rate by the jump (an 8 s
 * jump back in 60 s would read 15 % high); the timestamps then give Δt.
 * The floor keeps latency jitter from rejecting the agent's clock on short intervals; the
 * price is that a jump under the tolerance is still believed (at most 1 s in 10 s, 2 % beyond
 * 50 s). Whole percent, so that the tolerance of a whole-ms interval is exact, with no float edge.
 */
export const CLOCK_AGREEMENT = { minMs: 1_000, percent: 2 } as const;

/** The `CLOCK_AGREEMENT` tolerance for an interval of `wallElapsedMs` by the poll timestamps. */
export function clockToleranceMs(wallElapsedMs: number): number {
  return Math.max(CLOCK_AGREEMENT.minMs, (CLOCK_AGREEMENT.percent * Math.abs(wallElapsedMs)) / 100);
}

export type UptimeVerdict =
  /** sysUpTime advanced (deltaCs, possibly across its own 32-bit wrap). */
  | { kind: 'moved'; deltaCs: number; wrapped: boolean }
  /** The agent restarted between the readings. */
  | { kind: 'rebooted' };

/**
 * How far sysUpTime advanced between two readings taken `wallElapsedMs` apart, in centiseconds
 * (across its own 32-bit wrap when that fits the wall clock), or -1 when the agent restarted in
 * between. uptimeVerdict's rule without an object: it runs for every interface and class reading.
 */
function uptimeAdvanceCs(prevCs: number, currCs: number, wallElapsedMs: number): number {
  if (currCs >= prevCs) {
    const deltaCs = currCs - prevCs;
    // It moved, but it could have booted after the last reading (up no longer than the time
    // since then) and moved less than that time: it restarted in between, perhaps again.
    const jitterMs = clockToleranceMs(wallElapsedMs);
    const bootedSince = currCs * 10 < wallElapsedMs + jitterMs;
    const movedLess = deltaCs * 10 + jitterMs < wallElapsedMs;
    return deltaCs > 0 && bootedSince && movedLess ? -1 : deltaCs;
  }
  const wrappedCs = currCs + TIMETICKS_MODULUS - prevCs;
  return Math.abs(wrappedCs * 10 - wallElapsedMs) <= clockToleranceMs(wallElapsedMs) ? wrappedCs : -1;
}

/** Compares two sysUpTime readings taken `wallElapsedMs` apart. */
export function uptimeVerdict(prevCs: number, currCs: number, wallElapsedMs: number): UptimeVerdict {
  const deltaCs = uptimeAdvanceCs(prevCs, currCs, wallElapsedMs);
  if (deltaCs < 0) return { kind: 'rebooted' };
  return { kind: 'moved', deltaCs, wrapped: currCs < prevCs };
}

export type ClockSource = 'sysUpTime' | 'wall';

/**
 * Δt of an interval: the agent's sysUpTime advance when it agrees with the poll timestamps
 * within `clockToleranceMs` (inclusive), else the timestamps' Δt.
 */
export function chooseIntervalMs(
  uptimeDeltaCs: number | undefined,
  wallElapsedMs: number,
): { intervalMs: number; clock: ClockSource } {
  if (uptimeDeltaCs !== undefined && uptimeDeltaCs > 0) {
    const uptimeMs = uptimeDeltaCs * 10;
    if (Math.abs(uptimeMs - wallElapsedMs) <= clockToleranceMs(wallElapsedMs)) return { intervalMs: uptimeMs, clock: 'sysUpTime' };
  }
  return { intervalMs: wallElapsedMs, clock: 'wall' };
}

/**
 * Δoctets × 8 / Δt, in whole bits per second: finer is below what the counters resolve (one
 * octet over the interval, 0.8 bit/s at 10 s), and a whole number is written (line protocol,
 * JSON) several times faster than a fraction.
 */
export function bitsPerSecondOf(octets: number, intervalMs: number): number {
  if (intervalMs <= 0) return Number.NaN;
  return Math.round((octets * 8 * 1000) / intervalMs);
}

/** The link's configured capacity, else ifHighSpeed (Mbps) × 10^6; undefined when unknown. */
export function capacityBpsOf(overrideBps: number | undefined, ifHighSpeedMbps: number | undefined): number | undefined {
  if (overrideBps !== undefined && overrideBps > 0) return overrideBps;
  if (ifHighSpeedMbps !== undefined && Number.isFinite(ifHighSpeedMbps) && ifHighSpeedMbps > 0) return ifHighSpeedMbps * 1_000_000;
  return undefined;
}

/** Why a rate is refused. */
export type RateProblem = 'over-capacity' | 'not-finite';

/**
 * Validates a rate against the capacity: above `maxUtilization` × capacity is invalid (not
 * clamped); undefined when it is valid (its utilization is bitsPerSecond / capacityBps). With
 * an unknown capacity only finiteness is checked. No object per rate: this runs for every
 * link, direction and class of every poll.
 */
export function rateProblem(bitsPerSecond: number, capacityBps: number | undefined, maxUtilization: number): RateProblem | undefined {
  if (!Number.isFinite(bitsPerSecond) || bitsPerSecond < 0) return 'not-finite';
  if (capacityBps !== undefined && bitsPerSecond / capacityBps > maxUtilization) return 'over-capacity';
  return undefined;
}

/** One interface's counters as read at one poll. */
export interface CounterReading {
  /** When the response carrying them arrived. */
  atMs: number;
  /** The device's sysUpTime.0 at that poll; absent when the agent lacks it. */
  sysUpTimeCs?: number;
  ifIndex: string;
  counterBits: CounterBits;
  inOctets: Counter;
  outOctets: Counter;
  /** ifCounterDiscontinuityTime (TimeTicks); absent when the agent lacks it. */
  discontinuityTimeCs?: number;
  /** ifInErrors / ifOutErrors (Counter32); absent when the agent lacks them. */
  inErrors?: Counter;
  outErrors?: Counter;
}

export type Discontinuity =
  | 'first-reading'
  | 'clock-went-back'
  | 'gap-too-long'
  | 'reboot'
  | 'discontinuity-time'
  | 'ifindex-changed'
  | 'counter-width-changed'
  | 'counter-went-back'
  /** A 32-bit counter went back on an agent that cannot tell a wrap from a reset. */
  | 'counter32-unverified'
  /** A 32-bit counter on a link fast enough to wrap more than once in the interval. */
  | 'counter32-ambiguous';

export type IntervalOutcome =
  | {
      ok: true;
      intervalMs: number;
      clock: ClockSource;
      inOctets: number;
      outOctets: number;
      /** Errors counted in the interval; undefined when the agent does not report them. */
      inErrors: number | undefined;
      outErrors: number | undefined;
    }
  | { ok: false; reason: Discontinuity };

export interface MeasureOptions {
  /** Longer than this since the last good reading (e.g. 3 × interval after missed polls): start fresh. */
  maxGapMs: number;
  /** The link's capacity, when known: a 32-bit counter that could wrap twice gives no sample. */
  capacityBps?: number;
}

/**
 * Whether a 32-bit counter at `capacityBps` can wrap more than once in `intervalMs`: one
 * wrap is then indistinguishable from two (700 Mbit/s read as 127 Mbit/s). RFC 2863 asks for
 * 64-bit counters above 20 Mbit/s; this guards the devices that lack them.
 */
export function counter32Ambiguous(capacityBps: number | undefined, intervalMs: number): boolean {
  if (capacityBps === undefined) return false;
  return (capacityBps * intervalMs) / 1_000 / 8 >= COUNTER32_MODULUS;
}

/** Why two readings' clocks give no interval, before any counter is looked at. */
export type ClockDiscontinuity = 'clock-went-back' | 'gap-too-long' | 'reboot';

/**
 * The clocks of two readings (interface or class counters): why they give no interval (the
 * poll timestamps went back or are too far apart, sysUpTime says the agent restarted), else
 * sysUpTime's advance in centiseconds (undefined when a reading lacks sysUpTime).
 */
export function intervalClock(
  prev: { atMs: number; sysUpTimeCs?: number | undefined },
  curr: { atMs: number; sysUpTimeCs?: number | undefined },
  maxGapMs: number,
): ClockDiscontinuity | number | undefined {
  const wallElapsedMs = curr.atMs - prev.atMs;
  if (wallElapsedMs <= 0) return 'clock-went-back';
  if (wallElapsedMs > maxGapMs) return 'gap-too-long';
  if (prev.sysUpTimeCs === undefined || curr.sysUpTimeCs === undefined) return undefined;
  const deltaCs = uptimeAdvanceCs(prev.sysUpTimeCs, curr.sysUpTimeCs, wallElapsedMs);
  return deltaCs < 0 ? 'reboot' : deltaCs;
}

/** An error counter's delta (32-bit), undefined when either reading lacks it or it went back without a witnessed wrap. */
function errorsDelta(p: Counter | undefined, c: Counter | undefined, wrapWitnessed: boolean): number | undefined {
  if (p === undefined || c === undefined) return undefined;
  if (c < p && !wrapWitnessed) return undefined;
  return counterDelta(p, c, 32);
}

/**
 * The counter deltas and Δt between two readings of one interface, or why this interval has
 * no sample. In every `ok: false` case the caller keeps `curr` as the new baseline.
 */
export function measureInterval(prev: CounterReading | undefined, curr: CounterReading, opts: MeasureOptions): IntervalOutcome {
  if (!prev) return { ok: false, reason: 'first-reading' };
  const uptimeDeltaCs = intervalClock(prev, curr, opts.maxGapMs);
  if (typeof uptimeDeltaCs === 'string') return { ok: false, reason: uptimeDeltaCs };
  const wallElapsedMs = curr.atMs - prev.atMs;
  if (
    prev.discontinuityTimeCs !== undefined &&
    curr.discontinuityTimeCs !== undefined &&
    prev.discontinuityTimeCs !== curr.discontinuityTimeCs
  ) {
    return { ok: false, reason: 'discontinuity-time' };
  }
  if (prev.ifIndex !== curr.ifIndex) return { ok: false, reason: 'ifindex-changed' };
  if (prev.counterBits !== curr.counterBits) return { ok: false, reason: 'counter-width-changed' };

  const inOctets = counterDelta(prev.inOctets, curr.inOctets, curr.counterBits);
  const outOctets = counterDelta(prev.outOctets, curr.outOctets, curr.counterBits);
  if (inOctets === undefined || outOctets === undefined) return { ok: false, reason: 'counter-went-back' };
  // A 32-bit wrap is believed only when a reset would have shown (see the header).
  const wrapWitnessed =
    (uptimeDeltaCs !== undefined && uptimeDeltaCs > 0) ||
    (prev.discontinuityTimeCs !== undefined && curr.discontinuityTimeCs !== undefined);
  const wrapped = curr.counterBits === 32 && (curr.inOctets < prev.inOctets || curr.outOctets < prev.outOctets);
  if (wrapped && !wrapWitnessed) return { ok: false, reason: 'counter32-unverified' };

  const inErrors = errorsDelta(prev.inErrors, curr.inErrors, wrapWitnessed);
  const outErrors = errorsDelta(prev.outErrors, curr.outErrors, wrapWitnessed);

  const { intervalMs, clock } = chooseIntervalMs(uptimeDeltaCs, wallElapsedMs);
  if (curr.counterBits === 32 && counter32Ambiguous(opts.capacityBps, intervalMs)) return { ok: false, reason: 'counter32-ambiguous' };
  return { ok: true, intervalMs, clock, inOctets, outOctets, inErrors, outErrors };
}
