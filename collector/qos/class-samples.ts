// Per-class samples of one router: the planned classes' byte counters walked at each poll,
// and per-service sub-interfaces from the poll's IF-MIB rows, measured against the previous
// poll's (collector/qos/counters.ts) and summed per link, direction and service class into
// LinkSamples. Keeps the last good reading of every planned member.
import type { LinkConfig } from '../../config/schema.ts';
import { mapBounded } from '../../config/worker-pool.ts';
import type { InterfaceRead, SamplerOptions } from '../interface-samples.ts';
import { LogLimiter, ProblemLog } from '../log-limiter.ts';
import { measureInterval, rateProblem, MAX_GAP_INTERVALS, type CounterReading } from '../rates.ts';
import type { Direction, LinkSample, ServiceClass } from '../samples.ts';
import { asNumber, walkRows, type ColumnWalk, type OpenSession, type RowSink, type SnmpValue, type WalkPage } from '../snmp/index.ts';
import { compareOidContent, encodeArcs } from '../snmp/ber.ts';
import { SNMPV2_MIB } from '../snmp/if-mib.ts';
import { ClassBaselines } from './baselines.ts';
import { classReading, measureClassInterval, POLICY_TIME_ABSENT, sumGroup, type ClassReading, type MeasuredOctets, type MemberOctets } from './counters.ts';
import { policyTimesOf, type CounterMember, type PolicyTimes, type QosPlan } from './plan.ts';

/**
 * Column walks per request (3 per policy: post, pre, drop): a request of ~1 KB, and answers an
 * agent trims to its message size when they are too big (GETBULK answers are trimmed, not
 * refused; the walk then goes on where the answer stopped).
 */
export const WALKS_PER_REQUEST = 64;
/** Class-counter requests outstanding at once per device. */
export const REQUESTS_IN_FLIGHT = 4;
/** Bounds of the max-repetitions learnt from the rows under one policy. */
const MAX_REPETITIONS = { min: 2, max: 64 };

/** Class counters read at one poll, by member (of the plan read); a member with undefined was asked but is missing. */
export type ClassReads = Map<CounterMember, ClassReading | undefined>;

export type ClassSamplerOptions = SamplerOptions;

/** One poll's class counters (`reads` undefined: not read) and the varbinds their answers held. */
export interface ClassRead {
  reads: ClassReads | undefined;
  varbinds: number;
}

/** A plan's class-counter walk that fits one request, for another walk to carry (ClassSampler.joinable). */
export interface JoinableClassWalk {
  /** The columns to walk. */
  columns: readonly string[];
  /** Max-repetitions its own walk would ask (one more than the rows it found last). */
  maxRepetitions: number;
  /** One poll's walk: `sink` takes the columns' values (by position in `columns`), `finish` the walk's outcome once done. */
  start(): { sink: RowSink; finish(read: ColumnWalk): ClassRead };
}

/**
 * A poll reads the cbQosPolicyDiscontinuityTime of at most this many planned policies; a plan
 * with more reads none, and its classes are measured without it (the other rules still hold).
 * Why 128, a limit of its own (not the class walk's repetitions): each time is a non-repeater of
 * the first request of the poll's interface walk, which counts against that request's
 * MAX_JOINT_VARBINDS (collector/poller.ts), and an agent cannot trim non-repeaters from its
 * answer as it trims rows. 128 is under a tenth of that budget (the times alone never split a
 * joint poll) and ~4 KB of answer (~30 B a TimeTicks varbind under its 14-arc OID).
 */
export const MAX_POLICY_TIMES = 128;

/** The scalars each class-counter request carries (one list: encoded once). */
const CLASS_SCALARS: readonly string[] = [SNMPV2_MIB.sysUpTime];

/** Max-repetitions of a class walk after one that found at most `rowsPerPrefix` rows under a prefix. Pure. */
export function classRepetitions(rowsPerPrefix: number): number {
  return Math.min(MAX_REPETITIONS.max, Math.max(MAX_REPETITIONS.min, rowsPerPrefix + 1));
}

/** Each member of `chunk` read by its walk into `reads`: its counters with the time and sysUpTime of the answer that carried them. */
function readsOf(chunk: ChunkLayout, cells: ChunkCells, reads: ClassReads): void {
  const { values, pages } = cells;
  for (let k = 0; k < chunk.members.length; k++) {
    const page = pages[k];
    const sysUpTimeCs = page ? asNumber(page.scalars.get(SNMPV2_MIB.sysUpTime)) : undefined;
    // The policy's discontinuity time is not in the class walk: `sample` takes it from the poll's scalars.
    reads.set(chunk.members[k]!, page && classReading(page.atMs, sysUpTimeCs, values[3 * k], values[3 * k + 1], values[3 * k + 2], undefined));
  }
}

/** What one poll's class counters give. */
export interface ClassRound {
  links: LinkSample[];
  /** A member read before is gone: the device renumbered its statistics (the plan is out of date). */
  statsMissing: boolean;
}

export class ClassSampler {
  readonly #opts: ClassSamplerOptions;
  readonly #log: ClassSamplerOptions['log'];
  // Made when first needed (most routers never log): a fleet's samplers hold no empty maps.
  #limiterOrUndefined: LogLimiter | undefined;
  #problemsOrUndefined: ProblemLog | undefined;
  /** Last good class counters of the plan last sampled (or kept), by member slot; last reading per sub-interface ifName. */
  #baselines: { plan: QosPlan; readings: ClassBaselines } | undefined;
  #subReadingsOrUndefined: Map<string, CounterReading> | undefined;
  /** How to walk and sum each plan's counters (built once per plan). */
  readonly #layouts = new WeakMap<QosPlan, PlanLayout>();
  /** A member's previous reading, read out of the baselines (reused from member to member). */
  readonly #prev: ClassReading = { atMs: 0, sysUpTimeCs: undefined, postOctets: 0, preOctets: undefined, dropOctets: undefined, policyDiscontinuityCs: undefined };
  /** A member's octets as measured, before they go into the layout's arrays (reused). */
  readonly #octets: MeasuredOctets = emptyOctets();
  /** Keys of members logged as without a statistics row (#problems), until they have one. */
  #statsProblems: Set<string> | undefined;
  /** One group's members' octets, for sumGroup (reused from group to group; grown to the largest group). */
  readonly #parts: MeasuredOctets[] = [];

  constructor(opts: ClassSamplerOptions) {
    this.#opts = opts;
    this.#log = opts.log;
  }

  get #limiter(): LogLimiter {
    return (this.#limiterOrUndefined ??= new LogLimiter(10 * 60_000, this.#opts.now));
  }

  get #problems(): ProblemLog {
    return (this.#problemsOrUndefined ??= new ProblemLog(this.#log));
  }

  get #subReadings(): Map<string, CounterReading> {
    return (this.#subReadingsOrUndefined ??= new Map());
  }

  #layoutOf(plan: QosPlan): PlanLayout {
    let layout = this.#layouts.get(plan);
    if (!layout) {
      layout = planLayoutOf(plan, this.#opts.links);
      this.#layouts.set(plan, layout);
    }
    return layout;
  }

  /** A new plan: forgets the readings of members it no longer has. */
  keepOnly(plan: QosPlan): void {
    this.#baselinesOf(plan);
    const keep = new Set<string>();
    for (const g of plan.groups) for (const m of g.members) if (m.kind === 'interface') keep.add(m.ifName);
    const subReadings = this.#subReadingsOrUndefined;
    if (subReadings) for (const key of subReadings.keys()) if (!keep.has(key)) subReadings.delete(key);
  }

  /** The plan's indexes may name other rows now: every baseline is forgotten. */
  clear(): void {
    this.#baselines?.readings.clear();
    this.#subReadingsOrUndefined?.clear();
  }

  /**
   * The class baselines by `plan`'s slots: those of another plan are carried over by member
   * key (a member the new plan lacks is forgotten).
   */
  #baselinesOf(plan: QosPlan): ClassBaselines {
    const current = this.#baselines;
    if (current?.plan === plan) return current.readings;
    const readings = new ClassBaselines(plan.counterMembers.length);
    if (current) {
      const oldSlots = new Map<string, number>();
      current.plan.counterMembers.forEach((m, slot) => oldSlots.set(m.key, slot));
      plan.counterMembers.forEach((m, slot) => {
        const from = oldSlots.get(m.key);
        if (from !== undefined) readings.copyFrom(current.readings, from, slot);
      });
    }
    this.#baselines = { plan, readings };
    return readings;
  }

  /**
   * Reads the plan's class counters: one GETBULK walk of the three counter columns under each
   * policy (or interface) the plan has classes on (classWalkOf), WALKS_PER_REQUEST columns per
   * request, REQUESTS_IN_FLIGHT at once, with sysUpTime.0. Never rejects: a failure reads as
   * no counters at all (`reads` undefined: no class samples this poll, the baselines kept;
   * logged, rate-limited).
   */
  async read(open: Pick<OpenSession, 'session' | 'target'>, plan: QosPlan): Promise<ClassRead> {
    const { walk, chunks } = this.#layoutOf(plan);
    const reads: ClassReads = new Map();
    let varbinds = 0;
    let maxRows = 0;
    try {
      const maxRepetitions = classRepetitions(walk.rowsPerPrefix);
      // At most REQUESTS_IN_FLIGHT walks outstanding: a large router is not sent a burst.
      await mapBounded(chunks, REQUESTS_IN_FLIGHT, async (chunk) => {
        const cells = chunk.cells();
        const read = await walkRows(open.session, open.target, chunk.columns, { scalars: CLASS_SCALARS, maxRepetitions, now: this.#opts.now }, cells.sink);
        varbinds += read.varbinds;
        if (read.maxRowsPerColumn > maxRows) maxRows = read.maxRowsPerColumn;
        readsOf(chunk, cells, reads);
      });
      walk.rowsPerPrefix = maxRows;
      return { reads, varbinds };
    } catch (err) {
      const admitted = this.#limiter.admit('class-read-failed');
      if (admitted) {
        this.#log.warn({ error: err instanceof Error ? err.message : String(err), suppressed: admitted.suppressed }, 'qos counters not read: no class samples this poll');
      }
      return { reads: undefined, varbinds };
    }
  }

  /**
   * The cbQosPolicyDiscontinuityTime instances of the plan's policies (one list per plan; empty
   * for other vendors and past MAX_POLICY_TIMES): the poller asks them as non-repeaters of its
   * interface walk's first request and hands their values to `sample`.
   */
  policyTimeOids(plan: QosPlan): readonly string[] {
    return this.#layoutOf(plan).policyTimes.oids;
  }

  /**
   * The plan's class-counter walk when it is one request's columns (one chunk), for another
   * walk's requests to carry (the interface walk's: one GETBULK for both); undefined when it
   * takes several requests (`read` walks those).
   */
  joinable(plan: QosPlan): JoinableClassWalk | undefined {
    const { walk, chunks } = this.#layoutOf(plan);
    const chunk = chunks.length === 1 ? chunks[0] : undefined;
    if (!chunk) return undefined;
    return {
      columns: chunk.columns,
      maxRepetitions: classRepetitions(walk.rowsPerPrefix),
      start: () => {
        const cells = chunk.cells();
        return {
          sink: cells.sink,
          finish: (read) => {
            walk.rowsPerPrefix = read.maxRowsPerColumn;
            const reads: ClassReads = new Map();
            readsOf(chunk, cells, reads);
            return { reads, varbinds: read.varbinds };
          },
        };
      },
    };
  }

  /**
   * The per-class LinkSamples of every planned link and direction: `classReads` are this
   * poll's counters (undefined: not read), `interfaces` this poll's IF-MIB rows (the
   * sub-interfaces), `capacities` the links' capacities as the interface samples found them.
   * A sample is stamped with the latest of its members' readings (when the answer carrying
   * its counters arrived); `atMs` only where no member has a time. `policyTimes`: the poll's
   * scalars, where each Cisco member finds its policy's discontinuity time (policyTimeOids;
   * absent: the times were not asked, which is no evidence either way).
   */
  sample(
    plan: QosPlan,
    interfaces: ReadonlyMap<string, InterfaceRead>,
    classReads: ClassReads | undefined,
    capacities: ReadonlyMap<string, number>,
    atMs: number,
    policyTimes?: ReadonlyMap<string, SnmpValue>,
  ): ClassRound {
    const maxGapMs = MAX_GAP_INTERVALS * this.#opts.intervalMs;
    const layout = this.#layoutOf(plan);
    // Every member once, by its slot: measure, then keep the reading as the next baseline.
    const { measured, readAtMs } = layout;
    measured.clear();
    let missing = false;
    const members = plan.counterMembers;
    const baselines = this.#baselinesOf(plan);
    // Each policy's time resolved once, not once per member of it.
    const { ofMember } = layout.policyTimes;
    const timeOfPolicy = layout.policyTimeValues;
    if (policyTimes) policyTimesInto(layout.policyTimes, policyTimes, timeOfPolicy);
    for (let slot = 0; slot < members.length; slot++) {
      if (!classReads) break;
      const m = members[slot]!;
      const curr = classReads.get(m);
      const prev = baselines.get(slot, this.#prev);
      if (!curr) {
        baselines.delete(slot);
        // A key that was there and is gone: the device renumbered its statistics.
        if (prev) missing = true;
        else {
          const key = m.key;
          (this.#statsProblems ??= new Set()).add(key);
          this.#problems.once(`stats:${key}`, { member: key }, 'qos class has no statistics row: not measured');
        }
        continue;
      }
      // Keys are built when asked: only while a statistics problem is on record.
      if (this.#statsProblems && this.#statsProblems.size > 0) {
        const key = m.key;
        if (this.#statsProblems.delete(key)) this.#problems.cleared('stats', key);
      }
      const policy = ofMember[slot]!;
      curr.policyDiscontinuityCs = policyTimes && policy >= 0 ? timeOfPolicy[policy] : undefined;
      baselines.set(slot, curr);
      const outcome = measureClassInterval(prev, curr, { maxGapMs }, this.#octets);
      if (outcome.ok) {
        measured.set(slot, outcome);
        readAtMs[slot] = curr.atMs;
        continue;
      }
      this.#opts.metrics?.sampleDropped(outcome.reason, 'class');
      if (outcome.reason === 'counter-went-back' || outcome.reason === 'clock-went-back') {
        const admitted = this.#limiter.admit(`class-discontinuity:${m.key}`);
        if (admitted) this.#log.warn({ member: m.key, reason: outcome.reason, suppressed: admitted.suppressed }, 'qos counter discontinuity: no sample for this interval');
      }
    }
    if (missing) return { links: [], statsMissing: true };
    for (let i = 0; i < layout.subNames.length; i++) {
      const ifName = layout.subNames[i]!;
      const curr = interfaces.get(ifName)?.reading;
      const prev = this.#subReadings.get(ifName);
      if (!curr) {
        this.#subReadings.delete(ifName);
        continue;
      }
      this.#subReadings.set(ifName, curr);
      const outcome = measureInterval(prev, curr, { maxGapMs });
      if (!outcome.ok) {
        this.#opts.metrics?.sampleDropped(outcome.reason, 'class');
        continue;
      }
      const slot = members.length + 2 * i;
      measured.setSide(slot, outcome.intervalMs, outcome.inOctets);
      measured.setSide(slot + 1, outcome.intervalMs, outcome.outOctets);
      readAtMs[slot] = curr.atMs;
      readAtMs[slot + 1] = curr.atMs;
    }

    const links: LinkSample[] = [];
    const { groupLinks } = layout;
    for (let g = 0; g < groupLinks.length; g++) {
      const link = groupLinks[g];
      const capacityBps = link && capacities.get(link.id);
      if (!link || capacityBps === undefined) continue;
      const sample = this.#groupSample(g, layout, link, capacityBps, atMs);
      if (sample) links.push(sample);
    }
    return { links, statsMissing: false };
  }

  #groupSample(g: number, layout: PlanLayout, link: LinkConfig, capacityBps: number, atMs: number): LinkSample | undefined {
    const { groupStart, groupSlots, measured } = layout;
    const first = groupStart[g]!;
    const count = groupStart[g + 1]! - first;
    const parts = this.#parts;
    while (parts.length < count) parts.push(emptyOctets());
    let latestMs: number | undefined;
    for (let i = 0; i < count; i++) {
      const slot = groupSlots[first + i]!;
      // One member without a sample (first reading, discontinuity): none for the group.
      if (!measured.get(slot, parts[i]!)) return undefined;
      const memberMs = layout.readAtMs[slot]!;
      if (latestMs === undefined || memberMs > latestMs) latestMs = memberMs;
    }
    const rates = sumGroup(parts, count);
    if (!rates) return undefined;
    const dir = layout.groupDirs[g]!;
    const serviceClass = layout.groupClasses[g]!;
    const reservedBps = layout.groupReservedBps[g]!;
    const problem = rateProblem(rates.postBitsPerSecond, capacityBps, this.#opts.maxUtilization);
    if (problem) {
      this.#opts.metrics?.sampleDropped(problem, 'class');
      const admitted = this.#limiter.admit(`invalid:${link.id}:${dir}:${serviceClass}`);
      if (admitted) {
        this.#log.warn(
          { link: link.id, dir, class: serviceClass, bitsPerSecond: rates.postBitsPerSecond, capacityBps, suppressed: admitted.suppressed },
          'class rate invalid: no sample',
        );
      }
      return undefined;
    }
    const sample: LinkSample = {
      atMs: latestMs ?? atMs,
      intervalMs: rates.intervalMs,
      link: link.id,
      province: link.province,
      tier: link.tier,
      dir,
      class: serviceClass,
      bitsPerSecond: rates.postBitsPerSecond,
      capacityBps,
      utilization: rates.postBitsPerSecond / capacityBps,
    };
    if (rates.dropBitsPerSecond !== undefined) sample.dropBitsPerSecond = rates.dropBitsPerSecond;
    if (rates.preBitsPerSecond !== undefined) sample.prePolicyBitsPerSecond = rates.preBitsPerSecond;
    if (!Number.isNaN(reservedBps)) sample.reservedBps = reservedBps;
    return sample;
  }
}

/**
 * Each policy's discontinuity time among a poll's scalars (those of a walk that asked the times),
 * by its position in `times.oids`, into `into`: POLICY_TIME_ABSENT when asked and not answered.
 */
function policyTimesInto(times: PolicyTimes, scalars: ReadonlyMap<string, SnmpValue>, into: Float64Array): void {
  const oids = times.oids;
  for (let p = 0; p < oids.length; p++) into[p] = asNumber(scalars.get(oids[p]!)) ?? POLICY_TIME_ABSENT;
}

/** The walks that read a plan's class counters. */
export interface ClassWalk {
  /** Column prefixes to walk per request, and the members whose rows they hold. */
  chunks: Array<{ columns: string[]; members: CounterMember[] }>;
  /** The most rows seen under one prefix (learnt at each read; at first, the most members under one). */
  rowsPerPrefix: number;
}

/**
 * Groups the members by the prefix they are walked under (their three column prefixes) and
 * cuts the walks into requests of at most `walksPerRequest` columns, a prefix's three always
 * together. Pure.
 */
export function classWalkOf(members: readonly CounterMember[], walksPerRequest: number): ClassWalk {
  const byPrefix = new Map<string, { columns: string[]; members: CounterMember[] }>();
  for (const m of members) {
    const c = m.walk.columns;
    const key = c.postPolicyBytes;
    let group = byPrefix.get(key);
    if (!group) {
      group = { columns: [c.postPolicyBytes, c.prePolicyBytes, c.dropBytes], members: [] };
      byPrefix.set(key, group);
    }
    group.members.push(m);
  }
  const chunks: ClassWalk['chunks'] = [];
  let current: ClassWalk['chunks'][number] | undefined;
  let rowsPerPrefix = 0;
  for (const group of byPrefix.values()) {
    rowsPerPrefix = Math.max(rowsPerPrefix, group.members.length);
    if (!current || current.columns.length + group.columns.length > Math.max(walksPerRequest, group.columns.length)) {
      current = { columns: [], members: [] };
      chunks.push(current);
    }
    current.columns.push(...group.columns);
    current.members.push(...group.members);
  }
  return { chunks, rowsPerPrefix };
}

function emptyOctets(): MeasuredOctets {
  return { ok: true, intervalMs: 0, postOctets: 0, preOctets: undefined, dropOctets: undefined };
}

/**
 * Each slot's octets at one poll, in typed arrays (reused from poll to poll): the interval
 * (NaN: no sample this poll), post, pre and drop octets (NaN: not reported).
 */
class SlotOctets {
  readonly #intervalMs: Float64Array;
  readonly #post: Float64Array;
  readonly #pre: Float64Array;
  readonly #drop: Float64Array;

  constructor(slots: number) {
    this.#intervalMs = new Float64Array(slots).fill(Number.NaN);
    this.#post = new Float64Array(slots);
    this.#pre = new Float64Array(slots);
    this.#drop = new Float64Array(slots);
  }

  clear(): void {
    this.#intervalMs.fill(Number.NaN);
  }

  set(slot: number, octets: MemberOctets): void {
    this.#intervalMs[slot] = octets.intervalMs;
    this.#post[slot] = octets.postOctets;
    this.#pre[slot] = octets.preOctets ?? Number.NaN;
    this.#drop[slot] = octets.dropOctets ?? Number.NaN;
  }

  /** A sub-interface side: post-policy octets only. */
  setSide(slot: number, intervalMs: number, octets: number): void {
    this.#intervalMs[slot] = intervalMs;
    this.#post[slot] = octets;
    this.#pre[slot] = Number.NaN;
    this.#drop[slot] = Number.NaN;
  }

  /** The slot's octets into `into`; false when it has no sample this poll. */
  get(slot: number, into: MeasuredOctets): boolean {
    const intervalMs = this.#intervalMs[slot]!;
    if (Number.isNaN(intervalMs)) return false;
    into.intervalMs = intervalMs;
    into.postOctets = this.#post[slot]!;
    const pre = this.#pre[slot]!;
    const drop = this.#drop[slot]!;
    into.preOctets = Number.isNaN(pre) ? undefined : pre;
    into.dropOctets = Number.isNaN(drop) ? undefined : drop;
    return true;
  }
}

/** One request's walk of a plan: its columns, its members and where each member's row is in each column. */
class ChunkLayout {
  readonly columns: string[];
  readonly members: CounterMember[];
  /** Every member's row (encoded OID arcs) in one buffer: member k's at [rowStart[k], rowStart[k + 1]). */
  readonly #rows: Buffer;
  readonly #rowStart: Int32Array;
  /** The counter (0 post, 1 pre, 2 drop) each column holds. */
  readonly #columnCounter: Int8Array;
  /** Column c's members in the order of their rows: #order[#orderStart[c] … #orderStart[c + 1]). */
  readonly #order: Int32Array;
  readonly #orderStart: Int32Array;

  constructor(chunk: ClassWalk['chunks'][number]) {
    const { columns, members } = chunk;
    this.columns = columns;
    this.members = members;
    const encoded = members.map((m) => encodeArcs(m.walk.row));
    this.#rowStart = new Int32Array(members.length + 1);
    encoded.forEach((row, k) => (this.#rowStart[k + 1] = this.#rowStart[k]! + row.length));
    // Its own memory (Buffer.concat would cut it from the shared 8 KB pool, which a small buffer
    // kept for an hour keeps whole).
    this.#rows = Buffer.allocUnsafeSlow(this.#rowStart[members.length]!);
    encoded.forEach((row, k) => row.copy(this.#rows, this.#rowStart[k]!));
    const byColumn = new Map<string, { counter: number; members: number[] }>();
    for (const oid of columns) byColumn.set(oid, { counter: 0, members: [] });
    members.forEach((m, k) => {
      counterNames.forEach((name, counter) => {
        const entry = byColumn.get(m.walk.columns[name]);
        if (!entry) return;
        entry.counter = counter;
        entry.members.push(k);
      });
    });
    this.#columnCounter = Int8Array.from(columns, (oid) => byColumn.get(oid)!.counter);
    const rows = this.#rows;
    const start = this.#rowStart;
    const ordered = columns.map((oid) => byColumn.get(oid)!.members.sort((a, b) => compareOidContent(rows, start[a]!, start[a + 1]!, rows, start[b]!, start[b + 1]!)));
    this.#orderStart = new Int32Array(columns.length + 1);
    ordered.forEach((list, c) => (this.#orderStart[c + 1] = this.#orderStart[c]! + list.length));
    this.#order = Int32Array.from(ordered.flat());
  }

  /**
   * Fresh cells for one walk of the chunk: a merge of each column's rows with its members' rows
   * (both in OID order): a row no member has is passed over, a member without its row gets
   * nothing. Nothing is built per varbind: a row is compared with the members' rows in place.
   */
  cells(): ChunkCells {
    const n = this.members.length;
    const values = new Array<SnmpValue | undefined>(3 * n).fill(undefined);
    const pages = new Array<WalkPage | undefined>(n).fill(undefined);
    const cursor = Int32Array.from(this.#orderStart.subarray(0, this.columns.length));
    const rows = this.#rows;
    const rowStart = this.#rowStart;
    const order = this.#order;
    const orderStart = this.#orderStart;
    const columnCounter = this.#columnCounter;
    const sink = (c: number, buf: Buffer, start: number, end: number, value: SnmpValue, page: WalkPage): void => {
      const last = orderStart[c + 1]!;
      const counter = columnCounter[c]!;
      let j = cursor[c]!;
      while (j < last) {
        const k = order[j]!;
        const cmp = compareOidContent(buf, start, end, rows, rowStart[k]!, rowStart[k + 1]!);
        // A row before this member's: no member's (another class of the policy).
        if (cmp < 0) break;
        j++;
        // Past this member's row: the column has none for it.
        if (cmp > 0) continue;
        values[3 * k + counter] = value;
        if (counter === 0) pages[k] = page;
      }
      cursor[c] = j;
    };
    return { values, pages, sink };
  }
}

interface ChunkCells {
  /** Member k's post, pre and drop values at 3k, 3k + 1, 3k + 2. */
  values: (SnmpValue | undefined)[];
  /** The answer that carried member k's post-policy counter. */
  pages: (WalkPage | undefined)[];
  sink: (column: number, buf: Buffer, start: number, end: number, value: SnmpValue, page: WalkPage) => void;
}

/** How a plan's counters are walked and summed, built once per plan. */
interface PlanLayout {
  walk: ClassWalk;
  chunks: ChunkLayout[];
  /** The policies whose discontinuity time the poller reads for the plan (none past MAX_POLICY_TIMES), and each member's, by slot. */
  policyTimes: PolicyTimes;
  /** This poll's time of each of those policies, by position (reused from poll to poll). */
  policyTimeValues: Float64Array;
  /** The per-service sub-interfaces' names, each once. */
  subNames: string[];
  /**
   * Each group's members' slots (a counter member's index in counterMembers, then two per
   * sub-interface: in, out): group g's at groupSlots[groupStart[g] … groupStart[g + 1]).
   */
  groupSlots: Int32Array;
  groupStart: Int32Array;
  /** Each group's link (undefined: not one of the sampler's), direction, service class and reservation (NaN: none). */
  groupLinks: (LinkConfig | undefined)[];
  groupDirs: Direction[];
  groupClasses: ServiceClass[];
  groupReservedBps: Float64Array;
  /** This poll's octets and reading time by slot (reused from poll to poll). */
  measured: SlotOctets;
  readAtMs: Float64Array;
}

/** The counter a column holds for its members: post, pre, drop (the order of ChunkCells.values). */
const counterNames = ['postPolicyBytes', 'prePolicyBytes', 'dropBytes'] as const;

/** The members' policy times (policyTimesOf), or none when there are more than MAX_POLICY_TIMES policies. */
function cappedPolicyTimes(members: readonly CounterMember[]): PolicyTimes {
  const times = policyTimesOf(members);
  return times.oids.length <= MAX_POLICY_TIMES ? times : { oids: [], ofMember: new Int32Array(members.length).fill(-1) };
}

function planLayoutOf(plan: QosPlan, links: readonly LinkConfig[]): PlanLayout {
  // Built when read (collector/qos/plan.ts): read once.
  const groups = plan.groups;
  const linkById = new Map(links.map((l) => [l.id, l]));
  const walk = classWalkOf(plan.counterMembers, WALKS_PER_REQUEST);
  const counterSlot = new Map<CounterMember, number>();
  plan.counterMembers.forEach((m, i) => counterSlot.set(m, i));
  const subNames: string[] = [];
  const subSlot = new Map<string, number>();
  const members = groups.map((g) => g.members);
  for (const list of members) {
    for (const m of list) {
      if (m.kind !== 'interface' || subSlot.has(m.ifName)) continue;
      subSlot.set(m.ifName, plan.counterMembers.length + 2 * subNames.length);
      subNames.push(m.ifName);
    }
  }
  const groupStart = new Int32Array(groups.length + 1);
  members.forEach((list, i) => (groupStart[i + 1] = groupStart[i]! + list.length));
  const groupSlots = Int32Array.from(
    members.flat(),
    (m) => (m.kind === 'counters' ? counterSlot.get(m)! : subSlot.get(m.ifName)! + (m.side === 'out' ? 1 : 0)),
  );
  const slots = plan.counterMembers.length + 2 * subNames.length;
  const policyTimes = cappedPolicyTimes(plan.counterMembers);
  return {
    walk,
    chunks: walk.chunks.map((chunk) => new ChunkLayout(chunk)),
    policyTimes,
    policyTimeValues: new Float64Array(policyTimes.oids.length),
    subNames,
    groupSlots,
    groupStart,
    groupLinks: groups.map((g) => linkById.get(g.link)),
    groupDirs: groups.map((g) => g.dir),
    groupClasses: groups.map((g) => g.serviceClass),
    groupReservedBps: Float64Array.from(groups, (g) => g.reservedBps ?? Number.NaN),
    measured: new SlotOctets(slots),
    readAtMs: new Float64Array(slots),
  };
}
