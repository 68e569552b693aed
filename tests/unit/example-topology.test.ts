// The example national network (config/example, written by scripts/generate-example.ts): its
// shape, its QoS styles and misconfigurations, and its busy-hour calibration.
import { describe, it, expect } from 'vitest';
import { loadConfig, defaultConfigDir, loadProvinces } from '../../config/load.ts';
import { loadSimulationConfig, resolveLinkQueues, resolveRouter, reservedBps, simClasses } from '../../simulator/sim-config.ts';
import { topologyYaml, simulationYaml, misconfigurations } from '../../scripts/generate-example.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyHourOf } from '../../simulator/traffic/model.ts';
import { TrafficEngine } from '../../simulator/traffic/engine.ts';

const config = loadConfig(defaultConfigDir, { env: {} });
const { topology } = config;
const sim = loadSimulationConfig(defaultConfigDir, topology);
const provinces = loadProvinces();
const tier1 = topology.links.filter((l) => l.tier === 1);
const tier2 = topology.links.filter((l) => l.tier === 2);

describe('the example topology', () => {
  it('is what scripts/generate-example.ts writes', () => {
    expect(readFileSync(join(defaultConfigDir, 'topology.yaml'), 'utf8')).toBe(topologyYaml());
    expect(readFileSync(join(defaultConfigDir, 'simulation.yaml'), 'utf8')).toBe(simulationYaml());
  });

  it('has the 34 provinces, each with one tier-1 uplink t1-<province> on a central router and 3–10 tier-2 links', () => {
    expect(topology.provinces.map((p) => p.id).sort()).toEqual([...provinces.keys()].sort());
    expect(topology.provinces).toHaveLength(34);
    for (const { id } of topology.provinces) {
      const up = tier1.filter((l) => l.province === id);
      expect(up.map((l) => l.id), id).toEqual([`t1-${id}`]);
      expect(['hn-core-1', 'hcm-core-1'], id).toContain(up[0]!.router);
      const down = tier2.filter((l) => l.province === id);
      expect(down.length, id).toBeGreaterThanOrEqual(3);
      expect(down.length, id).toBeLessThanOrEqual(10);
      for (const l of down) {
        expect(l.id).toMatch(new RegExp(`^t2-${id}-[a-z0-9-]+$`));
        expect(l.router, l.id).toBe(`${id}-core-1`);
      }
    }
  });

  it('keeps capacities in range: tier 1 100 Mbps – 1 Gbps, tier 2 10–100 Mbps', () => {
    for (const l of tier1) {
      expect(l.capacityBps, l.id).toBeGreaterThanOrEqual(100e6);
      expect(l.capacityBps, l.id).toBeLessThanOrEqual(1e9);
    }
    for (const l of tier2) {
      expect(l.capacityBps, l.id).toBeGreaterThanOrEqual(10e6);
      expect(l.capacityBps, l.id).toBeLessThanOrEqual(100e6);
    }
    // A real spread, not one value.
    expect(new Set(tier1.map((l) => l.capacityBps)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(tier2.map((l) => l.capacityBps)).size).toBeGreaterThanOrEqual(3);
  });

  it('uses every router, on consecutive loopback ports from 16101, mostly v2c with a few SNMPv3 authPriv', () => {
    const used = new Set(topology.links.map((l) => l.router));
    for (const r of topology.routers) expect(used.has(r.id), r.id).toBe(true);
    expect(topology.routers.map((r) => r.address)).toEqual(topology.routers.map((_, i) => `127.0.0.1:${16101 + i}`));
    // Tests and tools take the first v2c router as the Hà Nội core and the first v3 one as TP. HCM's.
    expect(topology.routers.find((r) => r.snmp.version === '2c')?.id).toBe('hn-core-1');
    expect(topology.routers.find((r) => r.snmp.version === '3')?.id).toBe('hcm-core-1');
    const v3 = topology.routers.filter((r) => r.snmp.version === '3');
    expect(v3.length).toBeGreaterThanOrEqual(2);
    expect(v3.length).toBeLessThan(topology.routers.length / 4);
    for (const r of v3) expect(r.snmp).toMatchObject({ authProtocol: 'sha', privProtocol: 'aes' });
  });

  it('names tier-2 sites in Vietnamese, after former provinces and district towns', () => {
    const vietnamese = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/i;
    for (const l of tier2) {
      expect(l.name?.trim(), l.id).toBeTruthy();
      expect(l.name).not.toMatch(/^t2-/);
    }
    // Most names carry diacritics (a few real names, e.g. "Ea Kar", have none).
    expect(tier2.filter((l) => vietnamese.test(l.name ?? '')).length / tier2.length).toBeGreaterThan(0.9);
    // Every former province merged into another is one of its sites.
    for (const p of provinces.values()) {
      const names = new Set(tier2.filter((l) => l.province === p.id).map((l) => l.name));
      for (const former of p.former.filter((f) => f !== p.name)) expect(names.has(former), `${p.id}: ${former}`).toBe(true);
    }
  });

  it('mixes QoS styles: class-based QoS, sub-interfaces, and one or two routers without QoS', () => {
    const styles = topology.routers.map((r) => resolveRouter(sim, r.id).qos);
    const count = (s: string) => styles.filter((x) => x === s).length;
    expect(count('cbqos')).toBeGreaterThan(topology.routers.length / 2);
    expect(count('subinterfaces')).toBeGreaterThanOrEqual(3);
    expect(count('none')).toBeGreaterThanOrEqual(1);
    expect(count('none')).toBeLessThanOrEqual(2);
    expect(resolveRouter(sim, 'hn-core-1').qos).toBe('cbqos');
    expect(resolveRouter(sim, 'hcm-core-1').qos).toBe('cbqos');
  });

  it('has the misconfigurations: a protected class with no queue, a link reserving less than its peers', () => {
    const { missingQueue, lowReservation } = misconfigurations;
    const missing = topology.links.find((l) => l.id === missingQueue.link)!;
    expect(resolveRouter(sim, missing.router).qos).toBe('cbqos');
    expect(resolveLinkQueues(sim, missing.id)[missingQueue.class]).toBeUndefined();

    const low = topology.links.find((l) => l.id === lowReservation.link)!;
    expect(resolveRouter(sim, low.router).qos).toBe('cbqos');
    const lowBps = reservedBps(resolveLinkQueues(sim, low.id)[lowReservation.class], low.capacityBps!);
    const peers = tier1.filter((l) => l.router === low.router && l.id !== low.id);
    for (const peer of peers) {
      const share = reservedBps(resolveLinkQueues(sim, peer.id)[lowReservation.class], peer.capacityBps!) / peer.capacityBps!;
      expect(lowBps / low.capacityBps!, peer.id).toBeLessThan(share / 2);
    }
    // Everywhere else every protected class has a reservation.
    for (const l of topology.links.filter((link) => link.id !== missingQueue.link)) {
      const queues = resolveLinkQueues(sim, l.id);
      for (const c of ['docex', 'video'] as const) expect(reservedBps(queues[c], l.capacityBps!), `${l.id} ${c}`).toBeGreaterThan(0);
    }
    expect(simClasses).toHaveLength(4);
  });

  it('is calibrated with the traffic engine: most uplinks under 60 % at the busy hour, a couple over 80 %', () => {
    // A Tuesday's busy hour, local time.
    const { fromMs, toMs } = busyHourOf(Date.UTC(2025, 8, 16, 5, 0, 0));
    const engine = new TrafficEngine({
      links: tier1.map((l) => ({
        id: l.id,
        tier: l.tier,
        capacityBps: l.capacityBps!,
        qos: resolveRouter(sim, l.router).qos,
        queues: resolveLinkQueues(sim, l.id),
        shares: sim.classShares.tier1,
      })),
      seed: sim.seed,
      startMs: fromMs - 3_600_000,
    });
    const busy = tier1.map((l) => {
      const truth = engine.truth(l.id, 'down', fromMs, toMs);
      return simClasses.reduce((sum, c) => sum + truth[c].sentBps, 0) / l.capacityBps!;
    });
    expect(busy.filter((u) => u < 0.6).length / busy.length).toBeGreaterThanOrEqual(0.85);
    const over80 = busy.filter((u) => u >= 0.8).length;
    expect(over80).toBeGreaterThanOrEqual(2);
    expect(over80).toBeLessThanOrEqual(3);
  });
});
