// Polls one router. Each poll is one GETBULK walk of sysUpTime.0 and the IF-MIB columns the
// links need (collector/snmp/if-mib.ts), then GETs of the planned QoS classes' byte counters,
// in one session; the parts that turn readings into samples keep their own state:
//   - InterfaceSampler (collector/interface-samples.ts): link totals and interface samples;
//   - QosPlanLifecycle (collector/qos/plan-lifecycle.ts): which counters measure which service
//     class of which link, discovered inline at the first poll and in the background after;
//   - ClassSampler (collector/qos/class-samples.ts): per-class samples from the class counters
//     and per-service sub-interfaces.
// Class counters are read with GET (batches of 10 classes × 3 OIDs plus sysUpTime.0, ~1.2 KB
// answers, 4 in flight): only the rows needed, whatever else the device has policies on, and a
// missing row answers noSuchInstance at once. A GETBULK of the three stats columns would need
// fewer requests on a router whose every policy is on a link, but walks every other policy's
// rows too (e.g. a control-plane policy of 50 classes).
import type { Logger } from 'pino';
import type { LinkConfig, RouterConfig, Settings } from '../config/schema.ts';
import { defaultClassRules, classRuleSchema } from '../config/schema.ts';
import { compileClassRules, type Classifier } from './classify.ts';
import { discoverDevice } from './discovery/index.ts';
import { InterfaceSampler } from './interface-samples.ts';
import type { PollerMetrics } from './metrics.ts';
import { ClassSampler, type ClassReads } from './qos/class-samples.ts';
import { buildQosPlan, type QosPlan } from './qos/plan.ts';
import { QosPlanLifecycle, type PlanSource } from './qos/plan-lifecycle.ts';
import type { PollBatch, PollOutcome, QosClassMapping } from './samples.ts';
import { openSession, readColumns, asNumber, SnmpError } from './snmp/index.ts';
import { IF_MIB, POLL_COLUMNS, SNMPV2_MIB } from './snmp/if-mib.ts';
import { AddressResolver } from './snmp/resolve.ts';

/** The OIDs a poll reads (kept under this name for the tests and benchmarks that import it). */
export const OID = { sysUpTime: SNMPV2_MIB.sysUpTime, ...IF_MIB } as const;

export { MAX_GAP_INTERVALS } from './rates.ts';
export { CLASSES_PER_GET, GETS_IN_FLIGHT } from './qos/class-samples.ts';
export { DEFAULT_REDISCOVER_INTERVAL_MS, type RediscoverReason } from './qos/plan-lifecycle.ts';

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
  /** The session of the poll in progress, so that abort() can close it. */
  #open: ReturnType<typeof openSession> | undefined;

  constructor(opts: DevicePollerOptions) {
    this.#router = opts.router;
    this.#opts = opts;
    this.device = opts.router.id;
    this.province = opts.router.province ?? '';
    const log = opts.log.child({ device: opts.router.id });
    this.#now = opts.now ?? Date.now;
    this.#resolver = new AddressResolver({ timeoutMs: opts.collector.timeoutMs, now: this.#now });
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

  /** Closes the session of a poll in progress: that poll ends at once as failed. */
  abort(): void {
    this.#open?.close();
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
            },
          );
    return buildQosPlan({ device: this.device, discovery, links: this.#opts.links, classifier });
  }

  /** Polls once. Never rejects: a failure is a PollOutcome with ok false (and no samples). */
  async poll(): Promise<PollBatch> {
    const startedAtMs = this.#now();
    const columns = this.#interfaces.columns();
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
        scalars: [SNMPV2_MIB.sysUpTime],
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
      const sysUpTimeCs = asNumber(read.scalars.get(SNMPV2_MIB.sysUpTime));

      await this.#plans.prepare(open);
      let classReads: ClassReads | undefined;
      const plan = this.#plans.usable;
      if (plan && plan.counterMembers.length > 0) {
        const classes = await this.#classes.read(open, plan.counterMembers);
        classReads = classes.reads;
        poll.varbinds += classes.varbinds;
      }

      const round = this.#interfaces.sample(read.rows, read.atMs, sysUpTimeCs, columns.length > POLL_COLUMNS.length);
      if (round.rebooted) this.#plans.want('reboot');
      this.#plans.check(round.reads, this.#opts.links);
      const links = round.links;
      const current = this.#plans.usable;
      if (current) {
        const classes = this.#classes.sample(current, round.reads, classReads, round.capacities, read.atMs);
        if (classes.statsMissing) this.#plans.markStale('stats-missing', {});
        else links.push(...classes.links);
      }
      this.#plans.maybeRediscover(address);
      return { poll, links, interfaces: round.interfaces };
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
}
