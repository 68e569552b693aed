// The simulator's ground truth (simulator/truth/writer.ts JSON lines) as piecewise-constant rates,
// and the rule a measured sample is held to. Pure, apart from reading the file.
import { readFileSync } from 'node:fs';
import type { TruthLine } from '../../simulator/truth/writer.ts';
import type { LinkSample } from '../../collector/samples.ts';

/** A series' true rates, interval after interval (sorted, contiguous where the writer ran). */
export interface TruthSeries {
  fromMs: number[];
  toMs: number[];
  sentBps: number[];
  dropBps: number[];
}

export type TruthIndex = Map<string, TruthSeries>;

export const seriesKey = (link: string, dir: string, cls: string): string => `${link}|${dir}|${cls}`;

/** Reads a truth file; `total` (the interface rate) is the sum of the four classes' sent rates. */
export function readTruth(path: string): TruthIndex {
  const index: TruthIndex = new Map();
  const totals = new Map<string, { fromMs: number; toMs: number; sentBps: number; dropBps: number }>();
  const push = (key: string, line: { fromMs: number; toMs: number; sentBps: number; dropBps: number }): void => {
    let series = index.get(key);
    if (!series) index.set(key, (series = { fromMs: [], toMs: [], sentBps: [], dropBps: [] }));
    series.fromMs.push(line.fromMs);
    series.toMs.push(line.toMs);
    series.sentBps.push(line.sentBps);
    series.dropBps.push(line.dropBps);
  };
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (!text) continue;
    const line = JSON.parse(text) as TruthLine;
    push(seriesKey(line.link, line.dir, line.class), { fromMs: line.fromMs, toMs: line.atMs, sentBps: line.sentBps, dropBps: line.dropBps });
    const totalKey = `${seriesKey(line.link, line.dir, 'total')}|${line.atMs}`;
    const total = totals.get(totalKey) ?? { fromMs: line.fromMs, toMs: line.atMs, sentBps: 0, dropBps: 0 };
    total.sentBps += line.sentBps;
    total.dropBps += line.dropBps;
    totals.set(totalKey, total);
  }
  for (const [key, total] of totals) push(key.slice(0, key.lastIndexOf('|')), total);
  for (const series of index.values()) {
    const order = series.toMs.map((_, i) => i).sort((a, b) => series.toMs[a]! - series.toMs[b]!);
    for (const field of ['fromMs', 'toMs', 'sentBps', 'dropBps'] as const) series[field] = order.map((i) => series[field][i]!);
  }
  return index;
}

/**
 * Bits the series carried over [fromMs, toMs] (rate × time, the rate constant within each truth
 * interval); undefined when the truth does not cover the whole span.
 */
export function truthBits(series: TruthSeries, field: 'sentBps' | 'dropBps', fromMs: number, toMs: number): number | undefined {
  if (toMs < fromMs) return undefined;
  const n = series.toMs.length;
  if (n === 0 || fromMs < series.fromMs[0]! || toMs > series.toMs[n - 1]!) return undefined;
  let bits = 0;
  let coveredMs = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.max(fromMs, series.fromMs[i]!);
    const b = Math.min(toMs, series.toMs[i]!);
    if (b <= a) continue;
    bits += (series[field][i]! * (b - a)) / 1000;
    coveredMs += b - a;
  }
  // A hole in the truth (the writer did not run): not covered.
  return coveredMs + 1e-6 >= toMs - fromMs ? bits : undefined;
}

/** When a sample's two counter readings were taken: each within a window of its poll. */
export interface ReadingWindows {
  /** The earlier reading: between the start and the end of its poll. */
  previous: { startMs: number; endMs: number };
  current: { startMs: number; endMs: number };
}

export interface Verdict {
  /** The true rate over the sample's own interval [atMs − intervalMs, atMs]; undefined: no truth there. */
  strictBps: number | undefined;
  /** The true rates of the earliest-latest and latest-earliest reading times (see `judge`). */
  lowBps: number;
  highBps: number;
  /** Within 1 % (and the counters' rounding) of a truth the reading times allow. */
  withinBand: boolean;
  /** Within 1 % of the truth over the sample's own interval. */
  withinStrict: boolean;
}

/** 1 %: the accuracy every sample is held to. */
export const relativeTolerance = 0.01;

/**
 * The rule. A sample says: `bitsPerSecond` over `intervalMs` ending at `atMs`. The counters
 * behind it were read at two instants the collector does not report exactly: each somewhere in
 * the poll that read it (from the poll's first request to its last answer).
 * - Where the sample's Δt is the span between its two readings (`exactSpan`: the counters and
 *   sysUpTime came in the same answer, as CBQoS class counters do), the true rate is the truth
 *   over [a, a + intervalMs] for a reading time `a` in the earlier window (with a + intervalMs
 *   in the later one); the sample may claim any rate between the least and the most of those.
 * - Otherwise (a GETBULK walk: Δt from the walk's first answer, the row from a later one) the
 *   span is only known to lie between the shortest (end of the earlier poll → start of the
 *   later one) and the longest (start → end) the windows allow; the rate, those spans' bits
 *   divided by the sample's `intervalMs`.
 * A sample passes when it is within 1 % of that range, plus the rounding of two whole-octet
 * counter readings (16 bits over the interval).
 */
export function judge(
  sample: Pick<LinkSample, 'atMs' | 'intervalMs'>,
  measuredBps: number,
  series: TruthSeries,
  field: 'sentBps' | 'dropBps',
  windows: ReadingWindows,
  exactSpan = false,
): Verdict | undefined {
  const seconds = sample.intervalMs / 1000;
  let lowBits: number | undefined;
  let highBits: number | undefined;
  if (exactSpan) {
    const span = sample.intervalMs;
    const from = Math.max(windows.previous.startMs, windows.current.startMs - span);
    const to = Math.min(windows.previous.endMs, windows.current.endMs - span);
    const [a0, a1] = from <= to ? [from, to] : [windows.previous.startMs, windows.previous.endMs];
    // The bits over [a, a + span] are piecewise linear in a: extremes at the ends or where a
    // or a + span crosses a step of the truth.
    const candidates = [a0, a1];
    for (const edge of [...series.fromMs, ...series.toMs]) {
      for (const a of [edge, edge - span]) if (a > a0 && a < a1) candidates.push(a);
    }
    for (const a of candidates) {
      const bits = truthBits(series, field, a, a + span);
      if (bits === undefined) return undefined;
      lowBits = lowBits === undefined ? bits : Math.min(lowBits, bits);
      highBits = highBits === undefined ? bits : Math.max(highBits, bits);
    }
  } else {
    lowBits = truthBits(series, field, windows.previous.endMs, Math.max(windows.previous.endMs, windows.current.startMs));
    highBits = truthBits(series, field, windows.previous.startMs, windows.current.endMs);
  }
  if (lowBits === undefined || highBits === undefined) return undefined;
  const roundingBps = 16 / seconds;
  const lowBps = lowBits / seconds;
  const highBps = highBits / seconds;
  const strict = truthBits(series, field, sample.atMs - sample.intervalMs, sample.atMs);
  const strictBps = strict === undefined ? undefined : strict / seconds;
  return {
    strictBps,
    lowBps,
    highBps,
    withinBand: measuredBps >= lowBps * (1 - relativeTolerance) - roundingBps && measuredBps <= highBps * (1 + relativeTolerance) + roundingBps,
    withinStrict: strictBps !== undefined && Math.abs(measuredBps - strictBps) <= strictBps * relativeTolerance + roundingBps,
  };
}
