// Columnar chart data for uPlot ([xs, ...ys], x in epoch ms with `ms: 1`). Pure functions.
// A missed poll is a gap: where consecutive points are further apart than `gapAfterMs`, a null
// is inserted so that uPlot breaks the line instead of drawing across the hole.
import type { HistoryPoint } from './api.ts';
import type { NationalPoint, RatePoint } from './live-store.ts';
import { joinStepped, type StepPoint } from './time-range-history.ts';

/** A y column: null breaks the line (a gap), undefined is a row this series has no point in (drawn across). */
export type Column = (number | null | undefined)[];
export type ChartColumns = [number[], ...Column[]];

/** A point of a chart series, gaps allowed. */
export interface SeriesPoint {
  atMs: number;
  value: number | null;
}

/** National total utilization in percent: [xs, down %, up %]. */
export function nationalColumns(points: readonly NationalPoint[], gapAfterMs: number): ChartColumns {
  const down = points.map((point) => ({ atMs: point.atMs, value: percent(point.downUtilization) }));
  const up = points.map((point) => ({ atMs: point.atMs, value: percent(point.upUtilization) }));
  return joinSeries([down, up], gapAfterMs);
}

function percent(utilization: number | null): number | null {
  return utilization === null ? null : utilization * 100;
}

/** History from the server followed by the live points newer than its last point. */
export function mergeHistoryAndLive(history: readonly HistoryPoint[], live: readonly RatePoint[]): SeriesPoint[] {
  const merged: SeriesPoint[] = history.map((point) => ({ atMs: point.atMs, value: point.bitsPerSecond }));
  let lastAtMs = merged.length > 0 ? (merged[merged.length - 1]?.atMs ?? -Infinity) : -Infinity;
  for (const point of live) {
    if (point.atMs <= lastAtMs) continue;
    merged.push({ atMs: point.atMs, value: point.bitsPerSecond });
    lastAtMs = point.atMs;
  }
  return merged;
}

/** Keeps the points within `windowMs` of the newest one. */
export function lastWindow(points: readonly SeriesPoint[], windowMs: number, newestAtMs: number): SeriesPoint[] {
  return points.filter((point) => point.atMs >= newestAtMs - windowMs);
}

/**
 * Joins time series on their x values (union, sorted, duplicates of one series keep the last
 * value) and breaks lines across gaps: where two consecutive x values are more than
 * `gapAfterMs` apart, a null row is inserted just after the earlier one.
 */
export function joinSeries(series: readonly (readonly SeriesPoint[])[], gapAfterMs: number): ChartColumns {
  const byTime = new Map<number, (number | null)[]>();
  series.forEach((points, index) => {
    for (const point of points) {
      let row = byTime.get(point.atMs);
      if (row === undefined) {
        row = new Array<number | null>(series.length).fill(null);
        byTime.set(point.atMs, row);
      }
      row[index] = point.value;
    }
  });
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const xs: number[] = [];
  const ys: Column[] = series.map(() => []);
  let previous: number | null = null;
  for (const atMs of times) {
    if (previous !== null && gapAfterMs > 0 && atMs - previous > gapAfterMs) {
      xs.push(previous + 1);
      for (const column of ys) column.push(null);
    }
    xs.push(atMs);
    const row = byTime.get(atMs) ?? [];
    ys.forEach((column, index) => column.push(row[index] ?? null));
    previous = atMs;
  }
  return [xs, ...ys];
}

/** A constant line (e.g. capacity) over the given xs. */
export function constantColumn(xs: readonly number[], value: number | null): Column {
  return xs.map(() => value);
}

/** How many x values a chart plots (the test hook `data-points`). */
export function pointCount(columns: ChartColumns): number {
  return columns[0].length;
}

/** The median spacing of a time series (0 with fewer than two points). */
export function medianStepMs(points: readonly { atMs: number }[]): number {
  const steps: number[] = [];
  for (let index = 1; index < points.length; index += 1) {
    const step = (points[index]?.atMs ?? 0) - (points[index - 1]?.atMs ?? 0);
    if (step > 0) steps.push(step);
  }
  if (steps.length === 0) return 0;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] ?? 0;
}

/** One link's class total over a range: [xs, down, up, capacity], holes marked (see `joinStepped`). */
export function linkColumns(input: {
  down: readonly StepPoint[];
  up: readonly StepPoint[];
  capacityBps: number | null;
  minStepMs: number;
}): ChartColumns {
  const [xs, ...ys] = joinStepped([input.down, input.up], input.minStepMs);
  return [xs, ...ys, constantColumn(xs, input.capacityBps)];
}

/** National utilization over a range in percent: [xs, down %, up %], holes marked. */
export function nationalRangeColumns(
  points: readonly { atMs: number; stepMs: number; downUtilization: number | null; upUtilization: number | null }[],
  minStepMs: number,
): ChartColumns {
  return joinStepped(
    [
      points.map((point) => ({ atMs: point.atMs, stepMs: point.stepMs, value: percent(point.downUtilization) })),
      points.map((point) => ({ atMs: point.atMs, stepMs: point.stepMs, value: percent(point.upUtilization) })),
    ],
    minStepMs,
  );
}
