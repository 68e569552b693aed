// The life of one router's QoS plan: discovered inline at the first poll (so that poll's class
// readings are the baselines), afterwards in the background every `rediscoverIntervalMs`,
// after a restart, an ifIndex change, a change of the sub-interfaces or statistics keys that
// went missing; a plan found in the background is adopted at the start of the next poll. Until
// then the old plan keeps being polled, except after signs that its indexes now name other rows
// (ifIndex change, missing statistics keys, sub-interfaces changed): it is then stale, and its
// class samples pause until the new plan (never a sample from a class that may be another now).
// A failed discovery keeps the previous plan and is retried after min(rediscoverIntervalMs,
// 5 intervals). The discovery itself (SNMP) comes in as a function.
import type { Logger } from 'pino';
import type { LinkConfig } from '../../config/schema.ts';
import { LogLimiter } from '../log-limiter.ts';
import type { QosClassMapping } from '../samples.ts';
import type { OpenSession } from '../snmp/index.ts';
import { isSubinterfaceOf, type QosPlan } from './plan.ts';

/** Default re-discovery period. */
export const DEFAULT_REDISCOVER_INTERVAL_MS = 3_600_000;

/** Why a new discovery is wanted. */
export type RediscoverReason = 'first-poll' | 'schedule' | 'reboot' | 'ifindex-changed' | 'subinterfaces-changed' | 'stats-missing';

/** Where a discovery reads: the poll's open session (inline), or its own session to `address` (background). */
export type PlanSource = { open: Pick<OpenSession, 'session' | 'target'> } | { address: string };

export interface QosPlanLifecycleOptions {
  /** Discovers the device and builds its plan; rejects when the device cannot be read. */
  discover: (source: PlanSource) => Promise<QosPlan>;
  /** The router's logger (its `device` field set). */
  log: Logger;
  now: () => number;
  intervalMs: number;
  rediscoverIntervalMs?: number;
  /** Called with each plan adopted (the class sampler drops members it no longer has). */
  onAdopt?: (plan: QosPlan) => void;
  /** Called when the plan turns stale (the class sampler forgets its baselines). */
  onStale?: () => void;
}

/** What a poll sees of an interface: its ifIndex now. */
export interface IndexedInterface {
  ifIndex: string;
}

/** No sub-interfaces. */
const noNames: readonly string[] = [];

export class QosPlanLifecycle {
  readonly #opts: QosPlanLifecycleOptions;
  readonly #log: Logger;
  /** Made when first needed (most routers never log). */
  #limiterOrUndefined: LogLimiter | undefined;
  #plan: QosPlan | undefined;
  /** Its indexes may name other rows now: no class samples until a new plan. */
  #stale = false;
  /** A plan discovered in the background, adopted at the start of the next poll. */
  #next: QosPlan | undefined;
  #discovering: Promise<void> | undefined;
  #lastFailedAtMs: number | undefined;
  /** The first reason seen since the last discovery started. */
  #wanted: RediscoverReason | undefined;
  /** Unmatched classes already logged, by className (once per device and name). */
  #unmatchedLogged: Set<string> | undefined;
  /** The links' interface names, for the links array a poller passes every poll (the last one seen). */
  #linkNames: { links: readonly LinkConfig[]; names: ReadonlySet<string> } | undefined;

  constructor(opts: QosPlanLifecycleOptions) {
    this.#opts = opts;
    this.#log = opts.log;
  }

  get #limiter(): LogLimiter {
    return (this.#limiterOrUndefined ??= new LogLimiter(10 * 60_000, this.#opts.now));
  }

  /** The plan in use, if any (stale or not). */
  get plan(): QosPlan | undefined {
    return this.#plan;
  }

  /** The plan whose counters this poll may read: none while stale. */
  get usable(): QosPlan | undefined {
    return this.#stale ? undefined : this.#plan;
  }

  get stale(): boolean {
    return this.#stale;
  }

  /** The reason a discovery is wanted for, if one is. */
  get wanted(): RediscoverReason | undefined {
    return this.#wanted;
  }

  get discovering(): boolean {
    return this.#discovering !== undefined;
  }

  get #rediscoverIntervalMs(): number {
    return this.#opts.rediscoverIntervalMs ?? DEFAULT_REDISCOVER_INTERVAL_MS;
  }

  /** Every class and sub-interface the current plan maps (empty before the first discovery). */
  mappings(): QosClassMapping[] {
    return this.#plan ? this.#plan.mappings.map((m) => ({ ...m })) : [];
  }

  /** Asks for a discovery (the first reason since the last one started is kept). */
  want(reason: RediscoverReason): void {
    this.#wanted ??= reason;
  }

  /** Resolves when no background discovery is running. */
  async idle(): Promise<void> {
    while (this.#discovering) await this.#discovering;
  }

  /**
   * At the start of a poll, over its open session: adopts a plan found in the background, or
   * discovers inline when there has never been a plan (and no discovery failed or runs).
   */
  async prepare(open: Pick<OpenSession, 'session' | 'target'>): Promise<void> {
    if (this.#next) {
      this.#adopt(this.#next);
      this.#next = undefined;
    }
    if (this.#plan || this.#discovering || this.#lastFailedAtMs !== undefined) return;
    this.#wanted = undefined;
    const plan = await this.#discover({ open }, 'first-poll');
    if (plan) this.#adopt(plan);
    else this.want('first-poll');
  }

  /**
   * Checks the plan against this poll's interfaces (by ifName): a link interface with another
   * ifIndex, or other sub-interfaces than planned, make it stale.
   */
  check(interfaces: ReadonlyMap<string, IndexedInterface>, links: readonly LinkConfig[]): void {
    const plan = this.#plan;
    if (!plan || links.length === 0) return;
    // The links' sub-interfaces by parent name, in one pass over the names.
    if (this.#linkNames?.links !== links) this.#linkNames = { links, names: new Set(links.map((l) => l.ifName)) };
    const linkNames = this.#linkNames.names;
    const subsOf = new Map<string, string[]>();
    for (const name of interfaces.keys()) {
      const dot = name.lastIndexOf('.');
      if (dot <= 0) continue;
      const parent = name.slice(0, dot);
      if (!linkNames.has(parent) || !isSubinterfaceOf(name, parent)) continue;
      const list = subsOf.get(parent);
      if (list) list.push(name);
      else subsOf.set(parent, [name]);
    }
    for (const link of links) {
      const planned = plan.linkIfIndexes.get(link.ifName);
      const found = interfaces.get(link.ifName);
      if (planned !== undefined && found && found.ifIndex !== String(planned)) {
        this.markStale('ifindex-changed', { link: link.id, ifName: link.ifName, plannedIfIndex: planned, ifIndex: found.ifIndex });
        return;
      }
      if (!found) continue;
      const subs = subsOf.get(link.ifName)?.sort() ?? noNames;
      const plannedSubs = plan.subinterfaces.get(link.ifName) ?? noNames;
      if (subs.length !== plannedSubs.length || (subs.length > 0 && subs.some((name, i) => name !== plannedSubs[i]))) {
        this.markStale('subinterfaces-changed', { link: link.id, ifName: link.ifName, subinterfaces: subs, planned: plannedSubs });
        return;
      }
    }
  }


  /** The plan's indexes may name other rows: its class samples pause and a discovery is wanted. */
  markStale(reason: RediscoverReason, fields: Record<string, unknown>): void {
    if (!this.#stale) this.#log.info({ ...fields, reason }, 'qos plan out of date: class samples paused until re-discovery');
    this.#stale = true;
    this.#opts.onStale?.();
    this.want(reason);
  }

  /** At the end of a poll: starts a background discovery over its own session when one is due. */
  maybeRediscover(address: string): void {
    if (this.#discovering) return;
    const nowMs = this.#opts.now();
    if (!this.#wanted && this.#plan && nowMs - this.#plan.atMs >= this.#rediscoverIntervalMs) this.want('schedule');
    const reason = this.#wanted;
    if (!reason) return;
    const failedAtMs = this.#lastFailedAtMs;
    const retryAfterMs = Math.min(this.#rediscoverIntervalMs, 5 * this.#opts.intervalMs);
    if (failedAtMs !== undefined && nowMs - failedAtMs < retryAfterMs) return;
    this.#wanted = undefined;
    this.#log.debug({ reason }, 'qos re-discovery started');
    this.#discovering = this.#discover({ address }, reason)
      .then((plan) => {
        if (plan) this.#next = plan;
      })
      .finally(() => {
        this.#discovering = undefined;
      });
  }

  /** Runs the discovery; logs (rate-limited) and returns undefined on failure. */
  async #discover(source: PlanSource, reason: RediscoverReason): Promise<QosPlan | undefined> {
    try {
      const plan = await this.#opts.discover(source);
      this.#lastFailedAtMs = undefined;
      return plan;
    } catch (err) {
      this.#lastFailedAtMs = this.#opts.now();
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

  #adopt(plan: QosPlan): void {
    const previous = this.#plan;
    this.#plan = plan;
    this.#stale = false;
    this.#opts.onAdopt?.(plan);
    // Built when read (collector/qos/plan.ts): read once.
    const mappings = plan.mappings;
    for (const m of mappings) {
      if (m.rule !== undefined || this.#unmatchedLogged?.has(m.className)) continue;
      (this.#unmatchedLogged ??= new Set()).add(m.className);
      this.#log.warn(
        { className: m.className, policyName: m.policyName, link: m.link, ifName: m.ifName, path: m.path, source: m.source },
        'qos class matches no class rule: counted as other',
      );
    }
    const fields = { groups: plan.groups.length, classes: mappings.length, counterClasses: plan.counterMembers.length };
    if (!previous) this.#log.debug(fields, 'qos plan ready');
    else this.#log.info(fields, 'qos plan replaced after re-discovery');
    for (const note of plan.notes) {
      const admitted = this.#limiter.admit(`plan-note:${note}`);
      if (admitted) this.#log.info({ note }, 'qos plan note');
    }
  }
}
