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
import { asNumber, get, type OpenSession } from '../snmp/index.ts';
import { SNMPV2_MIB } from '../snmp/if-mib.ts';
import { batchesOf, classReadingOf, measureClassInterval, sumGroup, type ClassReading, type MemberOctets } from './counters.ts';
import type { ClassGroup, CounterMember, QosPlan } from './plan.ts';

/** Classes per GET request (3 counters each, plus sysUpTime.0: about 1.3 KB of answer). */
export const CLASSES_PER_GET = 10;
/** Class-counter GETs outstanding at once per device. */
export const GETS_IN_FLIGHT = 4;

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
   * GETs the planned classes' counters (batches of CLASSES_PER_GET, GETS_IN_FLIGHT at once).
   * Never rejects: a failure reads as no counters at all (`reads` undefined: no class samples
   * this poll, the baselines kept; logged, rate-limited).
   */
  async read(open: Pick<OpenSession, 'session' | 'target'>, members: readonly CounterMember[]): Promise<{ reads: ClassReads | undefined; varbinds: number }> {
    const reads: ClassReads = new Map();
    try {
      const batches = batchesOf(members, CLASSES_PER_GET);
      let next = 0;
      // At most GETS_IN_FLIGHT requests outstanding: a large router is not sent a burst.
      const worker = async (): Promise<void> => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          const oids = [SNMPV2_MIB.sysUpTime, ...batch.flatMap((m) => [m.oids.postPolicyBytes, m.oids.prePolicyBytes, m.oids.dropBytes])];
          const answer = await get(open.session, open.target, oids, this.#opts.now);
          const sysUpTimeCs = asNumber(answer.values.get(SNMPV2_MIB.sysUpTime));
          for (const m of batch) reads.set(m.key, classReadingOf(answer.values, m.oids, answer.atMs, sysUpTimeCs));
        }
      };
      await Promise.all(Array.from({ length: Math.min(GETS_IN_FLIGHT, batches.length) }, worker));
      return { reads, varbinds: members.length * 3 + batches.length };
    } catch (err) {
      const admitted = this.#limiter.admit('class-read-failed');
      if (admitted) {
        this.#log.warn({ error: err instanceof Error ? err.message : String(err), suppressed: admitted.suppressed }, 'qos counters not read: no class samples this poll');
      }
      return { reads: undefined, varbinds: 0 };
    }
  }

  /**
   * The per-class LinkSamples of every planned link and direction: `classReads` are this
   * poll's counters (undefined: not read), `interfaces` this poll's IF-MIB rows (the
   * sub-interfaces), `capacities` the links' capacities as the interface samples found them.
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
      this.#reported.delete(`stats:${m.key}`);
      this.#classReadings.set(m.key, curr);
      const outcome = measureClassInterval(prev, curr, { maxGapMs });
      if (!outcome.ok) this.#opts.metrics?.sampleDropped(outcome.reason, 'class');
      if (outcome.ok) measured.set(m.key, outcome);
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
    }

    const links: LinkSample[] = [];
    for (const group of plan.groups) {
      const link = this.#linkById.get(group.link);
      const capacityBps = capacities.get(group.link);
      if (!link || capacityBps === undefined) continue;
      const sample = this.#groupSample(group, measured, link, capacityBps, atMs);
      if (sample) links.push(sample);
    }
    return { links, statsMissing: false };
  }

  #reportOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#log.warn(fields, message);
  }

  #groupSample(
    group: ClassGroup,
    measured: ReadonlyMap<string, MemberOctets>,
    link: LinkConfig,
    capacityBps: number,
    atMs: number,
  ): LinkSample | undefined {
    const parts: MemberOctets[] = [];
    for (const m of group.members) {
      const part = measured.get(m.kind === 'counters' ? m.key : `${m.ifName}|${m.side}`);
      // One member without a sample (first reading, discontinuity): none for the group.
      if (!part) return undefined;
      parts.push(part);
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
      atMs,
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
