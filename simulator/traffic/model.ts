// The traffic model's per-link parameters: per link and direction, a seeded busy-hour
// utilisation (most tier-1 links 20–55 %, a few 83–92 %), a phase that shifts its day by a few
// minutes, and the seed of its noise; the per-class profiles (traffic/classes.ts) turn them
// into rates and exact integrals. Noise: three layers (30 s, 5 min, 40 min) of one sine period
// per segment with a seeded amplitude. Each segment integrates to zero, so the integral from
// any origin only needs the current segment: O(1) for any uptime, and consistent for any read time.
import type { Direction } from '../../api/schemas.ts';
import { hash32, between } from './random.ts';
import { localOffsetMs, splitDay, busyHourStart, hourMs, dayMs } from './profile.ts';

export interface DirectionModel {
  /** Utilisation (0–1) at the profile's busy-hour peak, before noise. */
  peakUtilization: number;
  /** Shifts this link's daily profile (positive: its day runs ahead). */
  phaseMs: number;
  /** Seed of this direction's noise. */
  noiseKey: number;
}

export interface LinkModel {
  id: string;
  capacityBps: number;
  down: DirectionModel;
  up: DirectionModel;
}

interface NoiseLayer {
  periodMs: number;
  amplitude: number;
}
export const noiseLayers: readonly NoiseLayer[] = [
  { periodMs: 30_000, amplitude: 0.03 },
  { periodMs: 300_000, amplitude: 0.025 },
  { periodMs: 2_400_000, amplitude: 0.015 },
];
const twoPi = 2 * Math.PI;

/** The seeded amplitude (−1…1) of one noise layer's segment. */
export function segmentAmplitude(noiseKey: number, layer: number, segment: number): number {
  return (hash32(noiseKey, layer, segment) / 0x1_0000_0000) * 2 - 1;
}

/** Σ over the noise layers of `term`, given each layer's seeded amplitude, its period and the phase (0–1) within its current segment. */
function overNoiseLayers(noiseKey: number, atMs: number, term: (amplitude: number, periodMs: number, phase: number) => number): number {
  let sum = 0;
  for (let j = 0; j < noiseLayers.length; j++) {
    const { periodMs, amplitude } = noiseLayers[j]!;
    const segment = Math.floor(atMs / periodMs);
    sum += term(amplitude * segmentAmplitude(noiseKey, j, segment), periodMs, atMs / periodMs - segment);
  }
  return sum;
}

const noiseTerm = (amplitude: number, _periodMs: number, phase: number): number => amplitude * Math.sin(twoPi * phase);
/** ∫ of a layer's sine from the start of its segment. */
const noiseIntegralTerm = (amplitude: number, periodMs: number, phase: number): number => (amplitude * periodMs * (1 - Math.cos(twoPi * phase))) / twoPi;

/** The noise term (profile units) at `atMs`. */
export function noiseAt(noiseKey: number, atMs: number): number {
  return overNoiseLayers(noiseKey, atMs, noiseTerm);
}

/** ∫ of the noise from the start of each layer's current segment to `atMs` (profile·ms). */
export function noiseIntegral(noiseKey: number, atMs: number): number {
  return overNoiseLayers(noiseKey, atMs, noiseIntegralTerm);
}

/** The local busy hour (10:00–11:00, UTC+7) of the local day containing `atMs`. */
export function busyHourOf(atMs: number): { fromMs: number; toMs: number } {
  const { day } = splitDay(atMs + localOffsetMs);
  const fromMs = day * dayMs - localOffsetMs + busyHourStart * hourMs;
  return { fromMs, toMs: fromMs + hourMs };
}

// ---- calibration: which links are how busy ----------------------------------------------------

export interface PlannedLink {
  id: string;
  tier: 1 | 2;
  capacityBps: number;
}

interface TierCalibration {
  /** Busy-hour peak utilisation of ordinary links. */
  normal: readonly [number, number];
  /** … and of the congested few. */
  hot: readonly [number, number];
  /** Share of the tier's links that are congested (at least one when the tier has links). */
  hotShare: number;
}

export const calibration: Readonly<Record<1 | 2, TierCalibration>> = {
  1: { normal: [0.2, 0.55], hot: [0.83, 0.92], hotShare: 0.06 },
  2: { normal: [0.25, 0.7], hot: [0.83, 0.92], hotShare: 0.1 },
};
/** The `up` direction carries this share of `down` (requests, uploads, acknowledgements). */
const upShare: readonly [number, number] = [0.25, 0.5];
const maxPhaseMs = 20 * 60_000;

function directionModel(seed: number, id: string, dir: Direction, peakUtilization: number, phaseMs: number): DirectionModel {
  return { peakUtilization, phaseMs, noiseKey: hash32(seed, 'noise', id, dir) };
}

/** A link whose busy-hour peak utilisation is given (management ports, scenario overrides). */
function fixedLinkModel(seed: number, id: string, capacityBps: number, downPeak: number, upPeak: number): LinkModel {
  const phaseMs = between(-maxPhaseMs, maxPhaseMs, seed, 'phase', id);
  return {
    id,
    capacityBps,
    down: directionModel(seed, id, 'down', downPeak, phaseMs),
    up: directionModel(seed, id, 'up', upPeak, phaseMs),
  };
}

/**
 * Seeded models for every link: per tier, the `hotShare` of links (by a seeded order, at least
 * one) get a congested busy hour, the others an ordinary one. Same seed → same plan.
 */
export function planTraffic(links: readonly PlannedLink[], seed: number): Map<string, LinkModel> {
  const models = new Map<string, LinkModel>();
  for (const tier of [1, 2] as const) {
    const cal = calibration[tier];
    const ofTier = links.filter((l) => l.tier === tier);
    const order = ofTier
      .map((l) => ({ id: l.id, key: hash32(seed, 'hot', l.id) }))
      .sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : 1));
    const hotCount = ofTier.length === 0 ? 0 : Math.max(1, Math.round(ofTier.length * cal.hotShare));
    const hot = new Set(order.slice(0, hotCount).map((l) => l.id));
    for (const link of ofTier) {
      const [min, max] = hot.has(link.id) ? cal.hot : cal.normal;
      const downPeak = between(min, max, seed, 'peak', link.id);
      const upPeak = downPeak * between(upShare[0], upShare[1], seed, 'up', link.id);
      models.set(link.id, fixedLinkModel(seed, link.id, link.capacityBps, downPeak, upPeak));
    }
  }
  return models;
}
