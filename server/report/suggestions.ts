// The report's two answers engineers act on (README "National utilization report"). Pure.
//
// - Uplink capacity: the smallest standard capacity (1-2-5 steps from 10 Mbit/s: … 100, 200,
//   500 Mbit/s, 1, 2, 5, 10 Gbit/s …) that puts the uplink's busy-hour p95 in the band
//   "under 60 %" (the same band rule as the report); none when the current capacity already does.
// - Reservation per protected class: the p95 over the days of the class's daily busy-hour rate,
//   rounded up to a whole Mbit/s, and that as a share of the current capacity.
import { bandOf, roundUtilization } from './bands.ts';
import { percentile } from './stats.ts';

const mbps = 1_000_000;
const mantissas = [1, 2, 5] as const;

/** The standard capacities from 10 Mbit/s upward, in order (up to 5·10^299 bit/s). */
export function* standardCapacitiesBps(): Generator<number> {
  for (let exponent = 7; exponent < 300; exponent += 1) {
    for (const m of mantissas) yield m * 10 ** exponent;
  }
}

/** The smallest standard capacity that keeps `loadBps` under 60 %; null for a load that is not a finite number ≥ 0. */
export function capacityForLoadBps(loadBps: number): number | null {
  if (!Number.isFinite(loadBps) || loadBps < 0) return null;
  for (const capacityBps of standardCapacitiesBps()) {
    if (bandOf(loadBps / capacityBps) === 'low') return capacityBps;
  }
  return null;
}

export interface CapacitySuggestion {
  /** The busy-hour p95 the suggestion is sized for. */
  busyHourP95Bps: number;
  currentBps: number | null;
  /** The busy-hour p95 on the current capacity (0..1, to 0.1 %); null without a capacity. */
  currentUtilization: number | null;
  /** The standard capacity to upgrade to; null when the current one keeps it under 60 %. */
  suggestedBps: number | null;
}

export function suggestCapacity(busyHourP95Bps: number | null, currentBps: number | null): CapacitySuggestion | null {
  if (busyHourP95Bps === null || !Number.isFinite(busyHourP95Bps) || busyHourP95Bps < 0) return null;
  const hasCapacity = currentBps !== null && Number.isFinite(currentBps) && currentBps > 0;
  const currentUtilization = hasCapacity ? roundUtilization(busyHourP95Bps / currentBps) : null;
  const enough = currentUtilization !== null && bandOf(currentUtilization) === 'low';
  return {
    busyHourP95Bps,
    currentBps: hasCapacity ? currentBps : null,
    currentUtilization,
    suggestedBps: enough ? null : capacityForLoadBps(busyHourP95Bps),
  };
}

export interface ReservationSuggestion {
  /** p95 over the days of the class's daily busy-hour rate (whole bit/s). */
  busyHourP95Bps: number;
  /** The highest daily busy-hour rate (whole bit/s). */
  busyHourMaxBps: number;
  /** busyHourP95Bps rounded up to a whole Mbit/s. */
  suggestedBps: number;
  /** suggestedBps over the current capacity (0..1, to 0.1 %); null without a capacity. */
  capacityShare: number | null;
  /** What the reservation policy reserves for the class now; null when unknown. */
  policyBps: number | null;
}

/** Whole Mbit/s at or above `bps` (a float's last-bit noise does not add a megabit). */
export function roundUpToMbpsBps(bps: number): number {
  return Math.max(0, Math.ceil(bps / mbps - 1e-9)) * mbps;
}

export function suggestReservation(
  dailyBusyHourBps: readonly number[],
  capacityBps: number | null,
  policyBps: number | null,
): ReservationSuggestion | null {
  const values = dailyBusyHourBps.filter((v) => Number.isFinite(v) && v >= 0);
  const p95 = percentile(values, 95);
  if (p95 === null) return null;
  const suggestedBps = roundUpToMbpsBps(p95);
  return {
    busyHourP95Bps: Math.round(p95),
    busyHourMaxBps: Math.round(Math.max(...values)),
    suggestedBps,
    capacityShare: capacityBps !== null && capacityBps > 0 ? roundUtilization(suggestedBps / capacityBps) : null,
    policyBps,
  };
}
