// `npm run bench`: N simulated devices polled, in the same run over the same agents, by
//   1. the Lanewatch collector (polling, rates, InfluxDB store and live WebSocket stream included),
//   2. a bare `net-snmp` GETBULK loop over the same columns (the library's floor),
//   3. Net-SNMP's C `snmpbulkget`, one process per request (the C tool's floor, process start included).
// The collector is measured twice: on its default schedule, and under load (a shorter interval,
// as busy as the one simulator lets it be), as the bare loop always is: on a VM each answer that
// wakes an idle process costs CPU of its own (`npm run bench:machine`), which the paced collector
// pays and the bare loop, never idle, does not.
// Prints varbinds per second and CPU-ms per 1000 varbinds for each, and the collector's ratios.
// The agents run in a child process (`lanewatch simulate`), so their CPU is not counted.
//
// Environment: BENCH_DEVICES (default 200), BENCH_LINKS per device (default 10),
// BENCH_SECONDS per phase (default 8), BENCH_INTERVAL_MS (the collector's poll interval;
// default 10 ms per device, at least 1 s, so the simulator in its one process keeps up),
// BENCH_LOADED_INTERVAL_MS (the collector's interval under load; default 2.5 ms per device, at
// least 1 s, the shortest interval the config takes; 0 skips that phase),
// BENCH_PROFILE=DIR (a CPU and a heap-sampling profile of each in-process phase:
// DIR/collector.{cpuprofile,heapprofile} and DIR/bare.*; `tsx bench/profile-top.ts FILE` reads them),
// BENCH_RUNTIME (`compiled`, the default: the collector, store and server as deployed, tsc's
// JavaScript built by scripts/build.mjs into .tmp/bench-dist; `source`: the TypeScript through tsx).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { pino } from 'pino';
import snmp from 'net-snmp';
import WebSocket from 'ws';
import { loadProvinces } from '../config/load.ts';
import { POLL_COLUMNS, SNMPV2_MIB } from '../collector/snmp/if-mib.ts';
import { startInfluxd } from '../tests/helpers/influxd.ts';
import { freeTcpPort } from '../tests/helpers/ports.ts';
import { BenchAddresses, cpuMsOfChildren, cpuMsOfSelf, loadAverage1m, startProfile, waitForAgent } from './support.ts';
import { benchRuntime, importProgram, lanewatchCommand } from './compiled.ts';

// The program's parts, all from one runtime (compiled as deployed, or the sources).
const runtime = benchRuntime();
const { loadConfig } = await importProgram<typeof import('../config/load.ts')>(runtime, 'config/load.ts');
const { LiveBus } = await importProgram<typeof import('../collector/live-bus.ts')>(runtime, 'collector/live-bus.ts');
const { Collector } = await importProgram<typeof import('../collector/collector.ts')>(runtime, 'collector/collector.ts');
const { InfluxStore } = await importProgram<typeof import('../collector/store/influx-store.ts')>(runtime, 'collector/store/influx-store.ts');
const { createInfluxClient } = await importProgram<typeof import('../collector/store/influx-client.ts')>(runtime, 'collector/store/influx-client.ts');
const { buildApp } = await importProgram<typeof import('../server/app.ts')>(runtime, 'server/app.ts');
const { openAuthServices } = await importProgram<typeof import('../server/auth/services.ts')>(runtime, 'server/auth/services.ts');

const devices = Number(process.env.BENCH_DEVICES ?? 200);
const linksPerDevice = Number(process.env.BENCH_LINKS ?? 10);
const phaseMs = Number(process.env.BENCH_SECONDS ?? 8) * 1_000;
const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? Math.max(1_000, devices * 10));
const loadedIntervalMs = Number(process.env.BENCH_LOADED_INTERVAL_MS ?? Math.max(1_000, devices * 2.5));
const profileDir = process.env.BENCH_PROFILE;
const community = 'bench-ro';
/** What the collector walks on every device (the bare loop and snmpbulkget read the same). */
const columns = POLL_COLUMNS;
/** GETNEXT of sysUpTime (non-repeater) gives sysUpTime.0. */
const sysUpTimeColumn = SNMPV2_MIB.sysUpTime.slice(0, -2);
const cli = lanewatchCommand(runtime);

interface Measure {
  name: string;
  varbinds: number;
  wallMs: number;
  cpuMs: number;
}

/** Writes the topology; returns the agents' addresses (host:port, distinct by construction). */
function writeTopology(dir: string): string[] {
  const provinces = [...loadProvinces().keys()];
  const addresses = new BenchAddresses();
  const routers = [];
  const links = [];
  for (let d = 0; d < devices; d++) {
    const id = `bench-r${String(d).padStart(5, '0')}`;
    const province = provinces[d % provinces.length] ?? 'ha-noi';
    routers.push({ id, province, address: addresses.address(d), snmp: { version: '2c', community } });
    for (let k = 0; k < linksPerDevice; k++) {
      links.push({ id: `${id}-l${k}`, tier: 2, province, router: id, ifName: `Gi0/0/${k}`, capacityBps: 100_000_000 });
    }
  }
  writeFileSync(join(dir, 'topology.yaml'), stringify({ provinces: provinces.map((id) => ({ id })), routers, links }));
  return routers.map((r) => r.address);
}

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/** One collector phase: `phase.intervalMs` its schedule, `phase.profileName` its profiles' file name under BENCH_PROFILE. */
async function benchCollector(configDir: string, influxUrl: string, phase: { intervalMs: number; name: string; profileName: string }): Promise<Measure> {
  const { intervalMs, name } = phase;
  const httpPort = await freeTcpPort();
  writeFileSync(
    join(configDir, 'settings.yaml'),
    stringify({
      influx: { url: influxUrl, database: 'bench' },
      collector: { intervalMs, timeoutMs: 2_000, retries: 1, concurrency: 64, spool: { dir: join(configDir, 'spool') } },
      server: { host: '127.0.0.1', port: httpPort },
      state: { dir: join(configDir, 'state') },
    }),
  );
  const config = loadConfig(configDir, { env: {} });
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
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
  // Warm-up: every device polled twice (discovery, first readings) and link samples from it,
  // then a few more seconds (JIT); at most a minute.
  const sampled = new Set<string>();
  const unsubscribe = bus.subscribe((batch) => {
    if (batch.links.length > 0) sampled.add(batch.poll.device);
  });
  const warmUntil = Date.now() + 60_000;
  while (sampled.size < devices && Date.now() < warmUntil) await new Promise((r) => setTimeout(r, 250));
  unsubscribe();
  if (sampled.size < devices) console.warn(`warning: ${devices - sampled.size} devices gave no samples in the warm-up`);
  await new Promise((r) => setTimeout(r, intervalMs + 2_000));
  counting = true;
  const profile = profileDir ? await startProfile() : undefined;
  const cpu0 = cpuMsOfSelf();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, phaseMs));
  counting = false;
  const cpuMs = cpuMsOfSelf() - cpu0;
  const wallMs = performance.now() - t0;
  await profile?.stop(join(profileDir ?? '', phase.profileName));
  const health = collector.health();
  const storeHealth = store.health();
  ws.close();
  await collector.stop();
  await app.close();
  await auth.close();
  await store.stop();
  if (health.devicesUp !== devices) console.warn(`warning: ${devices - health.devicesUp} devices down during the collector phase`);
  if (wsMessages === 0) throw new Error('the live stream delivered nothing');
  if (storeHealth.spooledPoints > 0) console.warn(`warning: ${storeHealth.spooledPoints} points spooled: InfluxDB fell behind`);
  return { name, varbinds, wallMs, cpuMs };
}

function getBulk(session: snmp.Session, oids: string[], maxRepetitions: number): Promise<number> {
  return new Promise((resolve, reject) => {
    session.getBulk(oids, 1, maxRepetitions, (err, varbinds) => {
      if (err) reject(err);
      else resolve((varbinds ?? []).flat().length);
    });
  });
}

async function benchBareNetSnmp(addresses: readonly string[]): Promise<Measure> {
  const sessions = addresses.map((a) => {
    const { host, port } = hostPort(a);
    return snmp.createSession(host, community, { port, version: snmp.Version2c, timeout: 2_000, retries: 1 });
  });
  const oids = [sysUpTimeColumn, ...columns];
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
  const profile = profileDir ? await startProfile() : undefined;
  const cpu0 = cpuMsOfSelf();
  const t0 = performance.now();
  while (performance.now() - t0 < phaseMs) {
    const got = await round();
    varbinds += got;
  }
  const result = { name: 'bare net-snmp GETBULK loop', varbinds, wallMs: performance.now() - t0, cpuMs: cpuMsOfSelf() - cpu0 };
  await profile?.stop(join(profileDir ?? '', 'bare'));
  for (const s of sessions) s.close();
  return result;
}

function benchSnmpbulkget(addresses: readonly string[]): Measure {
  const oids = [sysUpTimeColumn, ...columns];
  const rows = linksPerDevice + 2;
  let varbinds = 0;
  const cpu0 = cpuMsOfChildren();
  const t0 = performance.now();
  outer: while (performance.now() - t0 < phaseMs) {
    for (const address of addresses) {
      const res = spawnSync('snmpbulkget', ['-v2c', '-c', community, '-On', '-Cn1', `-Cr${rows}`, address, ...oids], { encoding: 'utf8' });
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
  const addresses = writeTopology(dir);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const sim = spawn(process.execPath, [cli.script, 'simulate', '--config', dir], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...cli.env, LOG_LEVEL: 'warn' } });
  try {
    await waitForAgent(addresses[addresses.length - 1] ?? '', community, sim);
    const load0 = loadAverage1m();
    console.log(
      `poll benchmark: ${devices} simulated devices × ${linksPerDevice} links (+2 ports), collector every ${intervalMs / 1_000} s, ` +
        `${phaseMs / 1_000} s per phase; the ${runtime === 'compiled' ? 'compiled program (as deployed)' : 'TypeScript sources (tsx)'}; load average ${load0.toFixed(2)}\n`,
    );
    const collector = await benchCollector(dir, influx.url, { intervalMs, name: `lanewatch collector (every ${intervalMs / 1_000} s)`, profileName: 'collector' });
    const loaded = loadedIntervalMs > 0 ? await benchCollector(dir, influx.url, { intervalMs: loadedIntervalMs, name: `lanewatch collector under load (every ${loadedIntervalMs / 1_000} s)`, profileName: 'collector-loaded' }) : undefined;
    const bare = await benchBareNetSnmp(addresses);
    const cTool = benchSnmpbulkget(addresses);
    const results = [collector, ...(loaded ? [loaded] : []), bare, cTool];
    console.log('| poller | varbinds/s | CPU-ms per 1000 varbinds |');
    console.log('|---|---:|---:|');
    for (const m of results) console.log(`| ${m.name} | ${Math.round((m.varbinds / m.wallMs) * 1_000).toLocaleString('en')} | ${perK(m).toFixed(2)} |`);
    console.log(`\ncollector CPU per varbind: ${(perK(collector) / perK(bare)).toFixed(2)}× the bare net-snmp loop, ${(perK(collector) / perK(cTool)).toFixed(2)}× snmpbulkget`);
    if (loaded) console.log(`collector under load: ${(perK(loaded) / perK(bare)).toFixed(2)}× the bare net-snmp loop`);
    console.log(`(the collector polls on its schedule, so its varbinds/s is the offered load, not a ceiling;`);
    console.log(' snmpbulkget pays a process start per request.)');
    console.log(
      JSON.stringify({
        devices,
        linksPerDevice,
        intervalMs,
        runtime,
        collectorCpuMsPerKVarbinds: Number(perK(collector).toFixed(3)),
        bareCpuMsPerKVarbinds: Number(perK(bare).toFixed(3)),
        snmpbulkgetCpuMsPerKVarbinds: Number(perK(cTool).toFixed(3)),
        collectorToBare: Number((perK(collector) / perK(bare)).toFixed(3)),
        ...(loaded
          ? {
              loadedIntervalMs,
              collectorLoadedCpuMsPerKVarbinds: Number(perK(loaded).toFixed(3)),
              collectorLoadedToBare: Number((perK(loaded) / perK(bare)).toFixed(3)),
              collectorLoadedVarbindsPerSec: Math.round((loaded.varbinds / loaded.wallMs) * 1_000),
            }
          : {}),
        collectorVarbindsPerSec: Math.round((collector.varbinds / collector.wallMs) * 1_000),
        loadAverage1mAtStart: load0,
        loadAverage1mAtEnd: loadAverage1m(),
      }),
    );
  } finally {
    sim.kill('SIGTERM');
    await influx.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
