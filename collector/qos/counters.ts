// Per-class counter maths (pure): a class's byte counters at one poll, the interval between two
// polls under the same rules as interface counters (collector/rates.ts; Cisco's
// cbQosPolicyDiscontinuityTime plays ifCounterDiscontinuityTime's part), and the sum of a
// group's members as rates. Counters are numbers while exact, bigints above (Counter).
import { bitsPerSecondOf, chooseIntervalMs, counterDelta, intervalClock } from '../rates.ts';
import { asCounter, asNumber, type Counter, type SnmpValue } from '../snmp/index.ts';
import type { QosCounterColumns } from '../discovery/index.ts';

/** One class's counters as read at one poll (all Counter64). */
export interface ClassReading {
  /** When the response carrying them arrived. */
  atMs: number;
  sysUpTimeCs?: number;
  postOctets: Counter;
  preOctets?: Counter;
  dropOctets?: Counter;
  /**
   * Cisco's cbQosPolicyDiscontinuityTime of the class's service policy (TimeTicks), read in
   * the poll's first answer beside sysUpTime.0 (ClassSampler.sample puts it here);
   * POLICY_TIME_ABSENT when asked and the agent has no such instance; undefined when not asked
   * (other vendors, an agent that refused it, a plan past MAX_POLICY_TIMES): no evidence.
   */
  policyDiscontinuityCs?: number | undefined;
}

/** Octets of one member over one interval; pre and drop only where the device reports them. */
export interface MemberOctets {
  intervalMs: number;
  postOctets: number;
  preOctets?: number;
  dropOctets?: number;
}

export type ClassDiscontinuity = 'first-reading' | 'clock-went-back' | 'gap-too-long' | 'reboot' | 'discontinuity-time' | 'counter-went-back';

/**
 * A policy's discontinuity time that was asked and not answered (the agent has no instance for
 * it): distinct from undefined (not asked), since a row that came or went is evidence and a
 * question that stopped or started being asked is not. TimeTicks are never negative.
 */
export const POLICY_TIME_ABSENT = -1;

/**
 * Whether a policy's counters were reset or recreated between two readings by its
 * discontinuity time (Cisco cbQosPolicyDiscontinuityTime): it changed, or it is absent on one
 * reading only (POLICY_TIME_ABSENT: the policy row came or went, nothing says its counters are
 * the same ones). Not asked on either reading (undefined: other vendors, an agent that refused
 * it, a plan past the limit): false, no evidence; the other rules decide. Pure.
 */
export function policyDiscontinuity(prevCs: number | undefined, currCs: number | undefined): boolean {
  return prevCs !== undefined && currCs !== undefined && prevCs !== currCs;
}

/** A member's octets over an interval as measured (`into` of measureClassInterval: an object the caller reuses). */
export type MeasuredOctets = { ok: true } & MemberOctets;

export type ClassInterval = MeasuredOctets | { ok: false; reason: ClassDiscontinuity };

/**
 * The reading of a class from its row of a walk (column → value, the columns as walked);
 * undefined when the row or its post-policy counter is missing (the statistics index is gone).
 */
export function classReadingOf(
  values: ReadonlyMap<string, SnmpValue> | undefined,
  oids: QosCounterColumns,
  atMs: number,
  sysUpTimeCs: number | undefined,
): ClassReading | undefined {
  if (!values) return undefined;
  return classReading(atMs, sysUpTimeCs, values.get(oids.postPolicyBytes), values.get(oids.prePolicyBytes), values.get(oids.dropBytes), undefined);
}

/**
 * The reading of a class from its three counters' values and its policy's discontinuity time
 * (undefined: none read); undefined without a post-policy counter.
 */
export function classReading(
  atMs: number,
  sysUpTimeCs: number | undefined,
  post: SnmpValue | undefined,
  pre: SnmpValue | undefined,
  drop: SnmpValue | undefined,
  policyDiscontinuity: SnmpValue | undefined,
): ClassReading | undefined {
  const postOctets = asCounter(post);
  if (postOctets === undefined) return undefined;
  // One shape for every reading (absent values as undefined): no property added later.
  const reading: ClassReading = {
    atMs,
    sysUpTimeCs,
    postOctets,
    preOctets: asCounter(pre),
    dropOctets: asCounter(drop),
    policyDiscontinuityCs: asNumber(policyDiscontinuity),
  };
  return reading;
}

/** Δ of an optional 64-bit counter: undefined when either side lacks it, null when it went back. */
function optionalDelta(prev: Counter | undefined, curr: Counter | undefined): number | undefined | null {
  if (prev === undefined || curr === undefined) return undefined;
  return counterDelta(prev, curr, 64) ?? null;
}

/**
 * The octets between two readings of one class (in `into` when given, else a new object), or
 * why there is no sample: a reboot (sysUpTime), its policy's discontinuity time that moved
 * (policyDiscontinuity), any of its 64-bit counters going back (a reset or a renumbered index now naming another
 * class), a gap longer than `maxGapMs`, or no previous reading.
 */
export function measureClassInterval(prev: ClassReading | undefined, curr: ClassReading, opts: { maxGapMs: number }, into?: MeasuredOctets): ClassInterval {
  if (!prev) return { ok: false, reason: 'first-reading' };
  const uptimeDeltaCs = intervalClock(prev, curr, opts.maxGapMs);
  if (typeof uptimeDeltaCs === 'string') return { ok: false, reason: uptimeDeltaCs };
  if (policyDiscontinuity(prev.policyDiscontinuityCs, curr.policyDiscontinuityCs)) return { ok: false, reason: 'discontinuity-time' };
  const wallElapsedMs = curr.atMs - prev.atMs;
  const postOctets = counterDelta(prev.postOctets, curr.postOctets, 64);
  const preOctets = optionalDelta(prev.preOctets, curr.preOctets);
  const dropOctets = optionalDelta(prev.dropOctets, curr.dropOctets);
  if (postOctets === undefined || preOctets === null || dropOctets === null) return { ok: false, reason: 'counter-went-back' };
  const { intervalMs } = chooseIntervalMs(uptimeDeltaCs, wallElapsedMs);
  if (!into) return { ok: true, intervalMs, postOctets, preOctets, dropOctets };
  into.intervalMs = intervalMs;
  into.postOctets = postOctets;
  into.preOctets = preOctets;
  into.dropOctets = dropOctets;
  return into;
}

export interface GroupRates {
  /** The longest member interval (members are read within one poll). */
  intervalMs: number;
  postBitsPerSecond: number;
  /** Present only when every member reports it. */
  preBitsPerSecond?: number;
  dropBitsPerSecond?: number;
}

/** Sums the rates of the first `count` members (all by default); undefined for an empty group. */
export function sumGroup(members: readonly MemberOctets[], count = members.length): GroupRates | undefined {
  if (count === 0) return undefined;
  let intervalMs = 0;
  let post = 0;
  let pre: number | undefined = 0;
  let drop: number | undefined = 0;
  for (let i = 0; i < count; i++) {
    const m = members[i]!;
    intervalMs = Math.max(intervalMs, m.intervalMs);
    post += bitsPerSecondOf(m.postOctets, m.intervalMs);
    pre = pre === undefined || m.preOctets === undefined ? undefined : pre + bitsPerSecondOf(m.preOctets, m.intervalMs);
    drop = drop === undefined || m.dropOctets === undefined ? undefined : drop + bitsPerSecondOf(m.dropOctets, m.intervalMs);
  }
  const out: GroupRates = { intervalMs, postBitsPerSecond: post };
  if (pre !== undefined) out.preBitsPerSecond = pre;
  if (drop !== undefined) out.dropBitsPerSecond = drop;
  return out;
}
