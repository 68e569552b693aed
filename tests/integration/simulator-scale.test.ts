// Scale, for correctness (not timing): one `lanewatch simulate` process serving a generated
// topology of 2,000 routers, every one of them spot-checked once with one net-snmp GETBULK:
// it answers, as itself (sysName), with every configured interface, its speed and 64-bit
// counters — v2c and SNMPv3 authPriv alike.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import snmp from 'net-snmp';
import type { RouterConfig, TopologyConfig } from '../../config/schema.ts';
import { mapBounded } from '../../config/worker-pool.ts';
import { generateTopology } from '../../simulator/generate.ts';
import { stopChild } from '../helpers/child-process.ts';
import { getBulk, waitForAgent, type Varbind } from '../helpers/snmp-client.ts';

const routerCount = 2_000;
const linksPerRouter = 4;
const cli = fileURLToPath(new URL('../../bin/lanewatch.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const oid = {
  sysUpTime: '1.3.6.1.2.1.1.3',
  sysName: '1.3.6.1.2.1.1.5',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
  ifHighSpeed: '1.3.6.1.2.1.31.1.1.1.15',
};

// A host of its own in 127/8 (not 127.0.0.1, where other tests take free ports).
const host = 20 + (process.pid % 200);
const { topology, simulation } = generateTopology(routerCount, { seed: 11, basePort: 21_000, linksPerRouter, firstHost: host });

let dir: string;
let sim: ChildProcess | undefined;
let logFile: string;

const timing = { timeoutMs: 2_000, retries: 2 };

/** One GETBULK: sysUpTime and sysName, then the ifXTable columns. Returns the problems found. */
async function spotCheck(router: RouterConfig, links: TopologyConfig['links']): Promise<string[]> {
  const problems: string[] = [];
  // Room for a sub-interface per class on every link, the management port and the loopback.
  const rows = links.length * 5 + 3;
  let varbinds: Varbind[];
  try {
    varbinds = await getBulk(router, [oid.sysUpTime, oid.sysName, oid.ifName, oid.ifHCInOctets, oid.ifHCOutOctets, oid.ifHighSpeed], 2, rows, timing);
  } catch (err) {
    return [`${router.id} (${router.address}): ${err instanceof Error ? err.message : String(err)}`];
  }
  const [upTime, name] = varbinds;
  if (upTime?.oid !== `${oid.sysUpTime}.0` || upTime.type !== snmp.ObjectType.TimeTicks || !(Number(upTime.value) > 0)) {
    problems.push(`${router.id}: sysUpTime ${JSON.stringify(upTime)}`);
  }
  if (name?.oid !== `${oid.sysName}.0` || String(name.value) !== router.id) problems.push(`${router.id}: sysName ${String(name?.value)}`);
  const column = (prefix: string) => {
    const out = new Map<string, Varbind>();
    for (const vb of varbinds.slice(2)) if (vb.oid.startsWith(`${prefix}.`)) out.set(vb.oid.slice(prefix.length + 1), vb);
    return out;
  };
  const ifNames = column(oid.ifName);
  const inOctets = column(oid.ifHCInOctets);
  const outOctets = column(oid.ifHCOutOctets);
  const speeds = column(oid.ifHighSpeed);
  const indexOf = new Map([...ifNames].map(([index, vb]) => [String(vb.value), index]));
  for (const link of links) {
    const index = indexOf.get(link.ifName);
    if (index === undefined) {
      problems.push(`${router.id}: no interface ${link.ifName} (has ${[...indexOf.keys()].join(', ')})`);
      continue;
    }
    if (Number(speeds.get(index)?.value) !== link.capacityBps! / 1e6) {
      problems.push(`${router.id} ${link.ifName}: ifHighSpeed ${String(speeds.get(index)?.value)}, expected ${link.capacityBps! / 1e6}`);
    }
    for (const [what, col] of [['ifHCInOctets', inOctets], ['ifHCOutOctets', outOctets]] as const) {
      if (col.get(index)?.type !== snmp.ObjectType.Counter64) problems.push(`${router.id} ${link.ifName}: ${what} ${JSON.stringify(col.get(index))}`);
    }
  }
  return problems;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-scale-'));
  logFile = join(dir, 'simulate.log');
  writeFileSync(join(dir, 'topology.yaml'), stringify(topology));
  writeFileSync(join(dir, 'simulation.yaml'), stringify({ seed: simulation.seed, routers: simulation.routers }));
  const out = openSync(logFile, 'a');
  sim = spawn(process.execPath, [cli, 'simulate', '--config', dir], {
    cwd: repoRoot,
    stdio: ['ignore', out, out],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  await waitForAgent(topology.routers.at(-1)!, sim, { timeoutMs: 90_000, intervalMs: 250, timing, context: () => readFileSync(logFile, 'utf8').slice(-3_000) });
}, 120_000);

afterAll(async () => {
  if (sim) await stopChild(sim, { killAfterMs: 10_000 });
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe(`one simulator process serving ${routerCount} routers`, () => {
  it('answers one GETBULK from every router correctly (v2c and v3)', async () => {
    const linksOf = new Map<string, TopologyConfig['links']>();
    for (const l of topology.links) linksOf.set(l.router, [...(linksOf.get(l.router) ?? []), l]);
    const checked = await mapBounded(topology.routers, 32, (router) => spotCheck(router, linksOf.get(router.id) ?? []));
    expect(checked).toHaveLength(routerCount);
    expect(checked.flat().slice(0, 20)).toEqual([]);
    expect(topology.routers.filter((r) => r.snmp.version === '3').length).toBeGreaterThan(10);
  }, 180_000);
});
