// `tsx bench/simulator.bench.ts`: can ONE `lanewatch simulate` process serve N routers (default
// 15,000) polled once a minute — about 1.5 M varbinds a minute, 25 k/s — with correct answers?
//
// In one run, over the same client code (net-snmp GETBULK of the collector's eight IF-MIB
// columns plus sysUpTime):
//   1. the simulator serving N generated routers: start-up time, RSS per router, every router
//      polled once ("one minute's worth" of polls) as fast as the client goes, a sample checked
//      for correctness; agent CPU from /proc/<pid>/stat;
//   2. reference A: the same simulator serving ONE router, polled the same number of times;
//   3. reference B: Net-SNMP's C `snmpd` (Debian) polled the same way.
// Reported: agent CPU-ms per 1000 varbinds and its ratio to both references, RSS per router,
// the sustained varbinds/s against the 25 k/s needed, and the projected ceiling on one core.
//
// Environment: BENCH_ROUTERS (default 15000), BENCH_LINKS per router (default 10),
// BENCH_CONCURRENCY requests in flight (default 64), BENCH_REF_POLLS for the references
// (default 3000).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import snmp from 'net-snmp';
import type { RouterConfig, TopologyConfig } from '../config/schema.ts';
import { generateTopology } from '../simulator/generate.ts';
import type { SimulationConfig } from '../simulator/sim-config.ts';
import { stopChild } from '../tests/helpers/child-process.ts';
import { freeUdpPort } from '../tests/helpers/ports.ts';
import { getBulk, waitForAgent } from '../tests/helpers/snmp-client.ts';
import { cpuMsOfPid, rssBytesOfPid } from './support.ts';

const routerCount = Number(process.env.BENCH_ROUTERS ?? 15_000);
const linksPerRouter = Number(process.env.BENCH_LINKS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const refPolls = Number(process.env.BENCH_REF_POLLS ?? 3_000);
const cli = fileURLToPath(new URL('../bin/lanewatch.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const neededVarbindsPerSecond = 1_500_000 / 60;

const sysUpTime = '1.3.6.1.2.1.1.3';
const sysName = '1.3.6.1.2.1.1.5';
const ifX = (c: number) => `1.3.6.1.2.1.31.1.1.1.${c}`;
const ifT = (c: number) => `1.3.6.1.2.1.2.2.1.${c}`;
/** The collector's columns: ifName, ifHCIn/OutOctets, ifHighSpeed, ifCounterDiscontinuityTime, ifOperStatus, ifIn/OutErrors. */
const columns = [ifX(1), ifX(6), ifX(10), ifX(15), ifX(19), ifT(8), ifT(14), ifT(20)];

// ---- process accounting ------------------------------------------------------------------------

// An agent's CPU (ms) and RSS (bytes); NaN once it has gone, so a figure never reads as zero.
const agentCpuMs = (pid: number): number => cpuMsOfPid(pid) ?? Number.NaN;
const agentRssBytes = (pid: number): number => rssBytesOfPid(pid) ?? Number.NaN;

// ---- the client --------------------------------------------------------------------------------

/** The client's timing: 3 s for an answer, one resend. */
const timing = { timeoutMs: 3_000, retries: 1 };

interface PollResult {
  varbinds: number;
  requests: number;
  failures: number;
  wallMs: number;
  agentCpuMs: number;
  wrong: string[];
}

/**
 * GETBULKs `targets` (in order, `concurrency` in flight): sysUpTime and sysName as
 * non-repeaters, then the collector's columns. Checks sysName of every answer.
 */
async function poll(targets: readonly RouterConfig[], maxRepetitions: number, agentPid: number, expectName: (r: RouterConfig) => string | undefined): Promise<PollResult> {
  let next = 0;
  let varbinds = 0;
  let failures = 0;
  const wrong: string[] = [];
  const cpu0 = agentCpuMs(agentPid);
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const router = targets[next++];
      if (!router) return;
      try {
        const got = await getBulk(router, [sysUpTime, sysName, ...columns], 2, maxRepetitions, timing);
        varbinds += got.length;
        const name = expectName(router);
        if (name !== undefined && String(got[1]?.value) !== name) wrong.push(`${router.id}: sysName ${String(got[1]?.value)}`);
        const upTime = got[0];
        if (upTime?.type !== snmp.ObjectType.TimeTicks) wrong.push(`${router.id}: sysUpTime ${JSON.stringify(upTime)}`);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { varbinds, requests: targets.length, failures, wallMs: performance.now() - t0, agentCpuMs: agentCpuMs(agentPid) - cpu0, wrong };
}

// ---- the agents --------------------------------------------------------------------------------

interface Served {
  child: ChildProcess;
  topology: TopologyConfig;
  startMs: number;
  dir: string;
}

async function startSimulator(topology: TopologyConfig, simulation: SimulationConfig): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-simbench-'));
  writeFileSync(join(dir, 'topology.yaml'), stringify(topology));
  writeFileSync(join(dir, 'simulation.yaml'), stringify({ seed: simulation.seed, routers: simulation.routers }));
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--max-old-space-size=8192', cli, 'simulate', '--config', dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  await waitForAgent(topology.routers.at(-1)!, child, { timeoutMs: 300_000, intervalMs: 200, timing });
  return { child, topology, startMs: performance.now() - t0, dir };
}

async function startSnmpd(): Promise<{ child: ChildProcess; router: RouterConfig; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-simbench-snmpd-'));
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'persist'));
  const port = await freeUdpPort();
  writeFileSync(join(dir, 'conf', 'snmpd.conf'), `agentAddress udp:127.0.0.1:${port}\nrocommunity bench-ro 127.0.0.1\n`);
  const child = spawn('/usr/sbin/snmpd', ['-f', '-I', '-smux', '-p', join(dir, 'snmpd.pid'), '-Lf', join(dir, 'snmpd.log')], {
    stdio: 'ignore',
    env: { ...process.env, MIBS: '', SNMPCONFPATH: `${dir}/conf:${dir}/persist`, SNMP_PERSISTENT_DIR: `${dir}/persist` },
  });
  const router: RouterConfig = { id: 'snmpd', address: `127.0.0.1:${port}`, snmp: { version: '2c', community: 'bench-ro' } };
  await waitForAgent(router, child, { timeoutMs: 15_000, intervalMs: 200, timing });
  return { child, router, dir };
}

// ---- the run -----------------------------------------------------------------------------------

const perK = (r: PollResult) => (r.agentCpuMs / r.varbinds) * 1_000;
const perSecond = (r: PollResult) => (r.varbinds / r.wallMs) * 1_000;
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mib = (bytes: number) => (bytes / 1_048_576).toFixed(1);

async function main(): Promise<void> {
  // 127.0.0.2 upwards on ports below the ephemeral range, away from the demo's 127.0.0.1 ports.
  const generated = generateTopology(routerCount, { seed: 1, basePort: 20_000, maxPort: 32_000, firstHost: 2, linksPerRouter });
  const single = generateTopology(1, { seed: 1, basePort: 32_100, maxPort: 32_100, firstHost: 2, linksPerRouter, v3Every: 0 });
  const rows = linksPerRouter + 2; // a page: the links, the management port and the loopback
  console.log(`simulator benchmark: ${fmt(routerCount)} routers × ${linksPerRouter} links, GETBULK of ${columns.length} columns × ${rows} rows + 2, ${concurrency} in flight\n`);

  const ref = await startSimulator(single.topology, single.simulation);
  const big = await startSimulator(generated.topology, generated.simulation);
  const snmpd = await startSnmpd();
  try {
    const pidOf = (c: ChildProcess) => c.pid ?? 0;
    const rssOne = agentRssBytes(pidOf(ref.child));
    const rssBefore = agentRssBytes(pidOf(big.child));

    // Warm-up (JIT, key derivation for v3 engines) on a slice, then every router once.
    await poll(generated.topology.routers.slice(0, 2_000), rows, pidOf(big.child), () => undefined);
    const all = await poll(generated.topology.routers, rows, pidOf(big.child), (r) => r.id);
    const rssAfter = agentRssBytes(pidOf(big.child));

    const refTargets = Array.from({ length: refPolls }, () => single.topology.routers[0]!);
    await poll(refTargets.slice(0, 500), rows, pidOf(ref.child), () => undefined);
    const one = await poll(refTargets, rows, pidOf(ref.child), (r) => r.id);
    const snmpdTargets = Array.from({ length: refPolls }, () => snmpd.router);
    await poll(snmpdTargets.slice(0, 500), rows, pidOf(snmpd.child), () => undefined);
    const c = await poll(snmpdTargets, rows, pidOf(snmpd.child), () => undefined);

    console.log('| agent | requests | failed | varbinds/s | agent CPU-ms per 1000 varbinds |');
    console.log('|---|---:|---:|---:|---:|');
    const line = (name: string, r: PollResult) => console.log(`| ${name} | ${fmt(r.requests)} | ${r.failures} | ${fmt(perSecond(r))} | ${perK(r).toFixed(2)} |`);
    line(`lanewatch simulate, ${fmt(routerCount)} routers (each once)`, all);
    line('reference A: lanewatch simulate, 1 router', one);
    line('reference B: Net-SNMP snmpd (C)', c);

    const neededCpuShare = (perK(all) * neededVarbindsPerSecond) / 1_000 / 1_000;
    console.log(`
start-up: ${(big.startMs / 1_000).toFixed(1)} s for ${fmt(routerCount)} routers (1 router: ${(ref.startMs / 1_000).toFixed(1)} s)
RSS: ${mib(rssAfter)} MiB after polling (${mib(rssBefore)} MiB before; 1 router: ${mib(rssOne)} MiB) → ${((rssAfter - rssOne) / Math.max(1, routerCount - 1) / 1_024).toFixed(1)} KiB per router
cost per varbind: ${(perK(all) / perK(one)).toFixed(2)}× the same agent serving one router, ${(perK(all) / perK(c)).toFixed(2)}× snmpd
sustained: ${fmt(perSecond(all))} varbinds/s = ${(perSecond(all) / neededVarbindsPerSecond).toFixed(2)}× the ${fmt(neededVarbindsPerSecond)}/s needed (client-bound: the poller shares the machine)
one core would serve ${fmt(1e6 / perK(all))} varbinds/s = ${(1e6 / perK(all) / neededVarbindsPerSecond).toFixed(2)}× the need; the need costs ${(neededCpuShare * 100).toFixed(0)} % of a core
every router polled once in ${(all.wallMs / 1_000).toFixed(1)} s (the budget is 60 s); failed requests: ${all.failures}; wrong answers: ${all.wrong.length}`);
    for (const w of all.wrong.slice(0, 10)) console.log(`  wrong: ${w}`);
    if (all.failures > 0 || all.wrong.length > 0) process.exitCode = 1;
  } finally {
    await Promise.all([stopChild(big.child), stopChild(ref.child), stopChild(snmpd.child)]);
    for (const dir of [big.dir, ref.dir, snmpd.dir]) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
