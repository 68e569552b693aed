// The simulated router MIB over the real traffic engine: CBQoS tables (index structure, names,
// queueing config, stats consistent with the interface counters), sub-interfaces, shared
// layouts, and the router events (reboot, renumber, 32-bit wrap).
import { describe, expect, it } from 'vitest';
import type { LinkConfig, RouterConfig } from '../../config/schema.ts';
import { inputPolicyName } from '../../simulator/mib/cbqos-mib.ts';
import { MibLayoutCache } from '../../simulator/mib/layout.ts';
import { RouterMib } from '../../simulator/mib/router-mib.ts';
import { buildRouterModel } from '../../simulator/mib/router-model.ts';
import { compareOids, formatOid, parseOid, startsWith, type Oid } from '../../simulator/mib/oid.ts';
import type { SnmpValue } from '../../simulator/mib/value.ts';
import { TrafficEngine } from '../../simulator/traffic/engine.ts';
import { resolveLinkQueues, resolveRouter, simulationDefaults, type QosStyle, type SimulationConfig } from '../../simulator/sim-config.ts';

const startMs = Date.UTC(2025, 6, 15, 3); // 10:00 in Vietnam
const seed = 5;

function network(qos: QosStyle, routerIds: string[] = ['r1']) {
  const sim: SimulationConfig = {
    ...simulationDefaults,
    routerDefaults: { ...simulationDefaults.routerDefaults, qos },
    links: Object.fromEntries(routerIds.map((id) => [`${id}-b`, { queues: { video: null } }])), // a protected class with no queue
  };
  const links: LinkConfig[] = routerIds.flatMap((router) =>
    ['Gi0/0/1', 'Gi0/0/0'].map((ifName, k) => ({
      id: `${router}-${k === 0 ? 'b' : 'a'}`,
      tier: 2 as const,
      province: 'hue',
      router,
      ifName,
      capacityBps: 50e6,
      downIs: 'out' as const,
    })),
  );
  const engine = new TrafficEngine({
    links: links.map((l) => ({ id: l.id, tier: 2, capacityBps: l.capacityBps!, qos, queues: resolveLinkQueues(sim, l.id), shares: sim.classShares.tier2 })),
    seed,
    startMs,
  });
  const layouts = new MibLayoutCache(seed);
  const mibs = routerIds.map((id) => {
    const router: RouterConfig = { id, address: '127.0.0.1:1', snmp: { version: '2c', community: 'c' } };
    const mine = links.filter((l) => l.router === id);
    const model = buildRouterModel({
      router,
      links: mine,
      sim: resolveRouter(sim, id),
      queues: new Map(mine.map((l) => [l.id, resolveLinkQueues(sim, l.id)])),
      seed,
      simulatedStartMs: startMs,
    });
    return new RouterMib({ router: model, engine, layouts });
  });
  return { mibs, engine, layouts, links };
}

/** Every varbind of a MIB at one instant, by OID text. */
function walk(mib: RouterMib, atMs: number): Map<string, SnmpValue> {
  const out = new Map<string, SnmpValue>();
  let cursor: Oid = [0, 0];
  let last: Oid | undefined;
  for (let next = mib.next(cursor, atMs); next; next = mib.next(cursor, atMs)) {
    if (last) expect(compareOids(last, next.oid)).toBeLessThan(0);
    out.set(formatOid(next.oid), next.value);
    last = next.oid;
    cursor = next.oid;
  }
  return out;
}
const num = (v: SnmpValue | undefined): bigint => {
  if (!v || v.type === 'octets' || v.type === 'oid') throw new Error(`not a number: ${JSON.stringify(v)}`);
  return BigInt(v.value);
};
const str = (v: SnmpValue | undefined): string => {
  if (!v || v.type !== 'octets') throw new Error(`not a string: ${JSON.stringify(v)}`);
  return v.value.toString();
};
/** Rows of a table column: index suffix → value. */
function column(all: Map<string, SnmpValue>, prefix: string): Map<string, SnmpValue> {
  const p = parseOid(prefix);
  const out = new Map<string, SnmpValue>();
  for (const [oid, value] of all) {
    const arcs = parseOid(oid);
    if (startsWith(arcs, p)) out.set(arcs.slice(p.length).join('.'), value);
  }
  return out;
}
const cb = '1.3.6.1.4.1.9.9.166.1';

describe('CBQoS tables', () => {
  const { mibs } = network('cbqos');
  const mib = mibs[0]!;
  const atMs = startMs + 3_600_000;
  const all = walk(mib, atMs);

  it('an output and an input policy per link interface, each with four class-maps; queues where configured', () => {
    const ifNames = column(all, '1.3.6.1.2.1.31.1.1.1.1');
    const policyIf = column(all, `${cb}.1.1.1.4`);
    const policyDir = column(all, `${cb}.1.1.1.3`);
    expect(policyIf.size).toBe(4);
    const seen = [...policyIf].map(([p, ifIndex]) => `${str(ifNames.get(String(num(ifIndex))))}/${num(policyDir.get(p))}`).sort();
    expect(seen).toEqual(['Gi0/0/0/1', 'Gi0/0/0/2', 'Gi0/0/1/1', 'Gi0/0/1/2']);
    const types = column(all, `${cb}.5.1.1.3`);
    const parents = column(all, `${cb}.5.1.1.4`);
    const configs = column(all, `${cb}.5.1.1.2`);
    const cmNames = column(all, `${cb}.7.1.1.1`);
    const pmNames = column(all, `${cb}.6.1.1.1`);
    const bandwidth = column(all, `${cb}.9.1.1.1`);
    const units = column(all, `${cb}.9.1.1.2`);
    for (const [p, ifIndex] of policyIf) {
      const objects = [...types].filter(([key]) => key.startsWith(`${p}.`));
      const policyObject = objects.filter(([, t]) => num(t) === 1n);
      expect(policyObject.length).toBe(1);
      const policyObjectIndex = policyObject[0]![0].split('.')[1]!;
      expect(num(parents.get(policyObject[0]![0]))).toBe(0n);
      expect(str(pmNames.get(String(num(configs.get(policyObject[0]![0])))))).toBe(num(policyDir.get(p)) === 2n ? 'WAN-OUT' : 'WAN-IN');
      const classes = objects.filter(([, t]) => num(t) === 2n);
      const names = classes.map(([key]) => str(cmNames.get(String(num(configs.get(key)))))).sort();
      expect(names).toEqual(['DOCEX', 'MGMT', 'VIDEO', 'class-default']);
      for (const [key] of classes) expect(String(num(parents.get(key)))).toBe(policyObjectIndex);
      // Queueing children: the configured bandwidth under its class.
      const queues = objects.filter(([, t]) => num(t) === 4n);
      const queued = new Map(
        queues.map(([key]) => {
          const parent = `${p}.${num(parents.get(key))}`;
          const config = String(num(configs.get(key)));
          return [str(cmNames.get(String(num(configs.get(parent))))), `${num(bandwidth.get(config))}/${num(units.get(config))}`];
        }),
      );
      const linkB = str(ifNames.get(String(num(ifIndex)))) === 'Gi0/0/1';
      expect(Object.fromEntries(queued)).toEqual({
        DOCEX: '20/2',
        ...(linkB ? {} : { VIDEO: '30/2' }),
        'class-default': '0/1',
        MGMT: '5/2',
      });
    }
  });

  it('stats: pre = post + drop per class, and Σ post of the output policy = ifHCOutOctets', () => {
    const policyIf = column(all, `${cb}.1.1.1.4`);
    const policyDir = column(all, `${cb}.1.1.1.3`);
    const pre = column(all, `${cb}.15.1.1.6`);
    const post = column(all, `${cb}.15.1.1.10`);
    const drop = column(all, `${cb}.15.1.1.17`);
    const preLow = column(all, `${cb}.15.1.1.5`);
    const preHigh = column(all, `${cb}.15.1.1.4`);
    expect(pre.size).toBe(16);
    for (const [key, value] of pre) {
      expect(num(value)).toBe(num(post.get(key)) + num(drop.get(key)));
      expect(num(value)).toBe((num(preHigh.get(key)) << 32n) + (num(preLow.get(key)) % 2n ** 32n));
    }
    for (const [p, ifIndex] of policyIf) {
      const sum = [...post].filter(([key]) => key.startsWith(`${p}.`)).reduce((s, [, v]) => s + num(v), 0n);
      const ifColumn = num(policyDir.get(p)) === 2n ? 10 : 6;
      expect(num(all.get(`1.3.6.1.2.1.31.1.1.1.${ifColumn}.${num(ifIndex)}`))).toBe(sum);
    }
  });

  it('counters grow with the engine between two instants', () => {
    const later = walk(mib, atMs + 60_000);
    const post = column(all, `${cb}.15.1.1.10`);
    const postLater = column(later, `${cb}.15.1.1.10`);
    for (const [key, value] of post) expect(num(postLater.get(key))).toBeGreaterThan(num(value));
  });

  it('the input policy name is derived from the output one', () => {
    expect(inputPolicyName('WAN-OUT')).toBe('WAN-IN');
    expect(inputPolicyName('QOS-POLICY')).toBe('QOS-POLICY-IN');
  });
});

describe('sub-interfaces', () => {
  const { mibs } = network('subinterfaces');
  const mib = mibs[0]!;
  const all = walk(mib, startMs + 600_000);

  it('one l2vlan sub-interface per class, named by suffix, alias naming the service; parent = Σ', () => {
    const names = column(all, '1.3.6.1.2.1.31.1.1.1.1');
    const byName = new Map([...names].map(([ifIndex, v]) => [str(v), ifIndex]));
    for (const [parent, link] of [
      ['Gi0/0/0', 'r1-a'],
      ['Gi0/0/1', 'r1-b'],
    ] as const) {
      let sumOut = 0n;
      let sumIn = 0n;
      for (const [suffix, service] of [
        [100, 'DOCEX'],
        [200, 'VIDEO'],
        [300, 'INTERNET'],
        [400, 'OTHER'],
      ] as const) {
        const ifIndex = byName.get(`${parent}.${suffix}`)!;
        expect(ifIndex, `${parent}.${suffix}`).toBeDefined();
        expect(num(all.get(`1.3.6.1.2.1.2.2.1.3.${ifIndex}`))).toBe(135n);
        expect(str(all.get(`1.3.6.1.2.1.31.1.1.1.18.${ifIndex}`))).toBe(`${service} [${link}]`);
        sumOut += num(all.get(`1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`));
        sumIn += num(all.get(`1.3.6.1.2.1.31.1.1.1.6.${ifIndex}`));
      }
      expect(num(all.get(`1.3.6.1.2.1.31.1.1.1.10.${byName.get(parent)}`))).toBe(sumOut);
      expect(num(all.get(`1.3.6.1.2.1.31.1.1.1.6.${byName.get(parent)}`))).toBe(sumIn);
    }
    expect(num(all.get('1.3.6.1.2.1.2.1.0'))).toBe(4n + 8n);
    expect([...all.keys()].some((oid) => oid.startsWith('1.3.6.1.4.1.9.9.166'))).toBe(false);
  });
});

describe('router events', () => {
  const ifHCOut = (mib: RouterMib, ifIndex: number, atMs: number): bigint => num(mib.get(parseOid(`1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`), atMs) as SnmpValue);
  const uptime = (mib: RouterMib, atMs: number): bigint => num(mib.get(parseOid('1.3.6.1.2.1.1.3.0'), atMs) as SnmpValue);

  it('routers of the same shape share a layout; a renumbered one gets another', () => {
    const { mibs, layouts } = network('cbqos', ['r1', 'r2']);
    expect(mibs[0]!.currentLayout).toBe(mibs[1]!.currentLayout);
    mibs[0]!.renumber(startMs + 1000);
    expect(mibs[0]!.currentLayout).not.toBe(mibs[1]!.currentLayout);
    expect(layouts.size).toBe(2);
  });

  it('reboot: sysUpTime and counters restart, ifCounterDiscontinuityTime is 0, and they grow again', () => {
    const { mibs } = network('cbqos');
    const mib = mibs[0]!;
    const t = startMs + 1_800_000;
    const ifIndex = mib.ifIndexOf('Gi0/0/0')!;
    expect(uptime(mib, t)).toBeGreaterThan(3n * 86_400n * 100n);
    const before = ifHCOut(mib, ifIndex, t);
    mib.reboot(t);
    expect(uptime(mib, t)).toBe(0n);
    expect(ifHCOut(mib, ifIndex, t)).toBe(0n);
    expect(ifHCOut(mib, ifIndex, t + 60_000)).toBeGreaterThan(0n);
    expect(ifHCOut(mib, ifIndex, t + 60_000)).toBeLessThan(before);
    expect(uptime(mib, t + 60_000)).toBe(6_000n);
    expect(mib.get(parseOid(`1.3.6.1.2.1.31.1.1.1.19.${ifIndex}`), t + 60_000)).toEqual({ type: 'timeTicks', value: 0n });
    expect(mib.bootCount()).toBe(1);
  });

  it('renumber: the same ifName gets another ifIndex, CBQoS policy indexes change, counters restart', () => {
    const { mibs } = network('cbqos');
    const mib = mibs[0]!;
    const t = startMs + 600_000;
    const namesBefore = [...column(walk(mib, t), '1.3.6.1.2.1.31.1.1.1.1')].map(([i, v]) => `${i}:${str(v)}`);
    const policiesBefore = [...column(walk(mib, t), `${cb}.1.1.1.4`).keys()];
    mib.renumber(t);
    const after = walk(mib, t + 1000);
    const namesAfter = [...column(after, '1.3.6.1.2.1.31.1.1.1.1')].map(([i, v]) => `${i}:${str(v)}`);
    expect(namesAfter.length).toBe(namesBefore.length);
    expect(namesAfter).not.toEqual(namesBefore);
    expect(namesAfter).toContain('1:Gi0'); // the management port keeps 1
    const policiesAfter = [...column(after, `${cb}.1.1.1.4`).keys()];
    expect(policiesAfter.filter((p) => policiesBefore.includes(p))).toEqual([]);
    expect(uptime(mib, t + 1000)).toBe(100n);
    // The policy on Gi0/0/0 points at its new ifIndex.
    const gi = mib.ifIndexOf('Gi0/0/0')!;
    expect(mib.router.interfaces.find((i) => i.ifName === 'Gi0/0/0')!.ifIndex).toBe(gi);
    expect([...column(after, `${cb}.1.1.1.4`).values()].filter((v) => num(v) === BigInt(gi)).length).toBe(2);
  });

  it('32-bit wrap: ifOutOctets jumps within ~20 s of traffic below 2^32 and wraps; 64-bit unaffected', () => {
    const { mibs } = network('cbqos');
    const mib = mibs[0]!;
    const t = startMs + 900_000;
    const ifIndex = mib.ifIndexOf('Gi0/0/0')!;
    const hcBefore = ifHCOut(mib, ifIndex, t);
    mib.setCounter32NearWrap(t);
    expect(ifHCOut(mib, ifIndex, t)).toBe(hcBefore);
    const out32 = (atMs: number): bigint => num(mib.get(parseOid(`1.3.6.1.2.1.2.2.1.16.${ifIndex}`), atMs) as SnmpValue) % 2n ** 32n;
    expect(out32(t)).toBeGreaterThan(2n ** 32n - 2n ** 28n);
    expect(out32(t + 120_000)).toBeLessThan(out32(t)); // wrapped within two minutes
    // 32-bit delta across the wrap = 64-bit delta.
    expect((out32(t + 120_000) - out32(t) + 2n ** 32n) % 2n ** 32n).toBe(ifHCOut(mib, ifIndex, t + 120_000) - hcBefore);
    expect(mib.get(parseOid(`1.3.6.1.2.1.31.1.1.1.19.${ifIndex}`), t + 1000)).toEqual({ type: 'timeTicks', value: num(mib.get(parseOid('1.3.6.1.2.1.1.3.0'), t) as SnmpValue) });
  });
});
