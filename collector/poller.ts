// Polls one router: sysUpTime.0 plus the IF-MIB columns the links need, in one GETBULK walk
// per poll, and turns two successive readings into LinkSamples (class `total`, both
// directions) and InterfaceSamples for the router's configured links. Keeps the device's
// state: the last good reading per ifName and the ifIndex → ifName map.
//
// Per-class traffic (issue 4): a QoS plan (collector/qos/plan.ts) built from a discovery of the
// device says which counters measure which service class of which link. Each poll GETs the
// planned classes' byte counters (batches of 10 classes × 3 OIDs plus sysUpTime.0, ~1.2 KB
// answers, 4 in flight: only the rows needed, whatever else the device has policies on, and a
// missing row answers noSuchInstance at once. A GETBULK of the three stats columns would need
// fewer requests on a router whose every policy is on a link (25 rows per column and answer)
// but walks every other policy's rows too, e.g. a control-plane policy of 50 classes) and reads per-service sub-interfaces from the same ifXTable walk as the links.
// Discovery runs inline once, on the first poll; afterwards in the background (its own
// session) every `rediscoverIntervalMs`, after a reboot, an ifIndex change, a change of the
// sub-interfaces or stats keys that went missing, and the new plan replaces the old one at
// the start of the next poll. Until then the old plan keeps being polled, except after signs
// that its indexes now name other rows (ifIndex change, missing stats keys, sub-interfaces
// changed): then its class samples pause until the new plan (never a sample from a class
// that may be another class now).
import { LogLimiter } from './log-limiter.ts';
import { AddressResolver } from './snmp/resolve.ts';
import type { Logger } from 'pino';
import type { LinkConfig, RouterConfig, Settings } from '../config/schema.ts';
import type { InterfaceSample, LinkSample, PollBatch, PollOutcome } from './samples.ts';
import {
  bitsPerSecondOf,
  capacityBpsOf,
  checkRate,
  measureInterval,
  uptimeVerdict,
  type CounterReading,
  type Discontinuity,
} from './rates.ts';
import { openSession, readColumns, get, asCounter, asNumber, asText, SnmpError, type Rows, type OpenSession } from './snmp/index.ts';
import { compileClassRules, type Classifier } from './classify.ts';
import { discoverDevice, type DeviceDiscovery } from './discovery/index.ts';
import { buildQosPlan, isSubinterfaceOf, type ClassGroup, type CounterMember, type QosPlan } from './qos/plan.ts';
import { batchesOf, classReadingOf, measureClassInterval, sumGroup, type ClassReading, type MemberOctets } from './qos/counters.ts';
import { defaultClassRules, classRuleSchema } from '../config/schema.ts';
import type { QosClassMapping } from './samples.ts';
import type { PollerMetrics } from './metrics.ts';

export const OID = {
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
  ifHighSpeed: '1.3.6.1.2.1.31.1.1.1.15',
  ifCounterDiscontinuityTime: '1.3.6.1.2.1.31.1.1.1.19',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  ifInOctets: '1.3.6.1.2.1.2.2.1.10',
  ifInErrors: '1.3.6.1.2.1.2.2.1.14',
  ifOutOctets: '1.3.6.1.2.1.2.2.1.16',
  ifOutErrors: '1.3.6.1.2.1.2.2.1.20',
} as const;

const BASE_COLUMNS = [
  OID.ifName,
  OID.ifHCInOctets,
  OID.ifHCOutOctets,
  OID.ifHighSpeed,
  OID.ifCounterDiscontinuityTime,
  OID.ifOperStatus,
  OID.ifInErrors,
  OID.ifOutErrors,
];
const FALLBACK_COLUMNS = [OID.ifInOctets, OID.ifOutOctets];

/** How many intervals of missed polls are bridged before a device's readings start fresh. */
export const MAX_GAP_INTERVALS = 3;

/** Classes per GET request (3 counters each, plus sysUpTime.0: about 1.3 KB of answer). */
export const CLASSES_PER_GET = 10;
/** Class-counter GETs outstanding at once per device. */
export const GETS_IN_FLIGHT = 4;
/** Default re-discovery period. */
export const DEFAULT_REDISCOVER_INTERVAL_MS = 3_600_000;

/** Why a new discovery is wanted. */
export type RediscoverReason = 'first-poll' | 'schedule' | 'reboot' | 'ifindex-changed' | 'subinterfaces-changed' | 'stats-missing';

/** Class counters read at one poll, by member key; a key with undefined was asked but is missing. */
type ClassReads = Map<string, ClassReading | undefined>;

export interface DevicePollerOptions {
  router: RouterConfig;
  /** The configured links on this router. */
  links: readonly LinkConfig[];
  collector: Pick<Settings['collector'], 'intervalMs' | 'timeoutMs' | 'retries' | 'maxUtilization'> &
    Partial<Pick<Settings['collector'], 'rediscoverIntervalMs'>>;
  /** Maps discovered classes to service classes; default: the shipped rules. */
  classifier?: Classifier;
  log: Logger;
  now?: () => number;
  /** GETBULK max-repetitions (rows per column and request). */
  maxRepetitions?: number;
  /** Each retry waits this many times longer (net-snmp backoff). */
  backoff?: number;
  /** Counts samples a counter rule refused (collector/metrics.ts). */
  metrics?: PollerMetrics;
}

/** One interface as read at one poll. */
interface InterfaceRead {
  ifIndex: string;
  reading: CounterReading | undefined;
  operUp: boolean;
  ifHighSpeedMbps: number | undefined;
  hasHc: boolean;
}

export class DevicePoller {
  readonly device: string;
  readonly province: string;
  readonly #router: RouterConfig;
  readonly #links: readonly LinkConfig[];
  readonly #opts: DevicePollerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  /** Last good reading per ifName (the baseline of the next interval). */
  readonly #readings = new Map<string, CounterReading>();
  /** ifIndex → ifName as of the last successful poll. */
  #indexToName = new Map<string, string>();
  /** Links whose problem was already logged (once per problem until it clears). */
  readonly #reported = new Set<string>();
  /** Repeated warnings (invalid rates, discontinuities): one line per link per 10 minutes. */
  readonly #limiter: LogLimiter;
  readonly #resolver: AddressResolver;
  /** Whether the 32-bit octet columns are needed: unknown until the first poll. */
  #needFallback: boolean | undefined;
  #lastUptime: { cs: number; atMs: number } | undefined;
  /** The session of the poll in progress, so that abort() can close it. */
  #open: ReturnType<typeof openSession> | undefined;
  readonly #classifier: Classifier;
  /** The QoS plan in use; `#planStale`: its indexes may name other rows now (no class samples). */
  #plan: QosPlan | undefined;
  #planStale = false;
  /** A plan discovered in the background, adopted at the start of the next poll. */
  #nextPlan: QosPlan | undefined;
  #discovering: Promise<void> | undefined;
  #lastDiscoveryFailedAtMs: number | undefined;
  /** Reasons seen since the last discovery started. */
  #wanted: RediscoverReason | undefined;
  /** Last good class counters per member key; last reading per sub-interface ifName. */
  readonly #classReadings = new Map<string, ClassReading>();
  readonly #subReadings = new Map<string, CounterReading>();
  /** Unmatched classes already logged, by className (once per device and name). */
  readonly #unmatchedLogged = new Set<string>();

  constructor(opts: DevicePollerOptions) {
    this.#router = opts.router;
    this.#links = opts.links;
    this.#opts = opts;
    this.device = opts.router.id;
    this.province = opts.router.province ?? '';
    this.#log = opts.log.child({ device: opts.router.id });
    this.#now = opts.now ?? Date.now;
    this.#limiter = new LogLimiter(10 * 60_000, this.#now);
    this.#resolver = new AddressResolver({ timeoutMs: opts.collector.timeoutMs, now: this.#now });
    this.#classifier = opts.classifier ?? compileClassRules(defaultClassRules.map((r) => classRuleSchema.parse(r)));
  }

  /** Every class and sub-interface the current plan maps (empty before the first discovery). */
  qosMappings(): QosClassMapping[] {
    return this.#plan ? this.#plan.mappings.map((m) => ({ ...m })) : [];
  }

  /** The plan in use, if any. */
  get qosPlan(): QosPlan | undefined {
    return this.#plan;
  }

  /** Resolves when no background discovery is running (its plan is then adopted by the next poll). */
  async idle(): Promise<void> {
    while (this.#discovering) await this.#discovering;
  }

  get #rediscoverIntervalMs(): number {
    return this.#opts.collector.rediscoverIntervalMs ?? DEFAULT_REDISCOVER_INTERVAL_MS;
  }

  #want(reason: RediscoverReason): void {
    this.#wanted ??= reason;
  }

  #adopt(plan: QosPlan): void {
    const keep = new Set<string>();
    for (const g of plan.groups) for (const m of g.members) keep.add(m.kind === 'counters' ? m.key : m.ifName);
    for (const key of this.#classReadings.keys()) if (!keep.has(key)) this.#classReadings.delete(key);
    for (const key of this.#subReadings.keys()) if (!keep.has(key)) this.#subReadings.delete(key);
    const previous = this.#plan;
    this.#plan = plan;
    this.#planStale = false;
    for (const m of plan.mappings) {
      if (m.rule !== undefined || this.#unmatchedLogged.has(m.className)) continue;
      this.#unmatchedLogged.add(m.className);
      this.#log.warn(
        { className: m.className, policyName: m.policyName, link: m.link, ifName: m.ifName, path: m.path, source: m.source },
        'qos class matches no class rule: counted as other',
      );
    }
    const fields = { groups: plan.groups.length, classes: plan.mappings.length, counterClasses: plan.counterMembers.length };
    if (!previous) this.#log.debug(fields, 'qos plan ready');
    else this.#log.info(fields, 'qos plan replaced after re-discovery');
    for (const note of plan.notes) {
      const admitted = this.#limiter.admit(`plan-note:${note}`);
      if (admitted) this.#log.info({ note }, 'qos plan note');
    }
  }

  /** Discovers over `target` and returns the plan; logs (rate-limited) and returns undefined on failure. */
  async #discover(target: Pick<OpenSession, 'session' | 'target'> | { address: string }, reason: RediscoverReason): Promise<QosPlan | undefined> {
    try {
      const discovery: DeviceDiscovery =
        'session' in target
          ? await discoverDevice(target, { now: this.#now, log: this.#log })
          : await discoverDevice(
              { address: target.address, snmp: this.#router.snmp },
              {
                timing: { timeoutMs: this.#opts.collector.timeoutMs, retries: this.#opts.collector.retries, backoff: this.#opts.backoff ?? 1.5 },
                now: this.#now,
                log: this.#log,
              },
            );
      this.#lastDiscoveryFailedAtMs = undefined;
      return buildQosPlan({ device: this.device, discovery, links: this.#links, classifier: this.#classifier });
    } catch (err) {
      this.#lastDiscoveryFailedAtMs = this.#now();
      const admitted = this.#limiter.admit('discovery-failed');
      if (admitted) {
        this.#log.warn(
          { reason, error: err instanceof Error ? err.message : String(err), keptPlan: this.#plan !== undefined, suppressed: admitted.suppressed },
          'qos discovery failed: keeping the previous plan',
        );
      }
      return undefined;
    }
  }

  /** Starts a background discovery when one is wanted and none is running. */
  #maybeRediscover(address: string): void {
    if (this.#discovering) return;
    const nowMs = this.#now();
    if (!this.#wanted && this.#plan && nowMs - this.#plan.atMs >= this.#rediscoverIntervalMs) this.#want('schedule');
    const reason = this.#wanted;
    if (!reason) return;
    const failedAtMs = this.#lastDiscoveryFailedAtMs;
    const retryAfterMs = Math.min(this.#rediscoverIntervalMs, 5 * this.#opts.collector.intervalMs);
    if (failedAtMs !== undefined && nowMs - failedAtMs < retryAfterMs) return;
    this.#wanted = undefined;
    this.#log.debug({ reason }, 'qos re-discovery started');
    this.#discovering = this.#discover({ address }, reason)
      .then((plan) => {
        if (plan) this.#nextPlan = plan;
      })
      .finally(() => {
        this.#discovering = undefined;
      });
  }

  /** GETs the planned classes' counters. Never rejects: a failure reads as no classes (logged). */
  async #readClasses(open: OpenSession, members: readonly CounterMember[]): Promise<ClassReads> {
    const reads: ClassReads = new Map();
    try {
      const batches = batchesOf(members, CLASSES_PER_GET);
      let next = 0;
      // At most GETS_IN_FLIGHT requests outstanding: a large router is not sent a burst.
      const worker = async (): Promise<void> => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          const oids = [OID.sysUpTime, ...batch.flatMap((m) => [m.oids.postPolicyBytes, m.oids.prePolicyBytes, m.oids.dropBytes])];
          const answer = await get(open.session, open.target, oids, this.#now);
          const sysUpTimeCs = asNumber(answer.values.get(OID.sysUpTime));
          for (const m of batch) reads.set(m.key, classReadingOf(answer.values, m.oids, answer.atMs, sysUpTimeCs));
        }
      };
      await Promise.all(Array.from({ length: Math.min(GETS_IN_FLIGHT, batches.length) }, worker));
      return reads;
    } catch (err) {
      const admitted = this.#limiter.admit('class-read-failed');
      if (admitted) {
        this.#log.warn({ error: err instanceof Error ? err.message : String(err), suppressed: admitted.suppressed }, 'qos counters not read: no class samples this poll');
      }
      return new Map();
    }
  }

  /** ifIndex → ifName as of the last successful poll. */
  get ifNames(): ReadonlyMap<string, string> {
    return this.#indexToName;
  }

  /** Closes the session of a poll in progress: that poll ends at once as failed. */
  abort(): void {
    this.#open?.close();
  }

  /** Polls once. Never rejects: a failure is a PollOutcome with ok false (and no samples). */
  async poll(): Promise<PollBatch> {
    const startedAtMs = this.#now();
    const columns = this.#needFallback === false ? BASE_COLUMNS : [...BASE_COLUMNS, ...FALLBACK_COLUMNS];
    let open: ReturnType<typeof openSession> | undefined;
    try {
      const address = await this.#resolver.resolve(this.#router.address).catch((err: unknown) => {
        throw new SnmpError('socket', this.#router.address, err instanceof Error ? err.message : String(err), { cause: err });
      });
      open = openSession(address, this.#router.snmp, {
        timeoutMs: this.#opts.collector.timeoutMs,
        retries: this.#opts.collector.retries,
        backoff: this.#opts.backoff ?? 1.5,
      });
      this.#open = open;
      const read = await readColumns(open.session, open.target, columns, {
        scalars: [OID.sysUpTime],
        maxRepetitions: this.#opts.maxRepetitions ?? 25,
        now: this.#now,
      });
      const poll: PollOutcome = {
        atMs: read.atMs,
        device: this.device,
        province: this.province,
        ok: true,
        latencyMs: Math.max(0, read.atMs - startedAtMs),
        varbinds: read.varbinds,
      };
      const sysUpTimeCs = asNumber(read.scalars.get(OID.sysUpTime));
      const readFallback = columns.length > BASE_COLUMNS.length;

      if (this.#nextPlan) {
        this.#adopt(this.#nextPlan);
        this.#nextPlan = undefined;
      }
      let classReads: ClassReads | undefined;
      if (!this.#plan && !this.#discovering && this.#lastDiscoveryFailedAtMs === undefined) {
        // First poll: discover inline, so that this poll's class readings are the baselines.
        this.#wanted = undefined;
        const plan = await this.#discover(open, 'first-poll');
        if (plan) this.#adopt(plan);
        else this.#want('first-poll');
      }
      const plan = this.#plan;
      if (plan && !this.#planStale && plan.counterMembers.length > 0) {
        classReads = await this.#readClasses(open, plan.counterMembers);
        if (classReads.size > 0) poll.varbinds += plan.counterMembers.length * 3 + Math.ceil(plan.counterMembers.length / CLASSES_PER_GET);
      }
      const samples = this.#samples(read.rows, read.atMs, sysUpTimeCs, readFallback, classReads);
      this.#maybeRediscover(address);
      return { poll, ...samples };
    } catch (err) {
      const atMs = this.#now();
      const error = err instanceof SnmpError ? err : new SnmpError('socket', this.#router.address, String(err), { cause: err });
      return {
        poll: {
          atMs,
          device: this.device,
          province: this.province,
          ok: false,
          latencyMs: Math.max(0, atMs - startedAtMs),
          varbinds: 0,
          error: `${error.kind}: ${error.message}`,
          // A fault outside SNMP (a bug) has no kind: counted as `internal`, not as a socket error.
          ...(err instanceof SnmpError ? { errorKind: err.kind } : {}),
        },
        links: [],
        interfaces: [],
      };
    } finally {
      open?.close();
      if (this.#open === open) this.#open = undefined;
    }
  }

  #reportOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#log.warn(fields, message);
  }

  #samples(
    rows: Rows,
    atMs: number,
    sysUpTimeCs: number | undefined,
    readFallback: boolean,
    classReads: ClassReads | undefined,
  ): { links: LinkSample[]; interfaces: InterfaceSample[] } {
    this.#noteReboot(sysUpTimeCs, atMs);
    const reads = this.#readInterfaces(rows, atMs, sysUpTimeCs);
    const capacities = new Map<string, number>();
    const links: LinkSample[] = [];
    const interfaces: InterfaceSample[] = [];
    const maxGapMs = MAX_GAP_INTERVALS * this.#opts.collector.intervalMs;
    let needFallback = false;

    for (const link of this.#links) {
      const found = reads.get(link.ifName);
      if (!found) {
        this.#readings.delete(link.ifName);
        this.#reportOnce(`missing:${link.id}`, { link: link.id, ifName: link.ifName }, 'link interface not found on device');
        continue;
      }
      this.#reported.delete(`missing:${link.id}`);
      if (!found.hasHc) needFallback = true;
      const curr = found.reading;
      if (!curr) {
        this.#readings.delete(link.ifName);
        // Without the 32-bit columns in this poll, the next poll reads them before judging.
        if (readFallback) this.#reportOnce(`counters:${link.id}`, { link: link.id, ifName: link.ifName }, 'interface has no octet counters');
        continue;
      }
      this.#reported.delete(`counters:${link.id}`);
      const prev = this.#readings.get(link.ifName);
      this.#readings.set(link.ifName, curr);
      const capacityBps = capacityBpsOf(link.capacityBps, found.ifHighSpeedMbps);
      if (capacityBps !== undefined) capacities.set(link.id, capacityBps);
      const outcome = measureInterval(prev, curr, { maxGapMs, ...(capacityBps !== undefined ? { capacityBps } : {}) });
      if (!outcome.ok) {
        this.#opts.metrics?.sampleDropped(outcome.reason, 'interface');
        this.#noteDiscontinuity(outcome.reason, link, prev, curr);
        continue;
      }
      const inBps = bitsPerSecondOf(outcome.inOctets, outcome.intervalMs);
      const outBps = bitsPerSecondOf(outcome.outOctets, outcome.intervalMs);
      if (capacityBps === undefined) {
        this.#reportOnce(`capacity:${link.id}`, { link: link.id, ifName: link.ifName }, 'link capacity unknown (no capacityBps, ifHighSpeed 0): no link samples');
      } else this.#reported.delete(`capacity:${link.id}`);

      const byDir = { down: link.downIs === 'out' ? outBps : inBps, up: link.downIs === 'out' ? inBps : outBps };
      let allValid = true;
      for (const dir of ['down', 'up'] as const) {
        const bitsPerSecond = byDir[dir];
        const check = checkRate(bitsPerSecond, capacityBps, this.#opts.collector.maxUtilization);
        if (!check.valid) {
          allValid = false;
          this.#opts.metrics?.sampleDropped(check.reason, 'interface');
          const admitted = this.#limiter.admit(`invalid:${link.id}:${dir}`);
          if (admitted) {
            this.#log.warn(
              { link: link.id, ifName: link.ifName, dir, bitsPerSecond, capacityBps, utilization: check.utilization, reason: check.reason, suppressed: admitted.suppressed },
              'rate invalid: no sample',
            );
          }
          continue;
        }
        if (capacityBps === undefined || check.utilization === undefined) continue;
        links.push({
          atMs: curr.atMs,
          intervalMs: outcome.intervalMs,
          link: link.id,
          province: link.province,
          tier: link.tier,
          dir,
          class: 'total',
          bitsPerSecond,
          capacityBps,
          utilization: check.utilization,
        });
      }
      if (!allValid) continue;
      interfaces.push({
        atMs: curr.atMs,
        intervalMs: outcome.intervalMs,
        device: this.device,
        ifName: link.ifName,
        province: link.province,
        inBps,
        outBps,
        operUp: found.operUp,
        // Agents without the error columns count as no errors seen.
        inErrors: Number(outcome.inErrors ?? 0n),
        outErrors: Number(outcome.outErrors ?? 0n),
      });
    }
    this.#needFallback = needFallback;
    this.#checkPlan(reads);
    links.push(...this.#classSamples(reads, classReads, capacities, atMs));
    return { links, interfaces };
  }

  /** Signs that the plan's indexes no longer name what they did: re-discover, and pause its class samples. */
  #checkPlan(reads: ReadonlyMap<string, InterfaceRead>): void {
    const plan = this.#plan;
    if (!plan) return;
    for (const link of this.#links) {
      const planned = plan.linkIfIndexes.get(link.ifName);
      const found = reads.get(link.ifName);
      if (planned !== undefined && found && found.ifIndex !== String(planned)) {
        this.#stalePlan('ifindex-changed', { link: link.id, ifName: link.ifName, plannedIfIndex: planned, ifIndex: found.ifIndex });
        return;
      }
      const subs = [...reads.keys()].filter((name) => isSubinterfaceOf(name, link.ifName)).sort();
      const plannedSubs = plan.subinterfaces.get(link.ifName) ?? [];
      if (found && (subs.length !== plannedSubs.length || subs.some((name, i) => name !== plannedSubs[i]))) {
        this.#stalePlan('subinterfaces-changed', { link: link.id, ifName: link.ifName, subinterfaces: subs, planned: plannedSubs });
        return;
      }
    }
  }

  #stalePlan(reason: RediscoverReason, fields: Record<string, unknown>): void {
    if (!this.#planStale) this.#log.info({ ...fields, reason }, 'qos plan out of date: class samples paused until re-discovery');
    this.#planStale = true;
    this.#classReadings.clear();
    this.#subReadings.clear();
    this.#want(reason);
  }

  /** Per-class LinkSamples of every planned link and direction. */
  #classSamples(
    reads: ReadonlyMap<string, InterfaceRead>,
    classReads: ClassReads | undefined,
    capacities: ReadonlyMap<string, number>,
    atMs: number,
  ): LinkSample[] {
    const plan = this.#plan;
    if (!plan || this.#planStale) return [];
    const maxGapMs = MAX_GAP_INTERVALS * this.#opts.collector.intervalMs;
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
    if (missing) {
      this.#stalePlan('stats-missing', {});
      return [];
    }
    const subNames = new Set<string>();
    for (const g of plan.groups) for (const m of g.members) if (m.kind === 'interface') subNames.add(m.ifName);
    for (const ifName of subNames) {
      const curr = reads.get(ifName)?.reading;
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
    const linkById = new Map(this.#links.map((l) => [l.id, l]));
    for (const group of plan.groups) {
      const link = linkById.get(group.link);
      const capacityBps = capacities.get(group.link);
      if (!link || capacityBps === undefined) continue;
      const sample = this.#groupSample(group, measured, link, capacityBps, atMs);
      if (sample) links.push(sample);
    }
    return links;
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
    const check = checkRate(rates.postBitsPerSecond, capacityBps, this.#opts.collector.maxUtilization);
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

  #noteReboot(sysUpTimeCs: number | undefined, atMs: number): void {
    const last = this.#lastUptime;
    if (sysUpTimeCs === undefined) {
      this.#lastUptime = undefined;
      return;
    }
    this.#lastUptime = { cs: sysUpTimeCs, atMs };
    if (!last) return;
    const verdict = uptimeVerdict(last.cs, sysUpTimeCs, atMs - last.atMs);
    if (verdict.kind === 'rebooted') {
      this.#want('reboot');
      this.#log.warn({ previousSysUpTimeCs: last.cs, sysUpTimeCs }, 'device restarted: no samples for this interval');
    } else if (verdict.wrapped) {
      this.#log.info({ previousSysUpTimeCs: last.cs, sysUpTimeCs }, 'sysUpTime wrapped (not a restart)');
    }
  }

  #noteDiscontinuity(reason: Discontinuity, link: LinkConfig, prev: CounterReading | undefined, curr: CounterReading): void {
    // First readings are expected; a restart is logged once per device by #noteReboot.
    if (reason === 'first-reading' || reason === 'reboot') return;
    const fields = { link: link.id, ifName: link.ifName, reason, previousIfIndex: prev?.ifIndex, ifIndex: curr.ifIndex };
    if (reason === 'gap-too-long') this.#log.info(fields, 'gap since last reading too long: starting fresh');
    else {
      const admitted = this.#limiter.admit(`discontinuity:${link.id}`);
      if (admitted) this.#log.warn({ ...fields, suppressed: admitted.suppressed }, 'counter discontinuity: no sample for this interval');
    }
  }

  /** Reads every interface row that has an ifName, keyed by ifName; updates the ifIndex map. */
  #readInterfaces(rows: Rows, atMs: number, sysUpTimeCs: number | undefined): Map<string, InterfaceRead> {
    const byName = new Map<string, InterfaceRead>();
    const indexToName = new Map<string, string>();
    for (const [ifIndex, row] of rows) {
      const ifName = asText(row.get(OID.ifName));
      if (ifName === undefined) continue;
      indexToName.set(ifIndex, ifName);
      const before = this.#indexToName.get(ifIndex);
      if (before !== undefined && before !== ifName && this.#links.some((l) => l.ifName === ifName || l.ifName === before)) {
        this.#log.info({ ifIndex, ifName, previousIfName: before }, 'ifIndex now names another interface');
      }
      if (byName.has(ifName)) {
        this.#reportOnce(`duplicate:${ifName}`, { ifName, ifIndex }, 'two interfaces share an ifName: using the first');
        continue;
      }
      const hcIn = asCounter(row.get(OID.ifHCInOctets));
      const hcOut = asCounter(row.get(OID.ifHCOutOctets));
      const lowIn = asCounter(row.get(OID.ifInOctets));
      const lowOut = asCounter(row.get(OID.ifOutOctets));
      const hasHc = hcIn !== undefined && hcOut !== undefined;
      const common = {
        atMs,
        sysUpTimeCs,
        ifIndex,
        discontinuityTimeCs: asNumber(row.get(OID.ifCounterDiscontinuityTime)),
        inErrors: asCounter(row.get(OID.ifInErrors)),
        outErrors: asCounter(row.get(OID.ifOutErrors)),
      };
      let reading: CounterReading | undefined;
      if (hasHc) reading = { ...common, counterBits: 64, inOctets: hcIn, outOctets: hcOut };
      else if (lowIn !== undefined && lowOut !== undefined) reading = { ...common, counterBits: 32, inOctets: lowIn, outOctets: lowOut };
      byName.set(ifName, {
        ifIndex,
        reading,
        operUp: asNumber(row.get(OID.ifOperStatus)) === 1,
        ifHighSpeedMbps: asNumber(row.get(OID.ifHighSpeed)),
        hasHc,
      });
    }
    this.#indexToName = indexToName;
    return byName;
  }
}
