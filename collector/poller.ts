// Polls one router: sysUpTime.0 plus the IF-MIB columns the links need, in one GETBULK walk
// per poll, and turns two successive readings into LinkSamples (class `total`, both
// directions) and InterfaceSamples for the router's configured links. Keeps the device's
// state: the last good reading per ifName and the ifIndex → ifName map.
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
import { openSession, readColumns, asCounter, asNumber, asText, SnmpError, type Rows } from './snmp/index.ts';

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

export interface DevicePollerOptions {
  router: RouterConfig;
  /** The configured links on this router. */
  links: readonly LinkConfig[];
  collector: Pick<Settings['collector'], 'intervalMs' | 'timeoutMs' | 'retries' | 'maxUtilization'>;
  log: Logger;
  now?: () => number;
  /** GETBULK max-repetitions (rows per column and request). */
  maxRepetitions?: number;
  /** Each retry waits this many times longer (net-snmp backoff). */
  backoff?: number;
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
      return { poll, ...this.#samples(read.rows, read.atMs, sysUpTimeCs, readFallback) };
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
  ): { links: LinkSample[]; interfaces: InterfaceSample[] } {
    this.#noteReboot(sysUpTimeCs, atMs);
    const reads = this.#readInterfaces(rows, atMs, sysUpTimeCs);
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
      const outcome = measureInterval(prev, curr, { maxGapMs, ...(capacityBps !== undefined ? { capacityBps } : {}) });
      if (!outcome.ok) {
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
    return { links, interfaces };
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
