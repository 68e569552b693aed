// InterfaceSampler: IF-MIB rows of successive polls → link totals (both directions) and
// interface samples, under the counter rules; rows are built as the SNMP layer returns them.
import { describe, expect, it } from 'vitest';
import { InterfaceSampler } from '../../collector/interface-samples.ts';
import { countsAsDropped, type DropCounters, type DropReason, type PollerMetrics } from '../../collector/metrics.ts';
import { IF_MIB, POLL_COLUMNS, POLL_FALLBACK_COLUMNS, SNMPV2_MIB } from '../../collector/snmp/if-mib.ts';
import type { SnmpValue } from '../../collector/snmp/index.ts';
import type { LinkConfig } from '../../config/schema.ts';
import { tableOf } from '../helpers/column-table.ts';
import { captureLog } from '../helpers/log-capture.ts';

class DropRecorder implements PollerMetrics {
  readonly drops: string[] = [];
  sampleDropped(reason: DropReason, counters: DropCounters): void {
    if (countsAsDropped(reason)) this.drops.push(`${counters}:${reason}`);
  }
}

const link = (id: string, ifName: string, extra: Partial<LinkConfig> = {}): LinkConfig => ({
  id,
  tier: 2,
  province: 'ha-noi',
  router: 'r1',
  ifName,
  downIs: 'out',
  capacityBps: 100_000_000,
  ...extra,
});

interface Row {
  ifIndex: number;
  ifName?: string;
  hcIn?: bigint;
  hcOut?: bigint;
  in32?: bigint;
  out32?: bigint;
  speedMbps?: number;
  oper?: number;
  inErrors?: bigint;
  outErrors?: bigint;
  discontinuityCs?: number;
}

const allColumns = [...POLL_COLUMNS, ...POLL_FALLBACK_COLUMNS];

/** The varbinds of `rows` as a walk returns them: column by column, each in row order. */
function rowsOf(rows: Row[]): Array<[string, SnmpValue]> {
  const varbinds: Array<[string, SnmpValue]> = [];
  for (const r of rows) {
    const put = (column: string, value: SnmpValue | undefined) => {
      if (value !== undefined) varbinds.push([`${column}.${r.ifIndex}`, value]);
    };
    put(IF_MIB.ifName, r.ifName === undefined ? undefined : Buffer.from(r.ifName));
    put(IF_MIB.ifHCInOctets, r.hcIn);
    put(IF_MIB.ifHCOutOctets, r.hcOut);
    put(IF_MIB.ifInOctets, r.in32);
    put(IF_MIB.ifOutOctets, r.out32);
    put(IF_MIB.ifHighSpeed, r.speedMbps);
    put(IF_MIB.ifOperStatus, r.oper ?? 1);
    put(IF_MIB.ifInErrors, r.inErrors);
    put(IF_MIB.ifOutErrors, r.outErrors);
    put(IF_MIB.ifCounterDiscontinuityTime, r.discontinuityCs);
  }
  const column = (oid: string) => allColumns.findIndex((c) => oid.startsWith(`${c}.`));
  return varbinds.sort(([a], [b]) => column(a) - column(b));
}

/** One poll of `sampler`: `varbinds` walked into a table, every row answered at `atMs` with sysUpTime `sysUpTimeCs`. */
function sampleOf(sampler: InterfaceSampler, varbinds: Array<[string, SnmpValue]>, atMs: number, sysUpTimeCs: number | undefined, readFallback: boolean) {
  const page = { atMs, scalars: new Map<string, SnmpValue>(sysUpTimeCs === undefined ? [] : [[SNMPV2_MIB.sysUpTime, sysUpTimeCs]]) };
  return sampler.sample(tableOf(allColumns, varbinds, page), atMs, sysUpTimeCs, readFallback);
}

function sampler(links: LinkConfig[], extra: { intervalMs?: number; maxUtilization?: number } = {}) {
  const { log, lines } = captureLog();
  const metrics = new DropRecorder();
  const s = new InterfaceSampler({
    device: 'r1',
    links,
    intervalMs: extra.intervalMs ?? 10_000,
    maxUtilization: extra.maxUtilization ?? 1.1,
    log,
    now: () => 0,
    metrics,
  });
  return { s, lines, metrics };
}

const T0 = 1_700_000_000_000;

describe('rates from two polls', () => {
  it.each([
    // downIs, in octets Δ, out octets Δ, expected down bps, expected up bps
    ['out', 1_250_000n, 2_500_000n, 2_000_000, 1_000_000],
    ['in', 1_250_000n, 2_500_000n, 1_000_000, 2_000_000],
  ] as const)('downIs=%s: Δin %s, Δout %s over 10 s → down %d bps, up %d bps', (downIs, dIn, dOut, down, up) => {
    const { s } = sampler([link('l1', 'Gi0/1', { downIs })]);
    const first = sampleOf(s, rowsOf([{ ifIndex: 3, ifName: 'Gi0/1', hcIn: 1_000n, hcOut: 5_000n, inErrors: 1n, outErrors: 0n }]), T0, 100_000, true);
    expect(first.links).toEqual([]);
    expect(first.interfaces).toEqual([]);
    expect([...first.reads.keys()]).toEqual(['Gi0/1']);
    const second = sampleOf(s, 
      rowsOf([{ ifIndex: 3, ifName: 'Gi0/1', hcIn: 1_000n + dIn, hcOut: 5_000n + dOut, inErrors: 4n, outErrors: 0n }]),
      T0 + 10_000,
      101_000,
      false,
    );
    expect(second.links.map((l) => [l.dir, l.class, l.bitsPerSecond, l.utilization, l.intervalMs, l.capacityBps])).toEqual([
      ['down', 'total', down, down / 100_000_000, 10_000, 100_000_000],
      ['up', 'total', up, up / 100_000_000, 10_000, 100_000_000],
    ]);
    expect(second.interfaces).toEqual([
      {
        atMs: T0 + 10_000,
        intervalMs: 10_000,
        device: 'r1',
        ifName: 'Gi0/1',
        province: 'ha-noi',
        inBps: Number(dIn) * 0.8,
        outBps: Number(dOut) * 0.8,
        operUp: true,
        inErrors: 3,
        outErrors: 0,
      },
    ]);
    expect(second.capacities).toEqual(new Map([['l1', 100_000_000]]));
  });

  it('Δt comes from sysUpTime when it agrees with the wall clock', () => {
    const { s } = sampler([link('l1', 'Gi0/1')]);
    sampleOf(s, rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 0n }]), T0, 50_000, true);
    // 10.4 s of wall time, 10.0 s of agent uptime: 1,000,000 octets → 800 kbit/s on 10 s.
    const round = sampleOf(s, rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 1_000_000n }]), T0 + 10_400, 51_000, false);
    expect(round.links[0]?.intervalMs).toBe(10_000);
    expect(round.links[0]?.bitsPerSecond).toBe(800_000);
  });

  it('capacity from ifHighSpeed when the link has none; unknown capacity gives an interface sample only', () => {
    const { s, lines } = sampler([link('a', 'Gi0/1', { capacityBps: undefined }), link('b', 'Gi0/2', { capacityBps: undefined })]);
    const rows = (k: bigint) =>
      rowsOf([
        { ifIndex: 1, ifName: 'Gi0/1', hcIn: k, hcOut: k, speedMbps: 1_000 },
        { ifIndex: 2, ifName: 'Gi0/2', hcIn: k, hcOut: k, speedMbps: 0 },
      ]);
    sampleOf(s, rows(0n), T0, undefined, true);
    const round = sampleOf(s, rows(125_000n), T0 + 10_000, undefined, false);
    expect(round.links.map((l) => `${l.link} ${l.dir} ${l.capacityBps}`)).toEqual(['a down 1000000000', 'a up 1000000000']);
    expect(round.interfaces.map((i) => `${i.ifName} ${i.inBps}`)).toEqual(['Gi0/1 100000', 'Gi0/2 100000']);
    expect(round.capacities).toEqual(new Map([['a', 1_000_000_000]]));
    expect(lines.filter((l) => String(l.msg).startsWith('link capacity unknown')).map((l) => l.link)).toEqual(['b']);
  });
});

describe('no sample, never a spike', () => {
  it.each([
    ['a reboot', { uptime2: 500 }, 'reboot', true],
    ['an ifIndex now naming the interface', { ifIndex2: 9 }, 'ifindex-changed', false],
    ['a changed discontinuity time', { disc2: 77 }, 'discontinuity-time', false],
    ['a 64-bit counter going back', { out2: 10n }, 'counter-went-back', false],
    ['a gap over 3 intervals', { dtMs: 30_001 }, 'gap-too-long', false],
  ] as const)('%s', (_name, change, reason, rebooted) => {
    const { s, metrics } = sampler([link('l1', 'Gi0/1')]);
    const c = change as { uptime2?: number; ifIndex2?: number; disc2?: number; out2?: bigint; dtMs?: number };
    sampleOf(s, rowsOf([{ ifIndex: 3, ifName: 'Gi0/1', hcIn: 100n, hcOut: 100n, discontinuityCs: 5 }]), T0, 1_000_000, true);
    const round = sampleOf(s, 
      rowsOf([{ ifIndex: c.ifIndex2 ?? 3, ifName: 'Gi0/1', hcIn: 200n, hcOut: c.out2 ?? 200n, discontinuityCs: c.disc2 ?? 5 }]),
      T0 + (c.dtMs ?? 10_000),
      c.uptime2 ?? 1_000_000 + (c.dtMs ?? 10_000) / 10,
      false,
    );
    expect(round.links).toEqual([]);
    expect(round.interfaces).toEqual([]);
    expect(round.rebooted).toBe(rebooted);
    expect(metrics.drops).toEqual([`interface:${reason}`]);
    // The reading is the next baseline: the following interval has its sample.
    const next = sampleOf(s, 
      rowsOf([{ ifIndex: c.ifIndex2 ?? 3, ifName: 'Gi0/1', hcIn: 1_450n, hcOut: (c.out2 ?? 200n) + 1_250n, discontinuityCs: c.disc2 ?? 5 }]),
      T0 + (c.dtMs ?? 10_000) + 10_000,
      (c.uptime2 ?? 1_000_000 + (c.dtMs ?? 10_000) / 10) + 1_000,
      false,
    );
    expect(next.links.map((l) => l.bitsPerSecond)).toEqual([1_000, 1_000]);
  });

  it('over capacity: neither direction nor the interface is stored, and the drop is counted', () => {
    const { s, metrics, lines } = sampler([link('l1', 'Gi0/1', { capacityBps: 1_000_000 })]);
    sampleOf(s, rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 0n }]), T0, undefined, true);
    // out: 1.2 Mbit/s on a 1 Mbit/s link (over 110 %); in: 0.
    const round = sampleOf(s, rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 1_500_000n }]), T0 + 10_000, undefined, false);
    expect(round.links.map((l) => l.dir)).toEqual(['up']);
    expect(round.interfaces).toEqual([]);
    expect(metrics.drops).toEqual(['interface:over-capacity']);
    expect(lines.filter((l) => l.msg === 'rate invalid: no sample').map((l) => [l.dir, l.reason])).toEqual([['down', 'over-capacity']]);
  });
});

describe('what the device has', () => {
  it('reads the 32-bit octets until every link is known to have 64-bit ones', () => {
    const { s } = sampler([link('l1', 'Gi0/1'), link('l2', 'Gi0/2')]);
    expect(s.columns()).toEqual([...POLL_COLUMNS, ...POLL_FALLBACK_COLUMNS]);
    sampleOf(s, rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 0n }, { ifIndex: 2, ifName: 'Gi0/2', in32: 0n, out32: 0n }]), T0, 1_000, true);
    expect(s.columns()).toEqual([...POLL_COLUMNS, ...POLL_FALLBACK_COLUMNS]);
    const round = sampleOf(s, 
      rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 1_250n }, { ifIndex: 2, ifName: 'Gi0/2', in32: 0n, out32: 2_500n }]),
      T0 + 10_000,
      2_000,
      true,
    );
    expect(round.links.filter((l) => l.dir === 'down').map((l) => `${l.link} ${l.bitsPerSecond}`)).toEqual(['l1 1000', 'l2 2000']);
    const { s: hcOnly } = sampler([link('l1', 'Gi0/1')]);
    sampleOf(hcOnly, rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 0n }]), T0, 1_000, true);
    expect(hcOnly.columns()).toEqual(POLL_COLUMNS);
  });

  it('a missing link interface is logged once until it comes back; two rows named alike: the first counts', () => {
    const { s, lines } = sampler([link('gone', 'Gi0/9'), link('l1', 'Gi0/1')]);
    const rows = (k: bigint) =>
      rowsOf([
        { ifIndex: 1, ifName: 'Gi0/1', hcIn: k, hcOut: k },
        { ifIndex: 2, ifName: 'Gi0/1', hcIn: 999_999n, hcOut: 999_999n },
      ]);
    sampleOf(s, rows(0n), T0, undefined, true);
    const round = sampleOf(s, rows(1_250n), T0 + 10_000, undefined, false);
    expect(round.links.map((l) => `${l.link} ${l.bitsPerSecond}`)).toEqual(['l1 1000', 'l1 1000']);
    expect(round.reads.get('Gi0/1')?.ifIndex).toBe('1');
    expect(lines.filter((l) => l.msg === 'link interface not found on device').length).toBe(1);
    expect(lines.filter((l) => l.msg === 'two interfaces share an ifName: using the first').length).toBe(1);
    expect(s.ifNames).toEqual(new Map([['1', 'Gi0/1'], ['2', 'Gi0/1']]));
  });

  it('rows that moved (one added before them) are known by ifIndex: only an ifIndex that names another link interface is logged', () => {
    const { s, lines } = sampler([link('l1', 'Gi0/1'), link('l2', 'Gi0/2')]);
    sampleOf(s, rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 0n }, { ifIndex: 2, ifName: 'Gi0/2', hcIn: 0n, hcOut: 0n }]), T0, undefined, true);
    sampleOf(
      s,
      rowsOf([
        { ifIndex: 0, ifName: 'Lo0', hcIn: 0n, hcOut: 0n },
        { ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 0n },
        { ifIndex: 2, ifName: 'Gi0/3', hcIn: 0n, hcOut: 0n },
      ]),
      T0 + 10_000,
      undefined,
      false,
    );
    expect(s.ifNames).toEqual(new Map([['0', 'Lo0'], ['1', 'Gi0/1'], ['2', 'Gi0/3']]));
    expect(lines.filter((l) => l.msg === 'ifIndex now names another interface').map((l) => `${l.ifIndex}:${l.previousIfName}→${l.ifName}`)).toEqual(['2:Gi0/2→Gi0/3']);
  });

  it('the ifIndex map follows a renumbering and says so for a link interface', () => {
    const { s, lines } = sampler([link('l1', 'Gi0/1')]);
    sampleOf(s, rowsOf([{ ifIndex: 1, ifName: 'Gi0/1', hcIn: 0n, hcOut: 0n }, { ifIndex: 2, ifName: 'Gi0/2', hcIn: 0n, hcOut: 0n }]), T0, undefined, true);
    sampleOf(s, rowsOf([{ ifIndex: 1, ifName: 'Gi0/2', hcIn: 0n, hcOut: 0n }, { ifIndex: 2, ifName: 'Gi0/1', hcIn: 0n, hcOut: 0n }]), T0 + 10_000, undefined, false);
    expect(s.ifNames).toEqual(new Map([['1', 'Gi0/2'], ['2', 'Gi0/1']]));
    expect(lines.filter((l) => l.msg === 'ifIndex now names another interface').map((l) => `${l.ifIndex}:${l.previousIfName}→${l.ifName}`)).toEqual([
      '1:Gi0/1→Gi0/2',
      '2:Gi0/2→Gi0/1',
    ]);
  });
});
