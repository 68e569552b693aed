// The last good reading of each counter member of one QoS plan, by the member's slot (its index
// in the plan's counterMembers): six numbers per slot in one Float64Array (when the answer
// arrived, sysUpTime, post, pre and drop octets, the policy's discontinuity time; NaN where
// absent), a counter above 2^53 (a
// bigint) in a map beside. A fleet has hundreds of thousands of classes: an object and a map
// entry per class were most of what the collector held.
import type { ClassReading } from './counters.ts';

const FIELDS = 6;
const AT = 0;
const UPTIME = 1;
const POST = 2;
const PRE = 3;
const DROP = 4;
const DISCONTINUITY = 5;

/** Readings by slot. Pure data: no I/O. */
export class ClassBaselines {
  /** FIELDS numbers per slot; atMs NaN: the slot has no reading. */
  readonly #values: Float64Array;
  /** Readings that hold a bigint counter, by slot (their numbers are not in #values). */
  #wide: Map<number, ClassReading> | undefined;

  constructor(slots: number) {
    this.#values = new Float64Array(FIELDS * slots).fill(Number.NaN);
  }

  has(slot: number): boolean {
    return !Number.isNaN(this.#values[FIELDS * slot + AT]!) || (this.#wide?.has(slot) ?? false);
  }

  /** The reading in `slot`, written into `into` (returned), or undefined when there is none. */
  get(slot: number, into: ClassReading): ClassReading | undefined {
    const wide = this.#wide?.get(slot);
    if (wide) return wide;
    const v = this.#values;
    const at = FIELDS * slot;
    const atMs = v[at + AT]!;
    if (Number.isNaN(atMs)) return undefined;
    into.atMs = atMs;
    into.sysUpTimeCs = orUndefined(v[at + UPTIME]!);
    into.postOctets = v[at + POST]!;
    into.preOctets = orUndefined(v[at + PRE]!);
    into.dropOctets = orUndefined(v[at + DROP]!);
    into.policyDiscontinuityCs = orUndefined(v[at + DISCONTINUITY]!);
    return into;
  }

  /** Keeps `reading` (copied: the caller may reuse it) as the slot's baseline. */
  set(slot: number, reading: ClassReading): void {
    const at = FIELDS * slot;
    const v = this.#values;
    const { postOctets: post, preOctets: pre, dropOctets: drop } = reading;
    if (typeof post === 'bigint' || typeof pre === 'bigint' || typeof drop === 'bigint') {
      (this.#wide ??= new Map()).set(slot, { ...reading });
      v[at + AT] = Number.NaN;
      return;
    }
    this.#wide?.delete(slot);
    v[at + AT] = reading.atMs;
    v[at + UPTIME] = reading.sysUpTimeCs ?? Number.NaN;
    v[at + POST] = post;
    v[at + PRE] = pre ?? Number.NaN;
    v[at + DROP] = drop ?? Number.NaN;
    v[at + DISCONTINUITY] = reading.policyDiscontinuityCs ?? Number.NaN;
  }

  delete(slot: number): void {
    this.#values[FIELDS * slot + AT] = Number.NaN;
    this.#wide?.delete(slot);
  }

  clear(): void {
    this.#values.fill(Number.NaN);
    this.#wide = undefined;
  }

  /** Copies slot `from` of `source` into slot `to` (nothing when it has no reading). */
  copyFrom(source: ClassBaselines, from: number, to: number): void {
    const wide = source.#wide?.get(from);
    if (wide) {
      (this.#wide ??= new Map()).set(to, wide);
      return;
    }
    this.#values.set(source.#values.subarray(FIELDS * from, FIELDS * from + FIELDS), FIELDS * to);
  }
}

function orUndefined(n: number): number | undefined {
  return Number.isNaN(n) ? undefined : n;
}
