// The national page's arithmetic: utilization bands, one row per tier-1 link, the operators'
// summary per province and the table order. Pure functions over topology and latest samples.
import type { LinkSample, Topology, TopologyLink } from './api.ts';
import { isStale, sampleKey } from './live-store.ts';

/** DESIGN §4: under 60%, 60–80%, 80% and over. */
export type UtilizationBand = 'low' | 'mid' | 'high';

export const bandLimits = { mid: 0.6, high: 0.8 } as const;

export function utilizationBand(utilization: number): UtilizationBand {
  if (utilization >= bandLimits.high) return 'high';
  if (utilization >= bandLimits.mid) return 'mid';
  return 'low';
}

export interface LinkRow {
  link: TopologyLink;
  linkName: string;
  provinceName: string;
  /** Index of the link in the topology (stable "province" order). */
  order: number;
  capacityBps: number | null;
  down: LinkSample | null;
  up: LinkSample | null;
  /** The worse of the two directions; null without a current sample. */
  utilization: number | null;
  stale: boolean;
  atMs: number | null;
}

function worse(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** One row per tier-1 link of the topology, with its latest class-total samples. */
export function tierOneRows(
  topology: Topology,
  latest: ReadonlyMap<string, LinkSample>,
  newestAtMs: number | null,
  staleIntervals: number,
): LinkRow[] {
  const provinceNames = new Map(topology.provinces.map((province) => [province.id, province.name]));
  const rows: LinkRow[] = [];
  topology.links.forEach((link, order) => {
    if (link.tier !== 1) return;
    const down = latest.get(sampleKey(link.id, 'down', 'total')) ?? null;
    const up = latest.get(sampleKey(link.id, 'up', 'total')) ?? null;
    const downStale = down !== null && isStale(down, newestAtMs, staleIntervals);
    const upStale = up !== null && isStale(up, newestAtMs, staleIntervals);
    const current = [down && !downStale ? down : null, up && !upStale ? up : null];
    const utilization = worse(current[0]?.utilization ?? null, current[1]?.utilization ?? null);
    rows.push({
      link,
      linkName: link.name ?? link.id,
      provinceName: provinceNames.get(link.province) ?? link.province,
      order,
      capacityBps: link.capacityBps ?? down?.capacityBps ?? up?.capacityBps ?? null,
      down,
      up,
      utilization,
      stale: (down !== null || up !== null) && utilization === null,
      atMs: worse(down?.atMs ?? null, up?.atMs ?? null),
    });
  });
  return rows;
}

export type SortKey = 'province' | 'utilization';
export type SortOrder = { key: SortKey; descending: boolean };

/** Sorted copy: by topology order, or by utilization (rows without data always last). */
export function sortRows(rows: readonly LinkRow[], order: SortOrder): LinkRow[] {
  const sign = order.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (order.key === 'utilization') {
      if (a.utilization === null && b.utilization === null) return a.order - b.order;
      if (a.utilization === null) return 1;
      if (b.utilization === null) return -1;
      const byUtilization = (a.utilization - b.utilization) * sign;
      return byUtilization !== 0 ? byUtilization : a.order - b.order;
    }
    return (a.order - b.order) * sign;
  });
}

export interface BandSummary {
  total: number;
  low: number;
  mid: number;
  high: number;
  noData: number;
}

/**
 * Counts provinces per band: a province takes the worst utilization of its tier-1 links
 * (either direction); provinces with no current sample count as `noData`.
 */
export function summarizeProvinces(rows: readonly LinkRow[]): BandSummary {
  const worstByProvince = new Map<string, number | null>();
  for (const row of rows) {
    const known = worstByProvince.get(row.link.province) ?? null;
    worstByProvince.set(row.link.province, worse(known, row.utilization));
  }
  const summary: BandSummary = { total: worstByProvince.size, low: 0, mid: 0, high: 0, noData: 0 };
  for (const utilization of worstByProvince.values()) {
    if (utilization === null) summary.noData += 1;
    else summary[utilizationBand(utilization)] += 1;
  }
  return summary;
}
