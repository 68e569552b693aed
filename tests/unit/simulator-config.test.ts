// simulation.yaml: defaults when absent, overrides merged over defaults, and every problem
// reported as file:line key: reason.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopologyConfig } from '../../config/schema.ts';
import {
  loadSimulationConfig,
  resolveRouter,
  resolveLinkQueues,
  reservedBps,
  simulationDefaults,
} from '../../simulator/sim-config.ts';
import { configProblemsOf, expectProblemAt } from '../helpers/config-problems.ts';

const topology: TopologyConfig = {
  provinces: [{ id: 'hue' }],
  routers: [
    { id: 'r1', address: '127.0.0.1:1161', snmp: { version: '2c', community: 'public' } },
    { id: 'r2', address: '127.0.0.1:1162', snmp: { version: '2c', community: 'public' } },
  ],
  links: [
    { id: 'l1', tier: 1, province: 'hue', router: 'r1', ifName: 'Gi0/1', capacityBps: 100_000_000, downIs: 'out' },
    { id: 'l2', tier: 2, province: 'hue', router: 'r2', ifName: 'Gi0/2', capacityBps: 10_000_000, downIs: 'out' },
  ],
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-simcfg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string) {
  writeFileSync(join(dir, 'simulation.yaml'), text);
  return loadSimulationConfig(dir, topology);
}

function problemsOf(text: string) {
  return configProblemsOf(() => load(text));
}

describe('loadSimulationConfig', () => {
  it('applies the defaults when simulation.yaml is absent', () => {
    const sim = loadSimulationConfig(dir, topology);
    expect(sim).toEqual(simulationDefaults);
    expect(resolveRouter(sim, 'r1')).toEqual({
      qos: 'cbqos',
      policyName: 'WAN-OUT',
      classMaps: { docex: 'DOCEX', video: 'VIDEO', internet: 'class-default', other: 'MGMT' },
      subinterfaces: { docex: 100, video: 200, internet: 300, other: 400 },
    });
    const queues = resolveLinkQueues(sim, 'l1');
    expect(queues.docex).toEqual({ bandwidth: { value: 20, unit: 'percent' } });
    expect(queues.internet).toEqual({});
  });

  it('merges router and link overrides over the defaults; null removes a queue', () => {
    const sim = load(`seed: 42
routerDefaults:
  policyName: WAN-QOS
  classMaps: { other: NETWORK-CONTROL }
routers:
  r2:
    qos: subinterfaces
    subinterfaces: { video: 310 }
linkDefaults:
  queues:
    video: { bandwidth: { value: 25, unit: percent } }
links:
  l2:
    queues:
      video: null
      docex: { bandwidth: { value: 512, unit: kbps } }
classShares:
  tier2: { docex: 0.25, video: 0.25, internet: 0.4, other: 0.1 }
`);
    expect(sim.seed).toBe(42);
    const r1 = resolveRouter(sim, 'r1');
    expect(r1).toMatchObject({ qos: 'cbqos', policyName: 'WAN-QOS', classMaps: { docex: 'DOCEX', other: 'NETWORK-CONTROL' } });
    const r2 = resolveRouter(sim, 'r2');
    expect(r2.qos).toBe('subinterfaces');
    expect(r2.subinterfaces).toEqual({ docex: 100, video: 310, internet: 300, other: 400 });
    expect(r2.classMaps.other).toBe('NETWORK-CONTROL');

    const l1 = resolveLinkQueues(sim, 'l1');
    expect(l1.video).toEqual({ bandwidth: { value: 25, unit: 'percent' } });
    expect(l1.docex).toEqual({ bandwidth: { value: 20, unit: 'percent' } });
    const l2 = resolveLinkQueues(sim, 'l2');
    expect(l2.video).toBeUndefined();
    expect(l2.docex).toEqual({ bandwidth: { value: 512, unit: 'kbps' } });
    expect(l2.internet).toEqual({});
    expect(sim.classShares.tier2.internet).toBe(0.4);
    expect(sim.classShares.tier1).toEqual(simulationDefaults.classShares.tier1);
    // An unknown id resolves to the defaults (the loader rejects it in the file).
    expect(resolveRouter(sim, 'nobody')).toEqual(sim.routerDefaults);
  });

  it.each([
    ['an unknown router', 'routers:\n  r9:\n    qos: none\n', 'routers.r9', /unknown router "r9"/, 2],
    ['an unknown link', 'links:\n  l1: {}\n  l9:\n    queues: { video: null }\n', 'links.l9', /unknown link "l9"/, 3],
    ['a bad qos style', 'routers:\n  r1:\n    qos: mpls\n', 'routers.r1.qos', /./, 3],
    ['an unknown key', 'routerDefaults:\n  policy: X\n', 'routerDefaults.policy', /unknown key/, 2],
    ['an unknown class', 'linkDefaults:\n  queues:\n    gold: {}\n', 'linkDefaults.queues.gold', /unknown key/, 3],
    ['a percentage over 100', 'linkDefaults:\n  queues:\n    video: { bandwidth: { value: 120, unit: percent } }\n', 'linkDefaults.queues.video.bandwidth.value', /100/, 3],
    ['a bad unit', 'links:\n  l1:\n    queues:\n      docex: { bandwidth: { value: 10, unit: mbps } }\n', 'links.l1.queues.docex.bandwidth.unit', /./, 4],
    ['shares that do not sum to 1', 'classShares:\n  tier1: { docex: 0.5, video: 0.5, internet: 0.5, other: 0 }\n', 'classShares.tier1', /sum to 1/, 2],
    ['reservations over 100 %', 'links:\n  l1:\n    queues:\n      internet: { bandwidth: { value: 60, unit: percent } }\n', 'links.l1.queues', /reserves 115 %/, 3],
    ['reservations over capacity', 'links:\n  l2:\n    queues:\n      docex: { bandwidth: { value: 9000, unit: kbps } }\n', 'links.l2.queues', /reserves 12\.5 Mbps of its 10 Mbps/, 3],
    ['two classes on one class-map', 'routers:\n  r2:\n    classMaps: { video: DOCEX }\n', 'routers.r2.classMaps', /same class-map name/, 3],
    ['a seed that is not an integer', 'seed: 1.5\n', 'seed', /./, 1],
  ])('names file, key and line for %s', (_what, text, key, reason, line) => {
    expectProblemAt(problemsOf(text), key, { file: /simulation\.yaml$/, reason, line });
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('seed: 1\nrouters:\n  r1: [unclosed\n');
    expect(problems[0]?.reason).toMatch(/YAML syntax/);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('formats the whole error as file:line key: reason', () => {
    expect(() => load('routers:\n  r9: {}\n')).toThrow(/simulation\.yaml:2 routers\.r9: unknown router "r9"/);
  });
});

describe('reservedBps', () => {
  it.each([
    [undefined, 100e6, 0],
    [{}, 100e6, 0],
    [{ bandwidth: { value: 20, unit: 'percent' as const } }, 100e6, 20e6],
    [{ bandwidth: { value: 512, unit: 'kbps' as const } }, 100e6, 512_000],
  ])('%j on %d bps reserves %d bps', (queue, capacityBps, expected) => {
    expect(reservedBps(queue, capacityBps)).toBe(expected);
  });
});
