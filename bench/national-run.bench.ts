// `npm run bench:national`: the whole system at national scale on this machine, each part in
// its own process, as it is deployed: `lanewatch simulate` serving the routers, `lanewatch run`
// (collector, InfluxDB store, analyzer, server) polling them, and influxd; a signed-in viewer
// follows the live stream over a WebSocket, as the UI does. After the first cycle (every router
// polled once) and one more interval, it measures for BENCH_MINUTES and prints a table and, last,
// one JSON line.
//
// The network: config/national (the centre, 34 province cores, 3,321 commune routers), or with
// BENCH_GENERATE=N the synthetic network of `lanewatch simulate --generate N` (10 links per
// router; the 15,000-router stress: BENCH_GENERATE=15000 BENCH_INTERVAL_MS=60000), served on
// loopback addresses of its own so that it never meets a demo or a test.
//
// Environment: BENCH_MINUTES (default 5), BENCH_INTERVAL_MS (default: the config's, 10 s for the
// national network; 60 s for a generated one), BENCH_GENERATE=N, BENCH_CONCURRENCY (the
// collector's, default the config's), BENCH_INFLUX_MAX_SERIES / BENCH_INFLUX_MAX_VALUES_PER_TAG /
// BENCH_INFLUX_INDEX (influxd's [data] limits and index; defaults InfluxDB's: 1,000,000, 100,000,
// inmem), BENCH_KEEP=1 (keep the temporary directory, and influxd's log in it: influxd.log),
// BENCH_RUN_PROFILE=DIR (a CPU profile of `lanewatch run` in DIR: after the window it is stopped
// with SIGTERM and up to 10 min to exit, so that node writes the profile; its path is printed),
// BENCH_RUN_HEAP_SNAPSHOT=1 (with BENCH_RUN_PROFILE, also a heap snapshot at the end of the window:
// opt-in, as a large heap's snapshot takes minutes, may not finish, and costs CPU in the profile),
// BENCH_FLOOR_SECONDS (default 60; 0: none): the floor references, measured for that long while
// the simulator serves and before `lanewatch run` starts (bench/floor.ts, bench/floor-loop.ts),
// BENCH_RUN_NODE_ARGS (node flags for `lanewatch run`, e.g. "--max-semi-space-size=64"),
// BENCH_RUNTIME (`compiled`, the default: the program as deployed, built by scripts/build.mjs
// into .tmp/bench-dist; `source`: the TypeScript through tsx, as a development checkout runs it).
//
// Figures: onTimeShare — of every router's scheduled polls in the window, the share whose poll
// answered successfully within its interval, from `lanewatch run`'s /metrics (polls made, failed
// and late, ticks skipped: it does not depend on the store keeping up); onTimeShareStored — the
// same read back from the `poll` points in InfluxDB (one per router per interval, at the answer's
// time: each poll placed at its own tick, but short while points wait in the spool);
// pollsScheduled — the window's ticks by the schedule, beside pollsOutstandingAtStart/AtEnd (polls
// waiting or in flight): polls + skipped ticks + the change in outstanding polls account for them;
// collectorCoreShare, influxdCoreShare, simulatorCoreShare — CPU time of each process over the window (from /proc) as a share of one core;
// collectorRssBytesPerLink — the largest RSS of `lanewatch run` seen, per configured link;
// pointsWrittenPerSec, pointsSpooled (the most points seen waiting in the spool), pointsLost (and
// by reason) — from its /metrics; trafficSeriesPerLink, trafficPointsPerLinkPerInterval — the
// `traffic` series per configured link, and its points in the window per link and interval
// (one per link and direction, the classes as fields: 2 for a two-way link); sampleToClientP50Ms/P95Ms — from a sample's time (when the poll's answer
// arrived) to the WebSocket client holding it; eventLoopDelayP99Ms — the worst of the event loop
// delay p99 over the scrapes of the window (prom-client resets it at each scrape);
// storeWriteP50Ms/P95Ms — of InfluxDB write requests in the window (lanewatch_store_write_duration_seconds,
// interpolated in its buckets), storeWritesByResult (ok, rejected, failed: a failed write is an
// error or a timeout, its points spooled), storePendingPointsMax (the most points seen pending
// over the scrapes, lanewatch_store_pending_points).
// The floor: floorCoreShare — the CPU, as a share of one core, of a bare loop that sends every
// router, on the collector's schedule, the one GETBULK a poll needs at its minimum (sysUpTime +
// the IF-MIB poll columns, max-repetitions its interfaces' rows + 1), v2c over bare UDP sockets
// and the v3 routers through net-snmp (as the collector), and only matches answers to requests;
// collectorToFloorRatio — collectorCoreShare / floorCoreShare; bareNetSnmpCoreShare — the same
// loop with every router through net-snmp (which decodes every varbind); floorSimulatorCoreShare
// — the simulator's CPU while the floor ran (it answers the same requests).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import WebSocket from 'ws';
import { loadConfig } from '../config/load.ts';
import type { TopologyConfig } from '../config/schema.ts';
import { socketsFor } from '../collector/collector.ts';
import { jitterOffsetMs } from '../collector/scheduler.ts';
import { openAuthServices } from '../server/auth/services.ts';
import { generateTopology } from '../simulator/generate.ts';
import { parsePrometheusText, sampleValue, sumOf, type MetricFamily } from '../tests/helpers/prometheus-text.ts';
import { freeTcpPort } from '../tests/helpers/ports.ts';
import { benchRuntime, lanewatchCommand } from './compiled.ts';
import { histogramQuantile, measureFloor, type FloorMeasurement, type FloorMode } from './floor.ts';
import { startBenchInfluxd, type BenchInfluxd } from './influxd.ts';
import { BenchAddresses, cpuMsOfPid, cpuProfileOf, loadAverage1m, onTimeShareOfCounters, quantile, rssBytesOfPid, waitForAgent } from './support.ts';

const minutes = Number(process.env.BENCH_MINUTES ?? 5);
const generate = process.env.BENCH_GENERATE === undefined ? undefined : Number(process.env.BENCH_GENERATE);
const keep = process.env.BENCH_KEEP === '1';
const runtime = benchRuntime();
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const nationalDir = fileURLToPath(new URL('../config/national/', import.meta.url));
const viewer = { username: 'bench-viewer', password: 'bench-viewer-password-1' };

const fmt = (n: number, digits = 0): string => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Network {
  dir: string;
  topology: TopologyConfig;
  community: string;
  intervalMs: number;
  label: string;
}

/** The national example with its agents moved to addresses of this run (127.a.b.c, one port each). */
function nationalNetwork(dir: string): Network {
  const addresses = new BenchAddresses();
  const doc = parse(readFileSync(join(nationalDir, 'topology.yaml'), 'utf8')) as { routers: Array<{ address: string }> };
  doc.routers.forEach((r, i) => (r.address = addresses.address(i)));
  writeFileSync(join(dir, 'topology.yaml'), stringify(doc));
  for (const file of ['simulation.yaml', 'policies.yaml']) if (existsSync(join(nationalDir, file))) copyFileSync(join(nationalDir, file), join(dir, file));
  const settings = parse(readFileSync(join(nationalDir, 'settings.yaml'), 'utf8')) as { collector?: { intervalMs?: number } };
  const topology = loadTopology(dir);
  const first = topology.routers[0]?.snmp;
  return {
    dir,
    topology,
    community: first?.version === '2c' ? first.community : 'public',
    intervalMs: Number(process.env.BENCH_INTERVAL_MS ?? settings.collector?.intervalMs ?? 10_000),
    label: 'config/national',
  };
}

/** `lanewatch simulate --generate N`'s network (same seed, same routers and links), on addresses of this run. */
function generatedNetwork(dir: string, n: number): Network {
  const host = 100 + Math.floor(Math.random() * 100);
  const { topology, simulation } = generateTopology(n, { seed: 1, basePort: 20_000, maxPort: 29_999, firstHost: host });
  writeFileSync(join(dir, 'topology.yaml'), stringify(topology));
  writeFileSync(join(dir, 'simulation.yaml'), stringify({ seed: simulation.seed, routers: simulation.routers }));
  return {
    dir,
    topology: loadTopology(dir),
    community: 'lanewatch-ro',
    intervalMs: Number(process.env.BENCH_INTERVAL_MS ?? 60_000),
    label: `lanewatch simulate --generate ${n}`,
  };
}

function loadTopology(dir: string): TopologyConfig {
  return loadConfig(dir, { env: {} }).topology;
}

const profileDir = process.env.BENCH_RUN_PROFILE;
const heapSnapshot = process.env.BENCH_RUN_HEAP_SNAPSHOT === '1';
const floorSeconds = Number(process.env.BENCH_FLOOR_SECONDS ?? 60);
if (!Number.isFinite(floorSeconds) || floorSeconds < 0) throw new Error(`BENCH_FLOOR_SECONDS is "${process.env.BENCH_FLOOR_SECONDS}": expected seconds ≥ 0`);
/** Time `lanewatch run` gets to exit when profiled (node writes the CPU profile at exit). */
const profiledStopMs = 600_000;

function spawnCli(args: string[], name: string, nodeArgs: string[] = []): ChildProcess {
  const cli = lanewatchCommand(runtime);
  const child = spawn(process.execPath, [...nodeArgs, cli.script, ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...cli.env, LOG_LEVEL: 'warn' } });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${name} exited with ${code}`);
  });
  return child;
}

/** SIGTERM, then SIGKILL after `killAfterMs`; resolves with how it ended (`SIGKILL`: it did not exit in time). */
async function stopChild(child: ChildProcess, killAfterMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const ended = await exited;
  clearTimeout(timer);
  return ended;
}

/** The cumulative buckets of a histogram's window (m1 less m0, every label set summed). */
function histogramDelta(m0: Map<string, MetricFamily>, m1: Map<string, MetricFamily>, name: string): Array<{ le: number; count: number }> {
  const bounds = new Set((m1.get(name)?.samples ?? []).filter((s) => s.name === `${name}_bucket`).map((s) => s.labels.le ?? ''));
  return [...bounds].map((le) => ({
    le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le),
    count: sumOf(m1, `${name}_bucket`, { le }) - sumOf(m0, `${name}_bucket`, { le }),
  }));
}

async function metricsOf(origin: string): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parsePrometheusText(await res.text());
}

async function influxQuery(influx: BenchInfluxd, db: string, q: string): Promise<Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>> {
  const url = `${influx.url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  const body = (await res.json()) as { results?: Array<{ series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>; error?: string }> };
  const result = body.results?.[0];
  if (result?.error) throw new Error(`influx: ${result.error}`);
  return result?.series ?? [];
}

/** Ticks of a device at `offsetMs` in [fromMs, toMs). */
function ticksIn(offsetMs: number, intervalMs: number, fromMs: number, toMs: number): number {
  const first = Math.ceil((fromMs - offsetMs) / intervalMs) * intervalMs + offsetMs;
  return first >= toMs ? 0 : Math.floor((toMs - 1 - first) / intervalMs) + 1;
}

/**
 * Of every router's due polls in [fromMs, toMs), the share that started in its interval and
 * answered successfully before the interval's end: a poll is placed by its start (its `poll`
 * point's time less its latency), so a late poll cannot stand in for a tick that was skipped.
 */
async function onTimeShare(influx: BenchInfluxd, db: string, routers: readonly string[], intervalMs: number, fromMs: number, toMs: number): Promise<{ share: number; due: number; onTime: number; late: string[] }> {
  const polls = new Map<string, Array<{ startMs: number; endMs: number }>>();
  const series = await influxQuery(influx, db, `SELECT "ok", "latencyMs" FROM "poll" WHERE time >= ${fromMs - intervalMs}ms AND time < ${toMs + intervalMs}ms GROUP BY "device"`);
  for (const s of series) {
    const device = s.tags?.device;
    if (device === undefined) continue;
    polls.set(
      device,
      s.values.filter((v) => v[1] === true).map((v) => ({ endMs: Number(v[0]), startMs: Number(v[0]) - Number(v[2] ?? 0) })),
    );
  }
  let due = 0;
  let onTime = 0;
  const late: string[] = [];
  for (const device of routers) {
    const offset = jitterOffsetMs(device, intervalMs);
    const mine = polls.get(device) ?? [];
    for (let start = Math.ceil((fromMs - offset) / intervalMs) * intervalMs + offset; start + intervalMs <= toMs; start += intervalMs) {
      due++;
      const end = start + intervalMs;
      // A timer may fire a little early or late: a poll that started within 1 s of the tick counts as its poll.
      if (mine.some((p) => p.startMs >= start - 1_000 && p.startMs < end && p.endMs < end)) onTime++;
      else if (late.length < 10) late.push(`${device}@${new Date(start).toISOString()}`);
    }
  }
  return { share: due === 0 ? 0 : onTime / due, due, onTime, late };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-national-run-'));
  const network = generate !== undefined ? generatedNetwork(dir, generate) : nationalNetwork(dir);
  const { topology, intervalMs } = network;
  const routers = topology.routers.map((r) => r.id);
  const links = topology.links.length;
  const influx = await startBenchInfluxd({
    ...(process.env.BENCH_INFLUX_MAX_SERIES !== undefined ? { maxSeriesPerDatabase: Number(process.env.BENCH_INFLUX_MAX_SERIES) } : {}),
    ...(process.env.BENCH_INFLUX_MAX_VALUES_PER_TAG !== undefined ? { maxValuesPerTag: Number(process.env.BENCH_INFLUX_MAX_VALUES_PER_TAG) } : {}),
    ...(process.env.BENCH_INFLUX_INDEX === 'tsi1' ? { indexVersion: 'tsi1' as const } : {}),
  });
  const port = await freeTcpPort();
  const database = 'lanewatch_bench';
  const concurrency = process.env.BENCH_CONCURRENCY === undefined ? undefined : Number(process.env.BENCH_CONCURRENCY);
  const base = existsSync(join(dir, 'settings.yaml')) ? (parse(readFileSync(join(dir, 'settings.yaml'), 'utf8')) as Record<string, unknown>) : {};
  const national = generate === undefined ? (parse(readFileSync(join(nationalDir, 'settings.yaml'), 'utf8')) as { collector?: Record<string, unknown> }) : {};
  writeFileSync(
    join(dir, 'settings.yaml'),
    stringify({
      ...base,
      influx: { url: influx.url, database },
      collector: {
        ...(national.collector ?? {}),
        intervalMs,
        ...(concurrency !== undefined ? { concurrency } : {}),
        spool: { dir: join(dir, 'spool') },
      },
      state: { dir: join(dir, 'state') },
      server: { host: '127.0.0.1', port },
    }),
  );
  const auth = await openAuthServices({ stateDir: join(dir, 'state'), auth: loadConfig(dir, { env: {} }).settings.auth, provinceIds: new Set(topology.provinces.map((p) => p.id)) });
  await auth.users.upsert({ username: viewer.username, role: 'viewer', password: viewer.password });
  await auth.close();

  console.log(`national run benchmark: ${network.label}: ${fmt(routers.length)} routers, ${fmt(links)} links, every ${intervalMs / 1_000} s, ${minutes} min measured after the first cycle; the ${runtime === 'compiled' ? 'compiled program (as deployed)' : 'TypeScript sources (tsx)'}`);
  console.log(`influxd [data]: max-series-per-database ${influx.data.maxSeriesPerDatabase}, max-values-per-tag ${influx.data.maxValuesPerTag}, index ${influx.data.indexVersion}; load average ${loadAverage1m().toFixed(2)}\n`);

  let sim: ChildProcess | undefined;
  let run: ChildProcess | undefined;
  let ws: WebSocket | undefined;
  try {
    const simT0 = performance.now();
    sim = spawnCli(['simulate', '--config', dir], 'lanewatch simulate');
    // The simulator binds its agents in order: the last v2c one answering means all do.
    const last = topology.routers.filter((r) => r.snmp.version === '2c').at(-1);
    await waitForAgent(last?.address ?? '', last?.snmp.version === '2c' ? last.snmp.community : network.community, sim, 600_000);
    console.log(`simulator: every agent answers after ${fmt((performance.now() - simT0) / 1_000, 1)} s`);

    // The floor references, before `lanewatch run` starts: the machine's cost of the exchange alone.
    const floors = new Map<FloorMode, FloorMeasurement>();
    if (floorSeconds > 0) {
      const { concurrency: collectorConcurrency, timeoutMs } = loadConfig(dir, { env: {} }).settings.collector;
      for (const mode of ['raw', 'net-snmp'] as const) {
        const floor = await measureFloor({ configDir: dir, mode, intervalMs, sockets: socketsFor(collectorConcurrency), timeoutMs }, floorSeconds, sim.pid ?? 0);
        floors.set(mode, floor);
        const st = floor.stats;
        console.log(
          `floor (${mode}): ${fmt(floor.coreShare, 4)} of a core over ${fmt(floor.wallMs / 1_000)} s; ${fmt(st.answered)} of ${fmt(st.sent)} answered (${fmt(st.unanswered)} not, ${fmt(st.unmatched)} late), ` +
            `${fmt(st.v2cRouters)} v2c + ${fmt(st.v3Routers)} v3 routers, max-repetitions ${fmt(st.meanMaxRepetitions, 1)} on average; simulator ${fmt(floor.simulatorCoreShare, 4)}`,
        );
      }
    }

    const runT0 = Date.now();
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...(heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${profileDir}`] : [])] : [];
    const runArgs = (process.env.BENCH_RUN_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
    run = spawnCli(['run', '--config', dir], 'lanewatch run', [...runArgs, ...profileArgs]);
    const origin = `http://127.0.0.1:${port}`;
    for (;;) {
      if (run.exitCode !== null) throw new Error('lanewatch run exited');
      const ok = await fetch(`${origin}/api/v1/health`).then(
        (r) => r.status < 500,
        () => false,
      );
      if (ok) break;
      await sleep(250);
    }
    const login = await fetch(`${origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify(viewer),
    });
    if (login.status !== 200) throw new Error(`sign-in answered ${login.status}`);
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`, { headers: { cookie, origin } });
    let measuring = false;
    const latencies: number[] = [];
    let samplesReceived = 0;
    ws.on('message', (data: Buffer) => {
      const nowMs = Date.now();
      const message = JSON.parse(data.toString('utf8')) as { type?: string; samples?: Array<{ atMs: number }> };
      if (message.type !== 'samples' || !message.samples) return;
      samplesReceived += message.samples.length;
      if (!measuring) return;
      for (const s of message.samples) latencies.push(nowMs - s.atMs);
    });
    await new Promise<void>((resolve, reject) => {
      ws!.once('open', () => resolve());
      ws!.once('error', reject);
    });

    // The first cycle: every router polled once (its discovery included).
    let firstCycleMs: number | undefined;
    const cycleDeadline = Date.now() + Math.max(600_000, 10 * intervalMs);
    while (firstCycleMs === undefined) {
      const m = await metricsOf(origin);
      if (sumOf(m, 'lanewatch_collector_polls_total') >= routers.length) firstCycleMs = Date.now() - runT0;
      else if (Date.now() > cycleDeadline) throw new Error('the first cycle did not finish');
      else await sleep(1_000);
    }
    console.log(`first cycle: every router polled once ${fmt(firstCycleMs / 1_000, 1)} s after lanewatch run started`);
    await sleep(intervalMs + 2_000);

    // The window.
    const pids = { run: run.pid ?? 0, influxd: influx.pid, sim: sim.pid ?? 0 };
    const cpu0 = { run: cpuMsOfPid(pids.run) ?? 0, influxd: cpuMsOfPid(pids.influxd) ?? 0, sim: cpuMsOfPid(pids.sim) ?? 0 };
    const m0 = await metricsOf(origin);
    const load0 = loadAverage1m();
    const t0 = Date.now();
    measuring = true;
    let maxRss = rssBytesOfPid(pids.run) ?? 0;
    let maxSpooled = 0;
    let maxPending = sampleValue(m0, 'lanewatch_store_pending_points');
    let unreachable = 0;
    const loopP99s: number[] = [];
    const windowMs = minutes * 60_000;
    let lastReport = t0;
    while (Date.now() - t0 < windowMs) {
      await sleep(Math.min(5_000, windowMs - (Date.now() - t0)));
      maxRss = Math.max(maxRss, rssBytesOfPid(pids.run) ?? 0);
      const m = await metricsOf(origin);
      maxSpooled = Math.max(maxSpooled, sampleValue(m, 'lanewatch_store_spool_points'));
      maxPending = Math.max(maxPending, sampleValue(m, 'lanewatch_store_pending_points'));
      if (sampleValue(m, 'lanewatch_store_influx_reachable') === 0) unreachable++;
      loopP99s.push(sampleValue(m, 'nodejs_eventloop_lag_p99_seconds') * 1_000);
      if (Date.now() - lastReport >= 60_000) {
        lastReport = Date.now();
        console.log(`  ${fmt((Date.now() - t0) / 60_000, 1)} min: polls ${fmt(sumOf(m, 'lanewatch_collector_polls_total'))}, points written ${fmt(sumOf(m, 'lanewatch_store_points_written_total'))}, spooled now ${fmt(sampleValue(m, 'lanewatch_store_spool_points'))}, RSS ${fmt(maxRss / 2 ** 20)} MiB`);
      }
    }
    const t1 = Date.now();
    measuring = false;
    const m1 = await metricsOf(origin);
    const cpu1 = { run: cpuMsOfPid(pids.run) ?? 0, influxd: cpuMsOfPid(pids.influxd) ?? 0, sim: cpuMsOfPid(pids.sim) ?? 0 };
    const wallMs = t1 - t0;
    if (profileDir && heapSnapshot) {
      // A heap snapshot now (it stops the process for seconds: after the window's figures).
      run.kill('SIGUSR2');
      await sleep(30_000);
    }
    const delta = (name: string, labels: Record<string, string> = {}) => sumOf(m1, name, labels) - sumOf(m0, name, labels);
    // Let the window's last polls reach InfluxDB before reading them back.
    await sleep(Math.min(intervalMs, 15_000));
    const onTime = onTimeShareOfCounters({
      polls: delta('lanewatch_collector_polls_total'),
      failed: delta('lanewatch_collector_poll_errors_total'),
      late: delta('lanewatch_collector_polls_late_total'),
      skipped: delta('lanewatch_collector_ticks_skipped_total'),
    });
    const onTimeStored = await onTimeShare(influx, database, routers, intervalMs, t0, t1);
    // Every tick of the window by the schedule, against what the counters account for: polls
    // done, ticks skipped, and the change in polls waiting or in flight (due, not yet done).
    const outstanding = (m: Map<string, MetricFamily>) => sampleValue(m, 'lanewatch_collector_polls_waiting') + sampleValue(m, 'lanewatch_collector_polls_in_flight');
    const pollsScheduled = routers.reduce((n, device) => n + ticksIn(jitterOffsetMs(device, intervalMs), intervalMs, t0, t1), 0);
    const pollsOutstanding = { atStart: outstanding(m0), atEnd: outstanding(m1) };
    const cardinality = await influxQuery(influx, database, 'SHOW SERIES EXACT CARDINALITY').catch(() => []);
    const seriesByMeasurement = new Map(cardinality.map((s) => [s.name, Number(s.values[0]?.[0] ?? 0)]));
    const series = [...seriesByMeasurement.values()].reduce((a, b) => a + b, 0);
    // traffic: one point per link and direction each interval, its classes as fields.
    const trafficCount = await influxQuery(influx, database, `SELECT count("bps_total") FROM "traffic" WHERE time >= ${t0}ms AND time < ${t1}ms`).catch(() => []);
    const trafficPoints = Number(trafficCount[0]?.values[0]?.[1] ?? 0);
    const lostReasons = ['spool-bound', 'spool-queue', 'spool-write', 'spool-unreadable', 'rejected', 'no-spool'];
    const writeBuckets = histogramDelta(m0, m1, 'lanewatch_store_write_duration_seconds');
    const writeMs = (q: number) => Number(((histogramQuantile(writeBuckets, q) ?? -0.001) * 1_000).toFixed(1));
    const writeResults = ['ok', 'rejected', 'failed'];

    // The CPU profile: node writes it when the process exits, so stop it now and give it time.
    let cpuProfilePath: string | undefined;
    if (profileDir) {
      const runPid = run.pid ?? 0;
      ws.close();
      const stopT0 = Date.now();
      const ended = await stopChild(run, profiledStopMs);
      cpuProfilePath = cpuProfileOf(profileDir, runPid);
      const how = ended.signal === 'SIGKILL' ? `killed after ${profiledStopMs / 1_000} s` : `exited (${ended.code ?? ended.signal}) after ${fmt((Date.now() - stopT0) / 1_000, 1)} s`;
      console.log(cpuProfilePath ? `CPU profile of lanewatch run: ${cpuProfilePath} (it ${how})` : `no CPU profile of lanewatch run in ${profileDir}: it ${how}`);
    }
    const floorRaw = floors.get('raw');
    const floorNetSnmp = floors.get('net-snmp');
    const collectorCoreShare = (cpu1.run - cpu0.run) / wallMs;

    const result = {
      network: network.label,
      routers: routers.length,
      links,
      intervalMs,
      windowMs: wallMs,
      firstCycleMs,
      onTimeShare: Number(onTime.share.toFixed(5)),
      pollsDue: onTime.due,
      pollsOnTime: onTime.onTime,
      pollsLate: delta('lanewatch_collector_polls_late_total'),
      pollsScheduled,
      pollsOutstandingAtStart: pollsOutstanding.atStart,
      pollsOutstandingAtEnd: pollsOutstanding.atEnd,
      onTimeShareStored: Number(onTimeStored.share.toFixed(5)),
      collectorCoreShare: Number(collectorCoreShare.toFixed(4)),
      influxdCoreShare: Number(((cpu1.influxd - cpu0.influxd) / wallMs).toFixed(4)),
      simulatorCoreShare: Number(((cpu1.sim - cpu0.sim) / wallMs).toFixed(4)),
      collectorRssBytes: maxRss,
      collectorRssBytesPerLink: Math.round(maxRss / Math.max(1, links)),
      pointsWrittenPerSec: Math.round((delta('lanewatch_store_points_written_total') / wallMs) * 1_000),
      pointsSpooled: maxSpooled,
      influxUnreachableScrapes: unreachable,
      pointsLost: delta('lanewatch_store_points_lost_total'),
      pointsLostByReason: Object.fromEntries(lostReasons.map((reason) => [reason, delta('lanewatch_store_points_lost_total', { reason })]).filter(([, n]) => Number(n) > 0)),
      pollErrors: delta('lanewatch_collector_poll_errors_total'),
      pollsOver5s: delta('lanewatch_collector_poll_duration_seconds_count') - delta('lanewatch_collector_poll_duration_seconds_bucket', { le: '5' }),
      ticksSkippedBusy: delta('lanewatch_collector_ticks_skipped_total', { reason: 'busy' }),
      ticksSkippedBackoff: delta('lanewatch_collector_ticks_skipped_total', { reason: 'backoff' }),
      samplesToClient: latencies.length,
      sampleToClientP50Ms: Math.round(quantile(latencies, 0.5) ?? -1),
      sampleToClientP95Ms: Math.round(quantile(latencies, 0.95) ?? -1),
      eventLoopDelayP99Ms: Number(Math.max(0, ...loopP99s).toFixed(1)),
      eventLoopDelayP99MedianMs: Number((quantile(loopP99s, 0.5) ?? 0).toFixed(1)),
      influxSeries: series,
      influxSeriesByMeasurement: Object.fromEntries(seriesByMeasurement),
      trafficSeriesPerLink: Number(((seriesByMeasurement.get('traffic') ?? 0) / Math.max(1, links)).toFixed(2)),
      trafficPointsPerLinkPerInterval: Number((trafficPoints / Math.max(1, links) / Math.max(1, wallMs / intervalMs)).toFixed(2)),
      influxMaxSeriesPerDatabase: influx.data.maxSeriesPerDatabase,
      storeWriteP50Ms: writeMs(0.5),
      storeWriteP95Ms: writeMs(0.95),
      storeWritesByResult: Object.fromEntries(writeResults.map((result) => [result, delta('lanewatch_store_write_duration_seconds_count', { result })])),
      storePendingPointsMax: maxPending,
      ...(floorRaw
        ? {
            floorCoreShare: Number(floorRaw.coreShare.toFixed(4)),
            collectorToFloorRatio: Number((collectorCoreShare / Math.max(1e-9, floorRaw.coreShare)).toFixed(2)),
            floorSimulatorCoreShare: Number(floorRaw.simulatorCoreShare.toFixed(4)),
            floorAnsweredShare: Number((floorRaw.stats.answered / Math.max(1, floorRaw.stats.sent)).toFixed(5)),
            floorMeanMaxRepetitions: floorRaw.stats.meanMaxRepetitions,
            floorWindowMs: floorRaw.wallMs,
          }
        : {}),
      ...(floorNetSnmp
        ? {
            bareNetSnmpCoreShare: Number(floorNetSnmp.coreShare.toFixed(4)),
            bareNetSnmpAnsweredShare: Number((floorNetSnmp.stats.answered / Math.max(1, floorNetSnmp.stats.sent)).toFixed(5)),
          }
        : {}),
      ...(cpuProfilePath !== undefined ? { cpuProfilePath } : {}),
      loadAverage1mAtStart: load0,
      loadAverage1mAtEnd: loadAverage1m(),
      runtime,
      measuredAt: new Date(t0).toISOString(),
    };
    const rows: Array<[string, string, string]> = [
      ['routers · links · interval', `${fmt(result.routers)} · ${fmt(result.links)} · ${intervalMs / 1_000} s`, ''],
      ['first cycle (every router polled once)', `${fmt(firstCycleMs / 1_000, 1)} s`, ''],
      ['polls on time (in their interval; /metrics)', `${fmt(onTime.onTime)} of ${fmt(onTime.due)} = ${fmt(onTime.share * 100, 3)} %`, '≥ 99.9 %'],
      ['ticks by the schedule · polls waiting or in flight at start → end', `${fmt(pollsScheduled)} · ${fmt(pollsOutstanding.atStart)} → ${fmt(pollsOutstanding.atEnd)}`, ''],
      ['the same from the `poll` points in InfluxDB', `${fmt(onTimeStored.onTime)} of ${fmt(onTimeStored.due)} = ${fmt(onTimeStored.share * 100, 3)} %`, ''],
      ['lanewatch run CPU (share of a core)', fmt(result.collectorCoreShare, 4), '≤ 0.05'],
      ...(floorRaw
        ? ([
            ['floor: bare GETBULK loop CPU (same routers, same schedule)', fmt(floorRaw.coreShare, 4), ''],
            ['lanewatch run CPU ÷ floor', `${fmt(collectorCoreShare / Math.max(1e-9, floorRaw.coreShare), 2)} ×`, `≤ ${fmt(0.05 / Math.max(1e-9, floorRaw.coreShare), 2)} × (0.05)`],
          ] satisfies Array<[string, string, string]>)
        : []),
      ...(floorNetSnmp ? ([['floor through net-snmp (every router)', fmt(floorNetSnmp.coreShare, 4), '']] satisfies Array<[string, string, string]>) : []),
      ['influxd CPU', fmt(result.influxdCoreShare, 4), ''],
      ['simulator CPU', fmt(result.simulatorCoreShare, 4), ''],
      ['lanewatch run RSS per link', `${fmt(result.collectorRssBytesPerLink)} B (${fmt(maxRss / 2 ** 20)} MiB)`, generate !== undefined ? '≤ 4 KB' : ''],
      ['points written per second', fmt(result.pointsWrittenPerSec), ''],
      ['store writes p50 · p95 (ok · rejected · failed)', `${fmt(result.storeWriteP50Ms, 1)} ms · ${fmt(result.storeWriteP95Ms, 1)} ms (${writeResults.map((r) => fmt(result.storeWritesByResult[r] ?? 0)).join(' · ')})`, ''],
      ['points pending (most at once)', fmt(result.storePendingPointsMax), ''],
      ['points spooled (most at once) · lost', `${fmt(result.pointsSpooled)} · ${fmt(result.pointsLost)}`, '0 · 0'],
      ['sample → WebSocket client p50 · p95', `${fmt(result.sampleToClientP50Ms)} ms · ${fmt(result.sampleToClientP95Ms)} ms (${fmt(latencies.length)} samples)`, 'p95 ≤ 250 ms'],
      ['event loop delay p99 (worst scrape · median)', `${fmt(result.eventLoopDelayP99Ms, 1)} ms · ${fmt(result.eventLoopDelayP99MedianMs, 1)} ms`, ''],
      ['InfluxDB series', `${fmt(series)} (${[...seriesByMeasurement].map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})`, `< ${fmt(influx.data.maxSeriesPerDatabase)} or raised`],
      ['traffic: series · points per link per interval', `${fmt(result.trafficSeriesPerLink, 2)} · ${fmt(result.trafficPointsPerLinkPerInterval, 2)}`, '≤ 2 · ≤ 2'],
    ];
    console.log('\n| figure | measured | target |\n|---|---:|---|');
    for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
    if (onTimeStored.late.length > 0) console.log(`\nsome polls not on time (or not yet in InfluxDB): ${onTimeStored.late.join(', ')}`);
    console.log(`(samples received by the client in all: ${fmt(samplesReceived)}; load average ${result.loadAverage1mAtStart.toFixed(2)} → ${result.loadAverage1mAtEnd.toFixed(2)})\n`);
    console.log(JSON.stringify(result));
  } finally {
    ws?.close();
    if (run) await stopChild(run);
    if (sim) await stopChild(sim);
    await influx.stop(keep ? { keepLogIn: dir } : {});
    if (keep) console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
