// `lanewatch poll` in-process with a temporary config directory: against a real snmpd, and
// against the Simulator's QoS routers (CBQoS, per-service sub-interfaces) for per-class rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { startSnmpd, type SnmpdHandle } from '../helpers/snmpd.ts';
import { freeUdpPort } from '../helpers/ports.ts';
import { runCommand, type CommandRun } from '../helpers/cli-output.ts';
import { pollCommand, type PollReport } from '../../cli/commands/poll.ts';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import { serviceClasses } from '../../api/schemas.ts';
import type { TopologyConfig } from '../../config/schema.ts';
import { Simulator } from '../../simulator/simulator.ts';
import { loadSimulationConfig, resolveRouter } from '../../simulator/sim-config.ts';

const COMMUNITY = 'lw-cli-ro';
let snmpd: SnmpdHandle;
const dirs: string[] = [];

beforeAll(async () => {
  snmpd = await startSnmpd({ community: COMMUNITY });
});

afterAll(async () => {
  await snmpd?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function configDir(topology: string, settings = 'collector:\n  intervalMs: 60000\n  timeoutMs: 500\n  retries: 0\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-poll-cli-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'settings.yaml'), settings);
  writeFileSync(join(dir, 'topology.yaml'), topology);
  return dir;
}

const run = (args: string[]): Promise<CommandRun> => runCommand(pollCommand, args);

function liveTopology(): string {
  return `provinces: [{ id: ha-noi }]
routers:
  - { id: core-1, province: ha-noi, address: "${snmpd.target}", snmp: { version: "2c", community: ${COMMUNITY} } }
links:
  - { id: t1-lo, tier: 1, province: ha-noi, router: core-1, ifName: lo, capacityBps: 100000000000 }
`;
}

describe('lanewatch poll', () => {
  it('--once --json prints the second round: link rates both ways, interfaces, polls', async () => {
    const dir = configDir(liveTopology());
    const { code, out: stdout } = await run(['--config', dir, '--once', '--json', '--interval-ms', '1500', '--log-level', 'silent']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PollReport;
    expect(report.polls).toHaveLength(1);
    expect(report.polls[0]).toMatchObject({ device: 'core-1', province: 'ha-noi', ok: true });
    // lo has no QoS: the class total only, once per direction.
    expect(report.links.map((l) => `${l.dir} ${l.class}`).sort()).toEqual(['down total', 'up total']);
    for (const link of report.links) {
      expect(link).toMatchObject({ link: 't1-lo', province: 'ha-noi', tier: 1, capacityBps: 100_000_000_000 });
      expect(link.bitsPerSecond).toBeGreaterThanOrEqual(0);
      expect(link.utilization).toBeCloseTo(link.bitsPerSecond / 100_000_000_000, 12);
      expect(Object.keys(link).sort()).toEqual(['bitsPerSecond', 'capacityBps', 'class', 'dir', 'link', 'province', 'tier', 'utilization']);
    }
    expect(report.interfaces).toHaveLength(1);
    const iface = report.interfaces[0]!;
    expect(iface).toMatchObject({ device: 'core-1', ifName: 'lo', operUp: true });
    expect(report.links.find((l) => l.dir === 'down')?.bitsPerSecond).toBe(iface.outBps);
  });

  it('prints a readable table and exits 1 when a device does not answer', async () => {
    const deadPort = await freeUdpPort();
    const dir = configDir(`provinces: [{ id: ha-noi }, { id: hue }]
routers:
  - { id: core-1, province: ha-noi, address: "${snmpd.target}", snmp: { version: "2c", community: ${COMMUNITY} } }
  - { id: hue-1, province: hue, address: "127.0.0.1:${deadPort}", snmp: { version: "2c", community: ${COMMUNITY} } }
links:
  - { id: t1-lo, tier: 1, province: ha-noi, router: core-1, ifName: lo, capacityBps: 100000000000 }
  - { id: t1-hue, tier: 1, province: hue, router: hue-1, ifName: Gi0/1, capacityBps: 100000000 }
`);
    const { code, out: stdout } = await run(['--config', dir, '--once', '--interval-ms', '1000', '--log-level', 'silent']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^link\s+province\s+tier\s+dir\s+class\s+rate\s+util\s+capacity/m);
    expect(stdout).toMatch(/^t1-lo\s+ha-noi\s+1\s+down\s+total\s+\S+ \w?bps\s+\S+%\s+100\.00 Gbps$/m);
    expect(stdout).toMatch(/^core-1\s+ok\s+/m);
    expect(stdout).toMatch(/^hue-1\s+FAILED\s+\d+ ms\s+0\s+timeout: /m);
    expect(stdout).not.toMatch(/t1-hue/);
  });

  it('a bad config prints the ConfigError and exits 2', async () => {
    const dir = configDir(`provinces: [{ id: ha-noi }]
routers:
  - { id: core-1, address: "${snmpd.target}", snmp: { version: "2c", community: ${COMMUNITY} } }
links:
  - { id: t1, tier: 1, province: ha-noi, router: no-such-router, ifName: lo }
`);
    const { code, out: stdout, err: stderr } = await run(['--config', dir, '--once', '--json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/invalid configuration/);
    expect(stderr).toMatch(/links\[0\]\.router: unknown router "no-such-router"/);
  });

  it('bad arguments print the usage and exit 2', async () => {
    const bad = await run(['--once', '--interval-ms', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--interval-ms expects a positive integer/);
    expect(bad.err).toContain(pollCommand.usage);
    const unknown = await run(['--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(pollCommand.usage).toMatch(/--once/);
    expect(pollCommand.usage).toMatch(/--json/);
  });
});

describe('lanewatch poll against QoS routers (the Simulator)', () => {
  const example = loadConfig(defaultConfigDir);
  const simulation = loadSimulationConfig(defaultConfigDir, example.topology);
  const qosOf = (id: string): string => resolveRouter(simulation, id).qos;
  /** One router of each QoS style that yields per-class samples. */
  const routers = ['cbqos', 'subinterfaces'].map((qos) => {
    const router = example.topology.routers.find((r) => qosOf(r.id) === qos && example.topology.links.some((l) => l.router === r.id));
    if (!router) throw new Error(`the example network has no ${qos} router with links`);
    return router;
  });
  let sim: Simulator | undefined;
  let dir: string;

  beforeAll(async () => {
    for (const r of routers) r.address = `127.0.0.1:${await freeUdpPort()}`;
    const links = example.topology.links.filter((l) => routers.some((r) => r.id === l.router));
    const provinces = example.topology.provinces.filter((p) => links.some((l) => l.province === p.id));
    const topology: TopologyConfig = { provinces, routers, links };
    sim = new Simulator({ topology, simulation, log: pino({ level: 'silent' }) });
    await sim.start();
    dir = configDir(stringify(topology));
    // The example's class rules, which name the simulated routers' classes.
    copyFileSync(join(defaultConfigDir, 'classes.yaml'), join(dir, 'classes.yaml'));
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('--once --json labels every link row with its class; (link, dir, class) is unique', async () => {
    const { code, out: stdout } = await run(['--config', dir, '--once', '--json', '--interval-ms', '1500', '--log-level', 'silent']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PollReport;
    expect(report.polls.map((p) => p.device).sort()).toEqual(routers.map((r) => r.id).sort());
    const classes: readonly string[] = ['total', ...serviceClasses];
    for (const row of report.links) expect(classes, JSON.stringify(row)).toContain(row.class);
    const keys = report.links.map((l) => `${l.link} ${l.dir} ${l.class}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every link: its total both ways, and per-class rows besides (these routers report classes).
    for (const link of new Set(report.links.map((l) => l.link))) {
      const rows = report.links.filter((l) => l.link === link);
      expect(rows.filter((l) => l.class === 'total').map((l) => l.dir).sort(), link).toEqual(['down', 'up']);
      expect(rows.some((l) => l.class !== 'total'), link).toBe(true);
    }
  });

  it('prints the class of every link row as text', async () => {
    const { code, out: stdout } = await run(['--config', dir, '--once', '--interval-ms', '1500', '--log-level', 'silent']);
    expect(code).toBe(0);
    const [linkTable = ''] = stdout.split('\n\n');
    const [header = '', ...rows] = linkTable.split('\n');
    expect(header).toMatch(/^link\s+province\s+tier\s+dir\s+class\s+rate\s+util\s+capacity$/);
    expect(rows.length).toBeGreaterThan(0);
    const keys = rows.map((row) => {
      const [link, , , dir, cls] = row.split(/\s+/);
      expect(['total', ...serviceClasses], row).toContain(cls);
      return `${link} ${dir} ${cls}`;
    });
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.some((k) => !k.endsWith(' total'))).toBe(true);
  });
});
