// Live heap per router and per link of the collector, and of the server's parts beside it, on
// `lanewatch simulate --generate N` networks (10 links per router, CBQoS with ~80 classes per
// router): `npx tsx bench/memory.bench.ts` (or `node --expose-gc --import tsx bench/memory.bench.ts`).
//
// For each N (BENCH_MEMORY_ROUTERS, default "500,1500") the simulator serves the network in its
// own process, and each measured mode runs in a fresh child process (node --expose-gc) that
// loads the config, builds its parts, starts the collector (a LiveBus, no store) and waits until
// every router has been polled twice (discovery and first readings, then samples), then takes
// the live heap after full GCs (heapUsed, the least of three) and the RSS. Modes:
//   - collector: the collector alone;
//   - server: the collector with the analyzer and the server (buildApp: live snapshot, hub, …)
//     subscribed to the bus, as `lanewatch run` wires them (no InfluxDB: nothing is written).
// The difference between two N gives bytes per router and per link without the fixed costs;
// the config is measured on its own (heap after loading it), and server − collector is what the
// server's parts hold. BENCH_MEMORY_SNAPSHOT=DIR also writes a heap snapshot of the collector
// child at the largest N and prints the self size by constructor (the top 25).
//
// Environment: BENCH_MEMORY_ROUTERS, BENCH_MEMORY_MODES (default "collector,server"),
// BENCH_INTERVAL_MS (the poll interval, default 30 s), BENCH_MEMORY_SNAPSHOT=DIR.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { stringify } from 'yaml';
import { pino } from 'pino';
import { loadConfig } from '../config/load.ts';
import { LiveBus } from '../collector/live-bus.ts';
import { Collector } from '../collector/collector.ts';
import { createInfluxClient } from '../collector/store/influx-client.ts';
import { generateTopology } from '../simulator/generate.ts';
import { buildApp } from '../server/app.ts';
import { openAuthServices } from '../server/auth/services.ts';
import { PolicyStore } from '../server/policies/store.ts';
import { loadPolicySeed } from '../server/policies/seed.ts';
import { Analyzer } from '../server/analysis/analyzer.ts';
import { loadAverage1m, waitForAgent } from './support.ts';

const cli = fileURLToPath(new URL('../bin/lanewatch.js', import.meta.url));
const self = fileURLToPath(import.meta.url);
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
type Mode = 'collector' | 'server';

interface ChildResult {
  mode: Mode;
  routers: number;
  links: number;
  /** heapUsed after GC: before anything, after the config, after polling. */
  heapBaseBytes: number;
  heapConfigBytes: number;
  heapPolledBytes: number;
  rssBytes: number;
  polledTwiceMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
}

/** The least heapUsed of three full GCs a little apart (polls in flight hold a varying bit). */
async function liveHeapBytes(): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 3; i++) {
    gc();
    least = Math.min(least, process.memoryUsage().heapUsed);
    await sleep(500);
  }
  return least;
}

/** Self size by constructor name of a heap snapshot (the top `top`). */
function snapshotBreakdown(file: string, top: number): Array<{ name: string; count: number; selfBytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const totals = new Map<string, { count: number; selfBytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type}:${snap.strings[snap.nodes[i + nameAt]!]}` : `(${type})`;
    const t = totals.get(name) ?? { count: 0, selfBytes: 0 };
    t.count++;
    t.selfBytes += snap.nodes[i + sizeAt]!;
    totals.set(name, t);
  }
  return [...totals].map(([name, t]) => ({ name, ...t })).sort((a, b) => b.selfBytes - a.selfBytes).slice(0, top);
}

async function child(dir: string, mode: Mode, snapshotFile: string | undefined): Promise<void> {
  const heapBaseBytes = await liveHeapBytes();
  const config = loadConfig(dir, { env: {} });
  const heapConfigBytes = await liveHeapBytes();
  const log = pino({ level: 'warn' });
  const bus = new LiveBus();
  const stops: Array<() => Promise<unknown>> = [];
  if (mode === 'server') {
    const policies = await PolicyStore.open({ dir: join(dir, 'state', 'policies'), seed: loadPolicySeed(dir), topology: config.topology, log });
    const analyzer = new Analyzer({ config, bus, policies, log, writePoints: () => {} });
    analyzer.start();
    stops.push(async () => analyzer.stop());
    const auth = await openAuthServices({ stateDir: join(dir, 'state'), auth: config.settings.auth, provinceIds: new Set(config.topology.provinces.map((p) => p.id)) });
    stops.push(() => auth.close());
    const app = await buildApp({ config, bus, influx: createInfluxClient(config.settings.influx), auth, policies, analyzer, logger: false });
    stops.push(() => app.close());
  }
  const collector = new Collector({ config, bus, log });
  const polls = new Map<string, number>();
  let polledTwice = 0;
  bus.subscribe((batch) => {
    const n = (polls.get(batch.poll.device) ?? 0) + 1;
    polls.set(batch.poll.device, n);
    if (n === 2) polledTwice++;
  });
  const routers = config.topology.routers.length;
  const t0 = Date.now();
  collector.start();
  const deadline = t0 + 20 * config.settings.collector.intervalMs;
  while (polledTwice < routers && Date.now() < deadline) await sleep(500);
  if (polledTwice < routers) console.error(`warning: ${routers - polledTwice} routers not polled twice`);
  const polledTwiceMs = Date.now() - t0;
  const heapPolledBytes = await liveHeapBytes();
  const rssBytes = process.memoryUsage().rss;
  if (snapshotFile) v8.writeHeapSnapshot(snapshotFile);
  await collector.stop();
  for (const stop of stops.reverse()) await stop();
  const result: ChildResult = { mode, routers, links: config.topology.links.length, heapBaseBytes, heapConfigBytes, heapPolledBytes, rssBytes, polledTwiceMs };
  console.log(JSON.stringify(result));
}

function runChild(dir: string, mode: Mode, snapshotFile: string | undefined): ChildResult {
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MEMORY_CHILD: JSON.stringify({ dir, mode, snapshotFile }) },
    maxBuffer: 1 << 26,
  });
  if (res.status !== 0) throw new Error(`the ${mode} child failed (${res.status})`);
  const line = res.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ChildResult;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  await exited;
}

const kb = (bytes: number): string => (bytes / 1_024).toFixed(2);

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_MEMORY_ROUTERS ?? '500,1500').split(',').map(Number);
  const modes = (process.env.BENCH_MEMORY_MODES ?? 'collector,server').split(',') as Mode[];
  const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 30_000);
  const snapshotDir = process.env.BENCH_MEMORY_SNAPSHOT;
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  console.log(`memory benchmark: generated networks of ${sizes.join(', ')} routers, every ${intervalMs / 1_000} s; load average ${loadAverage1m().toFixed(2)}`);
  const results = new Map<string, ChildResult>();
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'lanewatch-memory-'));
    const host = 100 + Math.floor(Math.random() * 100);
    const { topology, simulation } = generateTopology(n, { seed: 1, basePort: 20_000, maxPort: 29_999, firstHost: host });
    writeFileSync(join(dir, 'topology.yaml'), stringify(topology));
    writeFileSync(join(dir, 'simulation.yaml'), stringify({ seed: simulation.seed, routers: simulation.routers }));
    writeFileSync(join(dir, 'settings.yaml'), stringify({ collector: { intervalMs, spool: { dir: join(dir, 'spool') } }, state: { dir: join(dir, 'state') } }));
    const sim = spawn(process.execPath, [cli, 'simulate', '--config', dir], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    try {
      const last = topology.routers.filter((r) => r.snmp.version === '2c').at(-1);
      await waitForAgent(last?.address ?? '', last?.snmp.version === '2c' ? last.snmp.community : '', sim, 600_000);
      for (const mode of modes) {
        const snapshotFile = snapshotDir && mode === 'collector' && n === Math.max(...sizes) ? join(snapshotDir, `${mode}-${n}.heapsnapshot`) : undefined;
        const r = runChild(dir, mode, snapshotFile);
        results.set(`${mode}|${n}`, r);
        console.log(
          `  ${mode} at ${n} routers (${r.links} links): heap ${kb(r.heapPolledBytes - r.heapConfigBytes)} KiB polled, config ${kb(r.heapConfigBytes - r.heapBaseBytes)} KiB, RSS ${(r.rssBytes / 2 ** 20).toFixed(0)} MiB; polled twice in ${(r.polledTwiceMs / 1_000).toFixed(1)} s`,
        );
        if (snapshotFile) {
          console.log(`  heap snapshot ${snapshotFile}: self size by constructor`);
          for (const row of snapshotBreakdown(snapshotFile, 25)) console.log(`    ${(row.selfBytes / 2 ** 20).toFixed(2).padStart(8)} MiB ${String(row.count).padStart(9)} ${row.name}`);
        }
      }
    } finally {
      await stopChild(sim);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
  const per = (key: (r: ChildResult) => number, mode: Mode) => {
    const a = results.get(`${mode}|${small}`);
    const b = results.get(`${mode}|${large}`);
    if (!a || !b) return undefined;
    const bytes = key(b) - key(a);
    return { perRouter: bytes / (b.routers - a.routers), perLink: bytes / (b.links - a.links) };
  };
  const summary: Record<string, number> = { routersSmall: small, routersLarge: large, intervalMs };
  const add = (name: string, v: { perRouter: number; perLink: number } | undefined) => {
    if (!v) return;
    summary[`${name}BytesPerRouter`] = Math.round(v.perRouter);
    summary[`${name}BytesPerLink`] = Math.round(v.perLink);
    console.log(`| ${name} | ${Math.round(v.perRouter).toLocaleString('en')} | ${Math.round(v.perLink).toLocaleString('en')} |`);
  };
  console.log('\n| part (live heap after GC, difference between the two sizes) | bytes per router | bytes per link |\n|---|---:|---:|');
  add('config', per((r) => r.heapConfigBytes - r.heapBaseBytes, modes[0] ?? 'collector'));
  const collector = per((r) => r.heapPolledBytes - r.heapConfigBytes, 'collector');
  add('collector', collector);
  const server = per((r) => r.heapPolledBytes - r.heapConfigBytes, 'server');
  add('collectorAndServer', server);
  if (collector && server) add('serverParts', { perRouter: server.perRouter - collector.perRouter, perLink: server.perLink - collector.perLink });
  add('collectorProcessRss', per((r) => r.rssBytes, 'collector'));
  add('serverProcessRss', per((r) => r.rssBytes, 'server'));
  console.log(JSON.stringify({ ...summary, loadAverage1mAtEnd: loadAverage1m(), measuredAt: new Date().toISOString() }));
}

const childArgs = process.env.MEMORY_CHILD;
if (childArgs) {
  const { dir, mode, snapshotFile } = JSON.parse(childArgs) as { dir: string; mode: Mode; snapshotFile?: string };
  await child(dir, mode, snapshotFile);
  process.exit(0);
} else {
  await main();
}
