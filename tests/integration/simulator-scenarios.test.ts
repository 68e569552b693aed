// Scenario events seen from outside, the way an engineer would see them: through Net-SNMP's
// own snmpget/snmpbulkwalk against a running Simulator (reboot, counter wrap, renumber, link
// down, unresponsive), through the traffic engine (Internet surge), through the ground-truth
// files (same seed, same trace) and on the wall clock (--speed 60: an hour in a minute).
// Most tests drive the simulator's wall clock by hand (SimulatorOptions.now): the simulated
// instant of every request is then exact, whatever the machine's load.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../../config/load.ts';
import type { TopologyConfig } from '../../config/schema.ts';
import { parseScenario } from '../../simulator/scenario/schema.ts';
import { loadSimulationConfig, type SimulationConfig } from '../../simulator/sim-config.ts';
import { Simulator, type SimulatorOptions } from '../../simulator/simulator.ts';
import { freeUdpPort } from '../helpers/ports.ts';

const run = promisify(execFile);
const log = pino({ level: 'warn' });
const example = loadConfig();
const simulation: SimulationConfig = loadSimulationConfig(example.dir, example.topology);
const min = 60_000;
/** Monday 6 January 2025, 10:00 in Vietnam: the busy hour. */
const t0 = Date.UTC(2025, 0, 6, 3, 0);

const routerIds = ['hue-core-1', 'nghe-an-core-1', 'ha-tinh-core-1', 'lang-son-core-1', 'thanh-hoa-core-1'];

/** A few province routers of the example (v2c; CBQoS, sub-interfaces and no-QoS), on free ports. */
async function smallTopology(): Promise<TopologyConfig> {
  const routers: TopologyConfig['routers'] = [];
  for (const id of routerIds) {
    const r = example.topology.routers.find((x) => x.id === id);
    if (!r) throw new Error(`example router ${id} is missing`);
    routers.push({ ...r, address: `127.0.0.1:${await freeUdpPort()}` });
  }
  const links = example.topology.links.filter((l) => routerIds.includes(l.router));
  const provinces = example.topology.provinces.filter((p) => links.some((l) => l.province === p.id) || routers.some((r) => r.province === p.id));
  return { provinces, routers, links };
}

const oid = {
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  ifInOctets: '1.3.6.1.2.1.2.2.1.10',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
};

let topology: TopologyConfig;
const started: Simulator[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'lanewatch-scenarios-'));

beforeAll(async () => {
  topology = await smallTopology();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

interface Served {
  sim: Simulator;
  /** Moves the simulator's wall clock to t0 + ms (speed 1: simulated time too). */
  at(ms: number): void;
  address(routerId: string): string;
  community(routerId: string): string;
}

async function serve(scenarioText: string | undefined, extra: Partial<SimulatorOptions> = {}): Promise<Served> {
  let wallMs = t0;
  const topo = extra.topology ?? topology;
  const sim = new Simulator({
    topology: topo,
    simulation,
    seed: 7,
    log,
    now: () => wallMs,
    scenario: scenarioText === undefined ? undefined : parseScenario(scenarioText, 'test-scenario.yaml', topo),
    ...extra,
  });
  await sim.start();
  started.push(sim);
  const router = (id: string) => topo.routers.find((r) => r.id === id)!;
  return {
    sim,
    at: (ms) => {
      wallMs = t0 + ms;
    },
    address: (id) => router(id).address,
    community: (id) => {
      const snmp = router(id).snmp;
      if (snmp.version !== '2c') throw new Error(`${id} is not v2c`);
      return snmp.community;
    },
  };
}

/** snmpget of numeric OIDs: their values as bigint (Counter32/64, Gauge, Timeticks, INTEGER), one per OID. */
async function snmpget<const T extends readonly string[]>(s: Served, routerId: string, oids: T): Promise<{ -readonly [K in keyof T]: bigint }> {
  const { stdout } = await run('snmpget', ['-v2c', '-c', s.community(routerId), '-t', '1', '-r', '0', '-On', '-Oqvt', s.address(routerId), ...oids], {
    env: { ...process.env, MIBS: '' },
  });
  const values = stdout
    .trim()
    .split('\n')
    .map((line) => BigInt(line.trim()));
  if (values.length !== oids.length) throw new Error(`snmpget returned ${values.length} values for ${oids.length} OIDs: ${stdout}`);
  return values as { -readonly [K in keyof T]: bigint };
}

/** ifName → ifIndex, walked with snmpbulkwalk. */
async function ifIndexes(s: Served, routerId: string): Promise<Map<string, number>> {
  const { stdout } = await run('snmpbulkwalk', ['-v2c', '-c', s.community(routerId), '-t', '1', '-r', '0', '-On', '-Oq', s.address(routerId), oid.ifName], {
    env: { ...process.env, MIBS: '' },
  });
  const out = new Map<string, number>();
  for (const line of stdout.trim().split('\n')) {
    const m = /^\.?[\d.]+\.(\d+) "?([^"]*)"?$/.exec(line.trim());
    if (m) out.set(m[2]!, Number(m[1]));
  }
  return out;
}

/** The first link of a router, with its ifIndex now. */
async function firstLink(s: Served, routerId: string): Promise<{ linkId: string; ifName: string; ifIndex: number }> {
  const link = topology.links.find((l) => l.router === routerId)!;
  const ifIndex = (await ifIndexes(s, routerId)).get(link.ifName);
  if (ifIndex === undefined) throw new Error(`${routerId} does not show ${link.ifName}`);
  return { linkId: link.id, ifName: link.ifName, ifIndex };
}

describe('scenario events read through SNMP', () => {
  it('reboot: sysUpTime restarts and the counters restart at 0', async () => {
    const s = await serve(`events:\n  - { kind: reboot, at: 2m, router: hue-core-1 }\n`);
    const { ifIndex, linkId } = await firstLink(s, 'hue-core-1');
    s.at(1 * min);
    const [upBefore, octetsBefore] = await snmpget(s, 'hue-core-1', [oid.sysUpTime, `${oid.ifHCInOctets}.${ifIndex}`]);
    expect(upBefore).toBeGreaterThan(3n * 86_400n * 100n); // days of uptime
    s.at(2 * min + 10_000);
    const [upAfter, octetsAfter] = await snmpget(s, 'hue-core-1', [oid.sysUpTime, `${oid.ifHCInOctets}.${ifIndex}`]);
    expect(upAfter).toBe(1_000n); // 10 s in hundredths
    const capacityBps = topology.links.find((l) => l.id === linkId)!.capacityBps!;
    expect(octetsAfter).toBeLessThanOrEqual(BigInt(Math.ceil((capacityBps / 8) * 10)));
    expect(octetsAfter).toBeLessThan(octetsBefore);
    // The other routers did not reboot.
    const [otherUp] = await snmpget(s, 'nghe-an-core-1', [oid.sysUpTime]);
    expect(otherUp).toBeGreaterThan(3n * 86_400n * 100n);
  });

  it('counterWrap: the 32-bit ifInOctets wraps while ifHCInOctets keeps counting', async () => {
    const s = await serve(`events:\n  - { kind: counterWrap, at: 1m, router: nghe-an-core-1 }\n`);
    const { ifIndex } = await firstLink(s, 'nghe-an-core-1');
    s.at(1 * min);
    const [low32Before, hcBefore] = await snmpget(s, 'nghe-an-core-1', [`${oid.ifInOctets}.${ifIndex}`, `${oid.ifHCInOctets}.${ifIndex}`]);
    expect(low32Before).toBeGreaterThan(2n ** 32n - 2n ** 30n); // just below the wrap
    s.at(2 * min);
    const [low32After, hcAfter] = await snmpget(s, 'nghe-an-core-1', [`${oid.ifInOctets}.${ifIndex}`, `${oid.ifHCInOctets}.${ifIndex}`]);
    expect(low32After).toBeLessThan(low32Before); // wrapped
    const hcDelta = hcAfter - hcBefore;
    expect(hcDelta).toBeGreaterThan(0n);
    // Modulo 2^32, the 32-bit counter moved exactly like the 64-bit one.
    expect((low32After - low32Before + 2n ** 32n) % 2n ** 32n).toBe(hcDelta % 2n ** 32n);
  });

  it('renumber: the same ifName has a different ifIndex after the reboot', async () => {
    const s = await serve(`events:\n  - { kind: renumber, at: 1m, router: thanh-hoa-core-1 }\n`);
    s.at(30_000);
    const before = await ifIndexes(s, 'thanh-hoa-core-1');
    s.at(1 * min + 5_000);
    const after = await ifIndexes(s, 'thanh-hoa-core-1');
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const moved = [...before].filter(([name, index]) => after.get(name) !== index);
    expect(moved.length).toBeGreaterThan(0);
    const [uptime] = await snmpget(s, 'thanh-hoa-core-1', [oid.sysUpTime]);
    expect(uptime).toBe(500n); // a reboot: 5 s of uptime
  });

  it('linkDown: ifOperStatus down and no traffic for its duration, then up again', async () => {
    const s = await serve(`events:\n  - { kind: linkDown, at: 2m, for: 3m, link: ${topology.links.find((l) => l.router === 'lang-son-core-1')!.id} }\n`);
    const { ifIndex } = await firstLink(s, 'lang-son-core-1');
    const read = () => snmpget(s, 'lang-son-core-1', [`${oid.ifOperStatus}.${ifIndex}`, `${oid.ifHCInOctets}.${ifIndex}`, `${oid.ifHCOutOctets}.${ifIndex}`]);
    s.at(1 * min);
    const [statusBefore, inBefore] = await read();
    s.at(2 * min);
    const [, inAtDown] = await read();
    expect(statusBefore).toBe(1n);
    expect(inAtDown).toBeGreaterThan(inBefore);
    s.at(2 * min + 30_000);
    const [statusDown, inDown1, outDown1] = await read();
    s.at(4 * min + 30_000);
    const [, inDown2, outDown2] = await read();
    expect(statusDown).toBe(2n);
    expect(inDown2).toBe(inDown1);
    expect(outDown2).toBe(outDown1);
    s.at(6 * min);
    const [statusUp, inUp] = await read();
    expect(statusUp).toBe(1n);
    expect(inUp).toBeGreaterThan(inDown2);
  });

  it('unresponsive: no answer for its duration, then answers again', async () => {
    const s = await serve(`events:\n  - { kind: unresponsive, at: 1m, for: 2m, router: ha-tinh-core-1 }\n`);
    s.at(30_000);
    await expect(snmpget(s, 'ha-tinh-core-1', [oid.sysUpTime])).resolves.toHaveLength(1);
    s.at(1 * min + 30_000);
    await expect(snmpget(s, 'ha-tinh-core-1', [oid.sysUpTime])).rejects.toThrow(/Timeout/);
    // Only that router is silent.
    await expect(snmpget(s, 'hue-core-1', [oid.sysUpTime])).resolves.toHaveLength(1);
    s.at(3 * min);
    const [uptime] = await snmpget(s, 'ha-tinh-core-1', [oid.sysUpTime]);
    expect(uptime).toBeGreaterThan(3n * 86_400n * 100n); // silent, not rebooted
  });
});

describe('scenario traffic read through the engine and SNMP', () => {
  it('internetSurge multiplies the offered Internet load of the province by its factor, only during the surge', async () => {
    const link = topology.links.find((l) => l.router === 'hue-core-1')!;
    const other = topology.links.find((l) => l.router === 'nghe-an-core-1')!;
    const s = await serve(`events:\n  - { kind: internetSurge, at: 2m, for: 4m, province: ${link.province}, factor: 1.5 }\n`);
    const calm = await serve(undefined, { topology: await smallTopology() }); // the same network without the scenario, on other ports
    const startMs = s.sim.clock.simulatedStartMs;
    const truth = (sim: Simulator, linkId: string, fromMin: number, toMin: number) =>
      sim.engine().truth(linkId, 'down', startMs + fromMin * min, startMs + toMin * min);
    const during = truth(s.sim, link.id, 2, 6).internet.offeredBps;
    const duringCalm = truth(calm.sim, link.id, 2, 6).internet.offeredBps;
    expect(during / duringCalm).toBeCloseTo(1.5, 6);
    expect(truth(s.sim, link.id, 0, 2).internet.offeredBps).toBe(truth(calm.sim, link.id, 0, 2).internet.offeredBps);
    expect(truth(s.sim, link.id, 6, 8).internet.offeredBps).toBe(truth(calm.sim, link.id, 6, 8).internet.offeredBps);
    expect(truth(s.sim, other.id, 2, 6).internet.offeredBps).toBe(truth(calm.sim, other.id, 2, 6).internet.offeredBps);

    // Through SNMP: the interface carries more during the surge than the calm network does.
    const ifIndex = (await ifIndexes(s, 'hue-core-1')).get(link.ifName)!;
    const column = link.downIs === 'out' ? oid.ifHCOutOctets : oid.ifHCInOctets;
    const delta = async (x: Served): Promise<bigint> => {
      x.at(2 * min);
      const [a] = await snmpget(x, 'hue-core-1', [`${column}.${ifIndex}`]);
      x.at(6 * min);
      const [b] = await snmpget(x, 'hue-core-1', [`${column}.${ifIndex}`]);
      return b - a;
    };
    const surged = Number(await delta(s));
    const normal = Number(await delta(calm));
    expect(surged).toBeGreaterThan(normal * 1.1);
    // And the counters moved exactly as the engine's truth says.
    const sent = Object.values(truth(s.sim, link.id, 2, 6)).reduce((sum, c) => sum + c.sentBps, 0);
    expect(Math.abs((surged * 8) / 240 - sent) / sent).toBeLessThan(0.01);
  });
});

describe('ground truth', () => {
  async function trace(seed: number, name: string): Promise<string> {
    const path = join(tmp, name);
    const s = await serve(
      `events:\n  - { kind: internetSurge, at: 1m, for: 3m, province: ${topology.links[0]!.province}, factor: 3 }\n  - { kind: videoConference, at: 2m, for: 2m, provinces: all, bitsPerSecond: 2000000 }\n`,
      { seed, truth: { path, everyMs: 60_000 } },
    );
    for (let ms = 0; ms <= 10 * min; ms += 17_000) s.at(ms);
    s.at(10 * min);
    await s.sim.stop();
    return readFileSync(path, 'utf8');
  }

  it('the same seed gives the same trace; another seed another one', async () => {
    const a = await trace(11, 'a.jsonl');
    const b = await trace(11, 'b.jsonl');
    const c = await trace(12, 'c.jsonl');
    const lines = a.trim().split('\n');
    // 10 one-minute intervals × links × 2 directions × 4 classes.
    expect(lines).toHaveLength(10 * topology.links.length * 2 * 4);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ fromMs: t0, atMs: t0 + min, dir: 'down' });
    expect(Object.keys(first).sort()).toEqual(['atMs', 'class', 'dir', 'dropBps', 'fromMs', 'link', 'offeredBps', 'sentBps']);
  });
});

describe('--speed', () => {
  it('speed 60 runs an hour in a minute, sysUpTime and counters consistent', async () => {
    const s = await serve(undefined, { speed: 60, now: Date.now });
    const { ifIndex, linkId } = await firstLink(s, 'hue-core-1');
    const link = topology.links.find((l) => l.id === linkId)!;
    const column = link.downIs === 'out' ? oid.ifHCOutOctets : oid.ifHCInOctets;
    const wall1 = Date.now();
    const [up1, octets1] = await snmpget(s, 'hue-core-1', [oid.sysUpTime, `${column}.${ifIndex}`]);
    await new Promise((r) => setTimeout(r, 2_000));
    const [up2, octets2] = await snmpget(s, 'hue-core-1', [oid.sysUpTime, `${column}.${ifIndex}`]);
    const wallSeconds = (Date.now() - wall1) / 1000;
    const simulatedSeconds = Number(up2 - up1) / 100;
    // 60 simulated seconds per wall second (loose bounds: the wall time includes process starts).
    expect(simulatedSeconds / wallSeconds).toBeGreaterThan(40);
    expect(simulatedSeconds / wallSeconds).toBeLessThan(65);
    // The rate a poller computes from sysUpTime matches the engine's truth over the same instants.
    const bootAtMs = s.sim.router('hue-core-1')!.model.bootAtMs;
    const fromMs = bootAtMs + Number(up1) * 10;
    const toMs = bootAtMs + Number(up2) * 10;
    const measuredBps = (Number(octets2 - octets1) * 8) / simulatedSeconds;
    const truthBps = Object.values(s.sim.engine().truth(linkId, 'down', fromMs, toMs)).reduce((sum, c) => sum + c.sentBps, 0);
    expect(Math.abs(measuredBps - truthBps) / truthBps).toBeLessThan(0.01);
  });
});
