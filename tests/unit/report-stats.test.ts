import { describe, expect, it } from 'vitest';
import { busyHour, dailyPeaks, mean, percentile, summarizePeaks, type HourlyValue } from '../../server/report/stats.ts';
import { vietnamMidnightMs } from '../../server/report/period.ts';

const hourMs = 3_600_000;
/** 00:00 Vietnam time, 1 October 2026 (= 30 September 17:00 UTC). */
const day0 = vietnamMidnightMs(2026, 10, 1);
const at = (day: number, hour: number) => day0 + day * 86_400_000 + hour * hourMs;

describe('percentile (InfluxDB nearest rank: rank ⌊n·p/100 + 0.5⌋)', () => {
  const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  it.each([
    // [values, p, expected]
    [[], 95, null],
    [[7], 95, 7],
    [[7], 1, 7],
    [[3, 1, 2], 50, 2],
    [oneTo(10), 95, 10],
    [oneTo(20), 95, 19],
    [oneTo(21), 95, 20],
    [oneTo(30), 95, 29],
    // 31·0.95 = 29.45 → rank 29 (the classic ceil rule would give 30)
    [oneTo(31), 95, 29],
    [oneTo(100), 95, 95],
    [oneTo(100), 100, 100],
    [oneTo(100), 50, 50],
    [oneTo(2016), 95, 1915],
    [[5, 5, 5, 5], 95, 5],
    [[Number.NaN, 4, Number.POSITIVE_INFINITY, 2], 50, 2],
    [[Number.NaN], 95, null],
  ])('%j p%d → %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 95);
    expect(values).toEqual([3, 1, 2]);
  });

  it.each([0, -5, 100.5, Number.NaN])('refuses p = %s, naming it', (p) => {
    expect(() => percentile([1, 2], p)).toThrow(/p must be in \(0, 100\]/);
  });
});

describe('mean', () => {
  it.each([
    [[], null],
    [[2], 2],
    [[1, 2, 3, 6], 3],
    [[Number.NaN, 4], 4],
  ])('%j → %s', (values, expected) => {
    expect(mean(values)).toBe(expected);
  });
});

describe('dailyPeaks: the busiest hour of each Vietnam day, the busier direction', () => {
  it('no hours, no days', () => {
    expect(dailyPeaks([])).toEqual([]);
  });

  it('takes the busier direction per hour and the busiest hour per day', () => {
    const hours: HourlyValue[] = [
      { hourStartMs: at(0, 9), dir: 'down', value: 0.5 },
      { hourStartMs: at(0, 9), dir: 'up', value: 0.2 },
      { hourStartMs: at(0, 20), dir: 'down', value: 0.4 },
      { hourStartMs: at(0, 20), dir: 'up', value: 0.55 },
      { hourStartMs: at(1, 10), dir: 'down', value: 0.3 },
    ];
    expect(dailyPeaks(hours)).toEqual([
      { dayStartMs: at(0, 0), hourStartMs: at(0, 20), dir: 'up', value: 0.55 },
      { dayStartMs: at(1, 0), hourStartMs: at(1, 10), dir: 'down', value: 0.3 },
    ]);
  });

  it.each([
    // Vietnam days start at 17:00 UTC: 23:00 (VN) and 00:00 (VN) the next day are different days.
    ['23:00 and 00:00 are different days', [at(0, 23), at(1, 0)], 2],
    ['00:00 and 23:00 of one day are the same day', [at(1, 0), at(1, 23)], 1],
    ['16:00 and 17:00 UTC of one UTC day are two Vietnam days', [Date.UTC(2026, 9, 5, 16), Date.UTC(2026, 9, 5, 17)], 2],
  ])('%s', (_name, starts, days) => {
    const hours = starts.map((hourStartMs) => ({ hourStartMs, dir: 'down' as const, value: 0.1 }));
    expect(dailyPeaks(hours)).toHaveLength(days);
  });

  it('ties go to the earlier hour, then to down', () => {
    const hours: HourlyValue[] = [
      { hourStartMs: at(0, 14), dir: 'down', value: 0.5 },
      { hourStartMs: at(0, 10), dir: 'up', value: 0.5 },
      { hourStartMs: at(0, 10), dir: 'down', value: 0.5 },
    ];
    expect(dailyPeaks(hours)).toEqual([{ dayStartMs: at(0, 0), hourStartMs: at(0, 10), dir: 'down', value: 0.5 }]);
  });

  it('ignores hours without a finite value (a gap, not a zero)', () => {
    const hours: HourlyValue[] = [
      { hourStartMs: at(0, 10), dir: 'down', value: Number.NaN },
      { hourStartMs: at(0, 11), dir: 'down', value: 0.2 },
      { hourStartMs: at(1, 11), dir: 'down', value: Number.NaN },
    ];
    expect(dailyPeaks(hours)).toEqual([{ dayStartMs: at(0, 0), hourStartMs: at(0, 11), dir: 'down', value: 0.2 }]);
  });

  it('days come out oldest first whatever the input order', () => {
    const hours: HourlyValue[] = [3, 0, 2, 1].map((day) => ({ hourStartMs: at(day, 9), dir: 'down', value: day / 10 }));
    expect(dailyPeaks(hours).map((p) => p.value)).toEqual([0, 0.1, 0.2, 0.3]);
  });
});

describe('summarizePeaks / busyHour', () => {
  it('an empty period has no figures, not zeros', () => {
    expect(busyHour([])).toEqual({ days: 0, mean: null, p95: null, max: null, typicalHour: null, typicalDir: null });
  });

  it('mean, p95 and max over the days; the typical hour and direction', () => {
    const peaks = [0.4, 0.6, 0.5, 0.7].map((value, day) => ({
      dayStartMs: at(day, 0),
      hourStartMs: at(day, day === 3 ? 15 : 10),
      dir: day === 0 ? ('up' as const) : ('down' as const),
      value,
    }));
    const summary = summarizePeaks(peaks);
    expect(summary.days).toBe(4);
    expect(summary.mean).toBeCloseTo(0.55, 12);
    // 4·0.95 + 0.5 = 4.3 → rank 4
    expect(summary.p95).toBe(0.7);
    expect(summary.max).toBe(0.7);
    expect(summary.typicalHour).toBe(10);
    expect(summary.typicalDir).toBe('down');
  });

  it('typical hour ties go to the earlier hour, direction ties to down', () => {
    const peaks = [
      { dayStartMs: at(0, 0), hourStartMs: at(0, 20), dir: 'up' as const, value: 1 },
      { dayStartMs: at(1, 0), hourStartMs: at(1, 8), dir: 'down' as const, value: 1 },
    ];
    expect(summarizePeaks(peaks)).toMatchObject({ typicalHour: 8, typicalDir: 'down' });
  });

  it('a month: the busy hour at 10:00 Vietnam time every day', () => {
    const hours: HourlyValue[] = [];
    for (let day = 0; day < 31; day += 1) {
      for (let hour = 0; hour < 24; hour += 1) {
        const value = hour === 10 ? 0.5 + day / 1000 : 0.1;
        hours.push({ hourStartMs: at(day, hour), dir: 'down', value }, { hourStartMs: at(day, hour), dir: 'up', value: value / 2 });
      }
    }
    const summary = busyHour(hours);
    expect(summary.days).toBe(31);
    expect(summary.typicalHour).toBe(10);
    expect(summary.mean).toBeCloseTo(0.515, 12);
    // 31 days: rank 29 of the sorted daily peaks
    expect(summary.p95).toBeCloseTo(0.528, 12);
    expect(summary.max).toBeCloseTo(0.53, 12);
  });
});
