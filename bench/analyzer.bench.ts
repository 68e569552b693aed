// `npx tsx bench/analyzer.bench.ts`: the server's per-sample work at national size, in process,
// without SNMP or InfluxDB. Synthetic poll batches built from config/national's links (every
// link's down samples from its near router's poll, up from its far router's, each with total
// and the four classes: ~33,500 samples per 10-second cycle) are published on a live bus to
//   analyzer: the Analyzer alone (squeeze rule, hysteresis, linkState points, state changes);
//   states:   the Analyzer and `changed(moved)` after every batch that moved a state (what the
//             LiveHub asks once per coalescing window; here per batch, the worst case);
//   live:     the LiveSnapshot and the LiveHub with one unfiltered WebSocket client (a socket that
//             only counts bytes), as `lanewatch run` serves a browser on the national page;
//   all:      both, the hub sending the analyzer's state changes too.
// The same batches are used every cycle, their samples' times and rates moved on in place, so
// the bench's own garbage and cache misses stay out of the figures (BENCH_FRESH=1: new ones
// each cycle, as the collector makes them).
// The phases alternate (BENCH_ROUNDS rounds of each) and each prints CPU-ms per 1,000 samples
// (median of its rounds) and GC time. A few links are squeezed in turns: by default each for at
// most 2 cycles in a row, under the national raiseAfter (3), so no state changes;
// BENCH_SQUEEZE_CYCLES=K squeezes each for K cycles in a row (K ≥ 3: states go up and down).
//
// Environment: BENCH_CYCLES per round (default 6 polls of the whole network), BENCH_ROUNDS
// (default 3), BENCH_PROVINCE_CLIENTS (more clients, each subscribed to one province; default 0),
// BENCH_PHASES (comma list; default analyzer,live,all), BENCH_ANALYZER_GENERATE=N (instead of
// config/national's links, those of `lanewatch simulate --generate N`: N routers, 10 links
// each, over the 34 provinces; 13600 gives ~4,000 links per province). Profile with
// `node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/analyzer.bench.ts` (or --heap-prof).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadConfig } from '../config/load.ts';
import { generateTopology } from '../simulator/generate.ts';
import { LiveBus } from '../collector/live-bus.ts';
import type { LinkSample, PollBatch } from '../collector/samples.ts';
import { trafficClasses, type Direction, type TrafficClass } from '../api/schemas.ts';
import { PolicyStore } from '../server/policies/store.ts';
import { loadPolicySeed } from '../server/policies/seed.ts';
import { Analyzer } from '../server/analysis/analyzer.ts';
import { LiveSnapshot } from '../server/live/snapshot.ts';
import { LiveHub } from '../server/live/hub.ts';
import { LiveConnection, type LiveSocket } from '../server/live/connection.ts';
import { TopologyScope } from '../server/auth/scope.ts';
import type { LanewatchConfig } from '../config/schema.ts';

const configDir = fileURLToPath(new URL('../config/national/', import.meta.url));
const cycles = Number(process.env.BENCH_CYCLES ?? 6);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const provinceClients = Number(process.env.BENCH_PROVINCE_CLIENTS ?? 0);
const allPhases = ['analyzer', 'states', 'live', 'all'] as const;
type Phase = (typeof allPhases)[number];
const phases = (process.env.BENCH_PHASES ?? 'analyzer,live,all').split(',').map((name) => {
  const phase = allPhases.find((p) => p === name);
  if (!phase) throw new Error(`BENCH_PHASES names "${name}": expected some of ${allPhases.join(', ')}`);
  return phase;
});
const squeezeCycles = process.env.BENCH_SQUEEZE_CYCLES === undefined ? undefined : Number(process.env.BENCH_SQUEEZE_CYCLES);
if (squeezeCycles !== undefined && !(Number.isInteger(squeezeCycles) && squeezeCycles >= 1 && squeezeCycles < 50)) {
  throw new Error(`BENCH_SQUEEZE_CYCLES is "${process.env.BENCH_SQUEEZE_CYCLES}": expected an integer 1–49`);
}
const generateRouters = process.env.BENCH_ANALYZER_GENERATE === undefined ? undefined : Number(process.env.BENCH_ANALYZER_GENERATE);
if (generateRouters !== undefined && !(Number.isInteger(generateRouters) && generateRouters >= 1)) {
  throw new Error(`BENCH_ANALYZER_GENERATE is "${process.env.BENCH_ANALYZER_GENERATE}": expected a number of routers ≥ 1`);
}

/** One link direction read by one router's poll. */
interface Reading {
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  capacityBps: number;
}

/** The readings of each router's poll: a link's down from its near router, up from its far one (or the near one). */
function readingsByRouter(config: LanewatchConfig): Map<string, Reading[]> {
  const byRouter = new Map<string, Reading[]>();
  const add = (router: string, reading: Reading): void => {
    let list = byRouter.get(router);
    if (!list) byRouter.set(router, (list = []));
    list.push(reading);
  };
  for (const link of config.topology.links) {
    const capacityBps = link.capacityBps ?? 100_000_000;
    add(link.router, { link: link.id, province: link.province, tier: link.tier, dir: 'down', capacityBps });
    add(link.far?.router ?? link.router, { link: link.id, province: link.province, tier: link.tier, dir: 'up', capacityBps });
  }
  return byRouter;
}

/** Deterministic traffic: every 50th link direction squeezed (Internet over its share, video dropping) in turns. */
function squeezedAt(index: number, cycle: number): boolean {
  if (squeezeCycles !== undefined) return (((cycle - (index % 50)) % 50) + 50) % 50 < squeezeCycles;
  return index % 50 === cycle % 50 || (index % 50 === (cycle - 1) % 50 && Math.floor(cycle / 8) % 2 === 0);
}

/** The rates of one link direction in one cycle, by class (total the sum of the others). */
function ratesOf(capacityBps: number, index: number, cycle: number): Record<TrafficClass, { bps: number; dropBps?: number }> {
  const squeezed = squeezedAt(index, cycle);
  const c = capacityBps;
  const rates = {
    internet: { bps: (squeezed ? 0.75 : 0.35 + 0.05 * Math.sin(index + cycle)) * c },
    docex: { bps: 0.08 * c, dropBps: 0 },
    video: { bps: 0.15 * c, dropBps: squeezed ? 0.01 * c : 0 },
    other: { bps: 0.05 * c },
  };
  return { total: { bps: rates.internet.bps + rates.docex.bps + rates.video.bps + rates.other.bps }, ...rates };
}

/** One link direction's samples in one cycle: total, then each class, in trafficClasses order. */
function samplesOf(reading: Reading, index: number, cycle: number, atMs: number, intervalMs: number): LinkSample[] {
  const c = reading.capacityBps;
  const rates = ratesOf(c, index, cycle);
  const base = { atMs, intervalMs, link: reading.link, province: reading.province, tier: reading.tier, dir: reading.dir, capacityBps: c };
  return trafficClasses.map((cls) => {
    const { bps, dropBps } = rates[cls];
    const sample: LinkSample = { ...base, class: cls, bitsPerSecond: bps, utilization: bps / c };
    if (dropBps !== undefined) {
      sample.dropBitsPerSecond = dropBps;
      sample.prePolicyBitsPerSecond = bps + dropBps;
    }
    return sample;
  });
}

/** Moves samples made by samplesOf to another cycle in place: its time and its rates. */
function moveSamples(samples: readonly LinkSample[], index: number, cycle: number, atMs: number): void {
  const first = samples[0];
  if (!first) return;
  const rates = ratesOf(first.capacityBps, index, cycle);
  for (const sample of samples) {
    const { bps, dropBps } = rates[sample.class];
    sample.atMs = atMs;
    sample.bitsPerSecond = bps;
    sample.utilization = bps / sample.capacityBps;
    if (dropBps !== undefined) {
      sample.dropBitsPerSecond = dropBps;
      sample.prePolicyBitsPerSecond = bps + dropBps;
    }
  }
}

/** When a cycle's polls end. */
function cycleAtMs(cycle: number, intervalMs: number): number {
  return 1_750_000_000_000 + cycle * intervalMs;
}

/** Every router's batch of one cycle, built before the clock starts (the collector's work, not ours). */
function cycleBatches(byRouter: Map<string, Reading[]>, cycle: number, intervalMs: number): PollBatch[] {
  const atMs = cycleAtMs(cycle, intervalMs);
  const batches: PollBatch[] = [];
  let index = 0;
  for (const [device, readings] of byRouter) {
    const links: LinkSample[] = [];
    for (const reading of readings) links.push(...samplesOf(reading, index++, cycle, atMs, intervalMs));
    batches.push({ poll: { atMs, device, province: readings[0]!.province, ok: true, latencyMs: 5, varbinds: links.length * 3 }, links, interfaces: [] });
  }
  return batches;
}

class CountingSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  bytes = 0;
  messages = 0;
  send(data: string): void {
    this.bytes += data.length;
    this.messages += 1;
  }
  terminate(): void {
    this.readyState = 3;
  }
  close(): void {
    this.readyState = 3;
  }
  on(): this {
    return this;
  }
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1_000;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

async function main(): Promise<void> {
  const national = loadConfig(configDir, { env: {} });
  const config: LanewatchConfig =
    generateRouters === undefined ? national : { ...national, topology: generateTopology(generateRouters, { seed: 1, basePort: 20_000 }).topology };
  const intervalMs = config.settings.collector.intervalMs;
  const coalesceMs = config.settings.server.liveCoalesceMs;
  const log = pino({ level: 'silent' });
  const stateDir = mkdtempSync(join(tmpdir(), 'lanewatch-analyzer-bench-'));
  const policies = await PolicyStore.open({ dir: join(stateDir, 'policies'), seed: loadPolicySeed(configDir), topology: config.topology, log });
  const byRouter = readingsByRouter(config);
  const scope = new TopologyScope({ intervalMs, provinces: config.topology.provinces.map((p) => ({ id: p.id, name: p.id, region: 'north' as const })), routers: [], links: config.topology.links.map((l) => ({ ...l, name: l.id })) });
  const known = { links: new Set(config.topology.links.map((l) => l.id)), provinces: new Set(config.topology.provinces.map((p) => p.id)) };
  const routersPerSecond = Math.ceil(byRouter.size / (intervalMs / 1_000));

  /** The phase's bus and what listens to it, made once: the rounds after the first find every link direction held. */
  const pipelines = new Map<Phase, { bus: LiveBus; sockets: CountingSocket[]; stops: (() => void)[] }>();
  const pipelineOf = (phase: Phase) => {
    const made = pipelines.get(phase);
    if (made) return made;
    const bus = new LiveBus((err) => {
      throw err;
    });
    const stops: (() => void)[] = [];
    let analyzer: Analyzer | undefined;
    if (phase !== 'live') {
      const made = new Analyzer({ config, bus, policies, log, writePoints: (p) => (points += p.length) });
      analyzer = made;
      made.start();
      stops.push(() => made.stop());
      stops.push(made.onStateChange(() => (stateChanges += 1)));
      if (phase === 'states') stops.push(made.onBatchStates((moved) => (changedProvinces += made.changed(moved).provinces.length)));
    }
    const sockets: CountingSocket[] = [];
    if (phase === 'live' || phase === 'all') {
      const snapshot = new LiveSnapshot({ bus, maxAgeMs: config.settings.server.liveSnapshotIntervals * intervalMs });
      snapshot.start();
      const hub = new LiveHub({ bus, maxClients: 100, coalesceMs, ...(analyzer ? { states: analyzer } : {}) });
      hub.start();
      stops.push(() => hub.stop(), () => snapshot.stop());
      const principals = [{ username: 'viewer', role: 'viewer' as const }, ...config.topology.provinces.slice(0, provinceClients).map((p) => ({ username: p.id, role: 'province' as const, province: p.id }))];
      for (const principal of principals) {
        const socket = new CountingSocket();
        sockets.push(socket);
        const connection = new LiveConnection({ socket, snapshot, known, maxBufferedBytes: 1 << 30, log, principal, scope, ...(analyzer ? { states: analyzer } : {}) });
        hub.admit(connection);
        connection.start(() => hub.remove(connection));
      }
    }
    const pipeline = { bus, sockets, stops };
    pipelines.set(phase, pipeline);
    return pipeline;
  };

  /**
   * The batches of a cycle: by default one set made once, its samples' times moved on each cycle
   * (the bench's own garbage and cache misses stay out of the figures); BENCH_FRESH=1 builds
   * new ones each cycle, as the collector does.
   */
  let reused: PollBatch[] | undefined;
  const batchesOf = (cycle: number): PollBatch[] => {
    if (process.env.BENCH_FRESH === '1' || reused === undefined) return (reused = cycleBatches(byRouter, cycle, intervalMs));
    const atMs = cycleAtMs(cycle, intervalMs);
    let index = 0;
    for (const batch of reused) {
      batch.poll.atMs = atMs;
      for (let from = 0; from < batch.links.length; from += trafficClasses.length) moveSamples(batch.links.slice(from, from + trafficClasses.length), index++, cycle, atMs);
    }
    return reused;
  };

  /** Each phase's own cycles: its analyzer sees every cycle's traffic in turn, so a squeeze of K cycles is K samples in a row. */
  const cycleOf = new Map<Phase, number>();
  let points = 0;
  let stateChanges = 0;
  let changedProvinces = 0;
  const results = new Map<Phase, number[]>();
  const gcShare = new Map<Phase, number[]>();
  let sentBytes = 0;
  for (let round = 0; round < rounds + 1; round++) {
    for (const phase of phases) {
      const { bus, sockets } = pipelineOf(phase);
      // Warm-up round: the first cycles of each link direction (state created, snapshot slots allocated) are not measured.
      const measured = round > 0;
      let samples = 0;
      let spentMs = 0;
      let spentGcMs = 0;
      for (let c = 0; c < cycles; c++) {
        const cycle = cycleOf.get(phase) ?? 0;
        cycleOf.set(phase, cycle + 1);
        const batches = batchesOf(cycle);
        await sleep(10); // the observer hears of the collections building them made
        const gcBefore = gcMs;
        // A second's worth of polls, then the coalescing window ends (as at 10 s per cycle).
        // Measured from the first publish to the end of the last window: the hub's flushes run in its timers.
        const startMs = cpuMs();
        for (let from = 0; from < batches.length; from += routersPerSecond) {
          for (let i = from; i < Math.min(batches.length, from + routersPerSecond); i++) {
            const batch = batches[i]!;
            bus.publish(batch);
            samples += batch.links.length;
          }
          if (phase !== 'analyzer') await sleep(coalesceMs + 2);
        }
        spentMs += cpuMs() - startMs;
        await sleep(10); // the observer hears of the collections in the cycle
        spentGcMs += gcMs - gcBefore;
      }
      sentBytes += sockets.reduce((sum, s) => sum + s.bytes, 0);
      sockets.forEach((s) => (s.bytes = 0));
      if (!measured) continue;
      results.set(phase, [...(results.get(phase) ?? []), (spentMs / samples) * 1_000]);
      gcShare.set(phase, [...(gcShare.get(phase) ?? []), (spentGcMs / samples) * 1_000]);
    }
  }
  for (const { stops } of pipelines.values()) for (const stop of stops) stop();
  rmSync(stateDir, { recursive: true, force: true });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  console.log(`${byRouter.size} routers, ${config.topology.links.length} links, ${cycles} cycles × ${rounds} rounds per phase; ${points} linkState points; ${stateChanges} state changes; ${changedProvinces} provinces from changed(); ${(sentBytes / 1e6).toFixed(1)} MB sent`);
  for (const phase of phases) {
    const cpu = results.get(phase) ?? [];
    console.log(`${phase.padEnd(9)} CPU-ms per 1,000 samples: median ${median(cpu).toFixed(3)}, least ${Math.min(...cpu).toFixed(3)} (${cpu.map((v) => v.toFixed(3)).join(', ')}); GC-ms per 1,000: ${median(gcShare.get(phase) ?? []).toFixed(3)}`);
  }
  console.log(JSON.stringify(Object.fromEntries(phases.map((p) => [`${p}CpuMsPer1000Samples`, Number(median(results.get(p) ?? []).toFixed(4))]))));
}

await main();
