// The states the analyzer publishes (DESIGN §4), arranged for the UI: province tiles grouped by
// region with their tier-1 uplink's utilization band, the operators' counts, and look-ups of
// one link's or province's state. Pure functions.
import type { Direction, LinkStatus, StateLevel, StatesView, Topology } from './api.ts';
import { utilizationBand, type LinkRow, type UtilizationBand } from './national.ts';

/** A state the UI shows: the analyzer's, or `unknown` before it said anything. */
export type ShownState = StateLevel | 'unknown';

export const regionOrder = ['north', 'central', 'south'] as const;
export type Region = (typeof regionOrder)[number] | 'other';

export interface ProvinceTile {
  province: string;
  name: string;
  region: Region;
  state: ShownState;
  /** The worse direction of the province's tier-1 uplink; null without a current sample. */
  utilization: number | null;
  band: UtilizationBand | null;
  /** The tier-1 uplink (the tile's utilization), when the topology has one. */
  uplink: string | null;
  /** Links (and directions) not ok, from the analyzer. */
  worst: { link: string; dir: Direction; level: StateLevel }[];
}

export interface RegionGroup {
  region: Region;
  tiles: ProvinceTile[];
}

function regionOf(value: string | null | undefined): Region {
  return value === 'north' || value === 'central' || value === 'south' ? value : 'other';
}

/** One tile per province of the topology (topology order), grouped north → central → south → other. */
export function provinceTiles(topology: Topology, states: StatesView | null, rows: readonly LinkRow[]): RegionGroup[] {
  const statusByProvince = new Map((states?.provinces ?? []).map((status) => [status.province, status]));
  const uplinkByProvince = new Map<string, LinkRow>();
  for (const row of rows) {
    const known = uplinkByProvince.get(row.link.province);
    if (known === undefined || (row.utilization ?? -1) > (known.utilization ?? -1)) uplinkByProvince.set(row.link.province, row);
  }
  const groups = new Map<Region, ProvinceTile[]>();
  for (const province of topology.provinces) {
    const status = statusByProvince.get(province.id);
    const row = uplinkByProvince.get(province.id);
    const utilization = row?.utilization ?? null;
    const tile: ProvinceTile = {
      province: province.id,
      name: province.name,
      region: regionOf(province.region),
      state: status?.level ?? (states === null ? 'unknown' : 'ok'),
      utilization,
      band: utilization === null ? null : utilizationBand(utilization),
      uplink: row?.link.id ?? null,
      worst: status?.worst ?? [],
    };
    const list = groups.get(tile.region) ?? [];
    list.push(tile);
    groups.set(tile.region, list);
  }
  const order: Region[] = [...regionOrder, 'other'];
  return order.flatMap((region) => {
    const tiles = groups.get(region);
    return tiles === undefined ? [] : [{ region, tiles }];
  });
}

export interface StateCounts {
  ok: number;
  warning: number;
  critical: number;
  unknown: number;
}

/** How many tiles are in each state. */
export function countStates(tiles: readonly { state: ShownState }[]): StateCounts {
  const counts: StateCounts = { ok: 0, warning: 0, critical: 0, unknown: 0 };
  for (const tile of tiles) counts[tile.state] += 1;
  return counts;
}

/** The state of one link and direction; `unknown` when the analyzer has not reported it. */
export function linkState(states: StatesView | null, linkId: string, dir: Direction): ShownState {
  return findLinkStatus(states, linkId, dir)?.level ?? 'unknown';
}

export function findLinkStatus(states: StatesView | null, linkId: string, dir: Direction): LinkStatus | undefined {
  return states?.links.find((status) => status.link === linkId && status.dir === dir);
}

/** The state of a province; `unknown` before any states arrived, `ok` when the analyzer lists it without problems or not at all. */
export function provinceState(states: StatesView | null, provinceId: string): ShownState {
  if (states === null) return 'unknown';
  return states.provinces.find((status) => status.province === provinceId)?.level ?? 'ok';
}

/** The worse of two states (critical > warning > ok > unknown). */
export function worseState(a: ShownState, b: ShownState): ShownState {
  const rank: Record<ShownState, number> = { unknown: 0, ok: 1, warning: 2, critical: 3 };
  return rank[a] >= rank[b] ? a : b;
}
