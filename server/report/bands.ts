// Utilization bands (under 60 %, 60–80 %, 80 % and over: README "National utilization report")
// and the national counts. Pure.
//
// A utilization is reported to 0.1 percentage point and banded on that figure, so the band
// always agrees with the number shown: 59.9 % is under 60 %, 60.0 % is in 60–80 %, 79.9 % is
// in 60–80 %, 80.0 % is in "80 % and over". No data is its own band (`none`), never 0 %.
import type { UtilizationBand } from '../../api/schemas.ts';

/** Band edges in tenths of a percent (per mille). */
export const bandEdgesPermille = { mid: 600, high: 800 } as const;

/**
 * A utilization (0..1) rounded to 0.1 percentage point (0.001), half away from zero on its
 * decimal value (0.5995 → 0.6, as Intl shows it). Null stays null.
 */
export function roundUtilization(utilization: number | null): number | null {
  if (utilization === null || !Number.isFinite(utilization)) return null;
  return Math.round(utilization * 1000 + Math.sign(utilization) * 1e-7) / 1000;
}

export function bandOf(utilization: number | null): UtilizationBand {
  const rounded = roundUtilization(utilization);
  if (rounded === null) return 'none';
  const permille = Math.round(rounded * 1000);
  if (permille >= bandEdgesPermille.high) return 'high';
  if (permille >= bandEdgesPermille.mid) return 'mid';
  return 'low';
}

export interface NationalCounts {
  /** Provinces in the report. */
  provinces: number;
  low: number;
  mid: number;
  high: number;
  /** Provinces without data in the period. */
  none: number;
}

export function nationalCounts(bands: readonly UtilizationBand[]): NationalCounts {
  const counts: NationalCounts = { provinces: bands.length, low: 0, mid: 0, high: 0, none: 0 };
  for (const band of bands) counts[band] += 1;
  return counts;
}
