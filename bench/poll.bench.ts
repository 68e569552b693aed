// `npm run bench`: N simulated devices polled, in the same run over the same agents, by
//   1. the Lanewatch collector (polling, rates, InfluxDB store and live WebSocket stream included),
//   2. a bare `net-snmp` GETBULK loop over the same columns (the library's floor),
//   3. Net-SNMP's C `snmpbulkget`, one process per request (the C tool's floor, process start included).
// Prints varbinds per second and CPU-ms per 1000 varbinds for each, and the collector's ratios.
// The agents run in a child process (`lanewatch simulate`), so their CPU is not counted.
//
// Environment: BENCH_DEVICES (default 200), BENCH_LINKS per device (default 10),
// BENCH_SECONDS per phase (default 8).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { pino } from 'pino';
import snmp from 'net-snmp';
import WebSocket from 'ws';
import { loadConfig, loadProvinces } from '../config/load.ts';
import { LiveBus } from '../collector/live-bus.ts';
import { Collector } from '../collector/collector.ts';
import { InfluxStore } from '../collector/store/influx-store.ts';
import { createInfluxClient } from '../collector/store/influx-client.ts';
import { OID } from '../collector/poller.ts';
import { buildApp } from '../server/app.ts';
import { openAuthServices } from '../server/auth/services.ts';
import { startInfluxd } from '../tests/helpers/influxd.ts';
import { freeTcpPort, freeUdpPort } from '../tests/helpers/ports.ts';

const devices = Number(process.env.BENCH_DEVICES ?? 200);
const linksPerDevice = Number(process.env.BENCH_LINKS ?? 10);
const phaseMs = Number(process.env.BENCH_SECONDS ?? 8) * 1_000;
const community = 'bench-ro';
const columns = [OID.ifName, OID.ifHCInOctets, OID.ifHCOutOctets, OID.ifHighSpeed, OID.ifCounterDiscontinuityTime, OID.ifOperStatus, OID.ifInErrors, OID.ifOutErrors];
const cli = fileURLToPath(new URL('../bin/lanewatch.js', import.meta.url));

interface Measure {
  name: string;
  varbinds: number;
  wallMs: number;
  cpuMs: number;
}

const cpuMsOfSelf = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1_000;
};

/** CPU of waited-for children (utime + stime), from /proc, in ms. */
function cpuMsOfChildren(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); cutime is field 16, cstime 17 → indexes 13 and 14.
  return ((Number(fields[13]) + Number(fields[14])) * 1_000) / 100;
}

async function writeTopology(dir: string): Promise<{ port: number }[]> {
  const provinces = [...loadProvinces().keys()];
  const routers = [];
  const links = [];
  for (let d = 0; d < devices; d++) {
    const id = `bench-r${String(d).padStart(5, '0')}`;
    const province = provinces[d % provinces.length] ?? 'ha-noi';
    routers.push({ id, province, address: `127.0.0.1:${await freeUdpPort()}`, snmp: { version: '2c', community } });
    for (let k = 0; k < linksPerDevice; k++) {
      links.push({ id: `${id}-l${k}`, tier: 2, province, router: id, ifName: `Gi0/0/${k}`, capacityBps: 100_000_000 });
    }
  }
  writeFileSync(join(dir, 'topology.yaml'), stringify({ provinces: provinces.map((id) => ({ id })), routers, links }));
  return routers.map((r) => ({ port: Number(r.address.split(':')[1]) }));
}

async function waitForAgents(ports: { port: number }[], sim: ChildProcess): Promise<void> {
  const last = ports[ports.length - 1];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (sim.exitCode !== null) throw new Error('the simulator exited');
    const res = spawnSync('snmpget', ['-v2c', '-c', community, '-t', '0.3', '-r', '0', `127.0.0.1:${last?.port}`, '1.3.6.1.2.1.1.3.0']);
    if (res.status === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the simulated agents did not answer');
}

async function benchCollector(configDir: string, influxUrl: string): Promise<Measure> {
  const httpPort = await freeTcpPort();
  writeFileSync(
    join(configDir, 'settings.yaml'),
    stringify({
      influx: { url: influxUrl, database: 'bench' },
      collector: { intervalMs: 1_000, timeoutMs: 2_000, retries: 1, concurrency: 64, spool: { dir: join(configDir, 'spool') } },
      server: { host: '127.0.0.1', port: httpPort },
      state: { dir: join(configDir, 'state') },
    }),
  );
  const config = loadConfig(configDir, { env: {} });
  const log = pino({ level: 'warn' });
  const bus = new LiveBus();
  const store = new InfluxStore({ influx: config.settings.influx, spool: config.settings.collector.spool, log });
  await store.start();
  bus.subscribe((batch) => store.write(batch));
  const collector = new Collector({ config, bus, log });
  const auth = await openAuthServices({ stateDir: config.settings.state.dir, auth: config.settings.auth, provinceIds: new Set(config.topology.provinces.map((p) => p.id)) });
  const password = 'bench-viewer-password';
  await auth.users.upsert({ username: 'viewer', role: 'viewer', password });
  const app = await buildApp({ config, bus, influx: createInfluxClient(config.settings.influx), auth, logger: false });
  await app.listen({ host: '127.0.0.1', port: httpPort });
  const origin = `http://127.0.0.1:${httpPort}`;
  const login = await fetch(`${origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'viewer', password }),
  });
  const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/api/v1/live`, { headers: { cookie, origin } });
  let wsMessages = 0;
  ws.on('message', () => wsMessages++);
  await new Promise((r) => ws.once('open', r));

  let varbinds = 0;
  let counting = false;
  bus.subscribe((batch) => {
    if (counting) varbinds += batch.poll.varbinds;
  });
  collector.start();
  await new Promise((r) => setTimeout(r, 3_000)); // warm-up: first readings, JIT
  counting = true;
  const cpu0 = cpuMsOfSelf();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, phaseMs));
  counting = false;
  const cpuMs = cpuMsOfSelf() - cpu0;
  const wallMs = performance.now() - t0;
  const health = collector.health();
  ws.close();
  await collector.stop();
  await app.close();
  await auth.close();
  await store.stop();
  if (health.devicesUp !== devices) console.warn(`warning: ${devices - health.devicesUp} devices down during the collector phase`);
  if (wsMessages === 0) throw new Error('the live stream delivered nothing');
  return { name: 'lanewatch collector', varbinds, wallMs, cpuMs };
}

function getBulk(session: snmp.Session, oids: string[], maxRepetitions: number): Promise<number> {
  return new Promise((resolve, reject) => {
    session.getBulk(oids, 1, maxRepetitions, (err, varbinds) => {
      if (err) reject(err);
      else resolve((varbinds ?? []).flat().length);
    });
  });
}

async function benchBareNetSnmp(ports: { port: number }[]): Promise<Measure> {
  const sessions = ports.map(({ port }) => snmp.createSession('127.0.0.1', community, { port, version: snmp.Version2c, timeout: 2_000, retries: 1 }));
  const oids = ['1.3.6.1.2.1.1.3', ...columns];
  const rows = linksPerDevice + 2; // the simulator adds a management port and a loopback
  const round = async () => {
    let n = 0;
    const queue = [...sessions];
    const worker = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        const got = await getBulk(s, oids, rows); // not `n += await …`: that loses concurrent updates
        n += got;
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    return n;
  };
  await round(); // warm-up
  let varbinds = 0;
  const cpu0 = cpuMsOfSelf();
  const t0 = performance.now();
  while (performance.now() - t0 < phaseMs) {
    const got = await round();
    varbinds += got;
  }
  const result = { name: 'bare net-snmp GETBULK loop', varbinds, wallMs: performance.now() - t0, cpuMs: cpuMsOfSelf() - cpu0 };
  for (const s of sessions) s.close();
  return result;
}

function benchSnmpbulkget(ports: { port: number }[]): Measure {
  const oids = ['1.3.6.1.2.1.1.3', ...columns];
  const rows = linksPerDevice + 2;
  let varbinds = 0;
  const cpu0 = cpuMsOfChildren();
  const t0 = performance.now();
  outer: while (performance.now() - t0 < phaseMs) {
    for (const { port } of ports) {
      const res = spawnSync('snmpbulkget', ['-v2c', '-c', community, '-On', '-Cn1', `-Cr${rows}`, `127.0.0.1:${port}`, ...oids], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`snmpbulkget failed: ${res.stderr}`);
      varbinds += res.stdout.split('\n').filter((l) => l.startsWith('.')).length;
      if (performance.now() - t0 >= phaseMs) break outer;
    }
  }
  return { name: 'Net-SNMP snmpbulkget (C, a process per request)', varbinds, wallMs: performance.now() - t0, cpuMs: cpuMsOfChildren() - cpu0 };
}

const perK = (m: Measure) => (m.cpuMs / m.varbinds) * 1_000;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-bench-'));
  const influx = await startInfluxd();
  const ports = await writeTopology(dir);
  const sim = spawn(process.execPath, [cli, 'simulate', '--config', dir], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  try {
    await waitForAgents(ports, sim);
    console.log(`poll benchmark: ${devices} simulated devices × ${linksPerDevice} links (+2 ports), ${phaseMs / 1_000} s per phase\n`);
    const results = [await benchCollector(dir, influx.url), await benchBareNetSnmp(ports), benchSnmpbulkget(ports)];
    const [collector, bare, cTool] = results as [Measure, Measure, Measure];
    console.log('| poller | varbinds/s | CPU-ms per 1000 varbinds |');
    console.log('|---|---:|---:|');
    for (const m of results) console.log(`| ${m.name} | ${Math.round((m.varbinds / m.wallMs) * 1_000).toLocaleString('en')} | ${perK(m).toFixed(2)} |`);
    console.log(`\ncollector CPU per varbind: ${(perK(collector) / perK(bare)).toFixed(2)}× the bare net-snmp loop, ${(perK(collector) / perK(cTool)).toFixed(2)}× snmpbulkget`);
    console.log('(the collector polls on its 1 s schedule, so its varbinds/s is the offered load, not a ceiling;');
    console.log(' snmpbulkget pays a process start per request.)');
  } finally {
    sim.kill('SIGTERM');
    await influx.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
