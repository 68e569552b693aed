import { describe, expect, it } from 'vitest';
import { bandOf, nationalCounts, roundUtilization } from '../../server/report/bands.ts';
import { classShares } from '../../server/report/shares.ts';

describe('bandOf: under 60 %, 60–80 %, 80 % and over, on the figure shown (0.1 %)', () => {
  it.each([
    [null, 'none'],
    [Number.NaN, 'none'],
    [0, 'low'],
    [0.3, 'low'],
    [0.599, 'low'],
    [0.5994, 'low'],
    // 59.95 % is shown as 60.0 %: it is in 60–80
    [0.5995, 'mid'],
    [0.6, 'mid'],
    [0.1 * 6, 'mid'],
    [0.6000001, 'mid'],
    [0.7, 'mid'],
    [0.799, 'mid'],
    [0.7994, 'mid'],
    [0.7995, 'high'],
    [0.8, 'high'],
    [0.1 * 8, 'high'],
    [0.95, 'high'],
    [1, 'high'],
    [1.08, 'high'],
  ] as const)('%s → %s', (utilization, band) => {
    expect(bandOf(utilization)).toBe(band);
  });

  it('a mean of equal hours lands in the same band as the hours', () => {
    const values = Array.from({ length: 31 }, () => 0.6);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(bandOf(mean)).toBe('mid');
    const high = Array.from({ length: 7 }, () => 0.8).reduce((a, b) => a + b, 0) / 7;
    expect(bandOf(high)).toBe('high');
  });
});

describe('roundUtilization', () => {
  it.each([
    [null, null],
    [Number.POSITIVE_INFINITY, null],
    [0, 0],
    [0.59949, 0.599],
    [0.5995, 0.6],
    [0.12345, 0.123],
    [0.1235, 0.124],
    [0.6000000000000001, 0.6],
    [1.0456, 1.046],
  ] as const)('%s → %s', (value, expected) => {
    expect(roundUtilization(value)).toBe(expected);
  });
});

describe('nationalCounts', () => {
  it.each([
    [[], { provinces: 0, low: 0, mid: 0, high: 0, none: 0 }],
    [['low', 'low', 'mid', 'high', 'none'], { provinces: 5, low: 2, mid: 1, high: 1, none: 1 }],
    [['none', 'none'], { provinces: 2, low: 0, mid: 0, high: 0, none: 2 }],
  ] as const)('%j', (bands, expected) => {
    expect(nationalCounts(bands)).toEqual(expected);
  });

  it('the last survey: 47 of 60 under 60 %, 2 over 80 %', () => {
    const bands = [...Array(47).fill('low'), ...Array(11).fill('mid'), ...Array(2).fill('high')];
    expect(nationalCounts(bands)).toEqual({ provinces: 60, low: 47, mid: 11, high: 2, none: 0 });
  });
});

describe('classShares: of the four service classes, to 0.1 %', () => {
  it.each([
    [{}, null],
    [{ internet: 0, docex: 0 }, null],
    [{ internet: Number.NaN }, null],
    [{ internet: 60, docex: 20, video: 15, other: 5 }, { internet: 0.6, docex: 0.2, video: 0.15, other: 0.05 }],
    [{ internet: 1 }, { internet: 1, docex: 0, video: 0, other: 0 }],
    [{ internet: 2, docex: 1 }, { internet: 0.667, docex: 0.333, video: 0, other: 0 }],
    [{ internet: 3, docex: -1 }, { internet: 1, docex: 0, video: 0, other: 0 }],
  ] as const)('%j → %j', (sums, expected) => {
    expect(classShares(sums)).toEqual(expected);
  });
});
