// Per-class chart data for the link and province pages: history and live points per service
// class, stacked for uPlot in the API's order of `serviceClasses` (internet at the bottom, then
// the protected classes docex and video, whose reservations make the reserved band, then
// other), drops per class, and SVG sparkline paths. Pure functions.
import {
  protectedClasses,
  serviceClasses,
  type Direction,
  type HistoryPoint,
  type LinkSample,
  type ServiceClass,
  type Topology,
  type TopologyLink,
  type TrafficClass,
} from './api.ts';
import type { MessageKey } from './i18n.ts';
import type { ChartColumns, Column } from './chart-data.ts';
import type { RatePoint } from './live-store.ts';
import type { TimeWindow } from './time-range.ts';
import { joinStepped, rangePoints, type LayeredSeries, type StepPoint } from './time-range-history.ts';

/** One class point: post-policy rate and drops (null where unknown). */
export interface ClassPoint {
  atMs: number;
  bitsPerSecond: number | null;
  dropBitsPerSecond: number | null;
}

export type ClassSeries = Readonly<Record<ServiceClass, readonly ClassPoint[]>>;

/** The classes with at least one known rate, in stacking order. */
export function classesWithData(series: ClassSeries): ServiceClass[] {
  return serviceClasses.filter((serviceClass) => series[serviceClass].some((point) => point.bitsPerSecond !== null));
}

/**
 * Running sums of columns, row by row: column k becomes the top edge of class k in the stack.
 * A row where every column is null stays null (a gap); otherwise a null counts as zero.
 */
export function stackColumns(columns: readonly Column[]): Column[] {
  const rows = columns[0]?.length ?? 0;
  const stacked: Column[] = columns.map(() => new Array<number | null>(rows).fill(null));
  for (let row = 0; row < rows; row += 1) {
    if (columns.every((column) => column[row] === null || column[row] === undefined)) {
      // A row no class has a value in: a gap where one is marked, else nothing to draw.
      if (!columns.some((column) => column[row] === null)) stacked.forEach((column) => (column[row] = undefined));
      continue;
    }
    let sum = 0;
    columns.forEach((column, index) => {
      sum += column[row] ?? 0;
      const target = stacked[index];
      if (target !== undefined) target[row] = sum;
    });
  }
  return stacked;
}

/** Σ the router's reservations of the protected classes; null when it reports none. */
export function reservedTotalBps(latest: readonly (Pick<LinkSample, 'class' | 'reservedBps'> | null)[]): number | null {
  let total: number | null = null;
  for (const sample of latest) {
    if (sample === null || sample.reservedBps === undefined) continue;
    if (!protectedClasses.some((protectedClass) => protectedClass === sample.class)) continue;
    total = (total ?? 0) + sample.reservedBps;
  }
  return total;
}

/** Column order of the class chart: x, the four stack tops, capacity, reserved floor. */
export const classChartSeries = { capacity: 5, reservedFloor: 6 } as const;

/** A class point of a chart over a time range: rate and drops, and the step of its source. */
export interface ClassStepPoint extends ClassPoint {
  stepMs: number;
}

export type ClassStepSeries = Readonly<Record<ServiceClass, readonly ClassStepPoint[]>>;

/** A class's point of the history (at its layer's step) or of the live tail (at the poll interval). */
function classStepPoint(point: Pick<HistoryPoint, 'atMs' | 'bitsPerSecond' | 'dropBitsPerSecond'>, stepMs: number): ClassStepPoint {
  return { atMs: point.atMs, stepMs, bitsPerSecond: point.bitsPerSecond, dropBitsPerSecond: point.dropBitsPerSecond ?? null };
}

/** One service class of a link over a window: its history, then the live tail (empty unless following now). */
export function classRangePoints(
  history: LayeredSeries<HistoryPoint>,
  live: readonly RatePoint[],
  liveStepMs: number,
  window: TimeWindow,
): ClassStepPoint[] {
  return rangePoints({ history, live, liveStepMs, window, fromHistory: (point) => classStepPoint(point, point.stepMs), fromLive: classStepPoint });
}

function stepPoints(points: readonly ClassStepPoint[], pick: (point: ClassStepPoint) => number | null): StepPoint[] {
  return points.map((point) => ({ atMs: point.atMs, stepMs: point.stepMs, value: pick(point) }));
}

export interface ClassColumnsInput {
  series: ClassStepSeries;
  capacityBps: number | null;
  /** Σ reserved of the protected classes; null draws no band. */
  reservedBps: number | null;
  /** The poll interval: holes are judged against it where points are raw. */
  minStepMs: number;
}

/**
 * [xs, internet, +docex, +video, +other (stack tops), capacity, capacity − reserved] of points
 * at any mix of steps (history layers, the live tail). Where the router reports no reservation
 * the floor equals capacity: a band of zero height.
 */
export function classColumns(input: ClassColumnsInput): ChartColumns {
  const [xs, ...ys] = joinStepped(
    serviceClasses.map((serviceClass) => stepPoints(input.series[serviceClass], (point) => point.bitsPerSecond)),
    input.minStepMs,
  );
  const capacity = xs.map(() => input.capacityBps);
  const floorBps =
    input.capacityBps === null ? null : Math.max(0, input.capacityBps - Math.min(input.reservedBps ?? 0, input.capacityBps));
  return [xs, ...stackColumns(ys), capacity, xs.map(() => floorBps)];
}

/** [xs, drops of internet, docex, video, other] of points at any mix of steps: not stacked. */
export function dropColumns(input: Pick<ClassColumnsInput, 'series' | 'minStepMs'>): ChartColumns {
  return joinStepped(
    serviceClasses.map((serviceClass) => stepPoints(input.series[serviceClass], (point) => point.dropBitsPerSecond)),
    input.minStepMs,
  );
}

/** A province's links: its tier-1 uplink(s) first, then its tier-2 links, in topology order. */
export function provinceLinks(topology: Topology, provinceId: string): TopologyLink[] {
  const links = topology.links.filter((link) => link.province === provinceId);
  return [...links.filter((link) => link.tier === 1), ...links.filter((link) => link.tier === 2)];
}

/**
 * An SVG path of a sparkline `widthPx` × `heightPx` over `window` (default: the points' own time
 * span; points outside it are pinned to its edges), y from 0 to `maxValue` (at least 1). A null
 * value, or a hole longer than `gapAfterMs`, breaks the line.
 */
export function sparklinePath(
  points: readonly { atMs: number; value: number | null }[],
  widthPx: number,
  heightPx: number,
  maxValue: number,
  gapAfterMs: number,
  window?: { fromMs: number; toMs: number },
): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return '';
  const startMs = window?.fromMs ?? first.atMs;
  const spanMs = Math.max((window?.toMs ?? last.atMs) - startMs, 1);
  const top = Math.max(maxValue, 1);
  const parts: string[] = [];
  let previousAtMs: number | null = null;
  for (const point of points) {
    if (point.value === null || !Number.isFinite(point.value)) {
      previousAtMs = null;
      continue;
    }
    const x = Math.min(Math.max(((point.atMs - startMs) / spanMs) * widthPx, 0), widthPx);
    const clamped = Math.min(Math.max(point.value, 0), top);
    const y = heightPx - (clamped / top) * heightPx;
    const move = previousAtMs === null || point.atMs - previousAtMs > gapAfterMs;
    parts.push(`${move ? 'M' : 'L'}${round(x)} ${round(y)}`);
    previousAtMs = point.atMs;
  }
  return parts.join(' ');
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The message key of each direction's name. */
export const directionMessageKeys: Readonly<Record<Direction, MessageKey>> = { down: 'chart.down', up: 'chart.up' };

/** A direction in one character, where a word does not fit (a bar's label, a badge, a narrow column). */
export const directionArrows: Readonly<Record<Direction, string>> = { down: '↓', up: '↑' };

/** The message key of each traffic class's name. */
export const classMessageKeys: Readonly<Record<TrafficClass, MessageKey>> = {
  total: 'class.total',
  internet: 'class.internet',
  docex: 'class.docex',
  video: 'class.video',
  other: 'class.other',
};
