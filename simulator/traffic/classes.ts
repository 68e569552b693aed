// Offered load per service class: a daily profile per class in Vietnam time (UTC+7), weekdays
// and weekends apart, plus seeded noise, each with an exact integral.
//   - internet: peaks around midday and in the evening, every day;
//   - docex (document exchange): office hours Mon–Fri 8–17, small otherwise;
//   - video: a little background (conferences come from scenario events, not from here);
//   - other: small and steady.
// Every profile is normalised so that its mean over the weekday busy hour (10:00–11:00) is 1:
// a class's `share` is then its share of the busy-hour offered load, and a link's busy-hour
// total is its calibrated peak utilisation (traffic/model.ts) whatever the class mix.
// Profiles are piecewise linear between hourly knots and each day's profile is periodic over
// the day (its 24:00 value is its own 0:00 knot), so integrals are exact.

import type { Direction, ServiceClass } from '../../api/schemas.ts';
import { noiseAt, noiseIntegral, noiseLayers, segmentAmplitude } from './model.ts';
import { busyHourStart, dayMs, hourMs, isWeekday, localOffsetMs } from './profile.ts';
import { hash32 } from './random.ts';


/** Relative load at the start of each local hour (before normalisation). */
interface ClassProfileKnots {
  weekday: readonly number[];
  weekend: readonly number[];
}

const internetKnots: readonly number[] = [
  0.34, 0.26, 0.2, 0.18, 0.18, 0.2, 0.28, 0.45, 0.66, 0.84, 0.95, 1.05, //  0:00–11:00
  1.18, 1.1, 0.94, 0.92, 0.92, 0.9, 0.98, 1.12, 1.2, 1.1, 0.8, 0.5, //     12:00–23:00 (midday, evening)
];
const docexWeekday: readonly number[] = [
  0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.05, 0.15, 0.6, 0.95, 1.0, 1.0, // office from 8:00
  0.55, 0.75, 1.0, 1.0, 0.9, 0.4, 0.12, 0.06, 0.04, 0.04, 0.04, 0.04, // lunch dip; ends at 17:00
];
const videoWeekday: readonly number[] = [
  0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0,
  0.6, 0.8, 1.0, 1.0, 0.9, 0.5, 0.3, 0.2, 0.15, 0.15, 0.15, 0.15,
];
const otherKnots: readonly number[] = [
  0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.82, 0.88, 0.96, 1.0, 1.0, 1.0,
  0.98, 1.0, 1.0, 1.0, 0.98, 0.92, 0.86, 0.84, 0.82, 0.8, 0.8, 0.8,
];

const rawProfiles: Readonly<Record<ServiceClass, ClassProfileKnots>> = {
  internet: { weekday: internetKnots, weekend: internetKnots.map((v) => v * 0.85) },
  docex: { weekday: docexWeekday, weekend: docexWeekday.map(() => 0.04) },
  video: { weekday: videoWeekday, weekend: videoWeekday.map(() => 0.15) },
  other: { weekday: otherKnots, weekend: otherKnots.map((v) => v * 0.9) },
};

/** One day's profile: knots and prefix integrals (profile·ms) at each hour. */
interface DayTable {
  knots: readonly number[];
  prefix: readonly number[];
}

function dayTable(knots: readonly number[]): DayTable {
  const prefix = [0];
  for (let h = 0; h < 24; h++) prefix.push(prefix[h]! + ((knots[h]! + knots[(h + 1) % 24]!) / 2) * hourMs);
  return { knots, prefix };
}

interface ClassTables {
  weekday: DayTable;
  weekend: DayTable;
  /** Noise multiplier keeping the offered load positive at the class's lowest knot. */
  noiseScale: number;
}

const maxNoise = noiseLayers.reduce((sum, l) => sum + l.amplitude, 0);

function classTables(raw: ClassProfileKnots): ClassTables {
  // Normalise: mean over the weekday busy hour = 1.
  const a = raw.weekday[busyHourStart]!;
  const b = raw.weekday[busyHourStart + 1]!;
  const norm = 2 / (a + b);
  const weekday = raw.weekday.map((v) => v * norm);
  const weekend = raw.weekend.map((v) => v * norm);
  const lowest = Math.min(...weekday, ...weekend);
  return { weekday: dayTable(weekday), weekend: dayTable(weekend), noiseScale: Math.min(1, (0.9 * lowest) / maxNoise) };
}

const tables: Readonly<Record<ServiceClass, ClassTables>> = Object.freeze({
  docex: classTables(rawProfiles.docex),
  video: classTables(rawProfiles.video),
  internet: classTables(rawProfiles.internet),
  other: classTables(rawProfiles.other),
});

function tableOf(cls: ServiceClass, day: number): DayTable {
  const t = tables[cls];
  return isWeekday(day) ? t.weekday : t.weekend;
}

function valueIn(table: DayTable, withinMs: number): number {
  const h = Math.min(23, Math.floor(withinMs / hourMs));
  const f = (withinMs - h * hourMs) / hourMs;
  const a = table.knots[h]!;
  return a + (table.knots[(h + 1) % 24]! - a) * f;
}

function prefixIn(table: DayTable, withinMs: number): number {
  const h = Math.min(23, Math.floor(withinMs / hourMs));
  const f = (withinMs - h * hourMs) / hourMs;
  const a = table.knots[h]!;
  const b = table.knots[(h + 1) % 24]!;
  return table.prefix[h]! + hourMs * (a * f + ((b - a) * f * f) / 2);
}

/** The class profile at local time `localMs` (epoch ms + UTC offset + phase). */
export function classProfileAt(cls: ServiceClass, localMs: number): number {
  const day = Math.floor(localMs / dayMs);
  return valueIn(tableOf(cls, day), localMs - day * dayMs);
}

/** ∫ of the class profile over local time [fromLocalMs, toLocalMs] (profile·ms), day by day. */
export function classProfileIntegral(cls: ServiceClass, fromLocalMs: number, toLocalMs: number): number {
  if (toLocalMs <= fromLocalMs) return 0;
  const firstDay = Math.floor(fromLocalMs / dayMs);
  const lastDay = Math.floor(toLocalMs / dayMs);
  let sum = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    const table = tableOf(cls, day);
    const dayStart = day * dayMs;
    const a = day === firstDay ? fromLocalMs - dayStart : 0;
    const b = day === lastDay ? toLocalMs - dayStart : dayMs;
    sum += (b >= dayMs ? table.prefix[24]! : prefixIn(table, b)) - prefixIn(table, a);
  }
  return sum;
}

/** The noise multiplier of a class (1 for classes whose profile never gets low). */
function classNoiseScale(cls: ServiceClass): number {
  return tables[cls].noiseScale;
}

// ---- one link direction, per class -------------------------------------------------------------

/** The offered-load model of one class on one link direction. */
export interface ClassLoadModel {
  /** Offered bps when the profile is 1 (capacity × peak utilisation × share). */
  busyBps: number;
  /** Shifts the link's daily profile (positive: its day runs ahead). */
  phaseMs: number;
  noiseKey: number;
  noiseScale: number;
}

export function classLoadModel(
  cls: ServiceClass,
  opts: { seed: number; linkId: string; dir: Direction; busyBps: number; phaseMs: number },
): ClassLoadModel {
  return {
    busyBps: opts.busyBps,
    phaseMs: opts.phaseMs,
    noiseKey: hash32(opts.seed, 'noise', opts.linkId, opts.dir, cls),
    noiseScale: classNoiseScale(cls),
  };
}

/** Offered bps of a class at `atMs` (before scenario effects). */
export function classOfferedBps(cls: ServiceClass, model: ClassLoadModel, atMs: number): number {
  if (model.busyBps === 0) return 0;
  const profile = classProfileAt(cls, atMs + localOffsetMs + model.phaseMs);
  return model.busyBps * (profile + model.noiseScale * noiseAt(model.noiseKey, atMs));
}

/** ∫ offered bps / 8 dt over [fromMs, toMs]: offered octets (a float). */
export function classOfferedOctets(cls: ServiceClass, model: ClassLoadModel, fromMs: number, toMs: number): number {
  if (model.busyBps === 0 || toMs <= fromMs) return 0;
  const shift = localOffsetMs + model.phaseMs;
  const profile = classProfileIntegral(cls, fromMs + shift, toMs + shift);
  const noise = noiseIntegral(model.noiseKey, toMs) - noiseIntegral(model.noiseKey, fromMs);
  return (model.busyBps * (profile + model.noiseScale * noise)) / 8_000;
}

// ---- the same integral with memoised noise amplitudes (the engine's hot path) -----------------

const twoPi = 2 * Math.PI;

/** Float64 slots a noise memo needs per class: (segment, amplitude) per noise layer, then the last (atMs, integral). */
export const noiseMemoSlots = noiseLayers.length * 2 + 2;
const lastSlot = noiseLayers.length * 2;

/** Marks memo slots [offset, offset + noiseMemoSlots) empty. */
export function clearNoiseMemo(memo: Float64Array, offset: number): void {
  for (let j = 0; j < noiseLayers.length; j++) memo[offset + 2 * j] = Number.NaN;
  memo[offset + lastSlot] = Number.NaN;
}

/**
 * noiseIntegral, remembering each layer's last segment amplitude and the last value in `memo`
 * (consecutive steps share an edge): the same value, bit for bit.
 */
function noiseIntegralMemo(noiseKey: number, atMs: number, memo: Float64Array, offset: number): number {
  if (memo[offset + lastSlot] === atMs) return memo[offset + lastSlot + 1]!;
  let sum = 0;
  for (let j = 0; j < noiseLayers.length; j++) {
    const { periodMs, amplitude } = noiseLayers[j]!;
    const segment = Math.floor(atMs / periodMs);
    const f = atMs / periodMs - segment;
    let a: number;
    if (memo[offset + 2 * j] === segment) a = memo[offset + 2 * j + 1]!;
    else {
      a = segmentAmplitude(noiseKey, j, segment);
      memo[offset + 2 * j] = segment;
      memo[offset + 2 * j + 1] = a;
    }
    sum += (amplitude * a * periodMs * (1 - Math.cos(twoPi * f))) / twoPi;
  }
  memo[offset + lastSlot] = atMs;
  memo[offset + lastSlot + 1] = sum;
  return sum;
}

/** classOfferedOctets with a noise memo (see clearNoiseMemo): the same value, bit for bit. */
export function classOfferedOctetsMemo(
  cls: ServiceClass,
  model: ClassLoadModel,
  fromMs: number,
  toMs: number,
  memo: Float64Array,
  offset: number,
): number {
  if (model.busyBps === 0 || toMs <= fromMs) return 0;
  const shift = localOffsetMs + model.phaseMs;
  const profile = classProfileIntegral(cls, fromMs + shift, toMs + shift);
  const atFrom = noiseIntegralMemo(model.noiseKey, fromMs, memo, offset);
  const noise = noiseIntegralMemo(model.noiseKey, toMs, memo, offset) - atFrom;
  return (model.busyBps * (profile + model.noiseScale * noise)) / 8_000;
}
