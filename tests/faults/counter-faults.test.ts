// 10,000 counter faults on a busy network, against the ground truth. The simulator (served on
// real UDP sockets) plays a generated scenario of reboots, 32-bit wraps, renumberings, stuck and
// backwards counters, sysUpTime jumps (forward and back) and sysUpTime wraps, plus Internet
// surges that squeeze links; the real pollers (collector/poller.ts: discovery, the QoS plan,
// the counter rules of collector/rates.ts) poll every router each interval.
//
// Time is compressed with one virtual clock shared by the agents and the pollers: every round
// the clock moves one poll interval (60 s, the production default) and every router is polled
// at that instant, so sysUpTime agrees with the pollers' clock and Δt is the exact interval.
// (`lanewatch simulate --speed N` cannot do this: its sysUpTime runs N× faster than the
// collector's wall clock, which then takes Δt from the wall and reads N× the rates.)
//
// Every sample is compared with the simulator's ground truth over the same interval (the
// traffic engine's integration, the one `--truth` writes): within 1 % plus the rounding of two
// whole-octet readings, never above capacity. The one exception is a stuck counter: while a
// router's counters stall, nothing in SNMP tells a stalled counter from an idle link, so a
// sample overlapping a stall may read LOW (it is counted and reported), never high. The
// analyzer runs over the measured samples and, separately, over the same samples carrying the
// true rates: every alert the first raises, the second raises too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { pino } from 'pino';
import { loadConfig } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import { createPollers } from '../../collector/collector.ts';
import type { DevicePoller } from '../../collector/poller.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { bitsPerSecondOf, measureInterval, type CounterReading } from '../../collector/rates.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import type { LinkStateChange } from '../../server/analysis/model.ts';
import { PolicyStore } from '../../server/policies/store.ts';
import { builtInPolicyDocument } from '../../server/policies/seed.ts';
import { generateTopology } from '../../simulator/generate.ts';
import { parseScenario } from '../../simulator/scenario/schema.ts';
import { resolveRouter } from '../../simulator/sim-config.ts';
import { Simulator } from '../../simulator/simulator.ts';
import { localTimeOfDayMs } from '../../simulator/clock.ts';
import { seededRandom } from '../helpers/udp-fault-proxy.ts';
import { freeUdpPort } from '../helpers/ports.ts';

const routerCount = Number(process.env.LANEWATCH_COUNTER_FAULT_ROUTERS ?? 100);
const rounds = Number(process.env.LANEWATCH_COUNTER_FAULT_ROUNDS ?? 80);
const faultCount = Number(process.env.LANEWATCH_COUNTER_FAULTS ?? 10_000);
const intervalMs = 60_000;
/**
 * How far a counterBackwards sets the counters back (the traffic of this long): ten intervals,
 * so that the counter reads below its last reading (by ~9 intervals' traffic) and the collector
 * can see it went back; a setback of about one interval would look like an idle interval.
 */
const backwardsMs = 600_000;

const kinds = ['reboot', 'counterWrap', 'renumber', 'counterStuck', 'counterBackwards', 'uptimeJump', 'uptimeJumpBack', 'uptimeWrap'] as const;
type Kind = (typeof kinds)[number];

interface Fault {
  kind: Kind;
  router: string;
  atMs: number;
  forMs?: number;
}

/** The generated timeline: faults spread over routers and rounds (seeded), surges on a few provinces. */
function timeline(routers: readonly string[], provinces: readonly string[]): { yaml: string; faults: Fault[] } {
  const random = seededRandom(20_260_601);
  const faults: Fault[] = [];
  const lengthMs = rounds * intervalMs;
  // After the first two rounds (discovery, baselines), anywhere between two polls.
  const anyTime = (): number => 2 * intervalMs + Math.floor(random() * (lengthMs - 3 * intervalMs)) + 1;
  for (let i = 0; i < faultCount; i++) {
    const kind = kinds[i % kinds.length]!;
    const fault: Fault = { kind, router: routers[Math.floor(random() * routers.length)]!, atMs: anyTime() };
    if (kind === 'counterStuck') fault.forMs = intervalMs * (1 + Math.floor(random() * 3));
    faults.push(fault);
  }
  // A counter set back by ten minutes' traffic must hold more than that, or it goes to zero: a
  // reset without a discontinuity, which no counter rule can tell from growth once the counter
  // climbs past its last reading within the interval (see the README's Reliability). So a
  // counterBackwards lands where its router has counted for twice the setback or more since its
  // last reboot or renumbering, less its stalls and four setbacks (a surge's ×4) per earlier one.
  const byRouter = new Map<string, Fault[]>();
  for (const f of faults) byRouter.set(f.router, [...(byRouter.get(f.router) ?? []), f]);
  const moveTo = (f: Fault, router: string): void => {
    byRouter.set(f.router, (byRouter.get(f.router) ?? []).filter((x) => x !== f));
    f.router = router;
    byRouter.set(router, [...(byRouter.get(router) ?? []), f]);
  };
  const counted = (f: Fault): number => {
    const mine = (byRouter.get(f.router) ?? []).filter((x) => x !== f);
    const lastBoot = Math.max(-Infinity, ...mine.filter((x) => (x.kind === 'reboot' || x.kind === 'renumber') && x.atMs <= f.atMs).map((x) => x.atMs));
    if (lastBoot === -Infinity) return Infinity; // counting for days (the seeded uptime)
    const stalled = mine.filter((x) => x.kind === 'counterStuck' && x.atMs >= lastBoot && x.atMs < f.atMs).reduce((sum, x) => sum + Math.min(x.forMs!, f.atMs - x.atMs), 0);
    const setBack = mine.filter((x) => x.kind === 'counterBackwards' && x.atMs >= lastBoot && x.atMs < f.atMs).length * 4 * backwardsMs;
    return f.atMs - lastBoot - stalled - setBack;
  };
  const enough = 2 * backwardsMs;
  // A sysUpTime jump forward (or to near its wrap) just after a reboot, or a reboot just after
  // sysUpTime went near its wrap, hides the reboot from sysUpTime: the agent then looks up for
  // months, or wrapped, with its counters reset, which only the discontinuity times tell (see
  // the README's Reliability). Not generated: no reboot or renumbering within two intervals
  // of a sysUpTime jump forward or wrap of the same router.
  const isBoot = (x: Fault): boolean => x.kind === 'reboot' || x.kind === 'renumber';
  const isJump = (x: Fault): boolean => x.kind === 'uptimeJump' || x.kind === 'uptimeWrap';
  const masksBoot = (f: Fault): boolean =>
    (isJump(f) || isBoot(f)) && (byRouter.get(f.router) ?? []).some((x) => x !== f && (isJump(f) ? isBoot(x) : isJump(x)) && Math.abs(x.atMs - f.atMs) < 2 * intervalMs);
  const misplacedBackwards = (): boolean => faults.some((f) => f.kind === 'counterBackwards' && counted(f) < enough);

  // Moving one fault can leave another out of place: again until none is.
  for (let pass = 0; pass < 20 && (misplacedBackwards() || faults.some(masksBoot)); pass++) {
    for (const f of faults) for (let tries = 0; masksBoot(f) && tries < 1_000; tries++) f.atMs = anyTime();
    for (const f of faults) {
      for (let tries = 0; f.kind === 'counterBackwards' && counted(f) < enough && tries < 1_000; tries++) {
        f.atMs = anyTime();
        if (tries % 10 === 9) moveTo(f, routers[Math.floor(random() * routers.length)]!);
      }
    }
    // Where random draws found no room: the first slot, router by router, every 10 s, that has it.
    for (const f of faults) {
      if (f.kind !== 'counterBackwards' || counted(f) >= enough) continue;
      search: for (const router of routers) {
        for (let atMs = 2 * intervalMs + 1; atMs < lengthMs - intervalMs; atMs += 10_000) {
          if (f.router !== router) moveTo(f, router);
          f.atMs = atMs;
          if (counted(f) >= enough) break search;
        }
      }
    }
  }
  const misplaced = faults.filter((f) => (f.kind === 'counterBackwards' && counted(f) < enough) || masksBoot(f)).length;
  if (misplaced > 0) throw new Error(`${misplaced} counterBackwards or uptime events found no time that keeps them what they are`);
  const s = (ms: number): string => `${Math.round(ms)}ms`;
  const lines = faults.map((f) => {
    switch (f.kind) {
      case 'counterStuck':
        return `  - { kind: counterStuck, at: ${s(f.atMs)}, for: ${s(f.forMs!)}, router: ${f.router} }`;
      case 'counterBackwards':
        return `  - { kind: counterBackwards, at: ${s(f.atMs)}, by: ${s(backwardsMs)}, router: ${f.router} }`;
      case 'uptimeJump':
        return `  - { kind: uptimeJump, at: ${s(f.atMs)}, by: 6h, router: ${f.router} }`;
      case 'uptimeJumpBack':
        return `  - { kind: uptimeJump, at: ${s(f.atMs)}, by: 30s, back: true, router: ${f.router} }`;
      case 'uptimeWrap':
        return `  - { kind: uptimeWrap, at: ${s(f.atMs)}, margin: 30s, router: ${f.router} }`;
      default:
        return `  - { kind: ${f.kind}, at: ${s(f.atMs)}, router: ${f.router} }`;
    }
  });
  // Squeezes the analyzer should see: surges over a few provinces, a third of the run each.
  for (const [k, province] of provinces.slice(0, 6).entries()) {
    lines.push(`  - { kind: internetSurge, at: ${s((k % 3) * (lengthMs / 3))}, for: ${s(lengthMs / 3)}, province: ${province}, factor: 4 }`);
  }
  // Room after the last poll for a stall that began just before it.
  return { yaml: `name: counter faults\nlength: ${s(lengthMs + 4 * intervalMs)}\nevents:\n${lines.join('\n')}\n`, faults };
}

const dir = mkdtempSync(join(tmpdir(), 'lanewatch-counter-faults-'));
const log = pino({ level: 'silent' });
let config: LanewatchConfig;
let simulator: Simulator;
let faults: Fault[] = [];
const qosOf = new Map<string, string>();
const measured: PollBatch[] = [];
const measuredChanges: LinkStateChange[] = [];
const truthChanges: LinkStateChange[] = [];
const stats = { polls: 0, pollsFailed: 0, wallMs: 0, pollMs: 0, discoveryMs: 0, truthMs: 0 };

type EngineTruth = ReturnType<ReturnType<Simulator['engine']>['truth']>;
const truthCache = new Map<string, EngineTruth>();

/** The true rate of one sample's series over its interval (sent, and drops for a class). */
function truthOf(s: LinkSample): { bitsPerSecond: number; dropBitsPerSecond: number } {
  const cacheKey = `${s.link}|${s.dir}|${s.atMs}|${s.intervalMs}`;
  let t = truthCache.get(cacheKey);
  if (!t) truthCache.set(cacheKey, (t = simulator.engine().truth(s.link, s.dir, s.atMs - s.intervalMs, s.atMs)));
  if (s.class === 'total') return { bitsPerSecond: t.docex.sentBps + t.video.sentBps + t.internet.sentBps + t.other.sentBps, dropBitsPerSecond: 0 };
  return { bitsPerSecond: t[s.class].sentBps, dropBitsPerSecond: t[s.class].dropBps };
}

beforeAll(async () => {
  const generated = generateTopology(routerCount, { seed: 11, basePort: 40_000 });
  for (const r of generated.topology.routers) r.address = `127.0.0.1:${await freeUdpPort()}`;
  writeFileSync(join(dir, 'topology.yaml'), stringify(generated.topology));
  writeFileSync(join(dir, 'settings.yaml'), stringify({ collector: { intervalMs, timeoutMs: 3_000, retries: 1 }, state: { dir: join(dir, 'state') } }));
  config = loadConfig(dir);
  for (const l of config.topology.links) qosOf.set(l.id, resolveRouter(generated.simulation, l.router).qos);
  const plan = timeline(config.topology.routers.map((r) => r.id), config.topology.provinces.map((p) => p.id));
  faults = plan.faults;
  const scenario = parseScenario(plan.yaml, 'counter-faults.yaml', config.topology);

  // One virtual clock for the agents and the pollers, on a minute boundary: 09:30 in Việt Nam on
  // the latest weekday, the busy hours, whatever the time the test runs at (at night or on a
  // weekend the simulated traffic is too low for the surges to squeeze anything).
  const startMs = localTimeOfDayMs(Date.now(), 9 * 60 + 30);
  let nowMs = startMs;
  const now = (): number => nowMs;
  simulator = new Simulator({ topology: config.topology, simulation: generated.simulation, log, now, scenario });
  await simulator.start();

  const policies = await PolicyStore.open({ dir: join(dir, 'state', 'policies'), seed: builtInPolicyDocument(), topology: config.topology, log });
  const measuredBus = new LiveBus();
  const truthBus = new LiveBus();
  const measuredAnalyzer = new Analyzer({ config, bus: measuredBus, policies, log, now });
  const truthAnalyzer = new Analyzer({ config, bus: truthBus, policies, log, now });
  measuredAnalyzer.onStateChange((c) => measuredChanges.push(c));
  truthAnalyzer.onStateChange((c) => truthChanges.push(c));
  measuredAnalyzer.start();
  truthAnalyzer.start();

  const pollers: DevicePoller[] = [...createPollers(config, log, now).values()];
  const startedMs = Date.now();
  try {
    for (let round = 0; round <= rounds; round++) {
      nowMs = startMs + round * intervalMs;
      simulator.advanceScenarioTo(nowMs);
      const batches: PollBatch[] = [];
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < pollers.length) batches.push(await pollers[next++]!.poll());
        }),
      );
      const t1 = performance.now();
      // Background re-discoveries (after reboots, renumberings) finish at this instant too.
      await Promise.all(pollers.map((p) => p.idle()));
      const t2 = performance.now();
      stats.pollMs += t1 - t0;
      stats.discoveryMs += t2 - t1;
      for (const batch of batches) {
        stats.polls += 1;
        if (!batch.poll.ok) stats.pollsFailed += 1;
        measured.push(batch);
        measuredBus.publish(batch);
        // The same samples with the true rates: what the analyzer would have seen without faults.
        truthBus.publish({
          ...batch,
          links: batch.links.map((s) => {
            const t = truthOf(s);
            const copy: LinkSample = { ...s, bitsPerSecond: t.bitsPerSecond, utilization: t.bitsPerSecond / s.capacityBps };
            if (s.dropBitsPerSecond !== undefined) copy.dropBitsPerSecond = t.dropBitsPerSecond;
            if (s.prePolicyBitsPerSecond !== undefined) copy.prePolicyBitsPerSecond = t.bitsPerSecond + t.dropBitsPerSecond;
            return copy;
          }),
        });
      }
      stats.truthMs += performance.now() - t2;
    }
  } finally {
    stats.wallMs = Date.now() - startedMs;
    measuredAnalyzer.stop();
    truthAnalyzer.stop();
    for (const p of pollers) p.close();
  }
}, 600_000);

afterAll(async () => {
  await simulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`${faultCount} counter faults on ${routerCount} routers, ${rounds} polls of each`, () => {
  it('every fault kind was played, and the pollers kept polling', () => {
    const byKind = Object.fromEntries(kinds.map((k) => [k, faults.filter((f) => f.kind === k).length]));
    expect(faults.length).toBe(faultCount);
    for (const k of kinds) expect(byKind[k], k).toBeGreaterThan(0);
    expect(stats.polls).toBe(routerCount * (rounds + 1));
    expect(stats.pollsFailed / stats.polls).toBeLessThan(0.01);
  });

  it('0 spikes: no sample above capacity, none off the truth by more than 1 %, a stalled counter only ever low', () => {
    const stuckWindows = new Map<string, [number, number][]>();
    for (const f of faults.filter((x) => x.kind === 'counterStuck')) {
      const list = stuckWindows.get(f.router) ?? [];
      list.push([f.atMs, f.atMs + f.forMs!]);
      stuckWindows.set(f.router, list);
    }
    const startMs = measured[0]!.poll.atMs;
    const routerOf = new Map(config.topology.links.map((l) => [l.id, l.router]));
    let samples = 0;
    let stalled = 0;
    // Samples whose Δt is not a whole number of intervals (the pollers' clock is exact here): Δt
    // from a sysUpTime that jumped, which the counter rules must not believe (CLOCK_AGREEMENT:
    // max(1 s, 2 %); every jump generated is 30 s or more). Counted, and judged like the rest.
    let believedJumps = 0;
    const aboveCapacity: string[] = [];
    const offTruth: string[] = [];
    const highWhileStalled: string[] = [];
    let worst = 0;
    for (const batch of measured) {
      for (const s of batch.links) {
        samples += 1;
        const truth = truthOf(s);
        const label = `${s.link} ${s.dir} ${s.class} at +${(s.atMs - startMs) / intervalMs} intervals: ${s.bitsPerSecond.toFixed(0)} bps, truth ${truth.bitsPerSecond.toFixed(0)}`;
        if (!(s.bitsPerSecond <= s.capacityBps)) aboveCapacity.push(label);
        // 1 %, plus whole-octet rounding: two readings of up to four members (class-maps) summed.
        const roundingBps = (4 * 16 * 1000) / s.intervalMs;
        const toleranceBps = relative(truth.bitsPerSecond) + roundingBps;
        const error = Math.abs(s.bitsPerSecond - truth.bitsPerSecond);
        const fromMs = s.atMs - s.intervalMs - startMs;
        const toMs = s.atMs - startMs;
        const overlapsStall = (stuckWindows.get(routerOf.get(s.link)!) ?? []).some(([a, b]) => a < toMs && b > fromMs);
        if (overlapsStall) {
          stalled += 1;
          if (s.bitsPerSecond > truth.bitsPerSecond + toleranceBps) highWhileStalled.push(label);
          continue;
        }
        const minutes = Math.round(s.intervalMs / intervalMs);
        if (Math.abs(s.intervalMs - minutes * intervalMs) > 1_000) believedJumps += 1;
        worst = Math.max(worst, error / Math.max(truth.bitsPerSecond, 1));
        if (error > toleranceBps) offTruth.push(label);
        if (s.dropBitsPerSecond !== undefined && Math.abs(s.dropBitsPerSecond - truth.dropBitsPerSecond) > relative(truth.dropBitsPerSecond) + roundingBps) {
          offTruth.push(`${label}: drops ${s.dropBitsPerSecond.toFixed(2)}, truth ${truth.dropBitsPerSecond.toFixed(2)}`);
        }
      }
    }
    const series = config.topology.links.length * 2 * 5;
    console.log(
      `[counter faults] ${faults.length} faults (${kinds.map((k) => `${k} ${faults.filter((f) => f.kind === k).length}`).join(', ')}) on ${routerCount} routers, ` +
        `${rounds} intervals of ${intervalMs / 1000} s in ${stats.wallMs} ms (polling ${Math.round(stats.pollMs)}, re-discovery ${Math.round(stats.discoveryMs)}, truth and analyzers ${Math.round(stats.truthMs)}); ${stats.polls} polls (${stats.pollsFailed} failed); ` +
        `${samples} samples of ${series * rounds} possible (the rest: intervals a fault made unmeasurable, or classes paused until re-discovery); ` +
        `${stalled} overlapped a stuck counter (read low); ${believedJumps} took Δt from a sysUpTime that jumped; worst error elsewhere ${(100 * worst).toFixed(4)} %; ` +
        `off the truth: ${offTruth.length}; above capacity: ${aboveCapacity.length}`,
    );
    expect(samples).toBeGreaterThan(0.3 * series * rounds);
    expect(aboveCapacity.slice(0, 10)).toEqual([]);
    expect(offTruth.slice(0, 10)).toEqual([]);
    expect(highWhileStalled.slice(0, 10)).toEqual([]);
    expect(believedJumps).toBe(0);
  });

  it('0 alerts the truth does not justify: every state the analyzer raised on measured rates, the true rates raised too', () => {
    // The analyzer fed the same samples with their true rates: its level per link and direction over time.
    const order = { ok: 0, warning: 1, critical: 2 } as const;
    const timelineOf = new Map<string, LinkStateChange[]>();
    for (const c of truthChanges) timelineOf.set(`${c.link} ${c.dir}`, [...(timelineOf.get(`${c.link} ${c.dir}`) ?? []), c]);
    const truthLevelAt = (link: string, dir: string, atMs: number): number => {
      let level = 0;
      for (const c of timelineOf.get(`${link} ${dir}`) ?? []) if (c.atMs <= atMs) level = order[c.to];
      return level;
    };
    // A raise at t is justified when the true rates held the link at that level or worse within
    // a few intervals of t (samples a fault made unmeasurable shift the hysteresis' count).
    const windowMs = 5 * intervalMs;
    const raises = measuredChanges.filter((c) => order[c.to] > order[c.from]);
    const unjustified = raises
      .filter((c) => {
        for (let t = c.atMs - windowMs; t <= c.atMs + windowMs; t += intervalMs) if (truthLevelAt(c.link, c.dir, t) >= order[c.to]) return false;
        return true;
      })
      .map((c) => `${c.link} ${c.dir} ${c.from}→${c.to} at ${new Date(c.atMs).toISOString()}`);
    // Clears the truth did not make (a stalled counter reads as an idle link): reported.
    const falseClears = measuredChanges.filter((c) => c.to === 'ok' && truthLevelAt(c.link, c.dir, c.atMs) > 0).length;
    console.log(
      `[counter faults] analyzer: ${raises.length} raises on measured rates, ${truthChanges.filter((c) => order[c.to] > order[c.from]).length} on the true rates; ` +
        `unjustified raises: ${unjustified.length}; clears while the true rates still held the state: ${falseClears}`,
    );
    expect(raises.length).toBeGreaterThan(0);
    expect(unjustified.slice(0, 10)).toEqual([]);
  });
});

// Δt is taken from sysUpTime only when it agrees with the poll timestamps within max(1 s, 2 %)
// (collector/rates.ts CLOCK_AGREEMENT): a sysUpTime that jumped back 8 s in a 60 s interval,
// without a reboot, would read the rate 15 % high, so Δt comes from the timestamps.
it('a sysUpTime jump of 8 s back in a 60 s interval (no reboot): the rate stays within 1 % of the truth', () => {
  const bitsPerSecond = 1e6;
  const prev: CounterReading = { atMs: 0, sysUpTimeCs: 100_000_000, ifIndex: '1', counterBits: 64, inOctets: 0n, outOctets: 0n };
  const curr: CounterReading = { ...prev, atMs: 60_000, sysUpTimeCs: 100_000_000 + 5_200, outOctets: BigInt((bitsPerSecond / 8) * 60) };
  const outcome = measureInterval(prev, curr, { maxGapMs: 180_000 });
  expect(outcome.ok).toBe(true);
  if (outcome.ok) expect(Math.abs(bitsPerSecondOf(outcome.outOctets, outcome.intervalMs) - bitsPerSecond)).toBeLessThanOrEqual(0.01 * bitsPerSecond);
});

/** 1 % of a rate. */
function relative(bitsPerSecond: number): number {
  return 0.01 * Math.abs(bitsPerSecond);
}
