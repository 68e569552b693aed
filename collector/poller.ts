// Polls one router (a router that no configured link is on is only probed: one GET of
// sysUpTime.0). Each poll is one GETBULK walk of the IF-MIB columns the links need
// (collector/snmp/if-mib.ts) with sysUpTime.0 in every request (each row is measured with the
// clock of the answer that carried it), and a walk of the planned QoS classes' byte counters,
// in one session; the parts that turn readings into samples keep their own state:
//   - InterfaceSampler (collector/interface-samples.ts): link totals and interface samples;
//   - QosPlanLifecycle (collector/qos/plan-lifecycle.ts): which counters measure which service
//     class of which link, discovered inline at the first poll and in the background after;
//   - ClassSampler (collector/qos/class-samples.ts): per-class samples from the class counters
//     and per-service sub-interfaces.
// Class counters are read by walking the three counter columns under each planned policy only
// (Cisco's policyIndex; Huawei's ifIndex.direction; Juniper's ifIndex): the rows needed and no
// other policy's (e.g. a control plane's 50 classes), one GETBULK for many policies, where a
// GET of each class would send every counter's OID in the request as well. When the class walk
// fits one request, both walks share their requests (jointRepetitions): a steady
// CBQoS router's poll is one datagram each way, not two (each costs the collector a send and
// wakes the router's agent). A Cisco plan's policies' cbQosPolicyDiscontinuityTime instances go
// with sysUpTime.0 as non-repeaters of the interface walk (one varbind each per request, read
// from the first answer: ClassSampler.policyTimeOids), not as a column walk, whose rows (every
// policy of the device) would raise the max-repetitions of every column of a joint request.
import type { Logger } from 'pino';
import type { LinkConfig, RouterConfig, Settings } from '../config/schema.ts';
import { defaultClassRules, classRuleSchema } from '../config/schema.ts';
import { compileClassRules, type Classifier } from './classify.ts';
import { discoverDevice } from './discovery/index.ts';
import { InterfaceSampler } from './interface-samples.ts';
import type { PollerMetrics } from './metrics.ts';
import { ClassSampler, type ClassRead, type ClassReads, type JoinableClassWalk } from './qos/class-samples.ts';
import { buildQosPlan, type QosPlan } from './qos/plan.ts';
import { QosPlanLifecycle, type PlanSource } from './qos/plan-lifecycle.ts';
import type { PollBatch, PollOutcome, QosClassMapping } from './samples.ts';
import { openSession, readTable, readTableWith, get, asNumber, SnmpError, V2cTransport, type ColumnTable, type ColumnWalk, type OpenSession } from './snmp/index.ts';
import { TablePool } from './snmp/read.ts';
import { IF_MIB, POLL_COLUMNS, SNMPV2_MIB } from './snmp/if-mib.ts';
import { AddressResolver } from './snmp/resolve.ts';

/** The OIDs a poll reads (kept under this name for the tests and benchmarks that import it). */
export const OID = { sysUpTime: SNMPV2_MIB.sysUpTime, ...IF_MIB } as const;

/** The scalar every request of an interface walk carries (one array for every poll). */
const SYS_UPTIME: readonly string[] = [SNMPV2_MIB.sysUpTime];
/** No policies' discontinuity times asked (one list for every walk without). */
const NO_POLICY_TIMES: readonly string[] = [];

/**
 * After an agent refused the policies' discontinuity times, how long its polls go without them
 * before asking again: a one-off error answer must not turn them off until a restart, and an
 * agent that always refuses them costs one refused request (answered again at once) this often.
 */
export const POLICY_TIMES_RETRY_MS = 3_600_000;

export { MAX_GAP_INTERVALS } from './rates.ts';
export { WALKS_PER_REQUEST, REQUESTS_IN_FLIGHT } from './qos/class-samples.ts';
export { DEFAULT_REDISCOVER_INTERVAL_MS, type RediscoverReason } from './qos/plan-lifecycle.ts';

/** Max-repetitions of an interface walk after one that found `rows` rows (25 before any). Pure. */
export function walkRepetitions(rows: number | undefined): number {
  if (rows === undefined) return 25;
  return Math.min(64, Math.max(2, rows + 1));
}

/**
 * Most varbinds a joint first request (interface and class columns × max-repetitions) may ask
 * for: at ~40 B a varbind (a Counter64 under a 12–17-arc OID), 1,400 fill ~56 KB, within one
 * answer of an agent at the largest UDP maxMsgSize (65,507: net-snmp's snmpd, the simulator).
 * Past it not even such an answer holds the page: it is trimmed and more requests follow anyway,
 * while the shorter walk's padding (its columns read past their end up to the longer walk's
 * repetitions) takes the room of rows. An agent with a small maxMsgSize (1,472) trims a joint
 * answer as it trims a separate walk's: every column keeps its first rows and goes on from there.
 */
export const MAX_JOINT_VARBINDS = 1_400;

/**
 * Max-repetitions of one GETBULK carrying both the interface walk and the class walk (the more
 * either asks alone), or undefined when that request, with its `nonRepeaters` (the scalars),
 * would ask for more than MAX_JOINT_VARBINDS (the walks then go out separately). Pure.
 */
export function jointRepetitions(
  interfaceColumns: number,
  interfaceRepetitions: number,
  classColumns: number,
  classRepetitions: number,
  nonRepeaters = 0,
): number | undefined {
  const repetitions = Math.max(interfaceRepetitions, classRepetitions);
  return nonRepeaters + (interfaceColumns + classColumns) * repetitions <= MAX_JOINT_VARBINDS ? repetitions : undefined;
}

/** Whether a walk's failure may be the agent's refusal of what it asked (an error status or an unusable answer), not the path to it. */
function refusedByAgent(err: unknown): boolean {
  return err instanceof SnmpError && (err.kind === 'request' || err.kind === 'response');
}

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
  /**
   * GETBULK max-repetitions of the interface walk (rows per column and request). Default: 25
   * at the first poll, then one more than the rows the last walk found (2–64), so that one
   * request reads every column to its end.
   */
  maxRepetitions?: number;
  /** Each retry waits this many times longer (net-snmp backoff). */
  backoff?: number;
  /** Counts samples a counter rule refused (collector/metrics.ts). */
  metrics?: PollerMetrics;
  /** The v2c client's sockets, shared by the collector's pollers; default: the poller's own. */
  transport?: V2cTransport;
  /** The interface walks' tables, shared by the collector's pollers; default: the poller's own. */
  tables?: TablePool;
}

export class DevicePoller {
  readonly device: string;
  readonly province: string;
  readonly #router: RouterConfig;
  readonly #opts: DevicePollerOptions;
  readonly #now: () => number;
  readonly #resolver: AddressResolver;
  readonly #interfaces: InterfaceSampler;
  readonly #classes: ClassSampler;
  readonly #plans: QosPlanLifecycle;
  /**
   * The device's session, kept from poll to poll (one UDP socket per device: no socket to
   * open and close per poll, and an SNMPv3 engine discovered once), closed after a failure
   * and reopened when the address resolves differently.
   */
  #session: { address: string; open: OpenSession } | undefined;
  /** Rows of the last interface walk (its max-repetitions follow them). */
  #interfaceRows: number | undefined;
  readonly #transport: V2cTransport;
  readonly #ownsTransport: boolean;
  readonly #tables: TablePool;
  /** The plan whose joint walk (interfaces and classes in one GETBULK) failed: its polls walk them apart. */
  #unjoinable: QosPlan | undefined;
  /**
   * The agent refused a walk asking the policies' discontinuity times (and took it without them):
   * until this time (ms epoch) this device's polls ask sysUpTime.0 only, whatever plan a
   * rediscovery brings; 0: never refused.
   */
  #policyTimesRefusedUntilMs = 0;
  readonly #log: Logger;

  constructor(opts: DevicePollerOptions) {
    this.#router = opts.router;
    this.#opts = opts;
    this.device = opts.router.id;
    this.province = opts.router.province ?? '';
    const log = opts.log.child({ device: opts.router.id });
    this.#log = log;
    this.#now = opts.now ?? Date.now;
    this.#resolver = new AddressResolver({ timeoutMs: opts.collector.timeoutMs, now: this.#now });
    this.#ownsTransport = opts.transport === undefined;
    this.#transport = opts.transport ?? new V2cTransport({ now: this.#now });
    this.#tables = opts.tables ?? new TablePool();
    const { intervalMs, maxUtilization } = opts.collector;
    const common = { links: opts.links, intervalMs, maxUtilization, log, now: this.#now, ...(opts.metrics ? { metrics: opts.metrics } : {}) };
    this.#interfaces = new InterfaceSampler({ ...common, device: this.device });
    this.#classes = new ClassSampler(common);
    const classifier = opts.classifier ?? compileClassRules(defaultClassRules.map((r) => classRuleSchema.parse(r)));
    this.#plans = new QosPlanLifecycle({
      discover: (source) => this.#discover(source, classifier),
      log,
      now: this.#now,
      intervalMs,
      ...(opts.collector.rediscoverIntervalMs !== undefined ? { rediscoverIntervalMs: opts.collector.rediscoverIntervalMs } : {}),
      onAdopt: (plan) => this.#classes.keepOnly(plan),
      onStale: () => this.#classes.clear(),
    });
  }

  /** Every class and sub-interface the current plan maps (empty before the first discovery). */
  qosMappings(): QosClassMapping[] {
    return this.#plans.mappings();
  }

  /** The plan in use, if any. */
  get qosPlan(): QosPlan | undefined {
    return this.#plans.plan;
  }

  /** Resolves when no background discovery is running (its plan is then adopted by the next poll). */
  idle(): Promise<void> {
    return this.#plans.idle();
  }

  /** ifIndex → ifName as of the last successful poll. */
  get ifNames(): ReadonlyMap<string, string> {
    return this.#interfaces.ifNames;
  }

  /** Closes the device's session: a poll in progress ends at once as failed; the next one opens a new session. */
  abort(): void {
    this.close();
  }

  /** Closes the device's session (and the poller's own socket), if open. Idempotent; a later poll opens a new one. */
  close(): void {
    const session = this.#session;
    this.#session = undefined;
    session?.open.close();
    if (this.#ownsTransport) this.#transport.close();
  }

  #sessionTo(address: string): OpenSession {
    if (this.#session?.address === address) return this.#session.open;
    this.close();
    const open = openSession(
      address,
      this.#router.snmp,
      { timeoutMs: this.#opts.collector.timeoutMs, retries: this.#opts.collector.retries, backoff: this.#opts.backoff ?? 1.5 },
      this.#transport,
    );
    this.#session = { address, open };
    return open;
  }

  async #discover(source: PlanSource, classifier: Classifier): Promise<QosPlan> {
    const discovery =
      'open' in source
        ? await discoverDevice(source.open, { now: this.#now, log: this.#opts.log })
        : await discoverDevice(
            { address: source.address, snmp: this.#router.snmp },
            {
              timing: { timeoutMs: this.#opts.collector.timeoutMs, retries: this.#opts.collector.retries, backoff: this.#opts.backoff ?? 1.5 },
              now: this.#now,
              log: this.#opts.log,
              transport: this.#transport,
            },
          );
    return buildQosPlan({ device: this.device, discovery, links: this.#opts.links, classifier });
  }

  /**
   * A router no configured link is on (e.g. the far end of links that are read at their near
   * end only): one GET of sysUpTime.0 says whether it answers; nothing else is read, nor its
   * QoS discovered.
   */
  async #probe(open: OpenSession, startedAtMs: number): Promise<PollBatch> {
    const answer = await get(open.session, open.target, [SNMPV2_MIB.sysUpTime], this.#now);
    return { poll: this.#outcome(startedAtMs, answer.atMs, 1), links: [], interfaces: [] };
  }

  /**
   * What the first request of `plan`'s interface walk asks besides sysUpTime.0 (in every
   * request: each row's clock): its policies' discontinuity times while asked (the plan's one
   * list, so read.ts encodes it once).
   */
  #policyTimesOf(plan: QosPlan | undefined): readonly string[] {
    return !plan || this.#now() < this.#policyTimesRefusedUntilMs ? NO_POLICY_TIMES : this.#classes.policyTimeOids(plan);
  }

  /**
   * The agent refused (`err`) a walk that asked the policies' discontinuity times and answered it
   * without them (an agent that errs on an object it lacks): this device's polls do not ask them
   * for POLICY_TIMES_RETRY_MS; its class rates go on without (the other counter rules hold).
   * Logged as a warning the first time, then at debug (an agent that always refuses them).
   */
  #stopPolicyTimes(err: unknown): void {
    const first = this.#policyTimesRefusedUntilMs === 0;
    this.#policyTimesRefusedUntilMs = this.#now() + POLICY_TIMES_RETRY_MS;
    const fields = { error: err instanceof Error ? err.message : String(err), retryInMs: POLICY_TIMES_RETRY_MS };
    const msg = `cbQosPolicyDiscontinuityTime not read from this device for ${POLICY_TIMES_RETRY_MS / 60_000} min, then asked again: class rates without it`;
    if (first) this.#log.warn(fields, msg);
    else this.#log.debug(fields, msg);
  }

  /** The interface walk and `joinable`'s class walk in shared GETBULKs, `firstScalars` in the first. */
  async #jointWalk(
    open: OpenSession,
    table: ColumnTable,
    joinable: JoinableClassWalk,
    maxRepetitions: number,
    firstScalars: readonly string[],
  ): Promise<{ read: ColumnWalk; classes: ClassRead }> {
    const classWalk = joinable.start();
    const [interfaceRead, classRead] = await readTableWith(open.session, open.target, table, { scalars: SYS_UPTIME, firstScalars, now: this.#now, maxRepetitions }, this.#interfaces.indexHints, [
      { columns: joinable.columns, sink: classWalk.sink },
    ]);
    return { read: interfaceRead!, classes: classWalk.finish(classRead!) };
  }

  /** A poll's outcome, answered at `atMs` (its last answer) or failed then. */
  #outcome(startedAtMs: number, atMs: number, varbinds: number, ok = true): PollOutcome {
    return { atMs, device: this.device, province: this.province, ok, latencyMs: Math.max(0, atMs - startedAtMs), varbinds };
  }

  /** The router's address with its host looked up; rejects with a socket SnmpError. */
  async #resolve(): Promise<string> {
    try {
      return await this.#resolver.resolve(this.#router.address);
    } catch (err) {
      throw new SnmpError('socket', this.#router.address, err instanceof Error ? err.message : String(err), { cause: err });
    }
  }

  /** Polls once. Never rejects: a failure is a PollOutcome with ok false (and no samples). */
  async poll(): Promise<PollBatch> {
    const startedAtMs = this.#now();
    let table: ColumnTable | undefined;
    let open: OpenSession | undefined;
    try {
      // An IP literal (or a name looked up lately) needs no wait: no promise at each poll.
      const address = this.#resolver.known(this.#router.address) ?? (await this.#resolve());
      open = this.#sessionTo(address);
      if (this.#opts.links.length === 0) return await this.#probe(open, startedAtMs);
      // The plan first (adopted, or discovered inline at the first poll); then the interface
      // walk and the class-counter walk go out together (one wake-up of the agent, not two).
      await this.#plans.prepare(open);
      const plan = this.#plans.usable;
      const withClasses = plan !== undefined && plan.counterMembers.length > 0;
      const interfaceRepetitions = this.#opts.maxRepetitions ?? walkRepetitions(this.#interfaceRows);
      table = this.#tables.acquire(this.#interfaces.columns());
      // One GETBULK for both walks when the class walk fits one request; their columns not
      // ended by it go on in the same requests.
      const joinable = withClasses && plan !== this.#unjoinable ? this.#classes.joinable(plan) : undefined;
      let times = withClasses ? this.#policyTimesOf(plan) : NO_POLICY_TIMES;
      // The first request is the largest: it carries the times.
      const jointReps = joinable && jointRepetitions(table.oids.length, interfaceRepetitions, joinable.columns.length, joinable.maxRepetitions, SYS_UPTIME.length + times.length);
      let read: ColumnWalk | undefined;
      let classes: ClassRead | undefined;
      if (joinable && jointReps !== undefined) {
        try {
          ({ read, classes } = await this.#jointWalk(open, table, joinable, jointReps, times));
        } catch (err) {
          // The class columns may be what the agent fails on (a CBQoS genErr, a table too slow
          // for the timeout): from now on this plan's polls walk them apart, where a class
          // failure costs only the classes. A timeout fails this poll (the agent may be down);
          // any other error is walked apart at once. What the agent refused may instead be the
          // policies' discontinuity times: the joint walk is asked once more without them, and
          // only if that fails too are the classes walked apart (the times kept: unproven).
          let refusal = err;
          if (times.length > 0 && refusedByAgent(err)) {
            try {
              ({ read, classes } = await this.#jointWalk(open, table, joinable, jointReps, NO_POLICY_TIMES));
              this.#stopPolicyTimes(err);
              times = NO_POLICY_TIMES;
            } catch (retryErr) {
              refusal = retryErr;
            }
          }
          if (!read) {
            this.#unjoinable = plan;
            if (!(refusal instanceof SnmpError) || refusal.kind === 'timeout') throw refusal;
          }
        }
      }
      if (!read) {
        const classesRead = withClasses ? this.#classes.read(open, plan) : undefined;
        try {
          try {
            read = await readTable(open.session, open.target, table, { scalars: SYS_UPTIME, firstScalars: times, now: this.#now, maxRepetitions: interfaceRepetitions }, this.#interfaces.indexHints);
          } catch (err) {
            // The policies' discontinuity times may be what the agent refuses: asked at once
            // without them (this poll is not lost), and by this device's polls no more.
            if (times.length === 0 || !refusedByAgent(err)) throw err;
            times = NO_POLICY_TIMES;
            read = await readTable(open.session, open.target, table, { scalars: SYS_UPTIME, now: this.#now, maxRepetitions: interfaceRepetitions }, this.#interfaces.indexHints);
            this.#stopPolicyTimes(err);
          }
        } catch (err) {
          await classesRead; // never rejects; the session is closed after it
          throw err;
        }
        classes = await classesRead;
      }
      this.#interfaceRows = read.maxRowsPerColumn;
      const poll = this.#outcome(startedAtMs, read.atMs, read.varbinds);
      const sysUpTimeCs = asNumber(read.scalars.get(SNMPV2_MIB.sysUpTime));
      let classReads: ClassReads | undefined;
      if (classes) {
        classReads = classes.reads;
        poll.varbinds += classes.varbinds;
      }

      // The restart check uses the first answer's clock; each row's Δt and time, its own answer's.
      const round = this.#interfaces.sample(table, read.scalarsAtMs, sysUpTimeCs, table.oids.length > POLL_COLUMNS.length);
      if (round.rebooted) this.#plans.want('reboot');
      this.#plans.check(round.reads, this.#opts.links);
      const links = round.links;
      const current = this.#plans.usable;
      if (current) {
        // The first answer's scalars hold the policies' discontinuity times when they were asked;
        // when not (refused, or none planned), no scalars: a time not asked is no evidence, while
        // one asked and not answered is (the policy row came or went).
        const classes = this.#classes.sample(current, round.reads, classReads, round.capacities, read.atMs, times.length > 0 ? read.scalars : undefined);
        if (classes.statsMissing) this.#plans.markStale('stats-missing', {});
        else links.push(...classes.links);
      }
      this.#plans.maybeRediscover(address);
      return { poll, links, interfaces: round.interfaces };
    } catch (err) {
      // A fresh socket (and, for SNMPv3, a fresh engine discovery) at the next poll.
      if (open && this.#session?.open === open) this.close();
      const poll = this.#outcome(startedAtMs, this.#now(), 0, false);
      const error = err instanceof SnmpError ? err : new SnmpError('socket', this.#router.address, String(err), { cause: err });
      poll.error = `${error.kind}: ${error.message}`;
      // A fault outside SNMP (a bug) has no kind: counted as `internal`, not as a socket error.
      if (err instanceof SnmpError) poll.errorKind = err.kind;
      return { poll, links: [], interfaces: [] };
    } finally {
      // The rows are read (or the poll failed): their values need not outlive the poll, nor the table.
      if (table) this.#tables.give(table);
    }
  }
}
