// Interface samples of one router: from the IF-MIB rows of successive polls to LinkSamples
// (class `total`, both directions, or the one an end of a two-ended link measures) and
// InterfaceSamples for the router's configured links, under the counter rules of
// collector/rates.ts. Keeps the last good reading per ifName, the last poll's rows (ifIndex
// and ifName texts by position) and the last sysUpTime (to tell a restart), and whether the
// 32-bit octet columns are needed. No I/O: the poller hands it the table its walk read.
import type { Logger } from 'pino';
import type { LinkConfig } from '../config/schema.ts';
import { LogLimiter, ProblemLog } from './log-limiter.ts';
import type { PollerMetrics } from './metrics.ts';
import {
  bitsPerSecondOf,
  capacityBpsOf,
  rateProblem,
  measureInterval,
  uptimeVerdict,
  MAX_GAP_INTERVALS,
  type CounterReading,
  type Discontinuity,
} from './rates.ts';
import type { InterfaceSample, LinkSample } from './samples.ts';
import { asCounter, asNumber, asText, type ColumnTable, type SnmpValue, type TableColumn } from './snmp/index.ts';
import { IF_MIB, POLL_COLUMNS, POLL_FALLBACK_COLUMNS, SNMPV2_MIB } from './snmp/if-mib.ts';
import { isSubinterfaceOf, sideOf } from './qos/plan.ts';
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

/** What a router's samplers (interfaces here, classes in collector/qos/class-samples.ts) are given. */
export interface SamplerOptions {
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

export interface InterfaceSamplerOptions extends SamplerOptions {
  device: string;
}

/** The columns a poll reads while some link lacks the 64-bit octets. */
const COLUMNS_WITH_FALLBACK: readonly string[] = [...POLL_COLUMNS, ...POLL_FALLBACK_COLUMNS];

/** The IF-MIB columns of a walk's table (undefined: not walked). */
interface InterfaceColumns {
  name: TableColumn | undefined;
  hcIn: TableColumn | undefined;
  hcOut: TableColumn | undefined;
  in32: TableColumn | undefined;
  out32: TableColumn | undefined;
  speed: TableColumn | undefined;
  oper: TableColumn | undefined;
  inErrors: TableColumn | undefined;
  outErrors: TableColumn | undefined;
  discontinuity: TableColumn | undefined;
}

/** Each walk table's IF-MIB columns (tables are lent from poll to poll: few, each laid out once). */
const layouts = new WeakMap<ColumnTable, InterfaceColumns>();

function interfaceColumnsOf(table: ColumnTable): InterfaceColumns {
  const known = layouts.get(table);
  if (known) return known;
  const col = (oid: string): TableColumn | undefined => table.columns[table.oids.indexOf(oid)];
  const layout: InterfaceColumns = {
    name: col(IF_MIB.ifName),
    hcIn: col(IF_MIB.ifHCInOctets),
    hcOut: col(IF_MIB.ifHCOutOctets),
    in32: col(IF_MIB.ifInOctets),
    out32: col(IF_MIB.ifOutOctets),
    speed: col(IF_MIB.ifHighSpeed),
    oper: col(IF_MIB.ifOperStatus),
    inErrors: col(IF_MIB.ifInErrors),
    outErrors: col(IF_MIB.ifOutErrors),
    discontinuity: col(IF_MIB.ifCounterDiscontinuityTime),
  };
  layouts.set(table, layout);
  return layout;
}

/** Whether `bytes` are the ASCII text `text` (an ifName as it was at the last poll). */
function isAsciiText(bytes: Buffer, text: string): boolean {
  if (bytes.length !== text.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80 || byte !== text.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The value of row `ifIndex` in `col` (`hint` first). A function of the module, not a closure
 * made per row: the row loop runs at every poll.
 */
function valueIn(col: TableColumn | undefined, ifIndex: string, hint: number): SnmpValue | undefined {
  return col?.get(ifIndex, hint);
}

/** The position of row `ifIndex` in `col` (`hint` first), -1 when absent. */
function rowIn(col: TableColumn | undefined, ifIndex: string, hint: number): number {
  return col ? col.find(ifIndex, hint) : -1;
}

export class InterfaceSampler {
  readonly #opts: InterfaceSamplerOptions;
  readonly #log: Logger;
  /** Last good reading per ifName (the baseline of the next interval). */
  readonly #readings = new Map<string, CounterReading>();
  /**
   * The last poll's ifName rows by position: each row's index and ifName texts (the same bytes
   * each poll: the same texts, none made), for `ifNames` and to tell an ifIndex renamed.
   */
  readonly #rowIndex: string[] = [];
  readonly #rowName: (string | undefined)[] = [];
  #rowCount = 0;
  // Made when first needed (most routers never log): a fleet's samplers hold no empty maps.
  #problemsOrUndefined: ProblemLog | undefined;
  #limiterOrUndefined: LogLimiter | undefined;
  /** The links' interface names. */
  readonly #linkNames: ReadonlySet<string>;
  /** Whether the 32-bit octet columns are needed: unknown until the first poll. */
  #needFallback: boolean | undefined;
  #lastUptime: { cs: number; atMs: number } | undefined;

  constructor(opts: InterfaceSamplerOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#linkNames = new Set(opts.links.map((l) => l.ifName));
  }

  /** Problems already logged (once per problem until it clears). */
  get #problems(): ProblemLog {
    return (this.#problemsOrUndefined ??= new ProblemLog(this.#log));
  }

  /** Repeated warnings (invalid rates, discontinuities): one line per link per 10 minutes. */
  get #limiter(): LogLimiter {
    return (this.#limiterOrUndefined ??= new LogLimiter(10 * 60_000, this.#opts.now));
  }

  /** The columns the next poll reads (one list each: a TablePool's key): the 32-bit octets too until every link is known to have 64-bit ones. */
  columns(): readonly string[] {
    return this.#needFallback === false ? POLL_COLUMNS : COLUMNS_WITH_FALLBACK;
  }

  /** The row index texts of the last poll's ifName column by position: readTable's hints. */
  get indexHints(): readonly (string | undefined)[] {
    return this.#rowIndex;
  }

  /** ifIndex → ifName as of the last poll (built when asked: no poll reads it). */
  get ifNames(): ReadonlyMap<string, string> {
    const names = new Map<string, string>();
    for (let p = 0; p < this.#rowCount; p++) {
      const ifName = this.#rowName[p];
      if (ifName !== undefined) names.set(this.#rowIndex[p]!, ifName);
    }
    return names;
  }

  /**
   * The samples of one poll's rows: a walk's table (readTable; each row's Δt and time from the
   * answer that carried its octet counters). `atMs` and `sysUpTimeCs`: the device's clock at
   * one answer (to tell a restart). `readFallback`: the rows include the 32-bit octet columns.
   */
  sample(table: ColumnTable, atMs: number, sysUpTimeCs: number | undefined, readFallback: boolean): InterfaceRound {
    const rebooted = this.#noteReboot(sysUpTimeCs, atMs);
    const reads = this.#readInterfaces(table);
    const capacities = new Map<string, number>();
    const links: LinkSample[] = [];
    const interfaces: InterfaceSample[] = [];
    const maxGapMs = MAX_GAP_INTERVALS * this.#opts.intervalMs;
    let needFallback = false;

    for (const link of this.#opts.links) {
      const found = reads.get(link.ifName);
      if (!found) {
        this.#readings.delete(link.ifName);
        this.#problems.once(`missing:${link.id}`, { link: link.id, ifName: link.ifName }, 'link interface not found on device');
        continue;
      }
      this.#problems.cleared('missing', link.id);
      if (!found.hasHc) needFallback = true;
      const curr = found.reading;
      if (!curr) {
        this.#readings.delete(link.ifName);
        // Without the 32-bit columns in this poll, the next poll reads them before judging.
        if (readFallback) this.#problems.once(`counters:${link.id}`, { link: link.id, ifName: link.ifName }, 'interface has no octet counters');
        continue;
      }
      this.#problems.cleared('counters', link.id);
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
        this.#problems.once(`capacity:${link.id}`, { link: link.id, ifName: link.ifName }, 'link capacity unknown (no capacityBps, ifHighSpeed 0): no link samples');
      } else this.#problems.cleared('capacity', link.id);

      let allValid = true;
      // A two-ended link's ends each give one direction (collector/link-ends.ts).
      for (const dir of measuredDirections(link)) {
        const bitsPerSecond = sideOf(dir, link.downIs) === 'out' ? outBps : inBps;
        const problem = rateProblem(bitsPerSecond, capacityBps, this.#opts.maxUtilization);
        if (problem) {
          allValid = false;
          this.#opts.metrics?.sampleDropped(problem, 'interface');
          const admitted = this.#limiter.admit(`invalid:${link.id}:${dir}`);
          if (admitted) {
            const utilization = problem === 'over-capacity' && capacityBps !== undefined ? bitsPerSecond / capacityBps : undefined;
            this.#log.warn(
              { link: link.id, ifName: link.ifName, dir, bitsPerSecond, capacityBps, utilization, reason: problem, suppressed: admitted.suppressed },
              'rate invalid: no sample',
            );
          }
          continue;
        }
        if (capacityBps === undefined) continue;
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
          utilization: bitsPerSecond / capacityBps,
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
        inErrors: outcome.inErrors ?? 0,
        outErrors: outcome.outErrors ?? 0,
      });
    }
    this.#needFallback = needFallback;
    return { reads, links, interfaces, capacities, rebooted };
  }

  /** Notes sysUpTime; true when the agent restarted since the last poll. */
  #noteReboot(sysUpTimeCs: number | undefined, atMs: number): boolean {
    const last = this.#lastUptime;
    if (sysUpTimeCs === undefined) {
      this.#lastUptime = undefined;
      return false;
    }
    if (!last) {
      this.#lastUptime = { cs: sysUpTimeCs, atMs };
      return false;
    }
    const previousCs = last.cs;
    const previousAtMs = last.atMs;
    // Updated in place: no object per poll outliving it.
    last.cs = sysUpTimeCs;
    last.atMs = atMs;
    const verdict = uptimeVerdict(previousCs, sysUpTimeCs, atMs - previousAtMs);
    if (verdict.kind === 'rebooted') {
      this.#log.warn({ previousSysUpTimeCs: previousCs, sysUpTimeCs }, 'device restarted: no samples for this interval');
      return true;
    }
    if (verdict.wrapped) this.#log.info({ previousSysUpTimeCs: previousCs, sysUpTimeCs }, 'sysUpTime wrapped (not a restart)');
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

  /** The text of the ifName at row position `p`: the last poll's while its bytes are the same. */
  #nameAt(p: number, value: SnmpValue | undefined): string | undefined {
    const last = this.#rowName[p];
    if (last !== undefined && Buffer.isBuffer(value) && isAsciiText(value, last)) return last;
    return asText(value);
  }

  /** Whether the ifName column has the last poll's row indexes at the same positions (a steady device). */
  #sameRows(names: TableColumn | undefined): boolean {
    const count = names?.count ?? 0;
    if (count !== this.#rowCount) return false;
    for (let p = 0; p < count; p++) if (names!.index[p] !== this.#rowIndex[p]) return false;
    return true;
  }

  /** The last poll's ifName of each ifIndex (rows that moved: rare, a new map then). */
  #lastNames(): Map<string, string> {
    const names = new Map<string, string>();
    for (let p = 0; p < this.#rowCount; p++) {
      const ifName = this.#rowName[p];
      if (ifName !== undefined && !names.has(this.#rowIndex[p]!)) names.set(this.#rowIndex[p]!, ifName);
    }
    return names;
  }

  /**
   * Reads every interface row that has an ifName, keyed by ifName (counters only for the links'
   * interfaces and their sub-interfaces; the others are known by name and ifIndex); updates the
   * ifIndex map. A row's counters are read against the answer that carried its octets (the
   * later of in and out).
   */
  #readInterfaces(table: ColumnTable): Map<string, InterfaceRead> {
    const cols = interfaceColumnsOf(table);
    const byName = new Map<string, InterfaceRead>();
    const names = cols.name;
    const count = names?.count ?? 0;
    // The last poll's names by position while the rows stay in place; by ifIndex when they moved.
    const moved = this.#sameRows(names) ? undefined : this.#lastNames();
    for (let p = 0; p < count; p++) {
      const ifIndex = names!.index[p]!;
      const ifName = this.#nameAt(p, names!.values[p]);
      const before = moved ? moved.get(ifIndex) : this.#rowName[p];
      this.#rowIndex[p] = ifIndex;
      this.#rowName[p] = ifName;
      if (ifName === undefined) continue;
      if (before !== undefined && before !== ifName && (this.#linkNames.has(ifName) || this.#linkNames.has(before))) {
        this.#log.info({ ifIndex, ifName, previousIfName: before }, 'ifIndex now names another interface');
      }
      if (byName.has(ifName)) {
        this.#problems.once(`duplicate:${ifName}`, { ifName, ifIndex }, 'two interfaces share an ifName: using the first');
        continue;
      }
      const read: InterfaceRead = { ifIndex, reading: undefined, operUp: false, ifHighSpeedMbps: undefined, hasHc: false };
      byName.set(ifName, read);
      if (!this.#relevant(ifName)) continue;
      const hcInAt = rowIn(cols.hcIn, ifIndex, p);
      const hcOutAt = rowIn(cols.hcOut, ifIndex, p);
      const hcIn = hcInAt < 0 ? undefined : asCounter(cols.hcIn!.values[hcInAt]);
      const hcOut = hcOutAt < 0 ? undefined : asCounter(cols.hcOut!.values[hcOutAt]);
      const hasHc = hcIn !== undefined && hcOut !== undefined;
      const inCol = hasHc ? cols.hcIn : cols.in32;
      const outCol = hasHc ? cols.hcOut : cols.out32;
      const inAt = hasHc ? hcInAt : rowIn(inCol, ifIndex, p);
      const outAt = hasHc ? hcOutAt : rowIn(outCol, ifIndex, p);
      const inOctets = hasHc ? hcIn : inAt < 0 ? undefined : asCounter(inCol!.values[inAt]);
      const outOctets = hasHc ? hcOut : outAt < 0 ? undefined : asCounter(outCol!.values[outAt]);
      if (inOctets !== undefined && outOctets !== undefined) {
        const inPage = inCol!.pages[inAt]!;
        const outPage = outCol!.pages[outAt]!;
        const page = outPage.atMs > inPage.atMs ? outPage : inPage;
        read.reading = {
          atMs: page.atMs,
          sysUpTimeCs: asNumber(page.scalars.get(SNMPV2_MIB.sysUpTime)),
          ifIndex,
          counterBits: hasHc ? 64 : 32,
          inOctets,
          outOctets,
          discontinuityTimeCs: asNumber(valueIn(cols.discontinuity, ifIndex, p)),
          inErrors: asCounter(valueIn(cols.inErrors, ifIndex, p)),
          outErrors: asCounter(valueIn(cols.outErrors, ifIndex, p)),
        };
      }
      read.operUp = asNumber(valueIn(cols.oper, ifIndex, p)) === 1;
      read.ifHighSpeedMbps = asNumber(valueIn(cols.speed, ifIndex, p));
      read.hasHc = hasHc;
    }
    this.#rowCount = count;
    // Rows gone since the last poll: their texts are not kept.
    if (this.#rowIndex.length > count) {
      this.#rowIndex.length = count;
      this.#rowName.length = count;
    }
    return byName;
  }
}
