import { describe, expect, it } from 'vitest';
import {
  capacityForLoadBps,
  roundUpToMbpsBps,
  standardCapacitiesBps,
  suggestCapacity,
  suggestReservation,
} from '../../server/report/suggestions.ts';
import { itReturns } from '../helpers/table.ts';

const M = 1_000_000;
const G = 1_000 * M;

describe('standard capacities: 1-2-5 steps from 10 Mbit/s', () => {
  it('starts 10, 20, 50, 100, 200, 500 Mbit/s, 1, 2, 5, 10 Gbit/s', () => {
    const first: number[] = [];
    for (const c of standardCapacitiesBps()) {
      first.push(c);
      if (first.length === 12) break;
    }
    expect(first).toEqual([10 * M, 20 * M, 50 * M, 100 * M, 200 * M, 500 * M, 1 * G, 2 * G, 5 * G, 10 * G, 20 * G, 50 * G]);
  });
});

describe('capacityForLoadBps: the smallest standard capacity that keeps the load under 60 %', () => {
  itReturns('%d bit/s → %d', capacityForLoadBps, [
    [0, 10 * M],
    [1 * M, 10 * M],
    [5.99 * M, 10 * M],
    // 6 of 10 is 60 %: not under 60 %
    [6 * M, 20 * M],
    [59 * M, 100 * M],
    [59.9 * M, 100 * M],
    // 59.95 of 100 shows as 60.0 %: the next step
    [59.95 * M, 200 * M],
    [60 * M, 200 * M],
    [119 * M, 200 * M],
    [120 * M, 500 * M],
    [299 * M, 500 * M],
    [300 * M, 1 * G],
    [450 * M, 1 * G],
    [599 * M, 1 * G],
    [600 * M, 2 * G],
    [1.5 * G, 5 * G],
    [2.9 * G, 5 * G],
    [3 * G, 10 * G],
    [5.9 * G, 10 * G],
    [6 * G, 20 * G],
  ]);

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('%s → null', (loadBps) => {
    expect(capacityForLoadBps(loadBps)).toBeNull();
  });
});

describe('suggestCapacity', () => {
  const suggestion = (load: number, currentBps: number | null, currentUtilization: number | null, suggestedBps: number | null) => ({
    busyHourP95Bps: load,
    currentBps,
    currentUtilization,
    suggestedBps,
  });
  it.each([
    ['no load figure', null, 1 * G, null],
    ['400 Mbit/s on 1 Gbit/s: enough', 400 * M, 1 * G, suggestion(400 * M, 1 * G, 0.4, null)],
    ['599 Mbit/s on 1 Gbit/s: enough', 599 * M, 1 * G, suggestion(599 * M, 1 * G, 0.599, null)],
    ['600 Mbit/s on 1 Gbit/s: 2 Gbit/s', 600 * M, 1 * G, suggestion(600 * M, 1 * G, 0.6, 2 * G)],
    ['850 Mbit/s on 1 Gbit/s: 2 Gbit/s', 850 * M, 1 * G, suggestion(850 * M, 1 * G, 0.85, 2 * G)],
    ['1.25 Gbit/s on 1 Gbit/s: 5 Gbit/s', 1.25 * G, 1 * G, suggestion(1.25 * G, 1 * G, 1.25, 5 * G)],
    ['90 Mbit/s on 100 Mbit/s: 200 Mbit/s', 90 * M, 100 * M, suggestion(90 * M, 100 * M, 0.9, 200 * M)],
    // A non-standard capacity that suffices needs no change, though the next standard step is larger.
    ['170 Mbit/s on 300 Mbit/s: enough', 170 * M, 300 * M, suggestion(170 * M, 300 * M, 0.567, null)],
    ['no capacity known: the standard step', 100 * M, null, suggestion(100 * M, null, null, 200 * M)],
    ['a zero capacity is unknown', 100 * M, 0, suggestion(100 * M, null, null, 200 * M)],
  ])('%s', (_name, load, current, expected) => {
    expect(suggestCapacity(load, current)).toEqual(expected);
  });
});

describe('roundUpToMbpsBps', () => {
  itReturns('%d → %d', roundUpToMbpsBps, [
    [0, 0],
    [1, M],
    [M, M],
    [M + 1, 2 * M],
    [12 * M, 12 * M],
    // mean-of-floats noise does not add a megabit
    [12_000_000.000000002, 12 * M],
    [12.4 * M, 13 * M],
  ]);
});

describe('suggestReservation: the p95 of the daily busy-hour rate, rounded up to a Mbit/s', () => {
  it('no days, no suggestion (not 0)', () => {
    expect(suggestReservation([], 1 * G, 50 * M)).toBeNull();
    expect(suggestReservation([Number.NaN], 1 * G, 50 * M)).toBeNull();
  });

  it.each([
    // [daily busy-hour rates, capacity, policy, expected]
    [[40 * M], 1 * G, 50 * M, { busyHourP95Bps: 40 * M, busyHourMaxBps: 40 * M, suggestedBps: 40 * M, capacityShare: 0.04, policyBps: 50 * M }],
    [
      // 20 days 10..29 Mbit/s: rank 19 → 28 Mbit/s; max 29
      Array.from({ length: 20 }, (_, i) => (10 + i) * M),
      100 * M,
      null,
      { busyHourP95Bps: 28 * M, busyHourMaxBps: 29 * M, suggestedBps: 28 * M, capacityShare: 0.28, policyBps: null },
    ],
    [[12.3 * M, 7 * M], 1 * G, 100 * M, { busyHourP95Bps: 12.3 * M, busyHourMaxBps: 12.3 * M, suggestedBps: 13 * M, capacityShare: 0.013, policyBps: 100 * M }],
    [[0, 0], 1 * G, null, { busyHourP95Bps: 0, busyHourMaxBps: 0, suggestedBps: 0, capacityShare: 0, policyBps: null }],
    [[5 * M], null, null, { busyHourP95Bps: 5 * M, busyHourMaxBps: 5 * M, suggestedBps: 5 * M, capacityShare: null, policyBps: null }],
  ])('%j on %s', (daily, capacity, policy, expected) => {
    expect(suggestReservation(daily, capacity, policy)).toEqual(expected);
  });
});
