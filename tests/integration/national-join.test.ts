// Both ends of a tier-2 link of the national example joined into one link, for real: the
// Simulator serves Thanh Hóa's core and a few of its units' routers (the one whose uplink has no
// VIDEO queue, one with per-service sub-interfaces, one without QoS, one on SNMPv3) on free
// loopback ports, the collector's pollers (createPollers: each router polls its links and the
// far ends of two-ended links ending on it) poll them at known instants of one manual clock,
// and every sample is compared with the simulator's ground truth over exactly that interval:
// `down` (totals, every class, drops, pre-policy, reservations) from the core's egress, `up`
// from each unit router's egress, where an upload surge is squeezed and dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../config/load.ts';
import type { LanewatchConfig, LinkConfig, TopologyConfig } from '../../config/schema.ts';
import { createPollers } from '../../collector/collector.ts';
import type { DevicePoller } from '../../collector/poller.ts';
import type { LinkSample } from '../../collector/samples.ts';
import { nationalDir, nationalMisconfigurations, unitQos } from '../../scripts/generate-national.ts';
import { parseScenario } from '../../simulator/scenario/schema.ts';
import { loadSimulationConfig, resolveRouter } from '../../simulator/sim-config.ts';
import { Simulator } from '../../simulator/simulator.ts';
import { freeUdpPort } from '../helpers/ports.ts';

const log = pino({ level: 'silent' });
const national = loadConfig(nationalDir, { env: {} });
const simulation = loadSimulationConfig(nationalDir, national.topology);
const CORE = 'thanh-hoa-core-1';
const INTERVAL_MS = 60_000;
const classes = ['docex', 'video', 'internet', 'other'] as const;

const provinceLinks = national.topology.links.filter((l) => l.tier === 2 && l.province === 'thanh-hoa');
const missing = nationalMisconfigurations().missingUpstreamQueue.unit;
const routerOf = (id: string) => national.topology.routers.find((r) => r.id === id)!;
const chosen: LinkConfig[] = [provinceLinks.find((l) => l.id === missing.linkId)!];
const pickUnit = (test: (l: LinkConfig) => boolean, what: string): void => {
  const found = provinceLinks.find((l) => !chosen.includes(l) && test(l));
  if (!found) throw new Error(`no Thanh Hóa unit ${what}`);
  chosen.push(found);
};
pickUnit((l) => unitQos(l.far!.router) === 'subinterfaces' && routerOf(l.far!.router).snmp.version === '2c', 'with sub-interfaces');
pickUnit((l) => unitQos(l.far!.router) === 'none', 'without QoS');
pickUnit((l) => routerOf(l.far!.router).snmp.version === '3', 'on SNMPv3');
const MISSING = chosen[0]!.id;

let topology: TopologyConfig;
let config: LanewatchConfig;
let sim: Simulator;
let pollers: Map<string, DevicePoller>;
/** The one clock of the simulator and the pollers (wall = simulated at speed 1). */
let nowMs = Date.parse('2025-06-03T03:30:00Z'); // a Tuesday, 10:30 in Việt Nam: the busy hour
const now = (): number => nowMs;
const startMs = nowMs;

beforeAll(async () => {
  const ids = new Set([CORE, ...chosen.map((l) => l.far!.router)]);
  const routers = await Promise.all(national.topology.routers.filter((r) => ids.has(r.id)).map(async (r) => ({ ...r, address: `127.0.0.1:${await freeUdpPort()}` })));
  topology = { provinces: national.topology.provinces.filter((p) => p.id === 'thanh-hoa'), routers, links: chosen };
  config = { ...national, topology };
  // Uploads fill every unit's uplink (40×: cameras, backups), downloads the core's links (4×): both ends drop.
  const scenario = parseScenario(
    [
      'name: national-join',
      'events:',
      `  - { kind: internetSurge, at: 0, for: 1h, links: [${chosen.map((l) => l.id).join(', ')}], dir: up, factor: 40 }`,
      `  - { kind: internetSurge, at: 0, for: 1h, links: [${chosen.map((l) => l.id).join(', ')}], dir: down, factor: 4 }`,
    ].join('\n'),
    'national-join.yaml',
    topology,
  );
  sim = new Simulator({ topology, simulation, log, now, startAtMs: startMs, scenario });
  await sim.start();
  pollers = createPollers(config, log, now, INTERVAL_MS);
});
afterAll(async () => {
  for (const p of pollers?.values() ?? []) p.close();
  await sim?.stop();
});

/** Polls every router at the current instant; returns the link samples by router. */
async function pollAll(): Promise<Map<string, LinkSample[]>> {
  const out = new Map<string, LinkSample[]>();
  for (const [id, poller] of pollers) {
    const batch = await poller.poll();
    expect(batch.poll.ok, `${id}: ${batch.poll.error}`).toBe(true);
    out.set(id, batch.links);
  }
  return out;
}

/** |measured − truth| within 1 % of the truth (1 kbit/s for rates near zero). */
function expectClose(measured: number | undefined, truth: number, what: string): void {
  expect(measured, what).toBeDefined();
  const tolerance = Math.max(0.01 * Math.abs(truth), 1_000);
  expect(Math.abs(measured! - truth), `${what}: measured ${measured}, truth ${truth}`).toBeLessThanOrEqual(tolerance);
}

describe('a two-ended tier-2 link of the national example', () => {
  let fromMs: number;
  let round: Map<string, LinkSample[]>;

  it('each router polls its end: the core its links, each unit router its uplink (the far end)', async () => {
    expect([...pollers.keys()].sort()).toEqual([CORE, ...chosen.map((l) => l.far!.router)].sort());
    nowMs = startMs + INTERVAL_MS;
    const first = await pollAll();
    for (const samples of first.values()) expect(samples).toEqual([]); // baselines only
    await Promise.all([...pollers.values()].map((p) => p.idle()));
    fromMs = nowMs;
    nowMs += INTERVAL_MS;
    round = await pollAll();
    // The core measures down only, each unit router up only.
    expect(new Set(round.get(CORE)!.map((s) => s.dir))).toEqual(new Set(['down']));
    for (const l of chosen) {
      const far = round.get(l.far!.router)!;
      expect(far.length, l.id).toBeGreaterThan(0);
      expect(far.every((s) => s.dir === 'up' && s.link === l.id && s.province === 'thanh-hoa' && s.tier === 2), l.id).toBe(true);
    }
  });

  it('joined: every link has down and up, total and four classes, each exactly once', () => {
    const all = [...round.values()].flat();
    for (const l of chosen) {
      for (const dir of ['down', 'up'] as const) {
        const got = all.filter((s) => s.link === l.id && s.dir === dir).map((s) => s.class).sort();
        expect(got, `${l.id} ${dir}`).toEqual(['docex', 'internet', 'other', 'total', 'video']);
      }
    }
  });

  it('down comes from the core with drops, pre-policy and reservations; up from each unit as its router queues — all matching the ground truth', () => {
    for (const [router, samples] of round) {
      for (const s of samples) {
        const truth = sim.engine().truth(s.link, s.dir, fromMs, nowMs);
        const what = `${router} ${s.link} ${s.dir} ${s.class}`;
        expect(s.intervalMs, what).toBe(INTERVAL_MS);
        if (s.class === 'total') {
          expectClose(s.bitsPerSecond, classes.reduce((sum, c) => sum + truth[c].sentBps, 0), what);
          continue;
        }
        const t = truth[s.class];
        expectClose(s.bitsPerSecond, t.sentBps, `${what} post-policy`);
        // Class-based QoS reports drops and pre-policy; per-service sub-interfaces do not.
        const qos = resolveRouter(simulation, router).qos;
        if (qos === 'cbqos') {
          expectClose(s.dropBitsPerSecond, t.dropBps, `${what} drops`);
          expectClose(s.prePolicyBitsPerSecond, t.offeredBps, `${what} pre-policy`);
        } else {
          expect(s.dropBitsPerSecond, what).toBeUndefined();
        }
      }
    }
  });

  it("the upload surge fills each uplink: Internet loses a few percent at the unit's egress, and video too where the unit has no VIDEO queue", () => {
    const up = (link: string, cls: (typeof classes)[number]) => [...round.values()].flat().find((s) => s.link === link && s.dir === 'up' && s.class === cls)!;
    for (const l of chosen) {
      const t = sim.engine().truth(l.id, 'up', fromMs, nowMs);
      const sent = classes.reduce((sum, c) => sum + t[c].sentBps, 0);
      expect(sent / l.capacityBps!, l.id).toBeGreaterThan(0.99);
      const lossRate = t.internet.dropBps / t.internet.offeredBps;
      expect(lossRate, l.id).toBeGreaterThan(0.01);
      expect(lossRate, l.id).toBeLessThan(0.05);
    }
    // The misconfigured unit: its router says so — video dropped upstream, no reservation for it.
    const video = up(MISSING, 'video');
    expect(video.dropBitsPerSecond).toBeGreaterThan(0);
    expect(video.dropBitsPerSecond! / video.prePolicyBitsPerSecond!).toBeGreaterThan(0.001);
    expect(video.reservedBps).toBeUndefined();
    expect(up(MISSING, 'docex').reservedBps).toBeCloseTo(0.2 * chosen[0]!.capacityBps!, 3);
    expect(up(MISSING, 'docex').dropBitsPerSecond).toBe(0);
    // Down the same link the core does queue video: reserved, nothing dropped.
    const downVideo = round.get(CORE)!.find((s) => s.link === MISSING && s.class === 'video')!;
    expect(downVideo.reservedBps).toBeCloseTo(0.3 * chosen[0]!.capacityBps!, 3);
    expect(downVideo.dropBitsPerSecond).toBe(0);
  });

  it('the QoS mappings of each end list only the direction it measures', () => {
    const core = pollers.get(CORE)!.qosMappings();
    expect(core.length).toBeGreaterThan(0);
    expect(core.every((m) => m.dir === 'down')).toBe(true);
    for (const l of chosen) {
      const far = pollers.get(l.far!.router)!.qosMappings();
      expect(far.map((m) => m.serviceClass).sort(), l.id).toEqual([...classes].sort());
      expect(far.every((m) => m.dir === 'up' && m.link === l.id), l.id).toBe(true);
    }
  });

  it('a later interval still joins, and a unit router that stops answering leaves its link without up, never with the core’s in-octets', async () => {
    const silent = chosen[1]!;
    sim.router(silent.far!.router)!.setResponding(false);
    fromMs = nowMs;
    nowMs += INTERVAL_MS;
    const next = new Map<string, LinkSample[]>();
    for (const [id, poller] of pollers) next.set(id, (await poller.poll()).links);
    sim.router(silent.far!.router)!.setResponding(true);
    const all = [...next.values()].flat();
    expect(all.filter((s) => s.link === silent.id && s.dir === 'up')).toEqual([]);
    expect(all.filter((s) => s.link === silent.id && s.dir === 'down').length).toBe(5);
    for (const l of chosen.filter((x) => x !== silent)) expect(all.filter((s) => s.link === l.id).length, l.id).toBe(10);
  });
});
