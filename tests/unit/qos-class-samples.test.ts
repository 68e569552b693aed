// ClassSampler.sample: a plan (built by buildQosPlan from a hand-written discovery), two polls'
// class counters and interface rows → per-class LinkSamples; baselines kept, pruned, cleared.
import { describe, expect, it } from 'vitest';
import type { DiscoveredInterface, QosClass } from '../../collector/discovery/index.ts';
import type { InterfaceRead } from '../../collector/interface-samples.ts';
import { countsAsDropped, type DropCounters, type DropReason, type PollerMetrics } from '../../collector/metrics.ts';
import { ClassSampler, type ClassReads } from '../../collector/qos/class-samples.ts';
import type { ClassReading } from '../../collector/qos/counters.ts';
import { buildQosPlan, type QosPlan } from '../../collector/qos/plan.ts';
import type { LinkConfig } from '../../config/schema.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { ciscoClass, discoveredInterface, discoveryOf, planLink, testClassifier } from '../helpers/qos-fixture.ts';

class DropRecorder implements PollerMetrics {
  readonly drops: string[] = [];
  sampleDropped(reason: DropReason, counters: DropCounters): void {
    if (countsAsDropped(reason)) this.drops.push(`${counters}:${reason}`);
  }
}

const link = (id: string, ifName: string): LinkConfig => planLink(id, ifName, { province: 'hue', capacityBps: 10_000_000 });
const iface = (ifIndex: number, ifName: string, ifAlias?: string): DiscoveredInterface => discoveredInterface(ifIndex, ifName, ifAlias, 10);

const links = [link('cb', 'Gi0/1'), link('sub', 'Gi0/2')];
/** Gi0/1: CBQoS output (down) classes DOCEX, VIDEO-A + VIDEO-B (one group), class-default; Gi0/2: sub-interfaces. */
function planOf(classes: QosClass[] = defaultClasses()): QosPlan {
  const discovery = discoveryOf([iface(1, 'Gi0/1'), iface(2, 'Gi0/2'), iface(20, 'Gi0/2.300', 'video'), iface(21, 'Gi0/2.400', 'internet')], classes);
  return buildQosPlan({ device: 'r1', discovery, links, classifier: testClassifier });
}
function defaultClasses(): QosClass[] {
  return [
    ciscoClass(1, 'output', 'OUT/DOCEX', '7.1', { configuredBandwidth: { value: 2_000, unit: 'kbps' } }),
    ciscoClass(1, 'output', 'OUT/VIDEO-A', '7.2', { configuredBandwidth: { value: 10, unit: 'percent' } }),
    ciscoClass(1, 'output', 'OUT/VIDEO-B', '7.3'),
    ciscoClass(1, 'output', 'OUT/class-default', '7.4'),
  ];
}

function sampler() {
  const { log, lines } = captureLog();
  const metrics = new DropRecorder();
  const s = new ClassSampler({ links, intervalMs: 10_000, maxUtilization: 1.1, log, now: () => 0, metrics });
  return { s, lines, metrics };
}

const T0 = 1_700_000_000_000;
const capacities = new Map([
  ['cb', 10_000_000],
  ['sub', 10_000_000],
]);

/** Class readings by statsIndex: [post, pre, drop] octets. */
function readsOf(plan: QosPlan, atMs: number, uptimeCs: number, octets: Record<string, [bigint, bigint, bigint] | undefined>): ClassReads {
  const reads: ClassReads = new Map();
  for (const m of plan.counterMembers) {
    const statsIndex = m.key.split(':').at(-1)!;
    const o = octets[statsIndex];
    const reading: ClassReading | undefined = o && { atMs, sysUpTimeCs: uptimeCs, postOctets: o[0], preOctets: o[1], dropOctets: o[2] };
    reads.set(m, reading);
  }
  return reads;
}

/** Interface rows of the two sub-interfaces (out octets carry `down`). */
function subs(atMs: number, uptimeCs: number, videoOut: bigint, internetOut: bigint): Map<string, InterfaceRead> {
  const read = (ifIndex: string, out: bigint): InterfaceRead => ({
    ifIndex,
    reading: { atMs, sysUpTimeCs: uptimeCs, ifIndex, counterBits: 64, inOctets: 0n, outOctets: out },
    operUp: true,
    ifHighSpeedMbps: 10,
    hasHc: true,
  });
  return new Map([
    ['Gi0/1', read('1', 0n)],
    ['Gi0/2', read('2', 0n)],
    ['Gi0/2.300', read('20', videoOut)],
    ['Gi0/2.400', read('21', internetOut)],
  ]);
}

const brief = (s: { link: string; dir: string; class: string; bitsPerSecond: number; prePolicyBitsPerSecond?: number; dropBitsPerSecond?: number; reservedBps?: number }) =>
  `${s.link} ${s.dir} ${s.class} post=${s.bitsPerSecond} pre=${s.prePolicyBitsPerSecond ?? '-'} drop=${s.dropBitsPerSecond ?? '-'} reserved=${s.reservedBps ?? '-'}`;

describe('per-class rates', () => {
  it('first poll sets baselines; the second gives every group: post, pre, drops, the router reservation; members summed', () => {
    const plan = planOf();
    const { s, metrics } = sampler();
    const first = s.sample(plan, subs(T0, 1_000, 0n, 0n), readsOf(plan, T0, 1_000, { '7.1': [0n, 0n, 0n], '7.2': [0n, 0n, 0n], '7.3': [0n, 0n, 0n], '7.4': [0n, 0n, 0n] }), capacities, T0);
    expect(first).toEqual({ links: [], statsMissing: false });
    const second = s.sample(
      plan,
      subs(T0 + 10_000, 2_000, 125_000n, 250_000n),
      readsOf(plan, T0 + 10_000, 2_000, {
        '7.1': [12_500n, 13_750n, 1_250n],
        '7.2': [25_000n, 25_000n, 0n],
        '7.3': [12_500n, 12_500n, 0n],
        '7.4': [500_000n, 625_000n, 125_000n],
      }),
      capacities,
      T0 + 10_000,
    );
    expect(second.statsMissing).toBe(false);
    expect(second.links.map(brief).sort()).toEqual([
      'cb down docex post=10000 pre=11000 drop=1000 reserved=2000000',
      'cb down internet post=400000 pre=500000 drop=100000 reserved=-',
      // VIDEO-A (10 % of 10 Mbit/s reserved) + VIDEO-B.
      'cb down video post=30000 pre=30000 drop=0 reserved=1000000',
      'sub down internet post=200000 pre=- drop=- reserved=-',
      'sub down video post=100000 pre=- drop=- reserved=-',
      // The sub-interfaces carry both directions of a link without classes (in octets: up).
      'sub up internet post=0 pre=- drop=- reserved=-',
      'sub up video post=0 pre=- drop=- reserved=-',
    ]);
    expect(second.links.every((l) => l.atMs === T0 + 10_000 && l.intervalMs === 10_000 && l.capacityBps === 10_000_000)).toBe(true);
    expect(second.links.find((l) => l.link === 'cb' && l.class === 'internet')?.utilization).toBe(0.04);
    expect(metrics.drops).toEqual([]);
  });

  it('without class counters this poll (not read), only the sub-interface groups have samples', () => {
    const plan = planOf();
    const { s } = sampler();
    s.sample(plan, subs(T0, 1_000, 0n, 0n), undefined, capacities, T0);
    const round = s.sample(plan, subs(T0 + 10_000, 2_000, 125_000n, 0n), undefined, capacities, T0 + 10_000);
    expect(round.links.map((l) => `${l.link} ${l.dir} ${l.class}`).sort()).toEqual(['sub down internet', 'sub down video', 'sub up internet', 'sub up video']);
  });

  it('a link without a known capacity has no class samples', () => {
    const plan = planOf();
    const { s } = sampler();
    const only = new Map([['sub', 10_000_000]]);
    s.sample(plan, subs(T0, 1_000, 0n, 0n), undefined, only, T0);
    expect(s.sample(plan, subs(T0 + 10_000, 2_000, 1n, 1n), undefined, only, T0 + 10_000).links.every((l) => l.link === 'sub')).toBe(true);
  });
});

describe('no sample rather than a wrong one', () => {
  it('one member going back leaves its whole group without a sample, the others unaffected', () => {
    const plan = planOf();
    const { s, metrics, lines } = sampler();
    const zero: [bigint, bigint, bigint] = [0n, 0n, 0n];
    s.sample(plan, subs(T0, 1_000, 0n, 0n), readsOf(plan, T0, 1_000, { '7.1': zero, '7.2': [100n, 100n, 0n], '7.3': zero, '7.4': zero }), capacities, T0);
    const round = s.sample(
      plan,
      subs(T0 + 10_000, 2_000, 0n, 0n),
      readsOf(plan, T0 + 10_000, 2_000, { '7.1': [10n, 10n, 0n], '7.2': [50n, 50n, 0n], '7.3': [10n, 10n, 0n], '7.4': [10n, 10n, 0n] }),
      capacities,
      T0 + 10_000,
    );
    expect(round.links.filter((l) => l.link === 'cb').map((l) => l.class).sort()).toEqual(['docex', 'internet']);
    expect(metrics.drops).toEqual(['class:counter-went-back']);
    expect(lines.filter((l) => l.msg === 'qos counter discontinuity: no sample for this interval').length).toBe(1);
  });

  it('a restart (sysUpTime) gives no class sample', () => {
    const plan = planOf();
    const { s, metrics } = sampler();
    const zero: [bigint, bigint, bigint] = [0n, 0n, 0n];
    const all = { '7.1': zero, '7.2': zero, '7.3': zero, '7.4': zero };
    s.sample(plan, subs(T0, 900_000, 0n, 0n), readsOf(plan, T0, 900_000, all), capacities, T0);
    const round = s.sample(plan, subs(T0 + 10_000, 300, 0n, 0n), readsOf(plan, T0 + 10_000, 300, all), capacities, T0 + 10_000);
    expect(round.links).toEqual([]);
    expect(metrics.drops.filter((d) => d === 'class:reboot').length).toBe(6);
  });

  it('a class over the link capacity is refused and counted', () => {
    const plan = planOf();
    const { s, metrics } = sampler();
    const zero: [bigint, bigint, bigint] = [0n, 0n, 0n];
    s.sample(plan, subs(T0, 1_000, 0n, 0n), readsOf(plan, T0, 1_000, { '7.1': zero, '7.2': zero, '7.3': zero, '7.4': zero }), capacities, T0);
    const round = s.sample(
      plan,
      subs(T0 + 10_000, 2_000, 0n, 0n),
      readsOf(plan, T0 + 10_000, 2_000, { '7.1': zero, '7.2': zero, '7.3': zero, '7.4': [20_000_000n, 20_000_000n, 0n] }),
      capacities,
      T0 + 10_000,
    );
    expect(round.links.some((l) => l.class === 'internet' && l.link === 'cb')).toBe(false);
    expect(metrics.drops).toEqual(['class:over-capacity']);
  });

  it('a statistics row that was there and is gone: statsMissing; one never there: logged once, not measured', () => {
    const plan = planOf();
    const { s, lines } = sampler();
    const zero: [bigint, bigint, bigint] = [0n, 0n, 0n];
    s.sample(plan, subs(T0, 1_000, 0n, 0n), readsOf(plan, T0, 1_000, { '7.1': zero, '7.2': zero, '7.3': zero }), capacities, T0);
    const again = s.sample(plan, subs(T0 + 10_000, 2_000, 0n, 0n), readsOf(plan, T0 + 10_000, 2_000, { '7.1': zero, '7.2': zero, '7.3': zero }), capacities, T0 + 10_000);
    expect(again.statsMissing).toBe(false);
    expect(again.links.some((l) => l.class === 'internet' && l.link === 'cb')).toBe(false);
    expect(lines.filter((l) => l.msg === 'qos class has no statistics row: not measured').length).toBe(1);
    const gone = s.sample(plan, subs(T0 + 20_000, 3_000, 0n, 0n), readsOf(plan, T0 + 20_000, 3_000, { '7.1': zero, '7.3': zero }), capacities, T0 + 20_000);
    expect(gone).toEqual({ links: [], statsMissing: true });
  });
});

describe('baselines across plans', () => {
  it('keepOnly forgets members a new plan lacks; clear forgets all', () => {
    const plan = planOf();
    const { s } = sampler();
    const all = (k: bigint): Record<string, [bigint, bigint, bigint]> => ({ '7.1': [k, k, 0n], '7.2': [k, k, 0n], '7.3': [k, k, 0n], '7.4': [k, k, 0n] });
    s.sample(plan, subs(T0, 1_000, 0n, 0n), readsOf(plan, T0, 1_000, all(0n)), capacities, T0);
    // A plan without DOCEX: its baseline is forgotten, so when DOCEX is back it starts afresh.
    s.keepOnly(planOf(defaultClasses().filter((c) => c.className !== 'DOCEX')));
    const round = s.sample(plan, subs(T0 + 10_000, 2_000, 1_250n, 1_250n), readsOf(plan, T0 + 10_000, 2_000, all(1_250n)), capacities, T0 + 10_000);
    expect(round.links.filter((l) => l.dir === 'down').map((l) => `${l.link} ${l.class}`).sort()).toEqual(['cb internet', 'cb video', 'sub internet', 'sub video']);
    s.clear();
    const cleared = s.sample(plan, subs(T0 + 20_000, 3_000, 2_500n, 2_500n), readsOf(plan, T0 + 20_000, 3_000, all(2_500n)), capacities, T0 + 20_000);
    expect(cleared.links).toEqual([]);
  });
});
