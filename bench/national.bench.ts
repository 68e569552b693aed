// `npx tsx bench/national.bench.ts`: the national example (config/national: 3,357 routers, every
// link polled at both ends) served by ONE `lanewatch simulate` process and polled by the
// Lanewatch collector every 10 s, as `npm run demo -- --national` does. Is the simulator cheaper
// than the collector polling it?
//
// In one run: the simulator in a child process (its CPU from /proc), the collector in this
// process (its CPU from process.cpuUsage: polling, rates, per-class samples and the live bus; no
// InfluxDB store), both over the same intervals after a warm-up (the first polls discover every
// router's interfaces and QoS tree). Reported per interval: polls, failures, varbinds; and CPU-ms
// per 1000 varbinds of each, their ratio, and each one's share of a core.
//
// Environment: BENCH_INTERVALS measured (default 6, i.e. one minute), BENCH_WARMUP intervals
// before (default 3), BENCH_PORT the agents' UDP port (default 26161, away from the demo's 16161),
// BENCH_CPU_PROFILE=DIR writes the simulator's CPU profile there (node --cpu-prof).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../config/load.ts';
import type { RouterConfig } from '../config/schema.ts';
import { Collector } from '../collector/collector.ts';
import { LiveBus } from '../collector/live-bus.ts';
import { nationalDir, nationalPort } from '../scripts/generate-national.ts';
import { stopChild } from '../tests/helpers/child-process.ts';
import { waitForAgent } from '../tests/helpers/snmp-client.ts';
import { cpuMsOfPid, cpuMsOfSelf, rssBytesOfPid } from './support.ts';

const intervals = Number(process.env.BENCH_INTERVALS ?? 6);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const port = Number(process.env.BENCH_PORT ?? 26_161);
const profileDir = process.env.BENCH_CPU_PROFILE;
const cli = fileURLToPath(new URL('../bin/lanewatch.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

// The simulator's CPU (ms) and RSS (MiB); NaN once it has gone, so a figure never reads as zero.
const simCpuMsOf = (pid: number): number => cpuMsOfPid(pid) ?? Number.NaN;
const simRssMiBOf = (pid: number): number => (rssBytesOfPid(pid) ?? Number.NaN) / 1_048_576;

/** config/national with every agent on `port` instead of its own, in a directory of its own. */
function benchConfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-national-bench-'));
  const topology = readFileSync(join(nationalDir, 'topology.yaml'), 'utf8').replaceAll(`:${nationalPort}"`, `:${port}"`);
  writeFileSync(join(dir, 'topology.yaml'), topology);
  copyFileSync(join(nationalDir, 'simulation.yaml'), join(dir, 'simulation.yaml'));
  mkdirSync(join(dir, 'state'));
  writeFileSync(join(dir, 'settings.yaml'), readFileSync(join(nationalDir, 'settings.yaml'), 'utf8').replace(/dir: \.tmp\/national\//g, `dir: ${dir}/`));
  return dir;
}

async function startSimulator(dir: string, lastRouter: RouterConfig): Promise<{ child: ChildProcess; startMs: number }> {
  const t0 = performance.now();
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, cli, 'simulate', '--config', dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  await waitForAgent(lastRouter, child, { timeoutMs: 300_000, intervalMs: 250, timing: { timeoutMs: 500, retries: 0 } });
  return { child, startMs: performance.now() - t0 };
}

interface Tally {
  polls: number;
  failed: number;
  varbinds: number;
  samples: number;
  classSamples: number;
}
const zero = (): Tally => ({ polls: 0, failed: 0, varbinds: 0, samples: 0, classSamples: 0 });
const fmt = (n: number, digits = 0): string => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const dir = benchConfigDir();
  const config = loadConfig(dir, { env: {} });
  const intervalMs = config.settings.collector.intervalMs;
  const { topology } = config;
  console.log(
    `national benchmark: ${fmt(topology.routers.length)} routers, ${fmt(topology.links.length)} links (${topology.links.filter((l) => l.far).length} two-ended), polled every ${intervalMs / 1_000} s; ${warmup} intervals of warm-up, ${intervals} measured\n`,
  );
  const sim = await startSimulator(dir, topology.routers.at(-1)!);
  const simPid = sim.child.pid ?? 0;
  const rssAtStart = simRssMiBOf(simPid);
  const bus = new LiveBus();
  let tally = zero();
  bus.subscribe((batch) => {
    tally.polls++;
    if (!batch.poll.ok) tally.failed++;
    tally.varbinds += batch.poll.varbinds;
    tally.samples += batch.links.length;
    tally.classSamples += batch.links.filter((s) => s.class !== 'total').length;
  });
  const collector = new Collector({ config, bus, log: pino({ level: 'warn' }) });
  try {
    collector.start();
    await new Promise((r) => setTimeout(r, warmup * intervalMs));
    const warm = tally;
    tally = zero();
    const sim0 = simCpuMsOf(simPid);
    const self0 = cpuMsOfSelf();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, intervals * intervalMs));
    const wallMs = performance.now() - t0;
    const simCpuMs = simCpuMsOf(simPid) - sim0;
    const collectorCpuMs = cpuMsOfSelf() - self0;
    const measured = tally;
    const perK = (cpuMs: number): number => (cpuMs / measured.varbinds) * 1_000;
    const perInterval = (n: number): number => (n / wallMs) * intervalMs;
    console.log(`warm-up: ${fmt(warm.polls)} polls, ${fmt(warm.failed)} failed (the first poll of each router discovers it)`);
    console.log(
      `measured: ${fmt(perInterval(measured.polls))} polls, ${fmt(perInterval(measured.varbinds))} varbinds, ${fmt(perInterval(measured.samples))} link samples (${fmt(perInterval(measured.classSamples))} per class) per interval; ${fmt(measured.failed)} polls failed\n`,
    );
    console.log('| process | CPU-ms per 1000 varbinds | share of one core |');
    console.log('|---|---:|---:|');
    console.log(`| lanewatch simulate (${fmt(topology.routers.length)} routers) | ${fmt(perK(simCpuMs), 2)} | ${fmt((simCpuMs / wallMs) * 100, 0)} % |`);
    console.log(`| collector polling it (rates, classes, live bus; no store) | ${fmt(perK(collectorCpuMs), 2)} | ${fmt((collectorCpuMs / wallMs) * 100, 0)} % |`);
    console.log(`\nsimulator / collector CPU: ${fmt(simCpuMs / collectorCpuMs, 2)}×`);
    console.log(`simulator: start-up ${fmt(sim.startMs / 1_000, 1)} s, RSS ${fmt(rssAtStart)} MiB at start, ${fmt(simRssMiBOf(simPid))} MiB after polling`);
    if (measured.failed > 0) process.exitCode = 1;
  } finally {
    await collector.stop();
    await stopChild(sim.child, { signal: 'SIGINT', killAfterMs: 20_000 }); // SIGINT: the CLI writes its CPU profile
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
