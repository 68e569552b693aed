// The report's statistics: percentiles and busy hours. Pure.
//
// Busy hour (README "National utilization report"): for each Vietnam day, the hour whose mean
// is the highest, taking for each hour the busier of its two directions; the busy-hour mean is
// the mean of those daily values over the days that have data, and the busy-hour p95 their
// 95th percentile. Days without data are left out, never counted as zero.
import { directions, type Direction } from '../../api/schemas.ts';
import { vietnamDayStartMs, vietnamHourOfDay } from './period.ts';

/**
 * The p-th percentile (0 < p ≤ 100) by InfluxDB's own rule, so that figures computed here
 * and by InfluxDB's `percentile()` agree: the values sorted ascending, the one at rank
 * ⌊n·p/100 + 0.5⌋ (1-based; InfluxDB has no answer below rank 1, here it is the smallest).
 * Null for no values. Non-finite values are ignored.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[percentileRank(sorted.length, p) - 1] ?? null;
}

/** The 1-based rank of the p-th percentile among n ≥ 1 sorted values (see `percentile`). */
export function percentileRank(n: number, p: number): number {
  return Math.min(n, Math.max(1, Math.floor((n * p) / 100 + 0.5)));
}

/** The mean of the finite values, or null when there are none. */
export function mean(values: readonly number[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    sum += v;
    n += 1;
  }
  return n === 0 ? null : sum / n;
}

/** One hour's mean of one direction (an hour starts on a UTC hour, which is a Vietnam hour too). */
export interface HourlyValue {
  hourStartMs: number;
  dir: Direction;
  value: number;
}

/** A day's busy hour: the hour and direction with the day's highest hourly mean. */
export interface DailyPeak {
  /** 00:00 Vietnam time of the day. */
  dayStartMs: number;
  hourStartMs: number;
  dir: Direction;
  value: number;
}

function beats(candidate: HourlyValue, best: DailyPeak): boolean {
  if (candidate.value !== best.value) return candidate.value > best.value;
  if (candidate.hourStartMs !== best.hourStartMs) return candidate.hourStartMs < best.hourStartMs;
  return candidate.dir === 'down' && best.dir === 'up';
}

/**
 * Each Vietnam day's busy hour, oldest day first. Ties go to the earlier hour, then to `down`.
 * Non-finite values are ignored (a gap, not a zero).
 */
export function dailyPeaks(hours: readonly HourlyValue[]): DailyPeak[] {
  const byDay = new Map<number, DailyPeak>();
  for (const hour of hours) {
    if (!Number.isFinite(hour.value) || !Number.isFinite(hour.hourStartMs)) continue;
    const dayStartMs = vietnamDayStartMs(hour.hourStartMs);
    const best = byDay.get(dayStartMs);
    if (best === undefined || beats(hour, best)) {
      byDay.set(dayStartMs, { dayStartMs, hourStartMs: hour.hourStartMs, dir: hour.dir, value: hour.value });
    }
  }
  return [...byDay.values()].sort((a, b) => a.dayStartMs - b.dayStartMs);
}

export interface BusyHourSummary {
  /** Days with at least one hour of data. */
  days: number;
  /** Mean of the daily busy-hour values; null without data. */
  mean: number | null;
  /** 95th percentile of the daily busy-hour values (see `percentile`). */
  p95: number | null;
  max: number | null;
  /** The hour of day (0–23, Vietnam time) that was the busy hour most often (ties: earliest). */
  typicalHour: number | null;
  /** The direction that was the busier one most often (ties: down). */
  typicalDir: Direction | null;
}

function mostFrequent<T>(items: readonly T[], order: readonly T[]): T | null {
  let best: T | null = null;
  let bestCount = 0;
  for (const candidate of order) {
    const count = items.filter((item) => item === candidate).length;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

const hoursOfDay = Array.from({ length: 24 }, (_, hour) => hour);

/** The busy-hour figures of a series of daily peaks. */
export function summarizePeaks(peaks: readonly DailyPeak[]): BusyHourSummary {
  const values = peaks.map((p) => p.value);
  return {
    days: peaks.length,
    mean: mean(values),
    p95: percentile(values, 95),
    max: values.length === 0 ? null : Math.max(...values),
    typicalHour: mostFrequent(
      peaks.map((p) => vietnamHourOfDay(p.hourStartMs)),
      hoursOfDay,
    ),
    typicalDir: mostFrequent(
      peaks.map((p) => p.dir),
      directions,
    ),
  };
}

/** Daily peaks and their summary in one call. */
export function busyHour(hours: readonly HourlyValue[]): BusyHourSummary {
  return summarizePeaks(dailyPeaks(hours));
}
