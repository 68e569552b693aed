// The national example (config/national, written by scripts/generate-national.ts): it is what
// the generator writes, it passes the config loader, the simulation config and the scenario
// loader, its counts are the real network's (checked against config/communes.json), every
// link is two-ended, and the loader names the key of every mistake a two-ended link can have.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadProvinces } from '../../config/load.ts';
import {
  kindLabels,
  loadCommunes,
  nationalDir,
  nationalFiles,
  nationalMisconfigurations,
  nationalPort,
  nationalUnits,
  unitQos,
  type UnitKind,
} from '../../scripts/generate-national.ts';
import { loadScenario } from '../../simulator/scenario/schema.ts';
import { loadSimulationConfig, resolveLinkQueues, resolveRouter, reservedBps } from '../../simulator/sim-config.ts';

const config = loadConfig(nationalDir, { env: {} });
const { topology } = config;
const simulation = loadSimulationConfig(nationalDir, topology);
const communes = loadCommunes();
const provinces = loadProvinces();
const tier1 = topology.links.filter((l) => l.tier === 1);
const tier2 = topology.links.filter((l) => l.tier === 2);
const routers = new Map(topology.routers.map((r) => [r.id, r]));

describe('the national example', () => {
  it('is what scripts/generate-national.ts writes, and the generator is deterministic', () => {
    const files = nationalFiles();
    expect(Object.keys(files).sort()).toEqual(['policies.yaml', 'scenarios/demo.yaml', 'settings.yaml', 'simulation.yaml', 'topology.yaml']);
    for (const [name, text] of Object.entries(files)) expect(readFileSync(join(nationalDir, name), 'utf8'), name).toBe(text);
    expect(nationalFiles()).toEqual(files);
  });

  it('counts the real units: 3,321 in communes.json — 2,621 communes, 687 wards, 13 special zones', () => {
    const all = Object.values(communes.provinces).flat();
    expect(all).toHaveLength(3_321);
    const byKind = (kind: UnitKind): number => all.filter((u) => u.kind === kind).length;
    expect([byKind('xa'), byKind('phuong'), byKind('dac-khu')]).toEqual([2_621, 687, 13]);
    // The file's own summary says the same.
    expect(communes.count).toBe(3_321);
    expect(communes.kinds).toEqual({ xa: 2_621, phuong: 687, 'dac-khu': 13 });
    expect(Object.keys(communes.provinces).sort()).toEqual([...provinces.keys()].sort());
  });

  it('has the centre, 34 province cores and one router per unit: 3,357 routers, 34 tier-1 and 3,321 tier-2 links', () => {
    expect(topology.provinces).toHaveLength(34);
    expect(topology.routers).toHaveLength(2 + 34 + 3_321);
    expect(tier1).toHaveLength(34);
    expect(tier2).toHaveLength(3_321);
    for (const p of provinces.keys()) {
      const units = communes.provinces[p]!;
      const links = tier2.filter((l) => l.province === p);
      expect(links, p).toHaveLength(units.length);
      // Named as in the file, with their kind.
      expect(links.map((l) => l.name)).toEqual(units.map((u) => `${kindLabels[u.kind]} ${u.name}`));
      expect(routers.has(`${p}-core-1`), p).toBe(true);
    }
    const labels = tier2.map((l) => l.name ?? '');
    expect(labels.filter((n) => n.startsWith('Xã '))).toHaveLength(2_621);
    expect(labels.filter((n) => n.startsWith('Phường '))).toHaveLength(687);
    expect(labels.filter((n) => n.startsWith('Đặc khu '))).toHaveLength(13);
  });

  it('makes every link two-ended: tier 1 centre → province core, tier 2 province core → the unit, each end its own interface', () => {
    for (const l of tier1) {
      expect(['hn-core-1', 'hcm-core-1'], l.id).toContain(l.router);
      expect(l.far, l.id).toEqual({ router: `${l.province}-core-1`, ifName: 'Gi0/0/0' });
    }
    const farRouters = new Set<string>();
    for (const l of tier2) {
      expect(l.router, l.id).toBe(`${l.province}-core-1`);
      expect(l.far, l.id).toBeDefined();
      expect(routers.get(l.far!.router)?.province, l.id).toBe(l.province);
      expect(l.downIs).toBe('out');
      farRouters.add(l.far!.router);
    }
    // One router per unit, each the far end of exactly one link; every router is some link's end.
    expect(farRouters.size).toBe(3_321);
    const ends = new Set(topology.links.flatMap((l) => [l.router, l.far?.router ?? '']));
    for (const r of topology.routers) expect(ends.has(r.id), r.id).toBe(true);
    // Capacities of the tier: 10–100 Mbps.
    for (const l of tier2) expect([10e6, 20e6, 30e6, 50e6, 100e6], l.id).toContain(l.capacityBps);
  });

  it('puts every router on its own loopback address, one port, a /24 per province', () => {
    const addresses = topology.routers.map((r) => r.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const a of addresses) expect(a).toMatch(new RegExp(`^127\\.30\\.\\d{1,3}\\.\\d{1,3}:${nationalPort}$`));
    const order = [...provinces.keys()];
    for (const r of topology.routers) {
      if (!r.province) continue;
      expect(r.address.split('.')[2], r.id).toBe(String(order.indexOf(r.province) + 1));
    }
    const v3 = topology.routers.filter((r) => r.snmp.version === '3').length;
    expect(v3).toBeGreaterThan(50);
    expect(v3).toBeLessThan(topology.routers.length / 10);
  });

  it('mixes QoS styles across unit routers and keeps the province cores as in the small example', () => {
    const units = nationalUnits();
    const share = (style: string): number => units.filter((u) => resolveRouter(simulation, u.routerId).qos === style).length / units.length;
    expect(share('cbqos')).toBeGreaterThan(0.5);
    expect(share('subinterfaces')).toBeGreaterThan(0.2);
    expect(share('none')).toBeGreaterThan(0.05);
    for (const u of units) expect(resolveRouter(simulation, u.routerId).qos, u.routerId).toBe(unitQos(u.routerId));
    expect(resolveRouter(simulation, 'lai-chau-core-1').qos).toBe('subinterfaces');
    expect(resolveRouter(simulation, 'lang-son-core-1').qos).toBe('none');
    expect(resolveRouter(simulation, 'thanh-hoa-core-1').qos).toBe('cbqos');
  });

  it('has its misconfigurations: no upstream VIDEO queue at one unit, a low docex reservation at a core, an unknown class-map name', () => {
    const { missingUpstreamQueue, lowReservation, unknownClassMap } = nationalMisconfigurations();
    const missing = missingUpstreamQueue.unit;
    expect(resolveRouter(simulation, missing.routerId).qos).toBe('cbqos');
    expect(resolveLinkQueues(simulation, missing.linkId, 'far').video).toBeUndefined();
    expect(resolveLinkQueues(simulation, missing.linkId, 'near').video).toBeDefined();
    const low = lowReservation.unit;
    expect(reservedBps(resolveLinkQueues(simulation, low.linkId).docex, low.capacityBps)).toBe(1e6);
    expect(reservedBps(resolveLinkQueues(simulation, low.linkId, 'far').docex, low.capacityBps)).toBe(0.2 * low.capacityBps);
    expect(resolveRouter(simulation, unknownClassMap.unit.routerId).classMaps.docex).toBe('EGOV');
    // Everywhere else both ends queue the protected classes.
    let checked = 0;
    for (const l of topology.links) {
      for (const end of ['near', 'far'] as const) {
        if (l.id === missing.linkId && end === 'far') continue;
        const q = resolveLinkQueues(simulation, l.id, end);
        expect(q.video && q.docex, `${l.id} ${end}`).toBeTruthy();
        checked++;
      }
    }
    expect(checked).toBe(2 * 3_355 - 1);
  });

  it('its demo scenario loads and surges the misconfigured unit upstream only', () => {
    const scenario = loadScenario(join(nationalDir, 'scenarios', 'demo.yaml'), topology);
    const upload = scenario.events.find((e) => e.kind === 'internetSurge' && e.linkIds.includes(nationalMisconfigurations().missingUpstreamQueue.unit.linkId));
    expect(upload).toMatchObject({ kind: 'internetSurge', dirs: ['up'] });
    expect(scenario.repeat).toBe(true);
  });
});

describe('two-ended links: the loader names the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-national-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const topologyWith = (link: string): string => `provinces:
  - id: hue
  - id: hai-phong
routers:
  - { id: core, province: hue, address: "127.0.0.1:1161", snmp: { version: "2c", community: c } }
  - { id: unit, province: hue, address: "127.0.0.1:1162", snmp: { version: "2c", community: c } }
  - { id: elsewhere, province: hai-phong, address: "127.0.0.1:1163", snmp: { version: "2c", community: c } }
links:
  - { id: t2-other, tier: 2, province: hue, router: core, ifName: Gi0/1/9, far: { router: unit, ifName: Gi0/0/9 } }
${link}
`;
  const problemsOf = (topologyText: string) => {
    writeFileSync(join(dir, 'topology.yaml'), topologyText);
    try {
      loadConfig(dir, { env: {} });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('accepts a two-ended link', () => {
    expect(problemsOf(topologyWith('  - { id: t2-ok, tier: 2, province: hue, router: core, ifName: Gi0/1/0, far: { router: unit, ifName: Gi0/0/0 } }'))).toEqual([]);
  });

  it.each([
    ['an unknown far router', 'far: { router: nowhere, ifName: Gi0/0/0 }', 'links[1].far.router', /unknown router "nowhere"/],
    ['the near router again', 'far: { router: core, ifName: Gi0/0/0 }', 'links[1].far.router', /also the near end/],
    ['a far router of another province', 'far: { router: elsewhere, ifName: Gi0/0/0 }', 'links[1].far.router', /in province "hai-phong", the link in "hue"/],
    ['a far interface already an end of another link', 'far: { router: unit, ifName: Gi0/0/9 }', 'links[1].far.ifName', /unit\/Gi0\/0\/9 is already an end of link "t2-other"/],
    ['downIs in at a two-ended link', 'downIs: in, far: { router: unit, ifName: Gi0/0/0 }', 'links[1].downIs', /two-ended link reads down from its near end's egress/],
    ['a far end without ifName', 'far: { router: unit }', 'links[1].far.ifName', /./],
    ['a far end with an unknown key', 'far: { router: unit, ifName: Gi0/0/0, speed: 10 }', 'links[1].far.speed', /unknown key/],
  ])('%s', (_what, far, key, reason) => {
    const problems = problemsOf(topologyWith(`  - { id: t2-bad, tier: 2, province: hue, router: core, ifName: Gi0/1/0, ${far} }`));
    const problem = problems.find((p) => p.key === key);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem!.reason).toMatch(reason);
    expect(problem!.file).toMatch(/topology\.yaml$/);
    expect(problem!.line).toBe(10);
  });

  it('simulation.yaml: far queues for a link without a far end name the key', () => {
    writeFileSync(join(dir, 'topology.yaml'), topologyWith('  - { id: t2-single, tier: 2, province: hue, router: core, ifName: Gi0/1/0 }'));
    writeFileSync(join(dir, 'simulation.yaml'), 'links:\n  t2-single:\n    far:\n      queues: { video: null }\n  t2-other:\n    far:\n      queues: { docex: { bandwidth: { value: 80, unit: percent } }, video: { bandwidth: { value: 30, unit: percent } } }\n');
    const loaded = loadConfig(dir, { env: {} });
    let problems: ConfigError['problems'] = [];
    try {
      loadSimulationConfig(dir, loaded.topology);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    expect(problems.map((p) => [p.key, p.line])).toEqual([
      ['links.t2-single.far', 3],
      ['links.t2-other.far.queues', 7],
    ]);
    expect(problems[0]!.reason).toMatch(/has no far end in topology.yaml/);
    expect(problems[1]!.reason).toMatch(/\(far end\) reserves 115 %/);
  });
});
