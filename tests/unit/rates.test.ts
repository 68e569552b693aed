// Counter maths (collector/rates.ts), table-driven: every rule of README "Counter rules" and its edges.
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_AGREEMENT,
  COUNTER32_MODULUS,
  TIMETICKS_MODULUS,
  bitsPerSecondOf,
  capacityBpsOf,
  rateProblem,
  chooseIntervalMs,
  clockToleranceMs,
  counterDelta,
  measureInterval,
  uptimeVerdict,
  type CounterBits,
  type CounterReading,
  type ClockSource,
  type Discontinuity,
} from '../../collector/rates.ts';
import type { Counter } from '../../collector/snmp/index.ts';

const MAX32 = COUNTER32_MODULUS - 1;
const MAX64 = (1n << 64n) - 1n;

describe('counterDelta', () => {
  const cases: [string, Counter, Counter, CounterBits, number | undefined][] = [
    ['32-bit increase', 100, 250, 32, 150],
    ['32-bit unchanged', 7, 7, 32, 0],
    ['32-bit wrap from the top', MAX32, 0, 32, 1],
    ['32-bit wrap across zero', MAX32 - 9, 10, 32, 20],
    ['32-bit wrap by a large step', 4_000_000_000, 100_000_000, 32, COUNTER32_MODULUS - 3_900_000_000],
    ['32-bit value beyond 2^32 is not a 32-bit counter', 0, COUNTER32_MODULUS, 32, undefined],
    ['32-bit previous beyond 2^32 is not a 32-bit counter', COUNTER32_MODULUS + 5, 3, 32, undefined],
    ['64-bit increase', 10, 1_000_000_000_000, 64, 999_999_999_990],
    ['64-bit increase above 2^32', MAX32, COUNTER32_MODULUS + 1, 64, 2],
    ['64-bit near the top', MAX64 - 1n, MAX64, 64, 1],
    ['64-bit across 2^53 (a number, then a bigint)', 2 ** 53 - 10, 2n ** 53n + 5n, 64, 15],
    ['64-bit above 2^53', 2n ** 60n, 2n ** 60n + 1_000n, 64, 1_000],
    ['64-bit above 2^53 went back', 2n ** 60n, 2 ** 40, 64, undefined],
    ['a bigint that is exact counts as a number (a 32-bit wrap)', MAX32 - 9, 10n, 32, 20],
    ['32-bit past 2^53 is not a 32-bit counter', 2n ** 60n, 2n ** 60n + 1n, 32, undefined],
    ['64-bit went back is a discontinuity, never a wrap', MAX64, 0n, 64, undefined],
    ['64-bit went back by one', 1000, 999, 64, undefined],
    ['negative input', -1, 5, 64, undefined],
  ];
  it.each(cases)('%s', (_name, prev, curr, bits, expected) => {
    expect(counterDelta(prev, curr, bits)).toBe(expected);
  });
});

describe('clockToleranceMs: max(1 s, 2 %)', () => {
  it('is the one named constant', () => expect(CLOCK_AGREEMENT).toEqual({ minMs: 1_000, percent: 2 }));
  it.each([
    [0, 1_000],
    [1_000, 1_000],
    [5_000, 1_000],
    [10_000, 1_000],
    [50_000, 1_000],
    [60_000, 1_200],
    [120_000, 2_400],
    [180_000, 3_600],
    [300_000, 6_000],
  ])('wall %d ms → %d ms', (wall, tol) => expect(clockToleranceMs(wall)).toBe(tol));
});

describe('uptimeVerdict', () => {
  const DAY_CS = 8_640_000;
  const cases: [string, number, number, number, ReturnType<typeof uptimeVerdict>][] = [
    ['normal advance', 100 * DAY_CS, 100 * DAY_CS + 6_000, 60_000, { kind: 'moved', deltaCs: 6_000, wrapped: false }],
    ['advance slower than wall (agent clock odd) is still moved', 100 * DAY_CS, 100 * DAY_CS + 3_000, 60_000, { kind: 'moved', deltaCs: 3_000, wrapped: false }],
    ['static uptime (recorded agent) is not a reboot', 12_345, 12_345, 60_000, { kind: 'moved', deltaCs: 0, wrapped: false }],
    ['went back: reboot', 100 * DAY_CS, 3_000, 60_000, { kind: 'rebooted' }],
    ['went back by one tick: reboot', 500_000, 499_999, 60_000, { kind: 'rebooted' }],
    [
      'own 32-bit wrap after ~497 days, consistent with the wall clock: not a reboot',
      TIMETICKS_MODULUS - 1_000,
      5_000,
      60_000,
      { kind: 'moved', deltaCs: 6_000, wrapped: true },
    ],
    [
      'wrap at the edge of tolerance (wall 60 s, uptime 61.2 s)',
      TIMETICKS_MODULUS - 1_200,
      4_920,
      60_000,
      { kind: 'moved', deltaCs: 6_120, wrapped: true },
    ],
    [
      'wrap at the edge of tolerance, slow side (wall 60 s, uptime 58.8 s)',
      TIMETICKS_MODULUS - 1_200,
      4_680,
      60_000,
      { kind: 'moved', deltaCs: 5_880, wrapped: true },
    ],
    // Went back, and the wrapped advance disagrees with the timestamps by more than max(1 s, 2 %):
    // not one clock, so not its own wrap.
    ['wrap 10 ms beyond the tolerance (uptime 61.21 s in 60 s): reboot', TIMETICKS_MODULUS - 1_200, 4_921, 60_000, { kind: 'rebooted' }],
    ['wrap 10 ms short of the tolerance (uptime 58.79 s in 60 s): reboot', TIMETICKS_MODULUS - 1_200, 4_679, 60_000, { kind: 'rebooted' }],
    ['wrap with uptime 72 s in 60 s: reboot', TIMETICKS_MODULUS - 1_200, 6_000, 60_000, { kind: 'rebooted' }],
    ['wrapped delta inconsistent with wall clock: reboot', TIMETICKS_MODULUS - 1_000, 50_000, 60_000, { kind: 'rebooted' }],
    ['previous far from 2^32 and went back: reboot even with small current', 2 * DAY_CS, 10, 60_000, { kind: 'rebooted' }],
    ['booted in between though uptime exceeds previous (30 s up, 61 s wall)', 100, 3_000, 61_000, { kind: 'rebooted' }],
    ['just booted at previous poll, uptime consistent', 100, 6_100, 60_000, { kind: 'moved', deltaCs: 6_000, wrapped: false }],
    // A second reboot within one interval: up 5 s at the previous poll, restarted 2 s later;
    // 58 s up now exceeds the 5 s before, but sysUpTime moved 53 s in 60 s of wall time.
    ['second reboot within one interval: moved less than the wall clock', 500, 5_800, 60_000, { kind: 'rebooted' }],
    ['second reboot right after the previous poll (moved 58.7 s in 60 s)', 100, 5_970, 60_000, { kind: 'rebooted' }],
    ['second reboot on a short interval (moved 3.5 s in 5 s)', 50, 400, 5_000, { kind: 'rebooted' }],
    ['young agent, poll jitter within max(1 s, 2 %): not a reboot', 100, 6_000, 60_000, { kind: 'moved', deltaCs: 5_900, wrapped: false }],
    ['young agent, uptime ahead of the wall clock: not a reboot', 100, 6_300, 60_000, { kind: 'moved', deltaCs: 6_200, wrapped: false }],
    ['old agent moving slowly cannot have booted since (uptime > wall)', 7_000, 10_000, 60_000, { kind: 'moved', deltaCs: 3_000, wrapped: false }],
  ];
  it.each(cases)('%s', (_name, prev, curr, wall, expected) => {
    expect(uptimeVerdict(prev, curr, wall)).toEqual(expected);
  });
});

describe('chooseIntervalMs', () => {
  const cases: [string, number | undefined, number, { intervalMs: number; clock: 'sysUpTime' | 'wall' }][] = [
    ['uptime agrees exactly', 6_000, 60_000, { intervalMs: 60_000, clock: 'sysUpTime' }],
    ['uptime 1 s slow in 59 s (within 1.18 s)', 5_800, 59_000, { intervalMs: 58_000, clock: 'sysUpTime' }],
    ['uptime 9 s slow in 59 s (a jump, not jitter)', 5_000, 59_000, { intervalMs: 59_000, clock: 'wall' }],
    ['uptime 20 s slow in 60 s', 4_000, 60_000, { intervalMs: 60_000, clock: 'wall' }],
    ['short interval: within 1 s', 400, 4_900, { intervalMs: 4_000, clock: 'sysUpTime' }],
    ['short interval: beyond 1 s', 300, 4_900, { intervalMs: 4_900, clock: 'wall' }],
    ['no sysUpTime', undefined, 60_123, { intervalMs: 60_123, clock: 'wall' }],
    ['static sysUpTime', 0, 60_000, { intervalMs: 60_000, clock: 'wall' }],
    ['poll timestamps skewed by a retry, agent clock exact', 500, 5_900, { intervalMs: 5_000, clock: 'sysUpTime' }],
  ];
  it.each(cases)('%s', (_name, deltaCs, wall, expected) => {
    expect(chooseIntervalMs(deltaCs, wall)).toEqual(expected);
  });

  // The edges of max(1 s, 2 %), inclusive, on both sides (agent clock ahead: sysUpTime jumped
  // forward; behind: jumped back), at the 10-s, 60-s and 300-s intervals; one tick (10 ms) beyond
  // is the timestamps'. Tolerances written out (1 s, 1.2 s, 6 s), not computed.
  const edges: [string, number, number, 'sysUpTime' | 'wall'][] = [
    ['10 s, agent 1 s ahead (at the tolerance)', 10_000, 1_100, 'sysUpTime'],
    ['10 s, agent 1 s behind (at the tolerance)', 10_000, 900, 'sysUpTime'],
    ['10 s, agent 1.01 s ahead (just over)', 10_000, 1_101, 'wall'],
    ['10 s, agent 1.01 s behind (just over)', 10_000, 899, 'wall'],
    ['10 s, agent 300 ms behind (latency jitter)', 10_000, 970, 'sysUpTime'],
    ['10 s, agent 300 ms ahead (latency jitter)', 10_000, 1_030, 'sysUpTime'],
    ['60 s, agent 1.2 s ahead (at the tolerance)', 60_000, 6_120, 'sysUpTime'],
    ['60 s, agent 1.2 s behind (at the tolerance)', 60_000, 5_880, 'sysUpTime'],
    ['60 s, agent 1.21 s ahead (just over)', 60_000, 6_121, 'wall'],
    ['60 s, agent 1.21 s behind (just over)', 60_000, 5_879, 'wall'],
    ['60 s, sysUpTime jumped 8 s back', 60_000, 5_200, 'wall'],
    ['60 s, sysUpTime jumped 8 s forward', 60_000, 6_800, 'wall'],
    ['300 s, agent 6 s ahead (at the tolerance)', 300_000, 30_600, 'sysUpTime'],
    ['300 s, agent 6 s behind (at the tolerance)', 300_000, 29_400, 'sysUpTime'],
    ['300 s, agent 6.01 s ahead (just over)', 300_000, 30_601, 'wall'],
    ['300 s, agent 6.01 s behind (just over)', 300_000, 29_399, 'wall'],
  ];
  it.each(edges)('%s → %s', (_name, wallMs, deltaCs, clock) => {
    expect(chooseIntervalMs(deltaCs, wallMs)).toEqual({ intervalMs: clock === 'sysUpTime' ? deltaCs * 10 : wallMs, clock });
  });
});

describe('bitsPerSecondOf', () => {
  it.each([
    [0, 60_000, 0],
    [750_000, 60_000, 100_000],
    [125_000_000, 1_000, 1_000_000_000],
    [1, 8_000, 1],
    [2 ** 52, 1_000, 8 * 2 ** 52],
    // Whole bits per second: 1 octet over 3 s is 2.67 bit/s.
    [1, 3_000, 3],
    [1, 16_000, 1],
    [1, 17_000, 0],
    [1_000_001, 10_000, 800_001],
  ])('%s octets over %d ms → %d bps', (octets, ms, bps) => expect(bitsPerSecondOf(octets, ms)).toBe(bps));
  it('a zero interval is not a rate', () => expect(bitsPerSecondOf(100, 0)).toBeNaN());
});

describe('capacityBpsOf', () => {
  const cases: [string, number | undefined, number | undefined, number | undefined][] = [
    ['override wins', 100_000_000, 1_000, 100_000_000],
    ['ifHighSpeed × 10^6', undefined, 1_000, 1_000_000_000],
    ['ifHighSpeed 10 Mbps', undefined, 10, 10_000_000],
    ['ifHighSpeed 0: unknown', undefined, 0, undefined],
    ['no ifHighSpeed: unknown', undefined, undefined, undefined],
    ['override with ifHighSpeed 0', 50_000_000, 0, 50_000_000],
  ];
  it.each(cases)('%s', (_n, override, highSpeed, expected) => expect(capacityBpsOf(override, highSpeed)).toBe(expected));
});

describe('rateProblem', () => {
  const cases: [string, number, number | undefined, ReturnType<typeof rateProblem>][] = [
    ['idle', 0, 100e6, undefined],
    ['half', 50e6, 100e6, undefined],
    ['exactly at capacity', 100e6, 100e6, undefined],
    ['exactly 110 % is allowed', 110e6, 100e6, undefined],
    ['above 110 % is invalid, not clamped', 110.1e6, 100e6, 'over-capacity'],
    ['spike', 9e9, 100e6, 'over-capacity'],
    ['unknown capacity: only finiteness is checked', 5e9, undefined, undefined],
    ['NaN', Number.NaN, 100e6, 'not-finite'],
    ['infinite', Number.POSITIVE_INFINITY, undefined, 'not-finite'],
    ['negative', -1, 100e6, 'not-finite'],
  ];
  it.each(cases)('%s', (_n, bps, cap, expected) => {
    expect(rateProblem(bps, cap, 1.1)).toBe(expected);
  });
});

describe('measureInterval', () => {
  const base: CounterReading = {
    atMs: 1_700_000_000_000,
    sysUpTimeCs: 10_000_000,
    ifIndex: '3',
    counterBits: 64,
    inOctets: 1_000_000,
    outOctets: 5_000_000,
    discontinuityTimeCs: 0,
    inErrors: 10,
    outErrors: 20,
  };
  const next = (over: Partial<CounterReading>): CounterReading => ({
    ...base,
    atMs: base.atMs + 60_000,
    sysUpTimeCs: (base.sysUpTimeCs ?? 0) + 6_000,
    inOctets: 1_000_000 + 750_000,
    outOctets: 5_000_000 + 7_500_000,
    inErrors: 12,
    outErrors: 20,
    ...over,
  });
  const opts = { maxGapMs: 180_000 };

  it('a normal interval: deltas and Δt from sysUpTime', () => {
    expect(measureInterval(base, next({}), opts)).toEqual({
      ok: true,
      intervalMs: 60_000,
      clock: 'sysUpTime',
      inOctets: 750_000,
      outOctets: 7_500_000,
      inErrors: 2,
      outErrors: 0,
    });
  });

  it('Δt from sysUpTime even when the poll timestamps jitter', () => {
    const got = measureInterval(base, next({ atMs: base.atMs + 60_700 }), opts);
    expect(got).toMatchObject({ ok: true, intervalMs: 60_000, clock: 'sysUpTime' });
  });

  it('no sysUpTime (some real routers): Δt from poll timestamps', () => {
    const prev = { ...base, sysUpTimeCs: undefined };
    const got = measureInterval(prev, next({ sysUpTimeCs: undefined, atMs: base.atMs + 59_500 }), opts);
    expect(got).toMatchObject({ ok: true, intervalMs: 59_500, clock: 'wall' });
  });

  it('32-bit fallback counters wrap', () => {
    const prev = { ...base, counterBits: 32 as const, inOctets: MAX32 - 99, outOctets: 0 };
    const got = measureInterval(prev, next({ counterBits: 32, inOctets: 650, outOctets: 100 }), opts);
    expect(got).toMatchObject({ ok: true, inOctets: 750, outOctets: 100 });
  });

  it.each([
    // 2^32 octets in 60 s is 572.6 Mbit/s: at or above it, one wrap cannot be told from two.
    [100e6, true],
    [572e6, true],
    [573e6, false],
    [1e9, false],
  ])('32-bit counters on a %d bit/s link over 60 s: sample %s', (capacityBps, sampled) => {
    const prev = { ...base, counterBits: 32 as const, inOctets: MAX32 - 99, outOctets: 0 };
    const got = measureInterval(prev, next({ counterBits: 32, inOctets: 650, outOctets: 100 }), { ...opts, capacityBps });
    expect(got).toMatchObject(sampled ? { ok: true } : { ok: false, reason: 'counter32-ambiguous' });
  });

  it('64-bit counters are never ambiguous, whatever the capacity', () => {
    expect(measureInterval(base, next({}), { ...opts, capacityBps: 400e9 })).toMatchObject({ ok: true });
  });

  it('sysUpTime own wrap after ~497 days still measures', () => {
    const prev = { ...base, sysUpTimeCs: TIMETICKS_MODULUS - 2_000 };
    const got = measureInterval(prev, next({ sysUpTimeCs: 4_000 }), opts);
    expect(got).toMatchObject({ ok: true, intervalMs: 60_000, clock: 'sysUpTime' });
  });

  it('errors unknown when the agent lacks the error columns', () => {
    const got = measureInterval({ ...base, inErrors: undefined }, next({ outErrors: undefined }), opts);
    expect(got).toMatchObject({ ok: true, inErrors: undefined, outErrors: undefined });
  });

  // A 32-bit counter that went back is a wrap only where the agent can witness that it was not a
  // reset: a moving sysUpTime (no reboot) or ifCounterDiscontinuityTime on both readings.
  const wrapWitness: [string, boolean, Partial<CounterReading>, Partial<CounterReading>][] = [
    ['sysUpTime and discontinuity time', true, {}, {}],
    ['sysUpTime only', true, { discontinuityTimeCs: undefined }, { discontinuityTimeCs: undefined }],
    ['discontinuity time only', true, { sysUpTimeCs: undefined }, { sysUpTimeCs: undefined }],
    ['neither', false, { sysUpTimeCs: undefined, discontinuityTimeCs: undefined }, { sysUpTimeCs: undefined, discontinuityTimeCs: undefined }],
    ['discontinuity time on one side only, no sysUpTime', false, { sysUpTimeCs: undefined }, { sysUpTimeCs: undefined, discontinuityTimeCs: undefined }],
    ['static sysUpTime (it witnesses nothing), no discontinuity time', false, { discontinuityTimeCs: undefined }, { sysUpTimeCs: base.sysUpTimeCs, discontinuityTimeCs: undefined }],
  ];
  it.each(wrapWitness)('32-bit counter went back, witness: %s → sample: %s', (_n, sampled, prevOver, currOver) => {
    const prev: CounterReading = { ...base, counterBits: 32, inOctets: MAX32 - 99, outOctets: 0, ...prevOver };
    const curr = next({ counterBits: 32, inOctets: 650, outOctets: 100, ...currOver });
    const got = measureInterval(prev, curr, opts);
    expect(got).toMatchObject(sampled ? { ok: true, inOctets: 750, outOctets: 100 } : { ok: false, reason: 'counter32-unverified' });
  });

  it('32-bit counters that only went forward need no witness', () => {
    const none = { sysUpTimeCs: undefined, discontinuityTimeCs: undefined };
    const got = measureInterval({ ...base, ...none, counterBits: 32, inOctets: 100, outOctets: 0 }, next({ ...none, counterBits: 32, inOctets: 850, outOctets: 100 }), opts);
    expect(got).toMatchObject({ ok: true, inOctets: 750, outOctets: 100 });
  });

  it('error counters that went back without a witness are unknown, not a wrap', () => {
    const none = { sysUpTimeCs: undefined, discontinuityTimeCs: undefined };
    const got = measureInterval({ ...base, ...none, inErrors: 10 }, next({ ...none, inErrors: 3, outErrors: 25 }), opts);
    expect(got).toMatchObject({ ok: true, inErrors: undefined, outErrors: 5 });
  });

  const noSample: [string, CounterReading | undefined, CounterReading, string][] = [
    ['first reading', undefined, next({}), 'first-reading'],
    ['wall clock went back', base, next({ atMs: base.atMs - 1 }), 'clock-went-back'],
    ['same timestamp', base, next({ atMs: base.atMs }), 'clock-went-back'],
    ['gap longer than the limit after missed polls', base, next({ atMs: base.atMs + 180_001, sysUpTimeCs: 10_018_000 }), 'gap-too-long'],
    ['reboot: sysUpTime went back (counters reset too)', base, next({ sysUpTimeCs: 5_000, inOctets: 10, outOctets: 10 }), 'reboot'],
    ['reboot while 32-bit counters look like a wrap', { ...base, counterBits: 32 }, next({ counterBits: 32, sysUpTimeCs: 3_000, inOctets: 5 }), 'reboot'],
    ['ifCounterDiscontinuityTime changed', base, next({ discontinuityTimeCs: 9_990_000 }), 'discontinuity-time'],
    ['ifIndex now differs for this ifName', base, next({ ifIndex: '7' }), 'ifindex-changed'],
    ['HC columns appeared or vanished', base, next({ counterBits: 32 }), 'counter-width-changed'],
    ['64-bit in counter went back without other signs', base, next({ inOctets: 999_999 }), 'counter-went-back'],
    ['64-bit out counter went back', base, next({ outOctets: 0 }), 'counter-went-back'],
    [
      'second reboot within one interval: counters grew past the old values',
      { ...base, sysUpTimeCs: 500, inOctets: 1_000, outOctets: 2_000 },
      next({ sysUpTimeCs: 5_800, inOctets: 400_000, outOctets: 900_000 }),
      'reboot',
    ],
    [
      '32-bit wrap-or-reset on an agent with neither sysUpTime nor discontinuity time',
      { ...base, counterBits: 32, sysUpTimeCs: undefined, discontinuityTimeCs: undefined, inOctets: 3_000_000_000 },
      next({ counterBits: 32, sysUpTimeCs: undefined, discontinuityTimeCs: undefined, inOctets: 1_000 }),
      'counter32-unverified',
    ],
  ];
  it.each(noSample)('no sample: %s', (_n, prev, curr, reason) => {
    expect(measureInterval(prev, curr, opts)).toEqual({ ok: false, reason });
  });

  it('a gap within the limit measures from the last good reading (no zero, no spike)', () => {
    // One poll missed: 120 s since the last good reading, counters moved for 120 s.
    const curr = next({ atMs: base.atMs + 120_000, sysUpTimeCs: 10_012_000, inOctets: 1_000_000 + 1_500_000 });
    const got = measureInterval(base, curr, opts);
    expect(got).toMatchObject({ ok: true, intervalMs: 120_000, inOctets: 1_500_000 });
    assert(got.ok);
    expect(bitsPerSecondOf(got.inOctets, got.intervalMs)).toBe(100_000);
  });

  // Through measureInterval: which clock gives Δt, and that reboots are still caught, at the
  // 10-s, 60-s and 300-s intervals. `prevUpCs` is the agent's uptime at the previous poll (10^7 cs
  // is ~28 hours: it cannot have booted in the interval).
  type Expected = { ok: true; intervalMs: number; clock: ClockSource } | { ok: false; reason: Discontinuity };
  const clockEdges: [string, number, number, number, Expected][] = [
    ['10 s, 300 ms agent jitter: the agent’s Δt', 10_000, 10_000_000, 970, { ok: true, intervalMs: 9_700, clock: 'sysUpTime' }],
    ['10 s, agent 1 s behind: the agent’s Δt', 10_000, 10_000_000, 900, { ok: true, intervalMs: 9_000, clock: 'sysUpTime' }],
    ['10 s, sysUpTime 1.01 s back: the timestamps’ Δt', 10_000, 10_000_000, 899, { ok: true, intervalMs: 10_000, clock: 'wall' }],
    ['10 s, sysUpTime 1.01 s forward: the timestamps’ Δt', 10_000, 10_000_000, 1_101, { ok: true, intervalMs: 10_000, clock: 'wall' }],
    ['60 s, agent 1.2 s ahead: the agent’s Δt', 60_000, 10_000_000, 6_120, { ok: true, intervalMs: 61_200, clock: 'sysUpTime' }],
    ['60 s, sysUpTime 8 s back: the timestamps’ Δt', 60_000, 10_000_000, 5_200, { ok: true, intervalMs: 60_000, clock: 'wall' }],
    ['60 s, sysUpTime 1.21 s forward: the timestamps’ Δt', 60_000, 10_000_000, 6_121, { ok: true, intervalMs: 60_000, clock: 'wall' }],
    ['300 s, agent 6 s behind: the agent’s Δt', 300_000, 10_000_000, 29_400, { ok: true, intervalMs: 294_000, clock: 'sysUpTime' }],
    ['300 s, sysUpTime 6.01 s back: the timestamps’ Δt', 300_000, 10_000_000, 29_399, { ok: true, intervalMs: 300_000, clock: 'wall' }],
    // A young agent (up 1 s at the last poll) whose advance is exactly the tolerance short of
    // the interval: not a reboot, and its Δt is the agent's; one tick less is a reboot.
    ['10 s, young agent 1 s behind: the agent’s Δt', 10_000, 100, 900, { ok: true, intervalMs: 9_000, clock: 'sysUpTime' }],
    ['10 s, young agent 1.01 s behind: reboot', 10_000, 100, 899, { ok: false, reason: 'reboot' }],
    ['60 s, young agent 1.2 s behind: the agent’s Δt', 60_000, 100, 5_880, { ok: true, intervalMs: 58_800, clock: 'sysUpTime' }],
    ['60 s, young agent 1.21 s behind: reboot', 60_000, 100, 5_879, { ok: false, reason: 'reboot' }],
    ['300 s, young agent 6 s behind: the agent’s Δt', 300_000, 100, 29_400, { ok: true, intervalMs: 294_000, clock: 'sysUpTime' }],
    ['300 s, young agent 6.01 s behind: reboot', 300_000, 100, 29_399, { ok: false, reason: 'reboot' }],
    // Reboots as before: sysUpTime went back, or a second restart within the interval.
    ['10 s, sysUpTime went back: reboot', 10_000, 10_000_000, -9_999_500, { ok: false, reason: 'reboot' }],
    ['10 s, up 5 s, restarted, up 8 s: reboot', 10_000, 500, 300, { ok: false, reason: 'reboot' }],
    ['60 s, sysUpTime went back: reboot', 60_000, 10_000_000, -9_997_000, { ok: false, reason: 'reboot' }],
    ['60 s, up 5 s, restarted, up 58 s: reboot', 60_000, 500, 5_300, { ok: false, reason: 'reboot' }],
    ['300 s, sysUpTime went back: reboot', 300_000, 10_000_000, -9_990_000, { ok: false, reason: 'reboot' }],
    ['300 s, up 60 s, restarted, up 290 s: reboot', 300_000, 6_000, 23_000, { ok: false, reason: 'reboot' }],
  ];
  it.each(clockEdges)('%s', (_n, wallMs, prevUpCs, advanceCs, expected) => {
    const prev: CounterReading = { ...base, sysUpTimeCs: prevUpCs };
    const curr = next({ atMs: base.atMs + wallMs, sysUpTimeCs: prevUpCs + advanceCs });
    expect(measureInterval(prev, curr, { maxGapMs: 3 * wallMs })).toMatchObject(expected);
  });

  it('discontinuity time absent on one side is not a discontinuity', () => {
    expect(measureInterval({ ...base, discontinuityTimeCs: undefined }, next({}), opts)).toMatchObject({ ok: true });
    expect(measureInterval(base, next({ discontinuityTimeCs: undefined }), opts)).toMatchObject({ ok: true });
  });
});
