// The states the analyzer publishes (ok, warning, critical per link direction; a province its
// worst), arranged for the UI: province tiles grouped by region with their tier-1 uplink's
// utilization band, the operators' counts, and look-ups of one link's or province's state. Look-ups are O(1) (an index per states view); `StatesIndex`
// tells, of a new view, only the listeners of the links and provinces whose state changed.
import type { Direction, LinkStatus, ProvinceStatus, StateLevel, StatesView, Topology } from './api.ts';
import { KeyedListeners, type Listener } from './live-store.ts';
import { linkRow, tierOneLinks, utilizationBand, type LatestReader, type LinkRow, type TierOneLink, type UtilizationBand } from './national.ts';

/** A state the UI shows: the analyzer's, or `unknown` before it said anything. */
export type ShownState = StateLevel | 'unknown';

export const regionOrder = ['north', 'central', 'south'] as const;
export type Region = (typeof regionOrder)[number] | 'other';

/** A province's place among the tiles: what never changes while the page is open. */
export interface TileSlot {
  province: string;
  name: string;
  region: Region;
  /** The province's tier-1 links (the tile shows the busiest). */
  uplinks: TierOneLink[];
}

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

export interface RegionGroup<T = ProvinceTile> {
  region: Region;
  tiles: T[];
}

function regionOf(value: string | null | undefined): Region {
  return value === 'north' || value === 'central' || value === 'south' ? value : 'other';
}

/** One slot per province of the topology (topology order), grouped north → central → south → other. */
export function tileSlots(topology: Topology): RegionGroup<TileSlot>[] {
  const uplinks = new Map<string, TierOneLink[]>();
  for (const entry of tierOneLinks(topology)) {
    const list = uplinks.get(entry.link.province) ?? [];
    list.push(entry);
    uplinks.set(entry.link.province, list);
  }
  const groups = new Map<Region, TileSlot[]>();
  for (const province of topology.provinces) {
    const slot: TileSlot = { province: province.id, name: province.name, region: regionOf(province.region), uplinks: uplinks.get(province.id) ?? [] };
    const list = groups.get(slot.region) ?? [];
    list.push(slot);
    groups.set(slot.region, list);
  }
  const order: Region[] = [...regionOrder, 'other'];
  return order.flatMap((region) => {
    const tiles = groups.get(region);
    return tiles === undefined ? [] : [{ region, tiles }];
  });
}

/** Where tiles read states: the live client (per-province tracking), or a `StatesIndex`. */
export interface ProvinceStates {
  provinceState(provinceId: string): ShownState;
  provinceStatus(provinceId: string): ProvinceStatus | undefined;
}

/** One tile from its province's own state and the rows of its tier-1 links (the busiest is its uplink). */
function tileOf(slot: TileSlot, states: ProvinceStates, rows: readonly LinkRow[]): ProvinceTile {
  let uplink: LinkRow | undefined;
  for (const row of rows) {
    if (uplink === undefined || (row.utilization ?? -1) > (uplink.utilization ?? -1)) uplink = row;
  }
  const utilization = uplink?.utilization ?? null;
  return {
    province: slot.province,
    name: slot.name,
    region: slot.region,
    state: states.provinceState(slot.province),
    utilization,
    band: utilization === null ? null : utilizationBand(utilization),
    uplink: uplink?.link.id ?? null,
    worst: states.provinceStatus(slot.province)?.worst ?? [],
  };
}

/** `tileOf` reading the slot's uplinks through `reader`. */
export function readTile(slot: TileSlot, states: ProvinceStates, reader: LatestReader): ProvinceTile {
  return tileOf(slot, states, slot.uplinks.map((entry) => linkRow(entry, reader)));
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

/** The index key of a link's direction. */
export function statusKey(linkId: string, dir: Direction): string {
  return `${linkId}\u0000${dir}`;
}

interface StatesLookup {
  links: Map<string, LinkStatus>;
  provinces: Map<string, ProvinceStatus>;
}

/** One index per states view, built on its first look-up (views are replaced, never mutated). */
const lookups = new WeakMap<StatesView, StatesLookup>();

function indexOf(states: StatesView): StatesLookup {
  let lookup = lookups.get(states);
  if (lookup === undefined) {
    lookup = {
      links: new Map(states.links.map((status) => [statusKey(status.link, status.dir), status])),
      provinces: new Map(states.provinces.map((status) => [status.province, status])),
    };
    lookups.set(states, lookup);
  }
  return lookup;
}

/** The state of one link and direction; `unknown` when the analyzer has not reported it. */
export function linkState(states: StatesView | null, linkId: string, dir: Direction): ShownState {
  return findLinkStatus(states, linkId, dir)?.level ?? 'unknown';
}

export function findLinkStatus(states: StatesView | null, linkId: string, dir: Direction): LinkStatus | undefined {
  return states === null ? undefined : indexOf(states).links.get(statusKey(linkId, dir));
}

/** The state of a province; `unknown` before any states arrived, `ok` when the analyzer lists it without problems or not at all. */
export function provinceState(states: StatesView | null, provinceId: string): ShownState {
  if (states === null) return 'unknown';
  return indexOf(states).provinces.get(provinceId)?.level ?? 'ok';
}

/** The worse of two states (critical > warning > ok > unknown). */
export function worseState(a: ShownState, b: ShownState): ShownState {
  const rank: Record<ShownState, number> = { unknown: 0, ok: 1, warning: 2, critical: 3 };
  return rank[a] >= rank[b] ? a : b;
}

function sameWorst(a: ProvinceStatus['worst'], b: ProvinceStatus['worst']): boolean {
  return a.length === b.length && a.every((entry, index) => {
    const other = b[index];
    return other !== undefined && other.link === entry.link && other.dir === entry.dir && other.level === entry.level;
  });
}

/** What a new states view changed: the link directions and provinces whose shown state moved. */
export interface StatesChanges {
  links: ReadonlySet<string>;
  provinces: ReadonlySet<string>;
  /** Listener calls made. */
  notified: number;
}

/**
 * The current states, with per-link and per-province listeners. A whole view (`set`: the
 * server's picture on connect, or `GET states`) is compared entry by entry; changes (`apply`:
 * the server's `stateChanges`) replace only their own entries. Either way only the listeners of
 * entries whose level (or, for a province, its worst list) changed are called.
 */
export class StatesIndex {
  readonly #links = new Map<string, LinkStatus>();
  readonly #provinces = new Map<string, ProvinceStatus>();
  /** Null until the first view: every state is `unknown`. */
  #atMs: number | null = null;
  /** The states as a view, built when read after a change. */
  #view: StatesView | null = null;
  readonly #linkListeners = new KeyedListeners();
  readonly #provinceListeners = new KeyedListeners();

  /** The states held now as one view (a new object after each change; null before any). */
  get view(): StatesView | null {
    if (this.#atMs === null) return null;
    this.#view ??= { atMs: this.#atMs, links: [...this.#links.values()], provinces: [...this.#provinces.values()] };
    return this.#view;
  }

  linkState(linkId: string, dir: Direction): ShownState {
    return this.linkStatus(linkId, dir)?.level ?? 'unknown';
  }

  /** The analyzer's status of one link direction (level, since when, conditions); undefined before any states or when not listed. */
  linkStatus(linkId: string, dir: Direction): LinkStatus | undefined {
    return this.#atMs === null ? undefined : this.#links.get(statusKey(linkId, dir));
  }

  provinceState(provinceId: string): ShownState {
    return this.#atMs === null ? 'unknown' : (this.#provinces.get(provinceId)?.level ?? 'ok');
  }

  provinceStatus(provinceId: string): ProvinceStatus | undefined {
    return this.#provinces.get(provinceId);
  }

  onLink(linkId: string, dir: Direction, listener: Listener): () => void {
    return this.#linkListeners.add(statusKey(linkId, dir), listener);
  }

  onProvince(provinceId: string, listener: Listener): () => void {
    return this.#provinceListeners.add(provinceId, listener);
  }

  /** Replaces every state with `view`'s. */
  set(view: StatesView): StatesChanges {
    const links = new Set<string>();
    const provinces = new Set<string>();
    if (this.#atMs === null) {
      // From unknown: everything listened to changes.
      for (const key of this.#linkListeners.keys()) links.add(key);
      for (const key of this.#provinceListeners.keys()) provinces.add(key);
    }
    const kept = { links: new Set<string>(), provinces: new Set<string>() };
    this.#atMs = view.atMs;
    for (const status of view.links) kept.links.add(this.#putLink(status, links));
    for (const status of view.provinces) kept.provinces.add(this.#putProvince(status, provinces));
    for (const key of this.#links.keys()) {
      if (kept.links.has(key)) continue;
      this.#links.delete(key);
      links.add(key);
    }
    for (const [id, was] of this.#provinces) {
      if (kept.provinces.has(id)) continue;
      this.#provinces.delete(id);
      if (was.level !== 'ok' || was.worst.length > 0) provinces.add(id);
    }
    return this.#changed(links, provinces);
  }

  /** Replaces the states of the links and provinces `changed` names; the others stay. */
  apply(changed: StatesView): StatesChanges {
    const links = new Set<string>();
    const provinces = new Set<string>();
    this.#atMs = changed.atMs;
    for (const status of changed.links) this.#putLink(status, links);
    for (const status of changed.provinces) this.#putProvince(status, provinces);
    return this.#changed(links, provinces);
  }

  /** Holds `status`; its key joins `changed` when its level moved. Returns the key. */
  #putLink(status: LinkStatus, changed: Set<string>): string {
    const key = statusKey(status.link, status.dir);
    if (this.#links.get(key)?.level !== status.level) changed.add(key);
    this.#links.set(key, status);
    return key;
  }

  #putProvince(status: ProvinceStatus, changed: Set<string>): string {
    const was = this.#provinces.get(status.province);
    if (was === undefined || was.level !== status.level || !sameWorst(was.worst, status.worst)) changed.add(status.province);
    this.#provinces.set(status.province, status);
    return status.province;
  }

  #changed(links: Set<string>, provinces: Set<string>): StatesChanges {
    this.#view = null;
    const notified = this.#linkListeners.notify(links) + this.#provinceListeners.notify(provinces);
    return { links, provinces, notified };
  }
}
