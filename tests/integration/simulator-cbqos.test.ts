// The CBQoS tables, sub-interfaces and router events of simulated routers of the example
// network, read by Net-SNMP's own tools (snmpbulkwalk, snmptable, snmpget) over UDP. The join
// stats → objects → class-map config → name and policy → ifIndex → ifName is written here
// independently of the simulator, over snmpbulkwalk output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import type { ServiceClass } from '../../api/schemas.ts';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { LinkConfig, RouterConfig } from '../../config/schema.ts';
import { RouterAgent } from '../../simulator/agent/router-agent.ts';
import { UdpEndpoint } from '../../simulator/agent/udp-endpoint.ts';
import { MibLayoutCache } from '../../simulator/mib/layout.ts';
import { RouterMib } from '../../simulator/mib/router-mib.ts';
import { buildRouterModel } from '../../simulator/mib/router-model.ts';
import { loadSimulationConfig, resolveLinkQueues, resolveRouter } from '../../simulator/sim-config.ts';
import { TrafficEngine } from '../../simulator/traffic/engine.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { freeUdpPort } from '../helpers/ports.ts';

const run = promisify(execFile);
const log = pino({ level: 'warn' });
const { topology } = loadConfig();
const simulation = loadSimulationConfig(defaultConfigDir, topology);
const community = 'cbqos-test';
/** IF-MIB and SNMPv2 modules for snmptable: net-snmp's bundled copies; the CBQoS MIB: tests/fixtures/mibs. */
const netSnmpMibs = fileURLToPath(new URL('../../node_modules/net-snmp/lib/mibs', import.meta.url));

const qosOf = (id: string): string => resolveRouter(simulation, id).qos;
const linksOf = (id: string): LinkConfig[] => topology.links.filter((l) => l.router === id);
/** A CBQoS router with a protected class lacking its queue on one link (the example's misconfiguration). */
const misconfigured = Object.entries(simulation.links).find(([, l]) => l.queues && Object.values(l.queues).includes(null))!;
const joinRouterId = topology.links.find((l) => l.id === misconfigured[0])!.router;
const subRouterId = topology.routers.find((r) => qosOf(r.id) === 'subinterfaces' && linksOf(r.id).length >= 2)!.id;
const eventRouterIds = topology.routers.filter((r) => qosOf(r.id) === 'cbqos' && r.id !== joinRouterId).map((r) => r.id).slice(0, 4);
const served = [joinRouterId, subRouterId, ...eventRouterIds];

interface Served {
  config: RouterConfig;
  mib: RouterMib;
  address: string;
  endpoint: UdpEndpoint;
}
const routers = new Map<string, Served>();
let engine: TrafficEngine;
let mibDir: string;
const startMs = Date.now();
const simulatedNowMs = (): number => Date.now(); // speed 1, starting now

beforeAll(async () => {
  expect(qosOf(joinRouterId)).toBe('cbqos');
  engine = new TrafficEngine({
    links: topology.links.map((l) => ({
      id: l.id,
      tier: l.tier,
      capacityBps: l.capacityBps ?? 1e9,
      qos: resolveRouter(simulation, l.router).qos,
      queues: resolveLinkQueues(simulation, l.id),
      shares: l.tier === 1 ? simulation.classShares.tier1 : simulation.classShares.tier2,
    })),
    seed: 11,
    startMs,
  });
  const layouts = new MibLayoutCache(11);
  for (const id of served) {
    const config = topology.routers.find((r) => r.id === id)!;
    const links = linksOf(id);
    const model = buildRouterModel({
      router: config,
      links,
      sim: resolveRouter(simulation, id),
      queues: new Map(links.map((l) => [l.id, resolveLinkQueues(simulation, l.id)])),
      seed: 11,
      simulatedStartMs: startMs,
    });
    const mib = new RouterMib({ router: model, engine, layouts });
    const agent = new RouterAgent({ security: { version: '2c', community }, mib, clock: { simulatedNowMs, engineTimeSeconds: () => 0 } });
    const port = await freeUdpPort();
    const endpoint = new UdpEndpoint({ host: '127.0.0.1', port, family: 4 }, (request) => agent.handle(request), log);
    await endpoint.start();
    routers.set(id, { config, mib, address: `127.0.0.1:${port}`, endpoint });
  }
  // Stubs for the modules CISCO-CLASS-BASED-QOS-MIB imports that neither net-snmp nor tests/fixtures/mibs has.
  mibDir = mkdtempSync(join(tmpdir(), 'lanewatch-mibs-'));
  const stub = (name: string, body: string): void =>
    writeFileSync(join(mibDir, `${name}.txt`), `${name} DEFINITIONS ::= BEGIN\nIMPORTS ${body}\nEND\n`);
  stub('CISCO-SMI', 'enterprises FROM SNMPv2-SMI;\ncisco OBJECT IDENTIFIER ::= { enterprises 9 }\nciscoMgmt OBJECT IDENTIFIER ::= { cisco 9 }');
  stub('CISCO-TC', 'Counter64, Unsigned32 FROM SNMPv2-SMI;\nUnsigned64 ::= Counter64\nEntPhysicalIndexOrZero ::= INTEGER (0..2147483647)');
  stub('Q-BRIDGE-MIB', 'Unsigned32 FROM SNMPv2-SMI;\nVlanIndex ::= Unsigned32');
  stub('HCNUM-TC', 'Counter64 FROM SNMPv2-SMI;\nCounterBasedGauge64 ::= Counter64');
  stub('INET-ADDRESS-MIB', 'Integer32 FROM SNMPv2-SMI;\nInetAddressType ::= INTEGER (0..255)\nInetAddress ::= OCTET STRING (SIZE (0..255))');
  stub('CISCO-FRAME-RELAY-MIB', 'Integer32 FROM SNMPv2-SMI;\nDlciNumber ::= INTEGER (0..8388607)');
});
afterAll(async () => {
  await Promise.all([...routers.values()].map((r) => r.endpoint.stop()));
  if (mibDir) rmSync(mibDir, { recursive: true, force: true });
});

async function tool(name: string, id: string, options: string[], oids: string[]): Promise<string> {
  const { stdout } = await run(name, ['-v2c', '-c', community, '-t', '2', '-r', '1', ...options, routers.get(id)!.address, ...oids], {
    env: { ...process.env, MIBS: '' },
  });
  return stdout;
}

interface Line {
  oid: string;
  type: string;
  value: string;
}
function parseLines(stdout: string): Line[] {
  const out: Line[] = [];
  for (const line of stdout.trim().split(/\r?\n/)) {
    const m = /^\.?([\d.]+) = (?:([A-Za-z0-9-]+): ?)?(.*)$/.exec(line);
    // CBQoS is the last subtree this agent serves: a walk of it ends with the end-of-MIB marker.
    if (m?.[3]?.startsWith('No more variables left in this MIB View')) continue;
    if (m) out.push({ oid: m[1]!, type: m[2] ?? '', value: m[3]!.replace(/^"|"$/g, '') });
    else if (out.length > 0) out[out.length - 1]!.value += `\n${line}`;
  }
  return out;
}
/** Column `prefix` of a walk: index suffix → value. */
function col(lines: Line[], prefix: string): Map<string, string> {
  return new Map(lines.filter((l) => l.oid.startsWith(`${prefix}.`)).map((l) => [l.oid.slice(prefix.length + 1), l.value]));
}
const cb = '1.3.6.1.4.1.9.9.166.1';
const get = async (id: string, oids: string[]): Promise<Line[]> => parseLines(await tool('snmpget', id, ['-On', '-Ot'], oids));

interface JoinedRow {
  ifName: string;
  direction: 'input' | 'output';
  className: string;
  pre: bigint;
  post: bigint;
  drop: bigint;
  /** The queueing child's bandwidth and units, if any. */
  queue?: string;
}
/** The CBQoS join over a walk of the CBQoS subtree and ifName. */
function joinCbQos(cbqos: Line[], ifNames: Map<string, string>): JoinedRow[] {
  const policyIf = col(cbqos, `${cb}.1.1.1.4`);
  const policyDir = col(cbqos, `${cb}.1.1.1.3`);
  const configIndex = col(cbqos, `${cb}.5.1.1.2`);
  const objectType = col(cbqos, `${cb}.5.1.1.3`);
  const parent = col(cbqos, `${cb}.5.1.1.4`);
  const cmName = col(cbqos, `${cb}.7.1.1.1`);
  const bandwidth = col(cbqos, `${cb}.9.1.1.1`);
  const units = col(cbqos, `${cb}.9.1.1.2`);
  const pre = col(cbqos, `${cb}.15.1.1.6`);
  const post = col(cbqos, `${cb}.15.1.1.10`);
  const drop = col(cbqos, `${cb}.15.1.1.17`);
  return [...post.keys()].map((key) => {
    const [p, o] = key.split('.');
    expect(objectType.get(key), key).toBe('2'); // a class-map object
    const className = cmName.get(configIndex.get(key)!);
    const ifIndex = policyIf.get(p!);
    const queueKey = [...parent].find(([k, v]) => k.startsWith(`${p}.`) && v === o && objectType.get(k) === '4')?.[0];
    const queueConfig = queueKey ? configIndex.get(queueKey) : undefined;
    return {
      ifName: ifNames.get(ifIndex ?? '') ?? `?${ifIndex}`,
      direction: policyDir.get(p!) === '1' ? 'input' : 'output',
      className: className ?? `?${configIndex.get(key)}`,
      pre: BigInt(pre.get(key)!),
      post: BigInt(post.get(key)!),
      drop: BigInt(drop.get(key)!),
      ...(queueConfig ? { queue: `${bandwidth.get(queueConfig)}/${units.get(queueConfig)}` } : {}),
    };
  });
}

describe('CBQoS router', () => {
  const names = resolveRouter(simulation, joinRouterId).classMaps;

  it('snmpbulkwalk lists the class-maps by name, and the join resolves every stats row', async () => {
    const cbqos = parseLines(await tool('snmpbulkwalk', joinRouterId, ['-On', '-Cr50'], ['1.3.6.1.4.1.9.9.166']));
    const cmNames = [...col(cbqos, `${cb}.7.1.1.1`).values()].sort();
    expect(cmNames).toEqual(Object.values(names).sort());
    for (const l of cbqos.filter((l) => /\.15\.1\.1\.(6|10|17)\./.test(l.oid))) expect(l.type).toBe('Counter64');
    const ifNames = col(parseLines(await tool('snmpbulkwalk', joinRouterId, ['-On', '-Cr50'], ['1.3.6.1.2.1.31.1.1.1.1'])), '1.3.6.1.2.1.31.1.1.1.1');
    const rows = joinCbQos(cbqos, ifNames);
    const links = linksOf(joinRouterId);
    expect(rows.length).toBe(links.length * 2 * 4);
    const expected = links.flatMap((l) =>
      (['input', 'output'] as const).flatMap((direction) => Object.values(names).map((className) => `${l.ifName} ${direction} ${className}`)),
    );
    expect(rows.map((r) => `${r.ifName} ${r.direction} ${r.className}`).sort()).toEqual(expected.sort());
    // A walk spans many requests; one GET reads one instant: there pre = post + drop for every class.
    const keys = [...col(cbqos, `${cb}.15.1.1.10`).keys()];
    const got = new Map<string, bigint>();
    for (let at = 0; at < keys.length; at += 8) {
      const oids = keys.slice(at, at + 8).flatMap((k) => [6, 10, 17].map((c) => `${cb}.15.1.1.${c}.${k}`));
      for (const l of await get(joinRouterId, oids)) got.set(l.oid, BigInt(l.value));
    }
    expect(got.size).toBe(keys.length * 3);
    for (const k of keys) expect(got.get(`${cb}.15.1.1.6.${k}`)).toBe(got.get(`${cb}.15.1.1.10.${k}`)! + got.get(`${cb}.15.1.1.17.${k}`)!);
    // Queueing config as the router has it: the misconfigured link's video class has no queue.
    const badLink = topology.links.find((l) => l.id === misconfigured[0])!;
    for (const r of rows.filter((r) => r.className === names.video)) expect(r.queue === undefined, r.ifName).toBe(r.ifName === badLink.ifName);
    for (const r of rows.filter((r) => r.className === names.docex)) expect(r.queue).toBeDefined();
    // The policy-map names.
    expect([...col(cbqos, `${cb}.6.1.1.1`).values()].sort()).toEqual([resolveRouter(simulation, joinRouterId).policyName.replace(/OUT$/, 'IN'), resolveRouter(simulation, joinRouterId).policyName].sort());
  });

  it('snmptable reads cbQosCMStatsTable and cbQosCMCfgTable', async () => {
    const cbqosMib = fixturePath('mibs', 'CISCO-CLASS-BASED-QOS-MIB');
    const args = ['-M', `${netSnmpMibs}:${dirname(cbqosMib)}:${mibDir}`, '-m', 'IF-MIB:CISCO-CLASS-BASED-QOS-MIB', '-Cf', ',', '-Ci', '-Cb'];
    const table = (stdout: string): Record<string, string>[] => {
      const lines = stdout.trim().split('\n');
      const headerAt = lines.findIndex((l) => l.startsWith('index,'));
      expect(headerAt, stdout).toBeGreaterThanOrEqual(0);
      const header = lines[headerAt]!.split(',');
      // Values print with their type ("Counter64: 123") where the stub TCs leave the column type open.
      return lines.slice(headerAt + 1).map((row) => Object.fromEntries(row.split(',').map((v, k) => [header[k]!, v.replace(/^[A-Za-z0-9]+: /, '')])));
    };
    const stats = table(await tool('snmptable', joinRouterId, args, ['CISCO-CLASS-BASED-QOS-MIB::cbQosCMStatsTable']));
    expect(stats.length).toBe(linksOf(joinRouterId).length * 2 * 4);
    for (const row of stats) {
      expect(row.index).toMatch(/^\d+\.\d+$/);
      expect(BigInt(row.PrePolicyByte64!)).toBeGreaterThanOrEqual(BigInt(row.DropByte64!));
      expect(Number.parseInt(row.PostPolicyBitRate!, 10)).toBeGreaterThan(0); // "123 bits/second" (the MIB's UNITS)
      expect(BigInt(row.PostPolicyByte64!)).toBeGreaterThan(0n);
      for (const [column, value] of Object.entries(row)) expect(value, column).not.toBe('?');
    }
    const cfg = table(await tool('snmptable', joinRouterId, args, ['CISCO-CLASS-BASED-QOS-MIB::cbQosCMCfgTable']));
    expect(cfg.map((r) => r.Name).sort()).toEqual(Object.values(names).sort());
  });

  it('class counters move at the engine’s rates (within 1 %)', async () => {
    const link = linksOf(joinRouterId).find((l) => l.tier === 1) ?? linksOf(joinRouterId)[0]!;
    const served = routers.get(joinRouterId)!;
    const cbqos = parseLines(await tool('snmpbulkwalk', joinRouterId, ['-On', '-Cr50'], ['1.3.6.1.4.1.9.9.166.1']));
    const ifNames = col(parseLines(await tool('snmpbulkwalk', joinRouterId, ['-On', '-Cr50'], ['1.3.6.1.2.1.31.1.1.1.1'])), '1.3.6.1.2.1.31.1.1.1.1');
    const ifIndex = [...ifNames].find(([, name]) => name === link.ifName)![0];
    const policyIf = col(cbqos, `${cb}.1.1.1.4`);
    const policyDir = col(cbqos, `${cb}.1.1.1.3`);
    const outPolicy = [...policyIf].find(([p, i]) => i === ifIndex && policyDir.get(p) === '2')![0];
    const cmName = col(cbqos, `${cb}.7.1.1.1`);
    const configIndex = col(cbqos, `${cb}.5.1.1.2`);
    const objectType = col(cbqos, `${cb}.5.1.1.3`);
    const classObjects = [...objectType].filter(([k, t]) => k.startsWith(`${outPolicy}.`) && t === '2').map(([k]) => k);
    const classOf = new Map(classObjects.map((k) => [k, cmName.get(configIndex.get(k)!)!]));
    const simClassOf = (name: string): ServiceClass => (Object.entries(resolveRouter(simulation, joinRouterId).classMaps).find(([, n]) => n === name)![0] as ServiceClass);
    const read = async (): Promise<{ ticks: number; values: Map<string, bigint> }> => {
      const oids = ['1.3.6.1.2.1.1.3.0', `1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`, ...classObjects.map((k) => `${cb}.15.1.1.10.${k}`)];
      const lines = parseLines(await tool('snmpget', joinRouterId, ['-On', '-Ot'], oids));
      return { ticks: Number(lines[0]!.value), values: new Map(lines.slice(1).map((l) => [l.oid, BigInt(l.value)])) };
    };
    const a = await read();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const b = await read();
    const t1 = served.mib.router.bootAtMs + a.ticks * 10;
    const t2 = served.mib.router.bootAtMs + b.ticks * 10;
    expect(t2 - t1).toBeGreaterThan(4_500);
    const e1 = engine.read(link.id, 'down', t1);
    const e2 = engine.read(link.id, 'down', t2);
    const measuredTotal = b.values.get(`1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`)! - a.values.get(`1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`)!;
    const truthTotal = e2.totalOctets - e1.totalOctets;
    expect(truthTotal).toBeGreaterThan(0n);
    expect(Math.abs(Number(measuredTotal) / Number(truthTotal) - 1)).toBeLessThan(0.01);
    let checked = 0;
    for (const k of classObjects) {
      const cls = simClassOf(classOf.get(k)!);
      const truth = Number(e2.classes[cls].postOctets - e1.classes[cls].postOctets);
      const measured = Number(b.values.get(`${cb}.15.1.1.10.${k}`)! - a.values.get(`${cb}.15.1.1.10.${k}`)!);
      if (truth < 20_000) continue; // too little traffic for a 1 % comparison
      expect(Math.abs(measured / truth - 1), cls).toBeLessThan(0.01);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});

describe('sub-interface router', () => {
  it('has one l2vlan sub-interface per class with the suffix names and service aliases; parent = Σ', async () => {
    const sim = resolveRouter(simulation, subRouterId);
    const x = parseLines(await tool('snmpbulkwalk', subRouterId, ['-On', '-Cr50'], ['1.3.6.1.2.1.31.1.1.1']));
    const types = col(parseLines(await tool('snmpbulkwalk', subRouterId, ['-On', '-Cr50'], ['1.3.6.1.2.1.2.2.1.3'])), '1.3.6.1.2.1.2.2.1.3');
    const names = col(x, '1.3.6.1.2.1.31.1.1.1.1');
    const aliases = col(x, '1.3.6.1.2.1.31.1.1.1.18');
    const hcOut = col(x, '1.3.6.1.2.1.31.1.1.1.10');
    const byName = new Map([...names].map(([i, n]) => [n, i]));
    for (const link of linksOf(subRouterId)) {
      let sum = 0n;
      for (const [cls, label] of [
        ['docex', 'DOCEX'],
        ['video', 'VIDEO'],
        ['internet', 'INTERNET'],
        ['other', 'OTHER'],
      ] as const) {
        const ifIndex = byName.get(`${link.ifName}.${sim.subinterfaces[cls]}`);
        expect(ifIndex, `${link.ifName}.${sim.subinterfaces[cls]}`).toBeDefined();
        expect(types.get(ifIndex!)).toBe('135');
        expect(aliases.get(ifIndex!)).toBe(`${label} [${link.id}]`);
        sum += BigInt(hcOut.get(ifIndex!)!);
      }
      // One walk is not one instant: the parent read a little later is at least the sum.
      const parent = BigInt(hcOut.get(byName.get(link.ifName)!)!);
      expect(parent).toBeGreaterThanOrEqual(sum);
      expect(Number(parent - sum) / Number(parent)).toBeLessThan(0.001);
    }
    expect(x.some((l) => l.oid.startsWith('1.3.6.1.4.1.9.9.166'))).toBe(false);
  });
});

describe('router events seen through snmpget', () => {
  const ifIndexOf = async (id: string, ifName: string): Promise<string> => {
    const names = col(parseLines(await tool('snmpbulkwalk', id, ['-On', '-Cr50'], ['1.3.6.1.2.1.31.1.1.1.1'])), '1.3.6.1.2.1.31.1.1.1.1');
    return [...names].find(([, n]) => n === ifName)![0];
  };

  it('reboot: sysUpTime and counters restart near zero, ifCounterDiscontinuityTime 0', async () => {
    const id = eventRouterIds[0]!;
    const link = linksOf(id)[0]!;
    const ifIndex = await ifIndexOf(id, link.ifName);
    const before = await get(id, ['1.3.6.1.2.1.1.3.0', `1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`]);
    expect(Number(before[0]!.value)).toBeGreaterThan(3 * 86_400 * 100);
    routers.get(id)!.mib.reboot(simulatedNowMs());
    const after = await get(id, ['1.3.6.1.2.1.1.3.0', `1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`, `1.3.6.1.2.1.31.1.1.1.19.${ifIndex}`]);
    expect(Number(after[0]!.value)).toBeLessThan(500);
    expect(BigInt(after[1]!.value)).toBeLessThan(BigInt(before[1]!.value));
    expect(BigInt(after[1]!.value)).toBeLessThan(BigInt(Math.ceil((link.capacityBps ?? 1e9) / 8)) * 5n);
    expect(after[2]!.value).toBe('0');
  });

  it('renumber: the ifName moves to another ifIndex and the CBQoS policy indexes change', async () => {
    const id = eventRouterIds[1]!;
    const link = linksOf(id)[0]!;
    const before = await ifIndexOf(id, link.ifName);
    const policiesBefore = [...col(parseLines(await tool('snmpbulkwalk', id, ['-On'], [`${cb}.1.1.1.4`])), `${cb}.1.1.1.4`).keys()];
    let after = before;
    const mib = routers.get(id)!.mib;
    for (let k = 0; k < 5 && after === before; k++) {
      mib.renumber(simulatedNowMs());
      after = await ifIndexOf(id, link.ifName);
    }
    expect(after).not.toBe(before);
    const oldName = await get(id, [`1.3.6.1.2.1.31.1.1.1.1.${before}`]);
    expect(oldName[0]!.value).not.toBe(link.ifName);
    const policies = col(parseLines(await tool('snmpbulkwalk', id, ['-On'], [`${cb}.1.1.1.4`])), `${cb}.1.1.1.4`);
    expect([...policies.keys()].filter((p) => policiesBefore.includes(p))).toEqual([]);
    expect([...policies.values()].filter((i) => i === after).length).toBe(2);
  });

  it('32-bit wrap: ifOutOctets jumps just below 2^32 and wraps soon after; ifHCOutOctets does not jump', async () => {
    const id = eventRouterIds[2]!;
    const link = linksOf(id).find((l) => l.tier === 1) ?? linksOf(id)[0]!;
    const ifIndex = await ifIndexOf(id, link.ifName);
    const [, hcBefore] = await get(id, ['1.3.6.1.2.1.1.3.0', `1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`]);
    routers.get(id)!.mib.setCounter32NearWrap(simulatedNowMs());
    const [low, hc] = await get(id, [`1.3.6.1.2.1.2.2.1.16.${ifIndex}`, `1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`]);
    expect(low!.type).toBe('Counter32');
    expect(Number(low!.value)).toBeGreaterThan(2 ** 32 - 2 ** 30);
    expect(BigInt(hc!.value) - BigInt(hcBefore!.value)).toBeLessThan(BigInt(link.capacityBps ?? 1e9)); // < 8 s at line rate
  });

  it('a router that stops answering times out; it answers again when back', async () => {
    const id = eventRouterIds[3]!;
    const mib = routers.get(id)!.mib;
    mib.setResponding(false);
    try {
      await expect(
        run('snmpget', ['-v2c', '-c', community, '-t', '0.5', '-r', '0', routers.get(id)!.address, '1.3.6.1.2.1.1.3.0'], { env: { ...process.env, MIBS: '' } }),
      ).rejects.toThrow(/Timeout/);
    } finally {
      mib.setResponding(true);
    }
    expect((await get(id, ['1.3.6.1.2.1.1.5.0']))[0]!.value).toBe(id);
  });
});
