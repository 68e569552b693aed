// A link's shares of its service classes over a period. Pure.
//
// Each class's traffic over the period is the sum of its samples (bit/s): every class of a link
// is sampled at the same polls, so the poll interval cancels out of the shares. The shares are
// of the four service classes' sum (so they add up to 100 %, rounding aside), to 0.1 %.
import { serviceClasses, type ServiceClass } from '../../api/schemas.ts';
import { roundUtilization } from './bands.ts';

export type ClassShares = Record<ServiceClass, number>;

/** Null when no service class carried traffic (no class data is not 0 %). */
export function classShares(sums: Partial<Record<ServiceClass, number>>): ClassShares | null {
  let total = 0;
  for (const c of serviceClasses) {
    const v = sums[c];
    if (v !== undefined && Number.isFinite(v) && v > 0) total += v;
  }
  if (total <= 0) return null;
  const share = (c: ServiceClass): number => {
    const v = sums[c];
    return v !== undefined && Number.isFinite(v) && v > 0 ? (roundUtilization(v / total) ?? 0) : 0;
  };
  return { internet: share('internet'), docex: share('docex'), video: share('video'), other: share('other') };
}
