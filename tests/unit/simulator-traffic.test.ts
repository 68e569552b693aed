// The traffic model: seeded determinism, exact integral, calibration of the example network.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import {
  busyHourOf,
  counterOctets,
  meanUtilization,
  modelOctets,
  modelRate,
  planTraffic,
  type LinkModel,
  type PlannedLink,
  type TrafficDirection,
} from '../../simulator/traffic/model.ts';
import { profileAt, profileDayIntegral, profileIntegralWithinDay, dayMs, hourMs } from '../../simulator/traffic/profile.ts';
import { nominalSpeedBps } from '../../simulator/mib/router-model.ts';

const example = loadConfig().topology;
const planned: PlannedLink[] = example.links.map((l) => ({ id: l.id, tier: l.tier, capacityBps: l.capacityBps ?? nominalSpeedBps(l.ifName) }));
/** A Tuesday: 2025-07-15 00:00 in Vietnam (UTC+7). */
const tuesdayMs = Date.UTC(2025, 6, 14, 17, 0, 0);

function modelOf(models: Map<string, LinkModel>, id: string): LinkModel {
  const m = models.get(id);
  if (!m) throw new Error(`no model for ${id}`);
  return m;
}

/** Composite Simpson's rule of rate/8 (octets) over [from, to] with n (even) steps. */
function simpsonOctets(link: LinkModel, dir: TrafficDirection, fromMs: number, toMs: number, n: number): number {
  const h = (toMs - fromMs) / n;
  let sum = modelRate(link, dir, fromMs) + modelRate(link, dir, toMs);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * modelRate(link, dir, fromMs + i * h);
  return ((sum * h) / 3 / 8) / 1000;
}

describe('determinism', () => {
  it('the same seed gives the same trace, another seed a different one', () => {
    const a = planTraffic(planned, 42);
    const b = planTraffic(planned, 42);
    const c = planTraffic(planned, 43);
    let differs = 0;
    for (const { id } of planned) {
      for (const dir of ['down', 'up'] as const) {
        for (let k = 0; k < 50; k++) {
          const atMs = tuesdayMs + k * 1_234_567;
          const rate = modelRate(modelOf(a, id), dir, atMs);
          expect(modelRate(modelOf(b, id), dir, atMs)).toBe(rate);
          if (modelRate(modelOf(c, id), dir, atMs) !== rate) differs++;
        }
        expect(counterOctets(modelOf(a, id), dir, tuesdayMs - 5 * dayMs, tuesdayMs)).toBe(
          counterOctets(modelOf(b, id), dir, tuesdayMs - 5 * dayMs, tuesdayMs),
        );
      }
    }
    expect(differs).toBeGreaterThan(planned.length * 2 * 45);
  });

  it('a rate depends only on the time asked, not on what was asked before', () => {
    const link = modelOf(planTraffic(planned, 5), 't1-hue');
    const times = Array.from({ length: 20 }, (_, k) => tuesdayMs + k * 61_000);
    const forward = times.map((t) => modelRate(link, 'down', t));
    const backward = [...times].reverse().map((t) => modelRate(link, 'down', t)).reverse();
    expect(backward).toEqual(forward);
  });
});

describe('the integral', () => {
  it('the daily profile integral matches its knots', () => {
    expect(profileIntegralWithinDay(0)).toBe(0);
    expect(profileIntegralWithinDay(dayMs - 1e-6)).toBeCloseTo(profileDayIntegral, 0);
    // Trapezoid over one hour of a linear piece is exact.
    const h9 = profileIntegralWithinDay(10 * hourMs) - profileIntegralWithinDay(9 * hourMs);
    expect(h9).toBeCloseTo(((profileAt(9 * hourMs) + profileAt(10 * hourMs)) / 2) * hourMs, 3);
  });

  const cases: [string, TrafficDirection, number, number][] = [
    ['t1-ha-noi', 'down', tuesdayMs + 10 * hourMs + 12_345, 10 * 60_000], // busy hour, 10 min
    ['t1-hue', 'up', tuesdayMs + 12 * hourMs - 3 * 60_000, 6 * 60_000], // across an hour knot
    ['t1-ca-mau', 'down', tuesdayMs - 5 * 60_000, 10 * 60_000], // across local midnight
    ['t1-da-nang', 'down', tuesdayMs + 15 * hourMs + 7, 2_000], // a short poll interval
  ];
  it.each(cases)('%s %s: ∫ rate dt equals Simpson integration of the rate', (id, dir, fromMs, lengthMs) => {
    const link = modelOf(planTraffic(planned, 11), id);
    const numeric = simpsonOctets(link, dir, fromMs, fromMs + lengthMs, Math.max(2, Math.round(lengthMs / 25)) * 2);
    const exact = modelOctets(link, dir, fromMs, fromMs + lengthMs);
    expect(exact).toBeGreaterThan(0);
    expect(Math.abs(exact - numeric) / exact).toBeLessThan(1e-7);
  });

  it('counters are the integral since boot, for any uptime, and never go back', () => {
    const link = modelOf(planTraffic(planned, 3), 't1-ha-noi');
    const bootMs = tuesdayMs - 400 * dayMs - 12_345; // a long uptime: the day part is integer maths
    let previous = -1n;
    for (let k = 0; k < 2_000; k++) {
      const atMs = tuesdayMs + k * 43_219;
      const counter = counterOctets(link, 'down', bootMs, atMs);
      expect(counter).toBeGreaterThanOrEqual(previous);
      previous = counter;
    }
    const t1 = tuesdayMs + 9 * hourMs;
    const t2 = t1 + 60_000;
    const delta = Number(counterOctets(link, 'down', bootMs, t2) - counterOctets(link, 'down', bootMs, t1));
    expect(Math.abs(delta - modelOctets(link, 'down', t1, t2))).toBeLessThanOrEqual(2);
    // Across midnight, where whole days are counted.
    const m = tuesdayMs + dayMs;
    expect(counterOctets(link, 'down', bootMs, m + 1)).toBeGreaterThan(counterOctets(link, 'down', bootMs, m - 1));
    const total = Number(counterOctets(link, 'down', bootMs, m));
    expect(Math.abs(total - modelOctets(link, 'down', bootMs, m)) / total).toBeLessThan(1e-9);
    expect(counterOctets(link, 'down', bootMs, bootMs)).toBe(0n);
  });
});

describe('calibration of the example network', () => {
  const seeds = [1, 2, 3, 1234];
  it.each(seeds)('seed %i: most tier-1 links < 60 %% at the busy hour, at least one ≥ 80 %%', (seed) => {
    const models = planTraffic(planned, seed);
    const { fromMs, toMs } = busyHourOf(tuesdayMs + 12 * hourMs);
    const tier1 = planned.filter((l) => l.tier === 1);
    const busy = tier1.map((l) => meanUtilization(modelOf(models, l.id), 'down', fromMs, toMs));
    const under60 = busy.filter((u) => u < 0.6).length;
    const over80 = busy.filter((u) => u >= 0.8).length;
    expect(under60 / tier1.length).toBeGreaterThanOrEqual(0.85);
    expect(over80).toBeGreaterThanOrEqual(1);
    expect(over80).toBeLessThanOrEqual(3);
    expect(Math.min(...busy)).toBeGreaterThanOrEqual(0.15);
  });

  it('up is quieter than down, night is quieter than the busy hour, and no rate leaves [0, capacity]', () => {
    const models = planTraffic(planned, 1);
    const { fromMs, toMs } = busyHourOf(tuesdayMs + 12 * hourMs);
    for (const { id } of planned) {
      const link = modelOf(models, id);
      const downBusy = meanUtilization(link, 'down', fromMs, toMs);
      expect(meanUtilization(link, 'up', fromMs, toMs)).toBeLessThan(downBusy * 0.55);
      expect(meanUtilization(link, 'down', tuesdayMs + 2 * hourMs, tuesdayMs + 4 * hourMs)).toBeLessThan(downBusy * 0.3);
      let minUtil = Infinity;
      let maxUtil = -Infinity;
      for (let t = tuesdayMs; t < tuesdayMs + dayMs; t += 7_001) {
        for (const dir of ['down', 'up'] as const) {
          const utilization = modelRate(link, dir, t) / link.capacityBps;
          minUtil = Math.min(minUtil, utilization);
          maxUtil = Math.max(maxUtil, utilization);
        }
      }
      expect(minUtil, id).toBeGreaterThan(0);
      expect(maxUtil, id).toBeLessThan(1);
    }
  });
});
