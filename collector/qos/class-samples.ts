// Per-class samples of one router: the planned classes' byte counters walked at each poll,
// and per-service sub-interfaces from the poll's IF-MIB rows, measured against the previous
// poll's (collector/qos/counters.ts) and summed per link, direction and service class into
// LinkSamples. Keeps the last good reading of every planned member.
import type { LinkConfig } from '../../config/schema.ts';
import { mapBounded } from '../../config/worker-pool.ts';
import type { InterfaceRead, SamplerOptions } from '../interface-samples.ts';
import { LogLimiter, ProblemLog } from '../log-limiter.ts';
import { measureInterval, rateProblem, MAX_GAP_INTERVALS, type CounterReading } from '../rates.ts';
import type { LinkSample } from '../samples.ts';
import { asNumber, walkRows, type OpenSession, type SnmpValue, type WalkPage } from '../snmp/index.ts';
import { compareOidContent, encodeArcs, sameBytes } from '../snmp/ber.ts';
import { SNMPV2_MIB } from '../snmp/if-mib.ts';
import { ClassBaselines } from './baselines.ts';
import { classReading, measureClassInterval, sumGroup, type ClassReading, type MeasuredOctets, type MemberOctets } from './counters.ts';
import type { ClassGroup, CounterMember, QosPlan } from './plan.ts';

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

/** Class counters read at one poll, by member key; a key with undefined was asked but is missing. */
export type ClassReads = Map<string, ClassReading | undefined>;

export type ClassSamplerOptions = SamplerOptions;

/** What one poll's class counters give. */
export interface ClassRound {
  links: LinkSample[];
  /** A member read before is gone: the device renumbered its statistics (the plan is out of date). */
  statsMissing: boolean;
}

export class ClassSampler {
  readonly #opts: ClassSamplerOptions;
  readonly #log: ClassSamplerOptions['log'];
  readonly #limiter: LogLimiter;
  readonly #problems: ProblemLog;
  readonly #linkById: ReadonlyMap<string, LinkConfig>;
  /** Last good class counters of the plan last sampled (or kept), by member slot; last reading per sub-interface ifName. */
  #baselines: { plan: QosPlan; readings: ClassBaselines } | undefined;
  readonly #subReadings = new Map<string, CounterReading>();
  /** How to walk and sum each plan's counters (built once per plan). */
  readonly #layouts = new WeakMap<QosPlan, PlanLayout>();
  /** A member's previous reading, read out of the baselines (reused from member to member). */
  readonly #prev: ClassReading = { atMs: 0, sysUpTimeCs: undefined, postOctets: 0, preOctets: undefined, dropOctets: undefined };

  constructor(opts: ClassSamplerOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#limiter = new LogLimiter(10 * 60_000, opts.now);
    this.#problems = new ProblemLog(opts.log);
    this.#linkById = new Map(opts.links.map((l) => [l.id, l]));
  }

  #layoutOf(plan: QosPlan): PlanLayout {
    let layout = this.#layouts.get(plan);
    if (!layout) {
      layout = planLayoutOf(plan);
      this.#layouts.set(plan, layout);
    }
    return layout;
  }

  /** A new plan: forgets the readings of members it no longer has. */
  keepOnly(plan: QosPlan): void {
    this.#baselinesOf(plan);
    const keep = new Set<string>();
    for (const g of plan.groups) for (const m of g.members) if (m.kind === 'interface') keep.add(m.ifName);
    for (const key of this.#subReadings.keys()) if (!keep.has(key)) this.#subReadings.delete(key);
  }

  /** The plan's indexes may name other rows now: every baseline is forgotten. */
  clear(): void {
    this.#baselines?.readings.clear();
    this.#subReadings.clear();
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
  async read(open: Pick<OpenSession, 'session' | 'target'>, plan: QosPlan): Promise<{ reads: ClassReads | undefined; varbinds: number }> {
    const { walk, chunks } = this.#layoutOf(plan);
    const reads: ClassReads = new Map();
    let varbinds = 0;
    let maxRows = 0;
    try {
      const maxRepetitions = Math.min(MAX_REPETITIONS.max, Math.max(MAX_REPETITIONS.min, walk.rowsPerPrefix + 1));
      // At most REQUESTS_IN_FLIGHT walks outstanding: a large router is not sent a burst.
      await mapBounded(chunks, REQUESTS_IN_FLIGHT, async (chunk) => {
        const cells = chunk.cells();
        const read = await walkRows(open.session, open.target, chunk.columns, { scalars: [SNMPV2_MIB.sysUpTime], maxRepetitions, now: this.#opts.now }, cells.sink);
        varbinds += read.varbinds;
        if (read.maxRowsPerColumn > maxRows) maxRows = read.maxRowsPerColumn;
        // Each class's counters with the time and sysUpTime of the answer that carried them.
        const { values, pages } = cells;
        for (let k = 0; k < chunk.members.length; k++) {
          const page = pages[k];
          const sysUpTimeCs = page ? asNumber(page.scalars.get(SNMPV2_MIB.sysUpTime)) : undefined;
          reads.set(chunk.members[k]!.key, page && classReading(page.atMs, sysUpTimeCs, values[3 * k], values[3 * k + 1], values[3 * k + 2]));
        }
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
    measured.fill(undefined);
    let missing = false;
    const members = plan.counterMembers;
    const baselines = this.#baselinesOf(plan);
    for (let slot = 0; slot < members.length; slot++) {
      if (!classReads) break;
      const m = members[slot]!;
      const curr = classReads.get(m.key);
      const prev = baselines.get(slot, this.#prev);
      if (!curr) {
        baselines.delete(slot);
        // A key that was there and is gone: the device renumbered its statistics.
        if (prev) missing = true;
        else this.#problems.once(`stats:${m.key}`, { member: m.key }, 'qos class has no statistics row: not measured');
        continue;
      }
      this.#problems.cleared('stats', m.key);
      baselines.set(slot, curr);
      const outcome = measureClassInterval(prev, curr, { maxGapMs }, layout.octets[slot]);
      if (outcome.ok) {
        measured[slot] = outcome;
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
      measured[slot] = sideOctets(layout.octets[slot]!, outcome.intervalMs, outcome.inOctets);
      measured[slot + 1] = sideOctets(layout.octets[slot + 1]!, outcome.intervalMs, outcome.outOctets);
      readAtMs[slot] = curr.atMs;
      readAtMs[slot + 1] = curr.atMs;
    }

    const links: LinkSample[] = [];
    for (let g = 0; g < plan.groups.length; g++) {
      const group = plan.groups[g]!;
      const link = this.#linkById.get(group.link);
      const capacityBps = capacities.get(group.link);
      if (!link || capacityBps === undefined) continue;
      const sample = this.#groupSample(group, g, layout, link, capacityBps, atMs);
      if (sample) links.push(sample);
    }
    return { links, statsMissing: false };
  }

  #groupSample(group: ClassGroup, g: number, layout: PlanLayout, link: LinkConfig, capacityBps: number, atMs: number): LinkSample | undefined {
    const slots = layout.groupSlots[g]!;
    const parts = layout.groupParts[g]!;
    let latestMs: number | undefined;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const part = layout.measured[slot];
      // One member without a sample (first reading, discontinuity): none for the group.
      if (!part) return undefined;
      parts[i] = part;
      const memberMs = layout.readAtMs[slot]!;
      if (latestMs === undefined || memberMs > latestMs) latestMs = memberMs;
    }
    const rates = sumGroup(parts);
    if (!rates) return undefined;
    const problem = rateProblem(rates.postBitsPerSecond, capacityBps, this.#opts.maxUtilization);
    if (problem) {
      this.#opts.metrics?.sampleDropped(problem, 'class');
      const admitted = this.#limiter.admit(`invalid:${link.id}:${group.dir}:${group.serviceClass}`);
      if (admitted) {
        this.#log.warn(
          { link: link.id, dir: group.dir, class: group.serviceClass, bitsPerSecond: rates.postBitsPerSecond, capacityBps, suppressed: admitted.suppressed },
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
      dir: group.dir,
      class: group.serviceClass,
      bitsPerSecond: rates.postBitsPerSecond,
      capacityBps,
      utilization: rates.postBitsPerSecond / capacityBps,
    };
    if (rates.dropBitsPerSecond !== undefined) sample.dropBitsPerSecond = rates.dropBitsPerSecond;
    if (rates.preBitsPerSecond !== undefined) sample.prePolicyBitsPerSecond = rates.preBitsPerSecond;
    if (group.reservedBps !== undefined) sample.reservedBps = group.reservedBps;
    return sample;
  }
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

/** A sub-interface side's octets over an interval, in its slot's object. */
function sideOctets(into: MeasuredOctets, intervalMs: number, octets: number): MeasuredOctets {
  into.intervalMs = intervalMs;
  into.postOctets = octets;
  return into;
}

/** One request's walk of a plan: its columns, its members and where each member's row is in each column. */
interface ChunkLayout {
  columns: string[];
  members: CounterMember[];
  /** Fresh cells for one walk of the chunk: each member's three counters and the answer that carried its post-policy one. */
  cells(): ChunkCells;
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
  /** The per-service sub-interfaces' names, each once. */
  subNames: string[];
  /** Each group's members' slots: a counter member's index in counterMembers, then two per sub-interface (in, out). */
  groupSlots: Int32Array[];
  /** Each group's members' octets at one poll (an array per group, reused from poll to poll). */
  groupParts: MemberOctets[][];
  /** Each slot's octets, filled at each poll (measured[slot] is this object when it has a sample). */
  octets: MeasuredOctets[];
  /** This poll's octets and reading time by slot (reused from poll to poll). */
  measured: (MemberOctets | undefined)[];
  readAtMs: Float64Array;
}

/** The counter a column holds for its members: post, pre, drop (the order of ChunkCells.values). */
const counterNames = ['postPolicyBytes', 'prePolicyBytes', 'dropBytes'] as const;

/**
 * A chunk's walk as a merge of each column's rows with its members' rows (both in OID order):
 * a row no member has is passed over, a member without its row gets nothing. Nothing is built
 * per varbind: a row is compared with the members' encoded rows in place.
 */
function chunkLayoutOf(chunk: ClassWalk['chunks'][number]): ChunkLayout {
  const { columns, members } = chunk;
  const rows = members.map((m) => encodeArcs(m.walk.row));
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
  const columnCounter = Int8Array.from(columns, (oid) => byColumn.get(oid)!.counter);
  const columnMembers = columns.map((oid) => Int32Array.from(byColumn.get(oid)!.members.sort((a, b) => compareOidContent(rows[a]!, 0, rows[a]!.length, rows[b]!, 0, rows[b]!.length))));
  return {
    columns,
    members,
    cells(): ChunkCells {
      const values = new Array<SnmpValue | undefined>(3 * members.length).fill(undefined);
      const pages = new Array<WalkPage | undefined>(members.length).fill(undefined);
      const cursor = new Int32Array(columns.length);
      const sink = (c: number, buf: Buffer, start: number, end: number, value: SnmpValue, page: WalkPage): void => {
        const order = columnMembers[c]!;
        const counter = columnCounter[c]!;
        let j = cursor[c]!;
        while (j < order.length) {
          const k = order[j]!;
          const row = rows[k]!;
          const cmp = sameBytes(row, buf, start, end) ? 0 : compareOidContent(buf, start, end, row, 0, row.length);
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
    },
  };
}

function planLayoutOf(plan: QosPlan): PlanLayout {
  const walk = classWalkOf(plan.counterMembers, WALKS_PER_REQUEST);
  const counterSlot = new Map<string, number>();
  plan.counterMembers.forEach((m, i) => counterSlot.set(m.key, i));
  const subNames: string[] = [];
  const subSlot = new Map<string, number>();
  for (const g of plan.groups) {
    for (const m of g.members) {
      if (m.kind !== 'interface' || subSlot.has(m.ifName)) continue;
      subSlot.set(m.ifName, plan.counterMembers.length + 2 * subNames.length);
      subNames.push(m.ifName);
    }
  }
  const groupSlots = plan.groups.map((g) =>
    Int32Array.from(g.members, (m) => (m.kind === 'counters' ? counterSlot.get(m.key)! : subSlot.get(m.ifName)! + (m.side === 'out' ? 1 : 0))),
  );
  const slots = plan.counterMembers.length + 2 * subNames.length;
  return {
    walk,
    chunks: walk.chunks.map(chunkLayoutOf),
    subNames,
    groupSlots,
    groupParts: plan.groups.map((g) => new Array<MemberOctets>(g.members.length)),
    octets: Array.from({ length: slots }, (): MeasuredOctets => ({ ok: true, intervalMs: 0, postOctets: 0, preOctets: undefined, dropOctets: undefined })),
    measured: new Array<MemberOctets | undefined>(slots).fill(undefined),
    readAtMs: new Float64Array(slots),
  };
}
