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
import { asNumber, SnmpError, walkRows, type ColumnWalk, type OpenSession, type RowSink, type SnmpValue, type WalkPage } from '../snmp/index.ts';
import { compareOidContent, encodeArcs } from '../snmp/ber.ts';
import { SNMPV2_MIB } from '../snmp/if-mib.ts';
import { CISCO_POLICY_DISCONTINUITY_TIME } from '../discovery/cisco-cbqos.ts';
import { ClassBaselines } from './baselines.ts';
import { classReading, measureClassInterval, sumGroup, type ClassReading, type MeasuredOctets, type MemberOctets } from './counters.ts';
import type { CounterMember, QosPlan } from './plan.ts';

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

/** Max-repetitions of a class walk after one that found at most `rowsPerPrefix` rows under a prefix. Pure. */
export function classRepetitions(rowsPerPrefix: number): number {
  return Math.min(MAX_REPETITIONS.max, Math.max(MAX_REPETITIONS.min, rowsPerPrefix + 1));
}

/**
 * Each member of `chunk` read by its walk into `reads`: its counters with the time and sysUpTime
 * of the answer that carried them, and its policy's discontinuity time (`policyValues`, by the
 * chunk's memberPolicy; undefined: not read this poll).
 */
function readsOf(chunk: ChunkLayout, cells: ChunkCells, policyValues: readonly (SnmpValue | undefined)[] | undefined, reads: ClassReads): void {
  const { values, pages } = cells;
  const memberPolicy = chunk.memberPolicy;
  for (let k = 0; k < chunk.members.length; k++) {
    const page = pages[k];
    const sysUpTimeCs = page ? asNumber(page.scalars.get(SNMPV2_MIB.sysUpTime)) : undefined;
    const policy = memberPolicy[k]!;
    const discontinuity = policy >= 0 ? policyValues?.[policy] : undefined;
    reads.set(chunk.members[k]!, page && classReading(page.atMs, sysUpTimeCs, values[3 * k], values[3 * k + 1], values[3 * k + 2], discontinuity));
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
   * request, REQUESTS_IN_FLIGHT at once, with sysUpTime.0; for Cisco, cbQosPolicyDiscontinuityTime
   * in the last request's walk (chunkWalkOf). Never rejects: a failure reads as no counters at
   * all (`reads` undefined: no class samples this poll, the baselines kept; logged, rate-limited).
   */
  async read(open: Pick<OpenSession, 'session' | 'target'>, plan: QosPlan): Promise<ClassRead> {
    const layout = this.#layoutOf(plan);
    const reads: ClassReads = new Map();
    let varbinds = 0;
    let maxRows = 0;
    const policyCells = policyCellsOf(layout);
    try {
      const scalars = [SNMPV2_MIB.sysUpTime];
      const walks = layout.chunks.map((_, i) => chunkWalkOf(layout, i, policyCells));
      // At most REQUESTS_IN_FLIGHT walks outstanding: a large router is not sent a burst.
      await mapBounded(walks, REQUESTS_IN_FLIGHT, async (w) => {
        const read = await walkRows(open.session, open.target, w.columns, { scalars, maxRepetitions: w.maxRepetitions, now: this.#opts.now }, w.sink);
        varbinds += read.varbinds;
        maxRows = Math.max(maxRows, w.cells.maxRows());
      });
      layout.walk.rowsPerPrefix = maxRows;
      for (const w of walks) w.finish(reads);
      return { reads, varbinds };
    } catch (err) {
      const admitted = this.#limiter.admit('class-read-failed');
      if (admitted) {
        this.#log.warn({ error: err instanceof Error ? err.message : String(err), suppressed: admitted.suppressed }, 'qos counters not read: no class samples this poll');
      }
      // The agent may fail on the policies' column (it is walked apart here after the joint walk
      // failed): the plan's polls read the counters without it (a timeout says nothing of it).
      if (policyCells && layout.policies && err instanceof SnmpError && err.kind !== 'timeout') {
        layout.policies.stopReading();
        this.#log.warn({ error: err.message }, 'cbQosPolicyDiscontinuityTime no longer read for this plan: class rates without it');
      }
      return { reads: undefined, varbinds };
    }
  }

  /**
   * The plan's class-counter walk when it is one request's columns (one chunk), for another
   * walk's requests to carry (the interface walk's: one GETBULK for both); undefined when it
   * takes several requests (`read` walks those).
   */
  joinable(plan: QosPlan): JoinableClassWalk | undefined {
    const layout = this.#layoutOf(plan);
    if (layout.chunks.length !== 1) return undefined;
    return {
      columns: chunkColumns(layout, 0),
      maxRepetitions: chunkRepetitions(layout, 0),
      start: () => {
        const w = chunkWalkOf(layout, 0, policyCellsOf(layout));
        return {
          sink: w.sink,
          finish: (read) => {
            layout.walk.rowsPerPrefix = w.cells.maxRows();
            const reads: ClassReads = new Map();
            w.finish(reads);
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
   * its counters arrived); `atMs` only where no member has a time.
   */
  sample(
    plan: QosPlan,
    interfaces: ReadonlyMap<string, InterfaceRead>,
    classReads: ClassReads | undefined,
    capacities: ReadonlyMap<string, number>,
    atMs: number,
  ): ClassRound {
    const maxGapMs = MAX_GAP_INTERVALS * this.#opts.intervalMs;
    const layout = this.#layoutOf(plan);
    // Every member once, by its slot: measure, then keep the reading as the next baseline.
    const { measured, readAtMs } = layout;
    measured.clear();
    let missing = false;
    const members = plan.counterMembers;
    const baselines = this.#baselinesOf(plan);
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
 * The policies' discontinuity column is read while the device has at most this many service
 * policies (rows of the column): past it, it would add requests to every poll, and the classes
 * are measured without it (the other rules still hold).
 */
export const MAX_POLICY_ROWS = 4 * MAX_REPETITIONS.max;

/** Whether chunk `i` of `layout` carries the policies' column: the last chunk (the smallest), while the column is read. */
function carriesPolicies(layout: PlanLayout, i: number): PolicyLayout | undefined {
  const policies = layout.policies;
  return policies && i === layout.chunks.length - 1 && policies.rowsSeen <= MAX_POLICY_ROWS ? policies : undefined;
}

/** The columns chunk `i` walks (the same list at every poll: encoded once). */
function chunkColumns(layout: PlanLayout, i: number): readonly string[] {
  return carriesPolicies(layout, i) ? layout.lastColumnsWithPolicies! : layout.chunks[i]!.columns;
}

/**
 * Max-repetitions of chunk `i`: one more than the most rows under one class prefix, or in the
 * policies' column where it rides along, so that one request reads every column to its end.
 */
function chunkRepetitions(layout: PlanLayout, i: number): number {
  const policies = carriesPolicies(layout, i);
  return classRepetitions(policies ? Math.max(layout.walk.rowsPerPrefix, policies.rowsSeen) : layout.walk.rowsPerPrefix);
}

/**
 * The policies' cells of one poll of `layout` (undefined: the column is not read); the chunk
 * that carries the column fills them, every chunk's members take their times from them.
 */
function policyCellsOf(layout: PlanLayout): PolicyCells | undefined {
  return carriesPolicies(layout, layout.chunks.length - 1)?.cells();
}

/**
 * One poll's walk of chunk `i`: its columns, max-repetitions, cells and sink; `finish` (once
 * every chunk of the poll is walked) puts its members' readings into `reads`.
 */
function chunkWalkOf(
  layout: PlanLayout,
  i: number,
  policyCells: PolicyCells | undefined,
): { columns: readonly string[]; maxRepetitions: number; cells: ChunkCells; sink: RowSink; finish(reads: ClassReads): void } {
  const chunk = layout.chunks[i]!;
  const cells = chunk.cells();
  const policies = policyCells ? carriesPolicies(layout, i) : undefined;
  const classColumns = chunk.columns.length;
  const sink: RowSink =
    policies && policyCells
      ? (c, buf, start, end, value, page) => (c < classColumns ? cells.sink(c, buf, start, end, value, page) : policyCells.sink(buf, start, end, value))
      : cells.sink;
  return {
    columns: chunkColumns(layout, i),
    maxRepetitions: chunkRepetitions(layout, i),
    cells,
    sink,
    finish: (reads) => {
      if (policies && policyCells) policies.rowsSeen = policyCells.rows();
      readsOf(chunk, cells, policyCells?.values, reads);
    },
  };
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
  /** Member k's service policy, by its position in the plan's PolicyLayout; -1: none read. */
  readonly memberPolicy: Int32Array;
  /** Every member's row (encoded OID arcs) in one buffer: member k's at [rowStart[k], rowStart[k + 1]). */
  readonly #rows: Buffer;
  readonly #rowStart: Int32Array;
  /** The counter (0 post, 1 pre, 2 drop) each column holds. */
  readonly #columnCounter: Int8Array;
  /** Column c's members in the order of their rows: #order[#orderStart[c] … #orderStart[c + 1]). */
  readonly #order: Int32Array;
  readonly #orderStart: Int32Array;

  constructor(chunk: ClassWalk['chunks'][number], policies: PolicyLayout | undefined) {
    const { columns, members } = chunk;
    this.columns = columns;
    this.members = members;
    this.memberPolicy = Int32Array.from(members, (m) => policies?.positionOf(m) ?? -1);
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
    const rowsSeen = new Int32Array(this.columns.length);
    const rows = this.#rows;
    const rowStart = this.#rowStart;
    const order = this.#order;
    const orderStart = this.#orderStart;
    const columnCounter = this.#columnCounter;
    const sink = (c: number, buf: Buffer, start: number, end: number, value: SnmpValue, page: WalkPage): void => {
      rowsSeen[c]!++;
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
    return { values, pages, sink, maxRows: () => rowsSeen.reduce((a, b) => Math.max(a, b), 0) };
  }
}

/**
 * The service policies of a Cisco plan whose cbQosPolicyDiscontinuityTime a poll reads: one
 * column (every policy of the device is a row of it), the plan's policies' rows in OID order.
 */
class PolicyLayout {
  /** The column, as a list of its own: one list per plan, encoded once. */
  readonly columns: readonly string[] = [CISCO_POLICY_DISCONTINUITY_TIME];
  /** Rows under the column at the last walk (at first, the plan's policies): its max-repetitions, and whether it is read (MAX_POLICY_ROWS). */
  rowsSeen: number;
  /** The policies' rows (encoded arcs) in OID order, in one buffer: policy p's at [#rowStart[p], #rowStart[p + 1]). */
  readonly #rows: Buffer;
  readonly #rowStart: Int32Array;
  readonly #position: Map<string, number>;

  constructor(policyRows: readonly string[]) {
    const encoded = [...new Set(policyRows)].map((row) => ({ row, arcs: encodeArcs(row) }));
    encoded.sort((a, b) => compareOidContent(a.arcs, 0, a.arcs.length, b.arcs, 0, b.arcs.length));
    this.#position = new Map(encoded.map((e, p) => [e.row, p]));
    this.#rowStart = new Int32Array(encoded.length + 1);
    encoded.forEach((e, p) => (this.#rowStart[p + 1] = this.#rowStart[p]! + e.arcs.length));
    this.#rows = Buffer.allocUnsafeSlow(this.#rowStart[encoded.length]!);
    encoded.forEach((e, p) => e.arcs.copy(this.#rows, this.#rowStart[p]!));
    this.rowsSeen = encoded.length;
  }

  /** The column is not read again for this plan (MAX_POLICY_ROWS says so). */
  stopReading(): void {
    this.rowsSeen = Number.POSITIVE_INFINITY;
  }

  /** The position of `member`'s policy; undefined when it has none. */
  positionOf(member: CounterMember): number | undefined {
    return member.policyRow === undefined ? undefined : this.#position.get(member.policyRow);
  }

  /** Fresh cells for one walk: a merge of the column's rows (in OID order) with the policies'; nothing built per varbind. */
  cells(): PolicyCells {
    const count = this.#rowStart.length - 1;
    const values = new Array<SnmpValue | undefined>(count).fill(undefined);
    const rows = this.#rows;
    const rowStart = this.#rowStart;
    let next = 0;
    let seen = 0;
    const sink = (buf: Buffer, start: number, end: number, value: SnmpValue): void => {
      seen++;
      while (next < count) {
        const cmp = compareOidContent(buf, start, end, rows, rowStart[next]!, rowStart[next + 1]!);
        // A policy the plan does not poll.
        if (cmp < 0) return;
        // Past this policy's row: the device has none for it.
        if (cmp > 0) {
          next++;
          continue;
        }
        values[next++] = value;
        return;
      }
    };
    return { values, sink, rows: () => seen };
  }
}

interface PolicyCells {
  /** Policy p's cbQosPolicyDiscontinuityTime at p (undefined: not in the walk). */
  values: (SnmpValue | undefined)[];
  sink: (buf: Buffer, start: number, end: number, value: SnmpValue) => void;
  /** Rows the column had in this walk (every policy of the device). */
  rows(): number;
}

interface ChunkCells {
  /** Member k's post, pre and drop values at 3k, 3k + 1, 3k + 2. */
  values: (SnmpValue | undefined)[];
  /** The answer that carried member k's post-policy counter. */
  pages: (WalkPage | undefined)[];
  sink: (column: number, buf: Buffer, start: number, end: number, value: SnmpValue, page: WalkPage) => void;
  /** The most rows any column had in this walk. */
  maxRows(): number;
}

/** How a plan's counters are walked and summed, built once per plan. */
interface PlanLayout {
  walk: ClassWalk;
  chunks: ChunkLayout[];
  /** Cisco: the policies whose discontinuity time is read; undefined for other vendors. */
  policies: PolicyLayout | undefined;
  /** The last chunk's columns, then the policies' column (Cisco; undefined otherwise): its walk while the column is read. */
  lastColumnsWithPolicies: readonly string[] | undefined;
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
  const policyRows = plan.counterMembers.flatMap((m) => (m.policyRow === undefined ? [] : [m.policyRow]));
  const policies = policyRows.length > 0 ? new PolicyLayout(policyRows) : undefined;
  const chunks = walk.chunks.map((chunk) => new ChunkLayout(chunk, policies));
  const last = chunks[chunks.length - 1];
  return {
    walk,
    chunks,
    policies,
    lastColumnsWithPolicies: last && policies ? [...last.columns, ...policies.columns] : undefined,
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
