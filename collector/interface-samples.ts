// Interface samples of one router: from the IF-MIB rows of successive polls to LinkSamples
// (class `total`, both directions, or the one an end of a two-ended link measures) and
// InterfaceSamples for the router's configured links, under the counter rules of
// collector/rates.ts. Keeps the last good reading per ifName, the
// ifIndex → ifName map and the last sysUpTime (to tell a restart), and whether the 32-bit
// octet columns are needed. No I/O: the poller hands it the rows it read.
import type { Logger } from 'pino';
import type { LinkConfig } from '../config/schema.ts';
import { LogLimiter } from './log-limiter.ts';
import type { PollerMetrics } from './metrics.ts';
import {
  bitsPerSecondOf,
  capacityBpsOf,
  checkRate,
  measureInterval,
  uptimeVerdict,
  MAX_GAP_INTERVALS,
  type CounterReading,
  type Discontinuity,
} from './rates.ts';
import type { InterfaceSample, LinkSample } from './samples.ts';
import { asCounter, asNumber, asText, type Rows, type WalkPage } from './snmp/index.ts';
import { IF_MIB, POLL_COLUMNS, POLL_FALLBACK_COLUMNS, SNMPV2_MIB } from './snmp/if-mib.ts';
import { isSubinterfaceOf } from './qos/plan.ts';
import { measuredDirections } from './link-ends.ts';

/** One interface as read at one poll. */
export interface InterfaceRead {
  ifIndex: string;
  /**
   * Undefined when the row has no octet counters (neither 64- nor 32-bit), or is neither a
   * link's interface nor one of its sub-interfaces (not read).
   */
  reading: CounterReading | undefined;
  operUp: boolean;
  ifHighSpeedMbps: number | undefined;
  hasHc: boolean;
}

/** What one poll's rows give. */
export interface InterfaceRound {
  /** Every interface row that has an ifName, by ifName (the first row of a duplicated name). */
  reads: Map<string, InterfaceRead>;
  links: LinkSample[];
  interfaces: InterfaceSample[];
  /** The capacity of every configured link whose capacity is known, by link id. */
  capacities: Map<string, number>;
  /** The agent restarted since the previous poll (its sysUpTime says so). */
  rebooted: boolean;
}

export interface InterfaceSamplerOptions {
  device: string;
  /** The configured links on this router. */
  links: readonly LinkConfig[];
  intervalMs: number;
  /** A rate above this share of capacity is invalid (not stored). */
  maxUtilization: number;
  /** The router's logger (its `device` field set). */
  log: Logger;
  now: () => number;
  metrics?: Pick<PollerMetrics, 'sampleDropped'>;
}

export class InterfaceSampler {
  readonly #opts: InterfaceSamplerOptions;
  readonly #log: Logger;
  /** Last good reading per ifName (the baseline of the next interval). */
  readonly #readings = new Map<string, CounterReading>();
  /** ifIndex → ifName as of the last poll. */
  #indexToName = new Map<string, string>();
  /** Problems already logged (once per problem until it clears). */
  readonly #reported = new Set<string>();
  /** Repeated warnings (invalid rates, discontinuities): one line per link per 10 minutes. */
  readonly #limiter: LogLimiter;
  /** The links' interface names. */
  readonly #linkNames: ReadonlySet<string>;
  /** Whether the 32-bit octet columns are needed: unknown until the first poll. */
  #needFallback: boolean | undefined;
  #lastUptime: { cs: number; atMs: number } | undefined;

  constructor(opts: InterfaceSamplerOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#limiter = new LogLimiter(10 * 60_000, opts.now);
    this.#linkNames = new Set(opts.links.map((l) => l.ifName));
  }

  /** The columns the next poll reads: the 32-bit octets too until every link is known to have 64-bit ones. */
  columns(): readonly string[] {
    return this.#needFallback === false ? POLL_COLUMNS : [...POLL_COLUMNS, ...POLL_FALLBACK_COLUMNS];
  }

  /** ifIndex → ifName as of the last poll. */
  get ifNames(): ReadonlyMap<string, string> {
    return this.#indexToName;
  }

  /**
   * The samples of one poll's rows. `atMs` and `sysUpTimeCs`: the device's clock at one answer
   * (to tell a restart), and every row's unless `rowPages` gives the answer that carried it
   * (its receive time and sysUpTime: a row's Δt and time come from its own answer).
   * `readFallback`: the rows include the 32-bit octet columns.
   */
  sample(rows: Rows, atMs: number, sysUpTimeCs: number | undefined, readFallback: boolean, rowPages?: ReadonlyMap<string, WalkPage>): InterfaceRound {
    const rebooted = this.#noteReboot(sysUpTimeCs, atMs);
    const reads = this.#readInterfaces(rows, atMs, sysUpTimeCs, rowPages);
    const capacities = new Map<string, number>();
    const links: LinkSample[] = [];
    const interfaces: InterfaceSample[] = [];
    const maxGapMs = MAX_GAP_INTERVALS * this.#opts.intervalMs;
    let needFallback = false;

    for (const link of this.#opts.links) {
      const found = reads.get(link.ifName);
      if (!found) {
        this.#readings.delete(link.ifName);
        this.#reportOnce(`missing:${link.id}`, { link: link.id, ifName: link.ifName }, 'link interface not found on device');
        continue;
      }
      this.#cleared('missing', link.id);
      if (!found.hasHc) needFallback = true;
      const curr = found.reading;
      if (!curr) {
        this.#readings.delete(link.ifName);
        // Without the 32-bit columns in this poll, the next poll reads them before judging.
        if (readFallback) this.#reportOnce(`counters:${link.id}`, { link: link.id, ifName: link.ifName }, 'interface has no octet counters');
        continue;
      }
      this.#cleared('counters', link.id);
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
      } else this.#cleared('capacity', link.id);

      const byDir = { down: link.downIs === 'out' ? outBps : inBps, up: link.downIs === 'out' ? inBps : outBps };
      let allValid = true;
      // A two-ended link's ends each give one direction (collector/link-ends.ts).
      for (const dir of measuredDirections(link)) {
        const bitsPerSecond = byDir[dir];
        const check = checkRate(bitsPerSecond, capacityBps, this.#opts.maxUtilization);
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
        device: this.#opts.device,
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
    return { reads, links, interfaces, capacities, rebooted };
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

  /** Notes sysUpTime; true when the agent restarted since the last poll. */
  #noteReboot(sysUpTimeCs: number | undefined, atMs: number): boolean {
    const last = this.#lastUptime;
    if (sysUpTimeCs === undefined) {
      this.#lastUptime = undefined;
      return false;
    }
    this.#lastUptime = { cs: sysUpTimeCs, atMs };
    if (!last) return false;
    const verdict = uptimeVerdict(last.cs, sysUpTimeCs, atMs - last.atMs);
    if (verdict.kind === 'rebooted') {
      this.#log.warn({ previousSysUpTimeCs: last.cs, sysUpTimeCs }, 'device restarted: no samples for this interval');
      return true;
    }
    if (verdict.wrapped) this.#log.info({ previousSysUpTimeCs: last.cs, sysUpTimeCs }, 'sysUpTime wrapped (not a restart)');
    return false;
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

  /** A link's interface or one of its per-service sub-interfaces: the rows whose counters are read. */
  #relevant(ifName: string): boolean {
    if (this.#linkNames.has(ifName)) return true;
    const dot = ifName.lastIndexOf('.');
    if (dot <= 0) return false;
    const parent = ifName.slice(0, dot);
    return this.#linkNames.has(parent) && isSubinterfaceOf(ifName, parent);
  }

  /**
   * Reads every interface row that has an ifName, keyed by ifName (counters only for the links'
   * interfaces and their sub-interfaces; the others are known by name and ifIndex); updates the
   * ifIndex map.
   */
  #readInterfaces(rows: Rows, atMs: number, sysUpTimeCs: number | undefined, rowPages: ReadonlyMap<string, WalkPage> | undefined): Map<string, InterfaceRead> {
    const byName = new Map<string, InterfaceRead>();
    const indexToName = new Map<string, string>();
    for (const [ifIndex, row] of rows) {
      const ifName = asText(row.get(IF_MIB.ifName));
      if (ifName === undefined) continue;
      indexToName.set(ifIndex, ifName);
      const before = this.#indexToName.get(ifIndex);
      if (before !== undefined && before !== ifName && (this.#linkNames.has(ifName) || this.#linkNames.has(before))) {
        this.#log.info({ ifIndex, ifName, previousIfName: before }, 'ifIndex now names another interface');
      }
      if (byName.has(ifName)) {
        this.#reportOnce(`duplicate:${ifName}`, { ifName, ifIndex }, 'two interfaces share an ifName: using the first');
        continue;
      }
      if (!this.#relevant(ifName)) {
        byName.set(ifName, { ifIndex, reading: undefined, operUp: false, ifHighSpeedMbps: undefined, hasHc: false });
        continue;
      }
      const hcIn = asCounter(row.get(IF_MIB.ifHCInOctets));
      const hcOut = asCounter(row.get(IF_MIB.ifHCOutOctets));
      const hasHc = hcIn !== undefined && hcOut !== undefined;
      const inOctets = hasHc ? hcIn : asCounter(row.get(IF_MIB.ifInOctets));
      const outOctets = hasHc ? hcOut : asCounter(row.get(IF_MIB.ifOutOctets));
      let reading: CounterReading | undefined;
      if (inOctets !== undefined && outOctets !== undefined) {
        const page = rowPages?.get(ifIndex);
        reading = {
          atMs: page ? page.atMs : atMs,
          sysUpTimeCs: page ? asNumber(page.scalars.get(SNMPV2_MIB.sysUpTime)) : sysUpTimeCs,
          ifIndex,
          counterBits: hasHc ? 64 : 32,
          inOctets,
          outOctets,
          discontinuityTimeCs: asNumber(row.get(IF_MIB.ifCounterDiscontinuityTime)),
          inErrors: asCounter(row.get(IF_MIB.ifInErrors)),
          outErrors: asCounter(row.get(IF_MIB.ifOutErrors)),
        };
      }
      byName.set(ifName, {
        ifIndex,
        reading,
        operUp: asNumber(row.get(IF_MIB.ifOperStatus)) === 1,
        ifHighSpeedMbps: asNumber(row.get(IF_MIB.ifHighSpeed)),
        hasHc,
      });
    }
    this.#indexToName = indexToName;
    return byName;
  }

}
