// Per-class samples of one router: the planned classes' byte counters read with GET at each
// poll, and per-service sub-interfaces from the poll's IF-MIB rows, measured against the
// previous poll's (collector/qos/counters.ts) and summed per link, direction and service class
// into LinkSamples. Keeps the last good reading of every planned member.
import type { Logger } from 'pino';
import type { LinkConfig } from '../../config/schema.ts';
import type { InterfaceRead } from '../interface-samples.ts';
import { LogLimiter } from '../log-limiter.ts';
import type { PollerMetrics } from '../metrics.ts';
import { checkRate, measureInterval, MAX_GAP_INTERVALS, type CounterReading } from '../rates.ts';
import type { LinkSample } from '../samples.ts';
import { asNumber, readColumns, type OpenSession } from '../snmp/index.ts';
import { SNMPV2_MIB } from '../snmp/if-mib.ts';
import { classReadingOf, measureClassInterval, sumGroup, type ClassReading, type MemberOctets } from './counters.ts';
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

export interface ClassSamplerOptions {
  /** The configured links on this router. */
  links: readonly LinkConfig[];
  intervalMs: number;
  maxUtilization: number;
  /** The router's logger (its `device` field set). */
  log: Logger;
  now: () => number;
  metrics?: Pick<PollerMetrics, 'sampleDropped'>;
}

/** What one poll's class counters give. */
export interface ClassRound {
  links: LinkSample[];
  /** A member read before is gone: the device renumbered its statistics (the plan is out of date). */
  statsMissing: boolean;
}

export class ClassSampler {
  readonly #opts: ClassSamplerOptions;
  readonly #log: Logger;
  readonly #limiter: LogLimiter;
  readonly #reported = new Set<string>();
  readonly #linkById: ReadonlyMap<string, LinkConfig>;
  /** Last good class counters per member key; last reading per sub-interface ifName. */
  readonly #classReadings = new Map<string, ClassReading>();
  readonly #subReadings = new Map<string, CounterReading>();
  /** How to walk each plan's counters (built once per plan). */
  readonly #walks = new WeakMap<QosPlan, ClassWalk>();

  constructor(opts: ClassSamplerOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#limiter = new LogLimiter(10 * 60_000, opts.now);
    this.#linkById = new Map(opts.links.map((l) => [l.id, l]));
  }

  /** A new plan: forgets the readings of members it no longer has. */
  keepOnly(plan: QosPlan): void {
    const keep = new Set<string>();
    for (const g of plan.groups) for (const m of g.members) keep.add(m.kind === 'counters' ? m.key : m.ifName);
    for (const key of this.#classReadings.keys()) if (!keep.has(key)) this.#classReadings.delete(key);
    for (const key of this.#subReadings.keys()) if (!keep.has(key)) this.#subReadings.delete(key);
  }

  /** The plan's indexes may name other rows now: every baseline is forgotten. */
  clear(): void {
    this.#classReadings.clear();
    this.#subReadings.clear();
  }

  /**
   * Reads the plan's class counters: one GETBULK walk of the three counter columns under each
   * policy (or interface) the plan has classes on (classWalkOf), WALKS_PER_REQUEST columns per
   * request, REQUESTS_IN_FLIGHT at once, with sysUpTime.0. Never rejects: a failure reads as
   * no counters at all (`reads` undefined: no class samples this poll, the baselines kept;
   * logged, rate-limited).
   */
  async read(open: Pick<OpenSession, 'session' | 'target'>, plan: QosPlan): Promise<{ reads: ClassReads | undefined; varbinds: number }> {
    let walk = this.#walks.get(plan);
    if (!walk) {
      walk = classWalkOf(plan.counterMembers, WALKS_PER_REQUEST);
      this.#walks.set(plan, walk);
    }
    const reads: ClassReads = new Map();
    let varbinds = 0;
    let maxRows = 0;
    try {
      const chunks = walk.chunks;
      let next = 0;
      const maxRepetitions = Math.min(MAX_REPETITIONS.max, Math.max(MAX_REPETITIONS.min, walk.rowsPerPrefix + 1));
      // At most REQUESTS_IN_FLIGHT walks outstanding: a large router is not sent a burst.
      const worker = async (): Promise<void> => {
        while (next < chunks.length) {
          const chunk = chunks[next++]!;
          const read = await readColumns(open.session, open.target, chunk.columns, { scalars: [SNMPV2_MIB.sysUpTime], maxRepetitions, now: this.#opts.now });
          varbinds += read.varbinds;
          if (read.maxRowsPerColumn > maxRows) maxRows = read.maxRowsPerColumn;
          // Each class's counters with the time and sysUpTime of the answer that carried them.
          for (const m of chunk.members) {
            const page = read.rowPages.get(m.walk.row);
            const scalars = page ? page.scalars : read.scalars;
            reads.set(m.key, classReadingOf(read.rows.get(m.walk.row), m.walk.columns, page ? page.atMs : read.atMs, asNumber(scalars.get(SNMPV2_MIB.sysUpTime))));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, chunks.length) }, worker));
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
    // Every member once: measure, then keep the reading as the next baseline.
    const measured = new Map<string, MemberOctets>();
    /** When each measured member's current reading arrived. */
    const readAtMs = new Map<string, number>();
    let missing = false;
    for (const m of plan.counterMembers) {
      if (!classReads) break;
      const curr = classReads.get(m.key);
      const prev = this.#classReadings.get(m.key);
      if (!curr) {
        this.#classReadings.delete(m.key);
        // A key that was there and is gone: the device renumbered its statistics.
        if (prev) missing = true;
        else this.#reportOnce(`stats:${m.key}`, { member: m.key }, 'qos class has no statistics row: not measured');
        continue;
      }
      this.#cleared('stats', m.key);
      this.#classReadings.set(m.key, curr);
      const outcome = measureClassInterval(prev, curr, { maxGapMs });
      if (!outcome.ok) this.#opts.metrics?.sampleDropped(outcome.reason, 'class');
      if (outcome.ok) {
        measured.set(m.key, outcome);
        readAtMs.set(m.key, curr.atMs);
      }
      else if (outcome.reason === 'counter-went-back' || outcome.reason === 'clock-went-back') {
        const admitted = this.#limiter.admit(`class-discontinuity:${m.key}`);
        if (admitted) this.#log.warn({ member: m.key, reason: outcome.reason, suppressed: admitted.suppressed }, 'qos counter discontinuity: no sample for this interval');
      }
    }
    if (missing) return { links: [], statsMissing: true };
    const subNames = new Set<string>();
    for (const g of plan.groups) for (const m of g.members) if (m.kind === 'interface') subNames.add(m.ifName);
    for (const ifName of subNames) {
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
      measured.set(`${ifName}|in`, { intervalMs: outcome.intervalMs, postOctets: outcome.inOctets });
      measured.set(`${ifName}|out`, { intervalMs: outcome.intervalMs, postOctets: outcome.outOctets });
      readAtMs.set(`${ifName}|in`, curr.atMs);
      readAtMs.set(`${ifName}|out`, curr.atMs);
    }

    const links: LinkSample[] = [];
    for (const group of plan.groups) {
      const link = this.#linkById.get(group.link);
      const capacityBps = capacities.get(group.link);
      if (!link || capacityBps === undefined) continue;
      const sample = this.#groupSample(group, measured, readAtMs, link, capacityBps, atMs);
      if (sample) links.push(sample);
    }
    return { links, statsMissing: false };
  }

  /** A problem that cleared may be logged again (the set is nearly always empty: no key is built then). */
  #cleared(problem: string, id: string): void {
    if (this.#reported.size > 0) this.#reported.delete(`${problem}:${id}`);
  }

  #reportOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#log.warn(fields, message);
  }

  #groupSample(
    group: ClassGroup,
    measured: ReadonlyMap<string, MemberOctets>,
    readAtMs: ReadonlyMap<string, number>,
    link: LinkConfig,
    capacityBps: number,
    atMs: number,
  ): LinkSample | undefined {
    const parts: MemberOctets[] = [];
    let latestMs: number | undefined;
    for (const m of group.members) {
      const key = m.kind === 'counters' ? m.key : `${m.ifName}|${m.side}`;
      const part = measured.get(key);
      // One member without a sample (first reading, discontinuity): none for the group.
      if (!part) return undefined;
      parts.push(part);
      const memberMs = readAtMs.get(key);
      if (memberMs !== undefined && (latestMs === undefined || memberMs > latestMs)) latestMs = memberMs;
    }
    const rates = sumGroup(parts);
    if (!rates) return undefined;
    const check = checkRate(rates.postBitsPerSecond, capacityBps, this.#opts.maxUtilization);
    if (!check.valid || check.utilization === undefined) {
      this.#opts.metrics?.sampleDropped(check.valid ? 'not-finite' : check.reason, 'class');
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
      utilization: check.utilization,
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
