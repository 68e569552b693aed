// generateTopology: a valid, deterministic synthetic topology of N routers for --generate N.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import { generateTopology, generatedAddress } from '../../simulator/generate.ts';
import { loadSimulationConfig, resolveRouter } from '../../simulator/sim-config.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-generate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('generateTopology', () => {
  it('passes the config loader: unique ids and addresses, every link on a router, the 34 tier-1 uplinks', () => {
    const { topology, simulation } = generateTopology(500, { seed: 7, basePort: 30_000, linksPerRouter: 6 });
    writeFileSync(join(dir, 'topology.yaml'), stringify(topology));
    writeFileSync(join(dir, 'simulation.yaml'), stringify({ seed: simulation.seed, routers: simulation.routers }));
    const config = loadConfig(dir, { env: {} });
    expect(config.topology.routers).toHaveLength(500);
    expect(config.topology.links).toHaveLength(3_000);
    const tier1 = config.topology.links.filter((l) => l.tier === 1);
    expect(tier1).toHaveLength(34);
    expect(new Set(tier1.map((l) => l.province)).size).toBe(34);
    expect(loadSimulationConfig(dir, config.topology)).toEqual(simulation);
    for (const l of config.topology.links) {
      expect(l.capacityBps, l.id).toBeGreaterThanOrEqual(l.tier === 1 ? 100e6 : 10e6);
      expect(l.capacityBps, l.id).toBeLessThanOrEqual(l.tier === 1 ? 1e9 : 100e6);
    }
  });

  it('mixes QoS styles and SNMP versions by seed, and is deterministic', () => {
    const a = generateTopology(1_000, { seed: 3, basePort: 20_000 });
    const b = generateTopology(1_000, { seed: 3, basePort: 20_000 });
    expect(b).toEqual(a);
    const styles = a.topology.routers.map((r) => resolveRouter(a.simulation, r.id).qos);
    const share = (s: string) => styles.filter((x) => x === s).length / styles.length;
    expect(share('cbqos')).toBeGreaterThan(0.6);
    expect(share('subinterfaces')).toBeGreaterThan(0.15);
    expect(share('none')).toBeGreaterThan(0.01);
    expect(a.topology.routers.filter((r) => r.snmp.version === '3')).toHaveLength(20);
    expect(a.topology.links).toHaveLength(10_000);
    const other = generateTopology(1_000, { seed: 4, basePort: 20_000 });
    expect(other.simulation.routers).not.toEqual(a.simulation.routers);
  });

  it('moves to the next 127.0.0.x host when the ports run out', () => {
    expect(generatedAddress(0, 60_000, 65_000)).toBe('127.0.0.1:60000');
    expect(generatedAddress(5_000, 60_000, 65_000)).toBe('127.0.0.1:65000');
    expect(generatedAddress(5_001, 60_000, 65_000)).toBe('127.0.0.2:60000');
    const { topology } = generateTopology(15_000, { seed: 1, basePort: 60_000, linksPerRouter: 1, v3Every: 0 });
    expect(new Set(topology.routers.map((r) => r.address)).size).toBe(15_000);
    expect(topology.routers.at(-1)?.address).toBe('127.0.0.3:64997');
  });

  it.each([
    [0, {}],
    [1.5, {}],
    [10, { linksPerRouter: 0 }],
    [10, { linksPerRouter: 100 }],
  ])('rejects n=%d %j', (n, extra) => {
    expect(() => generateTopology(n, { seed: 1, basePort: 20_000, ...extra })).toThrow(RangeError);
  });
});
