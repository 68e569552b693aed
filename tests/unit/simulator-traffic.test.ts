// The traffic model: per-class profiles and their exact integrals, the engine's seeded
// determinism and read-order independence, counters vs ground truth, and the calibration of
// the example network.
import { describe, expect, it } from 'vitest';
import type { ServiceClass } from '../../api/schemas.ts';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import { loadSimulationConfig, resolveLinkQueues, resolveRouter, simClasses } from '../../simulator/sim-config.ts';
import { nominalSpeedBps } from '../../simulator/mib/router-model.ts';
import {
  classLoadModel,
  classOfferedBps,
  classOfferedOctets,
  classOfferedOctetsMemo,
  clearNoiseMemo,
  noiseMemoSlots,
  classProfileAt,
  classProfileIntegral,
  type ClassLoadModel,
} from '../../simulator/traffic/classes.ts';
import { TrafficEngine, type EngineLink, type DirectionOctets } from '../../simulator/traffic/engine.ts';
import { busyHourOf, planTraffic, type PlannedLink } from '../../simulator/traffic/model.ts';
import { dayMs, hourMs, isWeekday, localOffsetMs } from '../../simulator/traffic/profile.ts';

const example = loadConfig().topology;
const simulation = loadSimulationConfig(defaultConfigDir, example);
const engineLinks: EngineLink[] = example.links.map((l) => ({
  id: l.id,
  tier: l.tier,
  capacityBps: l.capacityBps ?? nominalSpeedBps(l.ifName),
  qos: resolveRouter(simulation, l.router).qos,
  queues: resolveLinkQueues(simulation, l.id),
  shares: l.tier === 1 ? simulation.classShares.tier1 : simulation.classShares.tier2,
}));
const planned: PlannedLink[] = engineLinks.map((l) => ({ id: l.id, tier: l.tier, capacityBps: l.capacityBps }));
/** A Tuesday: 2025-07-15 00:00 in Vietnam (UTC+7). */
const tuesdayMs = Date.UTC(2025, 6, 14, 17, 0, 0);
const saturdayMs = tuesdayMs + 4 * dayMs;
const dirs = ['down', 'up'] as const;

function engineOf(seed: number, startMs = tuesdayMs, stepMs?: number): TrafficEngine {
  return new TrafficEngine({ links: engineLinks, seed, startMs, ...(stepMs ? { stepMs } : {}) });
}

function flat(o: DirectionOctets): bigint[] {
  return simClasses.flatMap((c) => [o.classes[c].preOctets, o.classes[c].postOctets, o.classes[c].dropOctets]).concat(o.totalOctets);
}

/** Composite Simpson's rule of offered bps / 8 (octets) over [from, to] with n (even) steps. */
function simpsonOctets(cls: ServiceClass, model: ClassLoadModel, fromMs: number, toMs: number, n: number): number {
  const h = (toMs - fromMs) / n;
  let sum = classOfferedBps(cls, model, fromMs) + classOfferedBps(cls, model, toMs);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * classOfferedBps(cls, model, fromMs + i * h);
  return (sum * h) / 3 / 8 / 1000;
}

describe('class profiles', () => {
  const local = (ms: number, hour: number): number => ms + localOffsetMs + hour * hourMs;

  it('the calendar: 2025-07-15 is a Tuesday, 2025-07-19 a Saturday', () => {
    expect(isWeekday(Math.floor(local(tuesdayMs, 12) / dayMs))).toBe(true);
    expect(isWeekday(Math.floor(local(saturdayMs, 12) / dayMs))).toBe(false);
    expect(isWeekday(Math.floor(local(saturdayMs + dayMs, 12) / dayMs))).toBe(false);
    expect(isWeekday(Math.floor(local(saturdayMs + 2 * dayMs, 12) / dayMs))).toBe(true);
  });

  it('every class averages 1 over the weekday busy hour', () => {
    for (const cls of simClasses) {
      expect(classProfileIntegral(cls, local(tuesdayMs, 10), local(tuesdayMs, 11)) / hourMs, cls).toBeCloseTo(1, 9);
    }
  });

  it('document exchange lives in office hours on weekdays; Internet peaks midday and evening', () => {
    const at = (cls: ServiceClass, dayStart: number, hour: number): number => classProfileAt(cls, local(dayStart, hour));
    expect(at('docex', tuesdayMs, 10)).toBeGreaterThan(0.9);
    expect(at('docex', tuesdayMs, 21)).toBeLessThan(0.1);
    expect(at('docex', tuesdayMs, 3)).toBeLessThan(0.1);
    expect(at('docex', saturdayMs, 10)).toBeLessThan(0.1);
    expect(at('internet', tuesdayMs, 12)).toBeGreaterThan(at('internet', tuesdayMs, 10));
    expect(at('internet', tuesdayMs, 20)).toBeGreaterThan(at('internet', tuesdayMs, 16));
    expect(at('internet', tuesdayMs, 3)).toBeLessThan(0.3);
    expect(at('video', tuesdayMs, 3)).toBeLessThan(0.2);
    const others = Array.from({ length: 24 }, (_, h) => at('other', tuesdayMs, h));
    expect(Math.min(...others) / Math.max(...others)).toBeGreaterThan(0.75);
  });

  const base = { seed: 7, linkId: 't1-hue', dir: 'down' as const, busyBps: 300e6, phaseMs: 314_159 };
  const cases: [ServiceClass, number, number][] = [
    ['internet', tuesdayMs + 10 * hourMs + 12_345, 10 * 60_000], // 10 minutes
    ['docex', tuesdayMs + 12 * hourMs - 3 * 60_000, 6 * 60_000], // across an hour knot
    ['video', tuesdayMs - 5 * 60_000, 10 * 60_000], // across local midnight
    ['docex', saturdayMs - 7 * 60_000, 15 * 60_000], // Friday → Saturday
    ['other', tuesdayMs + 15 * hourMs + 7, 2_000], // a short interval
    ['internet', tuesdayMs + 3 * hourMs, 2 * dayMs + 17_000], // several days
  ];
  it.each(cases)('%s: the exact integral equals Simpson integration of the rate (from %i, %i ms)', (cls, fromMs, lengthMs) => {
    const model = classLoadModel(cls, base);
    const n = Math.min(400_000, Math.max(2, Math.round(lengthMs / 25))) * 2;
    const numeric = simpsonOctets(cls, model, fromMs, fromMs + lengthMs, n);
    const exact = classOfferedOctets(cls, model, fromMs, fromMs + lengthMs);
    expect(exact).toBeGreaterThan(0);
    expect(Math.abs(exact - numeric) / exact).toBeLessThan(lengthMs > dayMs ? 1e-5 : 1e-7);
  });

  it('the memoised integral (used by the engine) is the plain one, bit for bit, in any order', () => {
    const memo = new Float64Array(2 * noiseMemoSlots);
    for (const cls of simClasses) {
      clearNoiseMemo(memo, noiseMemoSlots); // a memo belongs to one noise key
      const model = classLoadModel(cls, base);
      for (let k = 0; k < 3_000; k++) {
        const fromMs = tuesdayMs + ((k * 7_919) % 500) * 10_000 + (k % 5) * 1_001;
        const toMs = fromMs + 10_000 + (k % 7) * 9_000;
        expect(classOfferedOctetsMemo(cls, model, fromMs, toMs, memo, noiseMemoSlots)).toBe(classOfferedOctets(cls, model, fromMs, toMs));
      }
    }
  });

  it('offered load stays positive at every hour of a week, for every class', () => {
    for (const cls of simClasses) {
      const model = classLoadModel(cls, { ...base, linkId: `x-${cls}` });
      let minBps = Infinity;
      for (let t = tuesdayMs; t < tuesdayMs + 7 * dayMs; t += 9_001) minBps = Math.min(minBps, classOfferedBps(cls, model, t));
      expect(minBps, cls).toBeGreaterThan(0);
    }
  });
});

describe('determinism', () => {
  it('the same seed gives the same counters, another seed different ones', () => {
    const startMs = tuesdayMs + 8 * hourMs;
    const a = engineOf(42, startMs);
    const b = engineOf(42, startMs);
    const c = engineOf(43, startMs);
    let differs = 0;
    for (const { id } of engineLinks.slice(0, 60)) {
      for (const dir of dirs) {
        const atMs = tuesdayMs + 9 * hourMs + 1_234;
        const va = flat(a.read(id, dir, atMs));
        expect(flat(b.read(id, dir, atMs))).toEqual(va);
        if (flat(c.read(id, dir, atMs)).join() !== va.join()) differs++;
      }
    }
    expect(differs).toBe(120);
  });

  it('a counter depends only on the time read, not on what was read before or in which order', () => {
    const times = Array.from({ length: 40 }, (_, k) => tuesdayMs + 10 * hourMs + k * 61_237 + (k % 3) * 999);
    const forward = engineOf(5);
    const backward = engineOf(5);
    const scattered = engineOf(5);
    const fwd = times.map((t) => flat(forward.read('t1-hue', 'down', t)));
    const bwd = [...times].reverse().map((t) => flat(backward.read('t1-hue', 'down', t))).reverse();
    // A far read first, then the others in a shuffled order, with truth queries in between.
    scattered.read('t1-hue', 'down', tuesdayMs + 30 * hourMs);
    const order = times.map((_, i) => (i * 17) % times.length);
    const got = new Map<number, bigint[]>();
    for (const i of order) {
      got.set(i, flat(scattered.read('t1-hue', 'down', times[i]!)));
      scattered.truth('t1-hue', 'down', tuesdayMs, times[i]! + 1);
    }
    expect(bwd).toEqual(fwd);
    expect(times.map((_, i) => got.get(i))).toEqual(fwd);
  });

  it('steps are aligned to the epoch: the rates of an interval do not depend on the start time', () => {
    const early = engineOf(9, tuesdayMs);
    const late = engineOf(9, tuesdayMs + 3 * hourMs + 4_321);
    const fromMs = tuesdayMs + 5 * hourMs;
    expect(late.truth('t1-ha-noi', 'up', fromMs, fromMs + 60_000)).toEqual(early.truth('t1-ha-noi', 'up', fromMs, fromMs + 60_000));
  });
});

describe('counters', () => {
  const noQosLink = engineLinks.find((l) => l.qos === 'none' && l.tier === 1)?.id ?? 't1-hue';
  it.each(['t1-ha-noi', noQosLink])('%s: counters start at zero, never go back, and pre = post + drop at every instant, drops included', (id) => {
    const surge = { internetFactor: () => 12, videoBps: () => 0, linkUp: () => true };
    const engine = new TrafficEngine({ links: engineLinks, seed: 3, startMs: tuesdayMs + 10 * hourMs + 1_500, effects: surge });
    const zero = flat(engine.read(id, 'down', engine.startMs));
    expect(zero.every((v) => v === 0n)).toBe(true);
    expect(flat(engine.read(id, 'down', engine.startMs - 60_000)).every((v) => v === 0n)).toBe(true);
    let previous = zero;
    for (let k = 1; k < 2_000; k++) {
      const atMs = engine.startMs + k * 1_321;
      const now = flat(engine.read(id, 'down', atMs));
      now.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(previous[i]!));
      previous = now;
      // flat(): pre, post, drop per class
      for (let c = 0; c < simClasses.length; c++) expect(now[3 * c]).toBe(now[3 * c + 1]! + now[3 * c + 2]!);
    }
    const o = engine.read(id, 'down', engine.startMs + hourMs / 2 + 123);
    expect(o.classes.internet.dropOctets).toBeGreaterThan(0n);
    expect(o.totalOctets).toBe(simClasses.reduce((sum, c) => sum + o.classes[c].postOctets, 0n));
  });

  it('counter deltas over a poll interval match the ground truth within 1 % (and within rounding)', () => {
    const engine = engineOf(11, tuesdayMs);
    for (const id of ['t1-ha-noi', 't1-hue', engineLinks.find((l) => l.tier === 2)!.id]) {
      for (const dir of dirs) {
        for (const [fromMs, lengthMs] of [
          [tuesdayMs + 10 * hourMs + 7_777, 60_000],
          [tuesdayMs + 14 * hourMs + 3, 17_500],
          [tuesdayMs + 23 * hourMs + 59 * 60_000, 5 * 60_000],
        ] as const) {
          const a = engine.read(id, dir, fromMs);
          const b = engine.read(id, dir, fromMs + lengthMs);
          const truth = engine.truth(id, dir, fromMs, fromMs + lengthMs);
          for (const cls of simClasses) {
            const measuredBps = (Number(b.classes[cls].postOctets - a.classes[cls].postOctets) * 8_000) / lengthMs;
            expect(measuredBps).toBeGreaterThan(0);
            expect(Math.abs(measuredBps - truth[cls].sentBps) / truth[cls].sentBps).toBeLessThan(0.01);
            expect(Math.abs(measuredBps - truth[cls].sentBps)).toBeLessThanOrEqual((2 * 8_000) / lengthMs + 1e-6);
          }
        }
      }
    }
  });

  it('stay exact beyond 2^53 octets (a 100 Gbps link for a month)', () => {
    const link: EngineLink = { ...engineLinks[0]!, id: 'big', capacityBps: 100e9 };
    const engine = new TrafficEngine({ links: [link], seed: 1, startMs: tuesdayMs, stepMs: 60_000 });
    const t1 = tuesdayMs + 30 * dayMs;
    const a = engine.read('big', 'down', t1);
    expect(a.totalOctets).toBeGreaterThan(2n ** 53n);
    expect(a.classes.internet.preOctets).toBeGreaterThan(2n ** 52n); // moved into the bigint carry
    const b = engine.read('big', 'down', t1 + 60_000);
    const truth = engine.truth('big', 'down', t1, t1 + 60_000);
    const sent = simClasses.reduce((s, c) => s + truth[c].sentBps, 0);
    expect(Math.abs((Number(b.totalOctets - a.totalOctets) * 8_000) / 60_000 - sent) / sent).toBeLessThan(1e-6);
    // Reading back after the carry gives the same value.
    engine.read('big', 'down', tuesdayMs + dayMs);
    expect(engine.read('big', 'down', t1 + 60_000).totalOctets).toBe(b.totalOctets);
  });
});

describe('calibration of the example network', () => {
  const seeds = [1, 2, 3, 1234];
  it.each(seeds)('seed %i: most tier-1 links under 60 percent offered at the busy hour, a few at 80 or more', (seed) => {
    const engine = engineOf(seed);
    const { fromMs, toMs } = busyHourOf(tuesdayMs + 12 * hourMs);
    const tier1 = engineLinks.filter((l) => l.tier === 1);
    const busy = tier1.map((l) => {
      const truth = engine.truth(l.id, 'down', fromMs, toMs);
      return simClasses.reduce((sum, c) => sum + truth[c].offeredBps, 0) / l.capacityBps;
    });
    const under60 = busy.filter((u) => u < 0.6).length;
    const over80 = busy.filter((u) => u >= 0.8).length;
    expect(under60 / tier1.length).toBeGreaterThanOrEqual(0.85);
    expect(over80).toBeGreaterThanOrEqual(1);
    expect(over80).toBeLessThanOrEqual(3);
    expect(Math.min(...busy)).toBeGreaterThanOrEqual(0.15);
  });

  it('the busy-hour total follows the planned peak; the class mix follows the shares', () => {
    const engine = engineOf(1);
    const plan = planTraffic(planned, 1);
    const { fromMs, toMs } = busyHourOf(tuesdayMs + 12 * hourMs);
    for (const l of engineLinks.filter((x) => x.tier === 1)) {
      const truth = engine.truth(l.id, 'down', fromMs, toMs);
      const total = simClasses.reduce((sum, c) => sum + truth[c].offeredBps, 0);
      // Only the per-link phase (±20 min) and the noise move it away from the peak.
      expect(total / l.capacityBps / plan.get(l.id)!.down.peakUtilization).toBeGreaterThan(0.93);
      expect(total / l.capacityBps / plan.get(l.id)!.down.peakUtilization).toBeLessThan(1.05);
      expect(Math.abs(truth.internet.offeredBps / total - l.shares.internet)).toBeLessThan(0.05);
    }
  });

  it('up is quieter than down, night quieter than the busy hour, sent never above capacity', () => {
    const engine = engineOf(1);
    const { fromMs, toMs } = busyHourOf(tuesdayMs + 12 * hourMs);
    const offered = (id: string, dir: 'down' | 'up', a: number, b: number): number => {
      const t = engine.truth(id, dir, a, b);
      return simClasses.reduce((s, c) => s + t[c].offeredBps, 0);
    };
    for (const l of engineLinks.filter((_, i) => i % 8 === 0)) {
      const downBusy = offered(l.id, 'down', fromMs, toMs);
      expect(offered(l.id, 'up', fromMs, toMs)).toBeLessThan(downBusy * 0.55);
      expect(offered(l.id, 'down', tuesdayMs + 2 * hourMs, tuesdayMs + 4 * hourMs)).toBeLessThan(downBusy * 0.4);
      for (let t = tuesdayMs; t < tuesdayMs + dayMs; t += 15 * 60_000) {
        for (const dir of dirs) {
          const truth = engine.truth(l.id, dir, t, t + engine.stepMs);
          const sentBps = simClasses.reduce((s, c) => s + truth[c].sentBps, 0);
          expect(sentBps, l.id).toBeGreaterThan(0);
          expect(sentBps, l.id).toBeLessThanOrEqual(l.capacityBps * (1 + 1e-9));
        }
      }
    }
  });
});
