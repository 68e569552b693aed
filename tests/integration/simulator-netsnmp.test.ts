// The simulator read by Net-SNMP's own tools (snmpbulkwalk, snmpwalk, snmpget, snmptable),
// v2c and v3 authPriv, on free loopback ports: what a real router's agent would answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { LinkConfig, SnmpV3Config, TopologyConfig } from '../../config/schema.ts';
import { Simulator } from '../../simulator/simulator.ts';
import { loadSimulationConfig } from '../../simulator/sim-config.ts';
import { freeUdpPort } from '../helpers/ports.ts';

const run = promisify(execFile);
const log = pino({ level: 'warn' });
/** MIB modules for snmptable (Debian ships none of the IETF ones): net-snmp's bundled copies. */
const mibDir = fileURLToPath(new URL('../../node_modules/net-snmp/lib/mibs', import.meta.url));
const example = loadConfig().topology;
const simulation = loadSimulationConfig(defaultConfigDir, example);
const v2Router = example.routers.find((r) => r.snmp.version === '2c')!;
const v3Router = example.routers.find((r) => r.snmp.version === '3')!;
const v3 = v3Router.snmp as SnmpV3Config;

async function onFreePorts(topology: TopologyConfig): Promise<TopologyConfig> {
  const routers = [];
  for (const r of topology.routers) routers.push({ ...r, address: `127.0.0.1:${await freeUdpPort()}` });
  return { ...topology, routers };
}

let topology: TopologyConfig;
let simulator: Simulator;

beforeAll(async () => {
  topology = await onFreePorts(example);
  simulator = new Simulator({ topology, simulation, seed: 7, speed: 1, log });
  await simulator.start();
});
afterAll(async () => {
  await simulator?.stop();
});

function addressOf(id: string, topo: TopologyConfig = topology): string {
  return topo.routers.find((r) => r.id === id)!.address;
}
function credentials(id: string): string[] {
  const router = topology.routers.find((r) => r.id === id)!;
  if (router.snmp.version === '2c') return ['-v2c', '-c', router.snmp.community];
  const s = router.snmp;
  return ['-v3', '-l', 'authPriv', '-u', s.user, '-a', s.authProtocol.toUpperCase(), '-A', s.authKey, '-x', s.privProtocol.toUpperCase(), '-X', s.privKey];
}
/** Runs a Net-SNMP tool: options, then the agent's address, then the OIDs. */
async function tool(name: string, id: string, options: string[], oids: string[], topo?: TopologyConfig): Promise<string> {
  const { stdout } = await run(name, [...credentials(id), '-t', '2', '-r', '1', ...options, addressOf(id, topo), ...oids], {
    env: { ...process.env, MIBS: '' },
  });
  return stdout;
}

interface Line {
  oid: number[];
  type: string;
  value: string;
}
function parseLines(stdout: string): Line[] {
  // A value with a line break (sysDescr) continues on lines that do not start with an OID.
  const joined: string[] = [];
  for (const line of stdout.trim().split(/\r?\n/)) {
    if (/^\.?\d+\.\d+[\d.]* = /.test(line) || joined.length === 0) joined.push(line);
    else joined[joined.length - 1] += ' ' + line;
  }
  return joined
    .map((line) => {
      const m = /^\.?([\d.]+) = (?:([A-Za-z0-9-]+): ?)?(.*)$/.exec(line); // -Ot prints bare ticks
      if (!m) throw new Error(`unexpected line: ${line}`);
      return { oid: m[1]!.split('.').map(Number), type: m[2] ?? '', value: m[3]!.replace(/^"|"$/g, '') };
    });
}
function compareArcs(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
const linksOf = (id: string): LinkConfig[] => topology.links.filter((l) => l.router === id);

describe.each([
  ['v2c', v2Router.id],
  ['v3 authPriv (SHA/AES)', v3Router.id],
])('%s: snmpbulkwalk of ifXTable', (_label, id) => {
  it('has every configured ifName, strictly increasing OIDs, Counter64 octets, ifHighSpeed in Mbps', async () => {
    const lines = parseLines(await tool('snmpbulkwalk', id, ['-On', '-Cr25'], ['1.3.6.1.2.1.31.1.1']));
    for (let k = 1; k < lines.length; k++) expect(compareArcs(lines[k - 1]!.oid, lines[k]!.oid)).toBeLessThan(0);
    const column = (n: number): Line[] => lines.filter((l) => l.oid.length === 12 && l.oid[10] === n);
    const names = new Map(column(1).map((l) => [l.value, l.oid[11]!]));
    const links = linksOf(id);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(names.has(link.ifName), link.ifName).toBe(true);
    expect(column(6).length).toBe(names.size);
    for (const l of [...column(6), ...column(10)]) expect(l.type).toBe('Counter64');
    const highSpeed = new Map(column(15).map((l) => [l.oid[11]!, Number(l.value)]));
    for (const link of links) expect(highSpeed.get(names.get(link.ifName)!)).toBe(link.capacityBps! / 1e6);
    // Outgoing octets toward the province are busier than incoming (downIs: out).
    const outOctets = new Map(column(10).map((l) => [l.oid[11]!, BigInt(l.value)]));
    const inOctets = new Map(column(6).map((l) => [l.oid[11]!, BigInt(l.value)]));
    for (const link of links) {
      const ifIndex = names.get(link.ifName)!;
      expect(outOctets.get(ifIndex)!).toBeGreaterThan(inOctets.get(ifIndex)!);
    }
  });
});

describe('the whole MIB', () => {
  it('snmpwalk (GETNEXT) of the whole tree ends cleanly, in order, and matches a GETBULK walk', async () => {
    const walkedWithEnd = parseLines(await tool('snmpwalk', v2Router.id, ['-On', '-Oe'], ['1.3.6.1']));
    // The walk runs off the end of the MIB: the tool prints the endOfMibView it got.
    expect(walkedWithEnd.at(-1)!.value).toMatch(/^No more variables left in this MIB View/);
    const walked = walkedWithEnd.slice(0, -1);
    const bulk = parseLines(await tool('snmpbulkwalk', v2Router.id, ['-On', '-Oe', '-Cr50'], ['1.3.6.1'])).slice(0, -1);
    for (let k = 1; k < walked.length; k++) expect(compareArcs(walked[k - 1]!.oid, walked[k]!.oid)).toBeLessThan(0);
    expect(walked.map((l) => l.oid.join('.'))).toEqual(bulk.map((l) => l.oid.join('.')));
    expect(walked[0]!.oid.join('.')).toBe('1.3.6.1.2.1.1.1.0');
    // A CBQoS router: the class-based QoS tables come last (cbQosCMStatsTable, column 30).
    expect(walked.at(-1)!.oid.slice(0, 14).join('.')).toBe('1.3.6.1.4.1.9.9.166.1.15.1.1.30');
    expect(walked.some((l) => l.oid.join('.') === '1.3.6.1.2.1.31.1.6.0')).toBe(true);
    expect(walked.filter((l) => l.value.startsWith('No more variables'))).toEqual([]);
    const ifCount = Number(walked.find((l) => l.oid.join('.') === '1.3.6.1.2.1.2.1.0')!.value);
    expect(ifCount).toBe(linksOf(v2Router.id).length + 2); // + management port and loopback
  });

  it('snmpget: sysUpTime is TimeTicks, missing instances and objects are reported as such', async () => {
    const out = await tool('snmpget', v3Router.id, ['-On'], ['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.1.5.0', '1.3.6.1.2.1.1.3.1', '1.3.6.1.4.1.9.9.166.1.1.1.1.4.1', '1.3.6.1.4.1.9.9.999.1.0']);
    expect(out).toMatch(/^\.1\.3\.6\.1\.2\.1\.1\.3\.0 = Timeticks: \(\d+\)/m);
    expect(out).toContain(`.1.3.6.1.2.1.1.5.0 = STRING: "${v3Router.id}"`);
    expect(out).toMatch(/1\.3\.6\.1\.2\.1\.1\.3\.1 = No Such Instance/);
    expect(out).toMatch(/1\.3\.6\.1\.4\.1\.9\.9\.166\.1\.1\.1\.1\.4\.1 = No Such Instance/); // policy indexes are larger
    expect(out).toMatch(/1\.3\.6\.1\.4\.1\.9\.9\.999\.1\.0 = No Such Object/);
  });
});

describe.each([
  ['v2c', v2Router.id],
  ['v3', v3Router.id],
])('%s: snmptable', (_label, id) => {
  function table(stdout: string): Record<string, string>[] {
    const lines = stdout.trim().split('\n');
    const headerAt = lines.findIndex((l) => l.startsWith('index,'));
    const header = lines[headerAt]!.split(',');
    return lines.slice(headerAt + 1).map((row) => Object.fromEntries(row.split(',').map((v, k) => [header[k]!, v])));
  }
  it('reads ifTable and ifXTable like a router’s', async () => {
    const mibArgs = ['-M', mibDir, '-m', 'IF-MIB', '-Cf', ',', '-Ci', '-Cb'];
    const ifTable = table(await tool('snmptable', id, mibArgs, ['IF-MIB::ifTable']));
    const ifXTable = table(await tool('snmptable', id, mibArgs, ['IF-MIB::ifXTable']));
    expect(ifTable.length).toBe(linksOf(id).length + 2);
    expect(ifXTable.length).toBe(ifTable.length);
    for (const link of linksOf(id)) {
      const x = ifXTable.find((r) => r.Name === link.ifName);
      expect(x, link.ifName).toBeDefined();
      const row = ifTable.find((r) => r.index === x!.index)!;
      expect(row.OperStatus).toBe('up');
      expect(row.Type).toBe('ethernetCsmacd');
      expect(Number(row.Speed)).toBe(Math.min(link.capacityBps!, 2 ** 32 - 1));
      expect(row.Descr).toBe(link.ifName.replace(/^Gi/, 'GigabitEthernet'));
      expect(x!.Alias).toContain(`[${link.id}]`);
      expect(Number(row.InOctets)).toBeLessThan(2 ** 32); // Counter32 wraps
    }
    for (const row of ifXTable) for (const value of Object.values(row)) expect(value).not.toBe('?');
  });
});

/** Reads sysUpTime and ifHCOutOctets/ifHCInOctets of one interface in one GET: one instant. */
async function readCounters(id: string, ifIndex: number, topo?: TopologyConfig): Promise<{ ticks: number; out: bigint; in: bigint }> {
  const lines = parseLines(
    await tool('snmpget', id, ['-On', '-Ot'], ['1.3.6.1.2.1.1.3.0', `1.3.6.1.2.1.31.1.1.1.10.${ifIndex}`, `1.3.6.1.2.1.31.1.1.1.6.${ifIndex}`], topo),
  );
  return { ticks: Number(lines[0]!.value), out: BigInt(lines[1]!.value), in: BigInt(lines[2]!.value) };
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('counters follow the model', () => {
  it.each([
    ['v2c', v2Router.id, 't1-ha-noi'],
    ['v3', v3Router.id, 't1-ho-chi-minh'],
  ])('%s: two reads of ifHCOutOctets Δt apart give the engine’s mean rate within 1%%', async (_label, id, linkId) => {
    const link = topology.links.find((l) => l.id === linkId)!;
    expect(link.router).toBe(id);
    const engine = simulator.engine();
    const router = simulator.router(id)!;
    const ifIndex = router.ifIndexOf(link.ifName)!;
    const a = await readCounters(id, ifIndex);
    await sleep(3_000);
    const b = await readCounters(id, ifIndex);
    // sysUpTime (centiseconds since boot) gives the simulated instant of each read.
    const t1 = router.model.bootAtMs + a.ticks * 10;
    const t2 = router.model.bootAtMs + b.ticks * 10;
    expect(t2 - t1).toBeGreaterThan(2_500);
    const truth = (dir: 'down' | 'up'): number => Number(engine.read(linkId, dir, t2).totalOctets - engine.read(linkId, dir, t1).totalOctets);
    expect(Math.abs(Number(b.out - a.out) / truth('down') - 1)).toBeLessThan(0.01);
    expect(Math.abs(Number(b.in - a.in) / truth('up') - 1)).toBeLessThan(0.01);
    const measuredOutBps = (Number(b.out - a.out) * 8 * 1000) / (t2 - t1);
    expect(measuredOutBps).toBeGreaterThan(0.03 * link.capacityBps!);
  });

  it('with --speed 20, sysUpTime advances 20× the wall time (and the counters with it)', async () => {
    const fast = await onFreePorts(example);
    const sim = new Simulator({ topology: fast, simulation, seed: 7, speed: 20, log });
    await sim.start();
    try {
      const link = fast.links.find((l) => l.id === 't1-ha-noi')!;
      const router = sim.router(link.router)!;
      const ifIndex = router.ifIndexOf(link.ifName)!;
      const before1 = Date.now();
      const a = await readCounters(link.router, ifIndex, fast);
      const after1 = Date.now();
      await sleep(1_500);
      const before2 = Date.now();
      const b = await readCounters(link.router, ifIndex, fast);
      const after2 = Date.now();
      const simulatedMs = (b.ticks - a.ticks) * 10;
      // Each read happened somewhere inside its bracket: the wall interval lies between these.
      expect(simulatedMs).toBeGreaterThanOrEqual(20 * (before2 - after1) - 10);
      expect(simulatedMs).toBeLessThanOrEqual(20 * (after2 - before1) + 10);
      const t1 = router.model.bootAtMs + a.ticks * 10;
      const t2 = router.model.bootAtMs + b.ticks * 10;
      const engine = sim.engine();
      const truth = Number(engine.read(link.id, 'down', t2).totalOctets - engine.read(link.id, 'down', t1).totalOctets);
      expect(Math.abs(Number(b.out - a.out) / truth - 1)).toBeLessThan(0.01);
    } finally {
      await sim.stop();
    }
  });
});

describe('start() refusals', () => {
  it('refuses a non-loopback address, naming the router and the address', async () => {
    const bad: TopologyConfig = { ...example, routers: [{ ...v2Router, address: '192.0.2.10:16101' }, v3Router] };
    const sim = new Simulator({ topology: bad, simulation, log });
    await expect(sim.start()).rejects.toThrow(`router "${v2Router.id}" (192.0.2.10:16101): 192.0.2.10:16101 is not a loopback address`);
    await sim.stop();
  });

  it('rejects when an address is taken, naming the router and the address, and binds nothing', async () => {
    const busy = createSocket('udp4');
    try {
      const port = await new Promise<number>((resolve) => busy.bind(0, '127.0.0.1', () => resolve(busy.address().port)));
      const freeForV2 = await freeUdpPort();
      const topo: TopologyConfig = {
        ...example,
        routers: [
          { ...v2Router, address: `127.0.0.1:${freeForV2}` },
          { ...v3Router, address: `127.0.0.1:${port}` },
        ],
      };
      const sim = new Simulator({ topology: topo, simulation, log });
      await expect(sim.start()).rejects.toThrow(`router "${v3Router.id}" cannot bind 127.0.0.1:${port}`);
      // The router that did bind was released.
      const again = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.bind(freeForV2, '127.0.0.1', () => resolve());
      });
      again.close();
    } finally {
      busy.close();
    }
  });
});

describe('v3 security', () => {
  it('refuses a wrong auth key and an unknown user', async () => {
    const base = ['-v3', '-l', 'authPriv', '-a', 'SHA', '-x', 'AES', '-X', v3.privKey, '-t', '1', '-r', '0', addressOf(v3Router.id), '1.3.6.1.2.1.1.3.0'];
    await expect(run('snmpget', ['-u', v3.user, '-A', 'not-the-auth-key', ...base], { env: { ...process.env, MIBS: '' } })).rejects.toThrow(
      /Authentication failure/,
    );
    await expect(run('snmpget', ['-u', 'intruder', '-A', v3.authKey, ...base], { env: { ...process.env, MIBS: '' } })).rejects.toThrow(
      /Unknown user name/,
    );
  });
});
