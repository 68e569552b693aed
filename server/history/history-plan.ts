// Which source answers a history range, and at what step. Pure.
//
// Sources: raw samples (kept `rawDays`), the 5-minute rollup (`fiveMinuteDays`) and the
// 1-hour rollup (`hourDays`), all in collector/store/rollups.ts. The step is the spacing of
// the points: the smallest step that keeps a series under `maxPoints` (a `step` asked for is
// honoured when it is not finer than that), rounded to a whole number of the source's bucket.
// The source is the coarsest one whose bucket fits in the step and whose retention still
// holds the start of the range (fewer points to read for the same answer); when no source
// with a fine enough bucket still holds the range, the finest one that does, with the step
// raised to its bucket. A rollup's newest bucket or two are not rolled up yet (a continuous
// query computes a bucket once it has ended): that tail comes from raw samples at the same
// step, so a range ending now ends now.
import { dayMs, rollupLevels, type RetentionDays } from '../../collector/store/rollups.ts';

export type HistorySource = 'raw' | '5m' | '1h';

export interface SourceSpec {
  source: HistorySource;
  /** 0 for raw samples. */
  bucketMs: number;
  /** Undefined for raw samples: the database's default policy. */
  retentionPolicy?: string;
  retentionMs: number;
}

/** Pure: the sources, finest first. */
export function historySources(retention: RetentionDays): SourceSpec[] {
  return [
    { source: 'raw', bucketMs: 0, retentionMs: retention.rawDays * dayMs },
    ...rollupLevels.map((level) => ({
      source: level.name,
      bucketMs: level.bucketMs,
      retentionPolicy: level.retentionPolicy,
      retentionMs: level.retentionDays(retention) * dayMs,
    })),
  ];
}

const second = 1_000;
const minute = 60 * second;
const hour = 60 * minute;

/** Steps chosen when none is asked for: round numbers on a clock. */
export const stepLadderMs: readonly number[] = [
  1 * second, 2 * second, 5 * second, 10 * second, 15 * second, 30 * second,
  1 * minute, 2 * minute, 5 * minute, 10 * minute, 15 * minute, 30 * minute,
  1 * hour, 2 * hour, 3 * hour, 6 * hour, 12 * hour,
  dayMs, 2 * dayMs, 7 * dayMs,
];

/** Pure: the smallest ladder step ≥ ms; past the ladder, whole weeks. */
export function ladderStepAtLeast(ms: number): number {
  for (const step of stepLadderMs) if (step >= ms) return step;
  const week = 7 * dayMs;
  return Math.ceil(ms / week) * week;
}

/** Pure: the smallest multiple of `unitMs` that is ≥ ms (ms itself when unitMs is 0). */
export function ceilToMultiple(ms: number, unitMs: number): number {
  if (unitMs <= 0) return ms;
  return Math.max(unitMs, Math.ceil(ms / unitMs) * unitMs);
}

export const minStepMs = second;
export const maxStepMs = 366 * dayMs;

const stepUnitsMs: Record<string, number> = { ms: 1, s: second, m: minute, h: hour, d: dayMs, w: 7 * dayMs };

/** A `step=` value read: the step, or why it is refused (to follow the field name). */
export type StepParam = { ok: true; stepMs: number } | { ok: false; reason: string };

/** Pure: `30s`, `5m`, `1h`, `1d`, `1w`, `500ms` or plain milliseconds (`300000`). */
export function readStepParam(text: string): StepParam {
  const m = /^(\d{1,12})(ms|s|m|h|d|w)?$/.exec(text.trim());
  const unit = m?.[2] ?? 'ms';
  const scale = stepUnitsMs[unit];
  if (!m?.[1] || scale === undefined) return { ok: false, reason: 'must be a duration like 30s, 5m, 1h, 1d or milliseconds' };
  const stepMs = Number(m[1]) * scale;
  if (stepMs < minStepMs || stepMs > maxStepMs) return { ok: false, reason: `must be from 1s to 366d (got ${text.trim()})` };
  return { ok: true, stepMs };
}

export interface HistoryPlanInput {
  fromMs: number;
  toMs: number;
  nowMs: number;
  /** Most points per series (≥ 2). */
  maxPoints: number;
  /** The step asked for, if any. */
  stepMs?: number;
  retention: RetentionDays;
  /** The collector's poll interval: a step no coarser than this returns the samples as stored. */
  rawIntervalMs: number;
}

export interface HistoryPlan {
  source: HistorySource;
  /** The points' step; 0: raw samples as stored. */
  stepMs: number;
  /** The smallest step that keeps every series under maxPoints (for a fallback to buckets). */
  minStepMs: number;
  /** A rollup source: its retention policy and bucket. */
  rollup?: { retentionPolicy: string; bucketMs: number };
  /**
   * A rollup source whose range reaches buckets not rolled up yet: from here (a multiple of
   * the step) to `toMs`, the points come from raw samples at the same step.
   */
  rawTailFromMs?: number;
}

/** Pure: the source and step of a history range [fromMs, toMs] (fromMs < toMs). */
export function planHistory(input: HistoryPlanInput): HistoryPlan {
  const { fromMs, toMs, nowMs } = input;
  // Buckets are aligned on the epoch: a range of (maxPoints − 1) steps touches at most maxPoints.
  const fewestStepMs = Math.max(1, Math.ceil((toMs - fromMs) / Math.max(1, input.maxPoints - 1)));
  const wantedMs = input.stepMs !== undefined && input.stepMs >= fewestStepMs ? input.stepMs : ladderStepAtLeast(fewestStepMs);
  const sources = historySources(input.retention);
  const holds = (s: SourceSpec): boolean => fromMs >= nowMs - s.retentionMs;
  const fine = sources.filter((s) => s.bucketMs <= wantedMs && holds(s));
  const chosen = fine.at(-1) ?? sources.find(holds) ?? sources[sources.length - 1];
  if (!chosen) throw new Error('no history source');
  const stepMs = ceilToMultiple(wantedMs, chosen.bucketMs);
  const minStep = ladderStepAtLeast(fewestStepMs);
  if (chosen.retentionPolicy === undefined) {
    return { source: 'raw', stepMs: stepMs <= input.rawIntervalMs ? 0 : stepMs, minStepMs: minStep };
  }
  // The newest bucket may not be rolled up yet (nor the one before, for a moment after it ends).
  const tailFromMs = Math.floor((nowMs - chosen.bucketMs) / stepMs) * stepMs;
  const rawHoldsTail = tailFromMs >= nowMs - input.retention.rawDays * dayMs;
  if (rawHoldsTail && tailFromMs <= fromMs) return { source: 'raw', stepMs, minStepMs: minStep };
  const plan: HistoryPlan = {
    source: chosen.source,
    stepMs,
    minStepMs: minStep,
    rollup: { retentionPolicy: chosen.retentionPolicy, bucketMs: chosen.bucketMs },
  };
  if (rawHoldsTail && tailFromMs <= toMs) plan.rawTailFromMs = tailFromMs;
  return plan;
}
