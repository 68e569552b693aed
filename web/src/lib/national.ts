// The national page's arithmetic: utilization bands, the tier-1 links and one row per link,
// the operators' summary per province and the table order. Pure functions over topology and
// latest samples.
// A row is computed from its own link's samples only (`linkRow` through a `LatestReader`), so a
// page that reads them through the live client re-computes the rows a message touched.
import type { Direction, LinkSample, Topology, TopologyLink, TrafficClass } from './api.ts';
import { isStale, sampleKey } from './live-store.ts';

/** Under 60 %, 60–80 % (60 % in it), 80 % and over (80 % in it). */
export type UtilizationBand = 'low' | 'mid' | 'high';

export const bandLimits = { mid: 0.6, high: 0.8 } as const;

export function utilizationBand(utilization: number): UtilizationBand {
  if (utilization >= bandLimits.high) return 'high';
  if (utilization >= bandLimits.mid) return 'mid';
  return 'low';
}

/** Where rows read samples: the live client (per-key tracking) or a plain map (`mapReader`). */
export interface LatestReader {
  latest(link: string, dir: Direction, trafficClass: TrafficClass): LinkSample | null;
  isStale(link: string, dir: Direction, trafficClass: TrafficClass): boolean;
}

/** A reader over a map of latest samples, staleness judged against `newestAtMs`. */
export function mapReader(latest: ReadonlyMap<string, LinkSample>, newestAtMs: number | null, staleIntervals: number): LatestReader {
  return {
    latest: (link, dir, trafficClass) => latest.get(sampleKey(link, dir, trafficClass)) ?? null,
    isStale: (link, dir, trafficClass) => {
      const sample = latest.get(sampleKey(link, dir, trafficClass));
      return sample !== undefined && isStale(sample, newestAtMs, staleIntervals);
    },
  };
}

/** A tier-1 link of the topology with what never changes while the page is open. */
export interface TierOneLink {
  link: TopologyLink;
  linkName: string;
  provinceName: string;
  /** Index of the link in the topology (stable "province" order). */
  order: number;
}

export interface LinkRow extends TierOneLink {
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

/** Every tier-1 link of the topology, in topology order. */
export function tierOneLinks(topology: Topology): TierOneLink[] {
  const provinceNames = new Map(topology.provinces.map((province) => [province.id, province.name]));
  const links: TierOneLink[] = [];
  topology.links.forEach((link, order) => {
    if (link.tier !== 1) return;
    links.push({ link, linkName: link.name ?? link.id, provinceName: provinceNames.get(link.province) ?? link.province, order });
  });
  return links;
}

/** The worse current utilization of a link's two directions (class total); null without one. */
export function linkUtilization(linkId: string, reader: LatestReader): number | null {
  const current = (dir: Direction): number | null => {
    const sample = reader.latest(linkId, dir, 'total');
    return sample === null || reader.isStale(linkId, dir, 'total') ? null : sample.utilization;
  };
  return worse(current('down'), current('up'));
}

/** One row from the link's own latest class-total samples. */
export function linkRow(entry: TierOneLink, reader: LatestReader): LinkRow {
  const id = entry.link.id;
  const down = reader.latest(id, 'down', 'total');
  const up = reader.latest(id, 'up', 'total');
  const utilization = linkUtilization(id, reader);
  return {
    ...entry,
    capacityBps: entry.link.capacityBps ?? down?.capacityBps ?? up?.capacityBps ?? null,
    down,
    up,
    utilization,
    stale: (down !== null || up !== null) && utilization === null,
    atMs: worse(down?.atMs ?? null, up?.atMs ?? null),
  };
}

export type SortKey = 'province' | 'utilization';
export type SortOrder = { key: SortKey; descending: boolean };

/** Sorted copy: by topology order, or by utilization (rows without data always last). */
function sortRows<R extends { order: number; utilization: number | null }>(rows: readonly R[], order: SortOrder): R[] {
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

/**
 * The links in table order, the same objects as given (a keyed list then only moves rows):
 * by topology order reads no sample, by utilization reads each link's two totals.
 */
export function sortLinks(links: readonly TierOneLink[], order: SortOrder, reader: LatestReader): TierOneLink[] {
  const byUtilization = order.key === 'utilization';
  const rows = links.map((entry) => ({ entry, order: entry.order, utilization: byUtilization ? linkUtilization(entry.link.id, reader) : null }));
  return sortRows(rows, order).map((row) => row.entry);
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
export function summarizeProvinces(rows: readonly { link: Pick<TopologyLink, 'province'>; utilization: number | null }[]): BandSummary {
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
