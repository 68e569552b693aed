// History at several resolutions in one series, and what to fetch next. Pure.
//
// Every history answer is a layer: the window it covers, its step (raw polls, or a rollup
// bucket) and its points. A series keeps the layers it was given; where they overlap, the
// finer one shows (and between equal steps, the newer one): so zooming into a coarse week
// fetches the zoomed hour at a finer step, whose points replace the coarse ones in that hour
// while the rest of the week stays as it was. An answer without points paints nothing (it
// cannot tell a gap from data kept only in a rollup) but counts as fetched.
import type { TimeWindow } from './time-range.ts';
import type { ChartColumns, Column } from './chart-data.ts';
import type { Direction } from './api.ts';

export interface HistoryLayer<P extends { atMs: number }> {
  fromMs: number;
  toMs: number;
  /** Spacing of the points: the poll interval for raw samples, the bucket for rollups. */
  stepMs: number;
  points: readonly P[];
  /** Order of arrival: between layers of equal step, the later one shows. */
  seq: number;
}

export interface LayeredSeries<P extends { atMs: number }> {
  layers: readonly HistoryLayer<P>[];
  nextSeq: number;
}

export function emptySeries<P extends { atMs: number }>(): LayeredSeries<P> {
  return { layers: [], nextSeq: 0 };
}

/** A point with the step of the layer it came from. */
export type SteppedPoint<P> = P & { stepMs: number };

/** A stretch [fromMs, toMs) painted by one layer. */
interface Piece<P extends { atMs: number }> {
  fromMs: number;
  toMs: number;
  layer: HistoryLayer<P>;
}

/**
 * Paints layers coarsest first (then oldest first), each over what is below it: the pieces
 * that show, in time order. `withEmpty` paints layers without points too (for coverage).
 */
function paint<P extends { atMs: number }>(layers: readonly HistoryLayer<P>[], withEmpty: boolean): Piece<P>[] {
  const order = layers
    .filter((layer) => withEmpty || layer.points.length > 0)
    .sort((a, b) => b.stepMs - a.stepMs || a.seq - b.seq);
  let pieces: Piece<P>[] = [];
  for (const layer of order) {
    // Half-open, so that a point at the layer's inclusive end still belongs to it.
    const fromMs = layer.fromMs;
    const toMs = layer.toMs + 1;
    const next: Piece<P>[] = [];
    for (const piece of pieces) {
      if (piece.toMs <= fromMs || piece.fromMs >= toMs) {
        next.push(piece);
        continue;
      }
      if (piece.fromMs < fromMs) next.push({ ...piece, toMs: fromMs });
      if (piece.toMs > toMs) next.push({ ...piece, fromMs: toMs });
    }
    next.push({ fromMs, toMs, layer });
    pieces = next.sort((a, b) => a.fromMs - b.fromMs);
  }
  return pieces;
}

/**
 * Adds an answer to a series. Layers hidden everywhere by finer or newer ones are dropped,
 * and so are layers outside `keep` (the window worth keeping, e.g. around the one shown).
 */
export function addLayer<P extends { atMs: number }>(
  series: LayeredSeries<P>,
  layer: Omit<HistoryLayer<P>, 'seq'>,
  keep?: TimeWindow,
): LayeredSeries<P> {
  const added: HistoryLayer<P> = { ...layer, seq: series.nextSeq };
  let layers = [...series.layers, added];
  if (keep !== undefined) layers = layers.filter((candidate) => candidate.toMs >= keep.fromMs && candidate.fromMs <= keep.toMs);
  const visible = new Set([...paint(layers, true), ...paint(layers, false)].map((piece) => piece.layer));
  return { layers: layers.filter((candidate) => visible.has(candidate)), nextSeq: series.nextSeq + 1 };
}

/** The points that show, oldest first, each with its layer's step; only those in `window` when given. */
export function seriesPoints<P extends { atMs: number }>(series: LayeredSeries<P>, window?: TimeWindow): SteppedPoint<P>[] {
  const out: SteppedPoint<P>[] = [];
  for (const piece of paint(series.layers, false)) {
    for (const point of piece.layer.points) {
      if (point.atMs < piece.fromMs || point.atMs >= piece.toMs) continue;
      if (window !== undefined && (point.atMs < window.fromMs || point.atMs > window.toMs)) continue;
      out.push({ ...point, stepMs: piece.layer.stepMs });
    }
  }
  return out;
}

/**
 * The coarsest step over `window` (Infinity where some of it was never fetched): how fine the
 * series is there.
 */
export function coarsestStepMs<P extends { atMs: number }>(series: LayeredSeries<P>, window: TimeWindow): number {
  let coveredToMs = window.fromMs;
  let coarsest = 0;
  for (const piece of paint(series.layers, true)) {
    if (piece.toMs <= window.fromMs || piece.fromMs > window.toMs) continue;
    if (piece.fromMs > coveredToMs) return Infinity;
    coarsest = Math.max(coarsest, piece.layer.stepMs);
    coveredToMs = Math.max(coveredToMs, piece.toMs);
  }
  return coveredToMs > window.toMs ? coarsest : Infinity;
}

export interface FetchPlanOptions {
  /** Most points one answer should hold (about one per pixel of the chart). */
  maxPoints: number;
  /** The finest step there is: the poll interval. */
  rawStepMs: number;
}

/** The step an answer for `window` would have: as fine as the points allow, never finer than raw. */
export function neededStepMs(window: TimeWindow, options: FetchPlanOptions): number {
  return Math.max(options.rawStepMs, Math.ceil((window.toMs - window.fromMs) / Math.max(1, options.maxPoints)));
}

/**
 * Whether `window` needs fetching for these series: some of it was never fetched, or what was
 * fetched is more than twice as coarse as an answer for the window would be (and coarser than
 * raw). Null when the series are fine enough already.
 */
export function fetchPlan<P extends { atMs: number }>(
  window: TimeWindow,
  series: readonly LayeredSeries<P>[],
  options: FetchPlanOptions,
): TimeWindow | null {
  if (window.toMs <= window.fromMs) return null;
  const needed = neededStepMs(window, options);
  const coarsest = Math.max(0, ...series.map((one) => coarsestStepMs(one, window)));
  if (series.length > 0 && coarsest <= 2 * needed) return null;
  if (series.length > 0 && Number.isFinite(coarsest) && coarsest <= 1.5 * options.rawStepMs) return null;
  return { fromMs: window.fromMs, toMs: window.toMs };
}

/**
 * The step of an answer: what the server says when it says it, else the median spacing of its
 * points (never under the poll interval); a sparse answer counts as raw.
 */
export function answerStepMs(points: readonly { atMs: number }[], rawStepMs: number, declaredStepMs?: number): number {
  if (declaredStepMs !== undefined && declaredStepMs > 0) return declaredStepMs;
  const steps: number[] = [];
  for (let index = 1; index < points.length; index += 1) {
    const step = (points[index]?.atMs ?? 0) - (points[index - 1]?.atMs ?? 0);
    if (step > 0) steps.push(step);
  }
  if (steps.length === 0) return rawStepMs;
  steps.sort((a, b) => a - b);
  return Math.max(rawStepMs, steps[Math.floor(steps.length / 2)] ?? rawStepMs);
}

// ---- Chart columns ---------------------------------------------------------------------------

/** A point of a chart series; `stepMs` is the spacing around it (raw or a rollup). */
export interface StepPoint {
  atMs: number;
  value: number | null;
  stepMs: number;
}

/**
 * A series with its holes marked: after a point followed by a hole longer than 2.5 steps (the
 * step on either side, at least `minStepMs`), a `null` just after it, so the line breaks: a
 * missed poll or an empty bucket is a gap, never a line across it. Points not after the one
 * before are left out (x must grow).
 */
export function gapMarked(points: readonly StepPoint[], minStepMs: number): { atMs: number; value: number | null }[] {
  const out: { atMs: number; value: number | null }[] = [];
  let previous: StepPoint | null = null;
  for (const point of points) {
    if (previous !== null && point.atMs <= previous.atMs) continue;
    if (previous !== null && point.atMs - previous.atMs > 2.5 * Math.max(previous.stepMs, point.stepMs, minStepMs)) {
      out.push({ atMs: previous.atMs + 1, value: null });
    }
    out.push({ atMs: point.atMs, value: point.value });
    previous = point;
  }
  return out;
}

/**
 * Joins series on their x values for uPlot, holes marked (`gapMarked`). A series without a
 * point at some x gets `undefined` there: uPlot draws across it, where a `null` breaks the line.
 */
export function joinStepped(series: readonly (readonly StepPoint[])[], minStepMs: number): ChartColumns {
  const rows = new Map<number, (number | null | undefined)[]>();
  series.forEach((points, index) => {
    for (const point of gapMarked(points, minStepMs)) {
      let row = rows.get(point.atMs);
      if (row === undefined) {
        row = new Array<number | null | undefined>(series.length).fill(undefined);
        rows.set(point.atMs, row);
      }
      row[index] = point.value;
    }
  });
  const xs = [...rows.keys()].sort((a, b) => a - b);
  const columns: Column[] = series.map((_points, index) => xs.map((atMs) => rows.get(atMs)?.[index]));
  return [xs, ...columns];
}

/**
 * The points inside `window`, plus the last one before it and the first one after it, so that
 * lines reach the chart's edges.
 */
export function clipToWindow<P extends { atMs: number }>(points: readonly P[], window: TimeWindow): P[] {
  let first = 0;
  while (first < points.length && (points[first]?.atMs ?? Infinity) < window.fromMs) first += 1;
  let last = points.length - 1;
  while (last >= 0 && (points[last]?.atMs ?? -Infinity) > window.toMs) last -= 1;
  return points.slice(Math.max(0, first - 1), Math.min(points.length, last + 2));
}

/** History then live: the live points newer than the last history point (the freshest data). */
export function mergeTail<P extends { atMs: number }>(history: readonly P[], live: readonly P[]): P[] {
  const lastAtMs = history[history.length - 1]?.atMs ?? -Infinity;
  return [...history, ...live.filter((point) => point.atMs > lastAtMs)];
}

/**
 * How much time one point covers in what a chart shows: the coarsest step among its points
 * inside `window` (a week of 15-minute rollups continued by a few live seconds is 15 minutes a
 * point); null when none is inside.
 */
export function shownStepMs(points: readonly { atMs: number; stepMs: number }[], window: TimeWindow): number | null {
  let coarsest: number | null = null;
  for (const point of points) {
    if (point.atMs < window.fromMs || point.atMs > window.toMs) continue;
    coarsest = Math.max(coarsest ?? 0, point.stepMs);
  }
  return coarsest;
}

// ---- The national total -----------------------------------------------------------------------

/** One history point of a link's class total. */
export interface RatePointLike {
  atMs: number;
  bitsPerSecond: number | null;
  utilization: number | null;
}

export interface NationalHistoryPoint {
  atMs: number;
  downUtilization: number | null;
  upUtilization: number | null;
  /** Links with a value in the bucket (either direction). */
  links: number;
}

export interface LinkSeriesAnswer {
  link: string;
  dir: Direction;
  points: readonly RatePointLike[];
}

/**
 * The national tier-1 utilization over time from every tier-1 link's history of one answer:
 * per bucket of `stepMs` from `fromMs` and direction, Σ bit rate / Σ capacity of the links with
 * a value in it (a link's several values in one bucket are averaged first). A link's capacity
 * is `capacityOf(link)`, else what its points imply (rate / utilization). Buckets without any
 * link are left out: a gap.
 */
export function nationalHistory(
  answers: readonly LinkSeriesAnswer[],
  capacityOf: (link: string) => number | null,
  fromMs: number,
  stepMs: number,
): NationalHistoryPoint[] {
  const step = Math.max(1, stepMs);
  interface Sum {
    bps: number;
    n: number;
    capacityBps: number | null;
  }
  // bucket → dir → link → running mean
  const buckets = new Map<number, { down: Map<string, Sum>; up: Map<string, Sum> }>();
  for (const answer of answers) {
    const known = capacityOf(answer.link);
    for (const point of answer.points) {
      if (point.bitsPerSecond === null || !Number.isFinite(point.bitsPerSecond)) continue;
      const index = Math.floor((point.atMs - fromMs) / step);
      let bucket = buckets.get(index);
      if (bucket === undefined) {
        bucket = { down: new Map(), up: new Map() };
        buckets.set(index, bucket);
      }
      const implied =
        point.utilization !== null && point.utilization > 0 ? point.bitsPerSecond / point.utilization : null;
      const sum = bucket[answer.dir].get(answer.link) ?? { bps: 0, n: 0, capacityBps: known ?? implied };
      sum.bps += point.bitsPerSecond;
      sum.n += 1;
      if (sum.capacityBps === null) sum.capacityBps = implied;
      bucket[answer.dir].set(answer.link, sum);
    }
  }
  const utilization = (sums: Map<string, Sum>): number | null => {
    let bps = 0;
    let capacityBps = 0;
    for (const sum of sums.values()) {
      if (sum.capacityBps === null || sum.capacityBps <= 0) continue;
      bps += sum.bps / sum.n;
      capacityBps += sum.capacityBps;
    }
    return capacityBps > 0 ? bps / capacityBps : null;
  };
  return [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((index) => {
      const bucket = buckets.get(index) ?? { down: new Map<string, Sum>(), up: new Map<string, Sum>() };
      return {
        atMs: fromMs + index * step,
        downUtilization: utilization(bucket.down),
        upUtilization: utilization(bucket.up),
        links: new Set([...bucket.down.keys(), ...bucket.up.keys()]).size,
      };
    });
}

/**
 * What a chart over `window` plots of one series: its history (every layer, the finest showing)
 * then the live points newer than it, mapped to the chart's point, clipped to the window (one
 * point beyond each edge kept).
 */
export function rangePoints<H extends { atMs: number }, L extends { atMs: number }, T extends { atMs: number }>(input: {
  history: LayeredSeries<H>;
  live: readonly L[];
  liveStepMs: number;
  window: TimeWindow;
  fromHistory: (point: SteppedPoint<H>) => T;
  fromLive: (point: L, stepMs: number) => T;
}): T[] {
  const history = seriesPoints(input.history).map(input.fromHistory);
  const live = input.live.map((point) => input.fromLive(point, input.liveStepMs));
  return clipToWindow(mergeTail(history, live), input.window);
}
