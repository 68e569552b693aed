// The ground-truth rule (truth.ts) as tables: bits over spans of piecewise-constant rates, and
// which measured rates pass.
import { describe, expect, it } from 'vitest';
import { judge, truthBits, type TruthSeries } from './truth.ts';

// 10 s steps: 1 Mbit/s, then 2 Mbit/s, then 4 Mbit/s (sent); drops 0, 100 bit/s, 0.
const series: TruthSeries = { fromMs: [0, 10_000, 20_000], toMs: [10_000, 20_000, 30_000], sentBps: [1e6, 2e6, 4e6], dropBps: [0, 100, 0] };

describe('truthBits', () => {
  it.each([
    { from: 0, to: 10_000, bits: 1e7 },
    { from: 5_000, to: 15_000, bits: 0.5e7 + 1e7 },
    { from: 9_000, to: 21_000, bits: 1e6 + 2e7 + 4e6 },
    { from: 12_000, to: 12_000, bits: 0 },
    { from: -1, to: 5_000, bits: undefined },
    { from: 25_000, to: 30_001, bits: undefined },
    { from: 10, to: 5, bits: undefined },
  ])('[$from, $to] → $bits', ({ from, to, bits }) => {
    const got = truthBits(series, 'sentBps', from, to);
    if (bits === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(bits, 3);
  });

  it('a hole in the truth is not covered', () => {
    const holed: TruthSeries = { fromMs: [0, 20_000], toMs: [10_000, 30_000], sentBps: [1, 1], dropBps: [0, 0] };
    expect(truthBits(holed, 'sentBps', 5_000, 25_000)).toBeUndefined();
  });
});

describe('judge', () => {
  // A 2 s sample inside the first step; its readings each known to within their poll.
  const exact = { previous: { startMs: 2_000, endMs: 2_000 }, current: { startMs: 4_000, endMs: 4_000 } };
  const loose = { previous: { startMs: 1_900, endMs: 2_100 }, current: { startMs: 3_900, endMs: 4_100 } };
  it.each([
    { what: 'exact', bps: 1e6, windows: exact, band: true, strict: true },
    { what: '0.9 % high', bps: 1.009e6, windows: exact, band: true, strict: true },
    { what: '1.1 % high', bps: 1.011e6, windows: exact, band: false, strict: false },
    { what: '1.1 % low', bps: 0.989e6, windows: exact, band: false, strict: false },
    { what: 'a zero', bps: 0, windows: loose, band: false, strict: false },
    // The readings could span 1.8–2.2 s: 0.9–1.1 Mbit/s over the reported 2 s, ±1 %.
    { what: '9 % high, readings ±100 ms', bps: 1.09e6, windows: loose, band: true, strict: false },
    { what: '12 % high, readings ±100 ms', bps: 1.12e6, windows: loose, band: false, strict: false },
    { what: '10 % low, readings ±100 ms', bps: 0.9e6, windows: loose, band: true, strict: false },
  ])('$what: band $band, strict $strict', ({ bps, windows, band, strict }) => {
    const verdict = judge({ atMs: 4_000, intervalMs: 2_000 }, bps, series, 'sentBps', windows);
    expect(verdict?.withinBand).toBe(band);
    expect(verdict?.withinStrict).toBe(strict);
  });

  it('across a step boundary the truth is weighted by time', () => {
    const verdict = judge({ atMs: 11_000, intervalMs: 2_000 }, 1.5e6, series, 'sentBps', { previous: { startMs: 9_000, endMs: 9_000 }, current: { startMs: 11_000, endMs: 11_000 } });
    expect(verdict?.strictBps).toBeCloseTo(1.5e6, 3);
    expect(verdict?.withinStrict).toBe(true);
  });

  it.each([
    // Readings at a in [1.9, 2.1] s and a + 2 s: all inside the first step.
    { what: 'exact span inside one step', windows: loose, atMs: 4_000, bps: 1.011e6, band: false },
    { what: 'exact span, exact rate', windows: loose, atMs: 4_000, bps: 1e6, band: true },
    // Readings at a in [8.9, 9.1] s, a + 2 s across the 10 s step: 1.45–1.55 Mbit/s.
    { what: 'exact span across a step, its middle', windows: { previous: { startMs: 8_900, endMs: 9_100 }, current: { startMs: 10_900, endMs: 11_100 } }, atMs: 11_000, bps: 1.5e6, band: true },
    { what: 'exact span across a step, beyond its end', windows: { previous: { startMs: 8_900, endMs: 9_100 }, current: { startMs: 10_900, endMs: 11_100 } }, atMs: 11_000, bps: 1.58e6, band: false },
  ])('$what: band $band', ({ windows, atMs, bps, band }) => {
    expect(judge({ atMs, intervalMs: 2_000 }, bps, series, 'sentBps', windows, true)?.withinBand).toBe(band);
  });

  it('no verdict where the truth does not reach', () => {
    expect(judge({ atMs: 31_000, intervalMs: 2_000 }, 1, series, 'sentBps', { previous: { startMs: 29_000, endMs: 29_000 }, current: { startMs: 31_000, endMs: 31_000 } })).toBeUndefined();
  });
});
