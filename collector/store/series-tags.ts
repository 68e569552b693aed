// The tags of a line-protocol series, cleaned and escaped once per series instead of once per
// point: `tagText` is the one rule (line-protocol.ts writes every tag through it), and
// SeriesTagCache keeps each series' tag text by the strings that identify it (a link; a device
// and interface; a device), comparing the other tag values (province, tier) on every use, so a
// link that moves to another province or tier gets new text at once. Bounded: past
// `maxEntries` series it starts again empty.
import { tagValue } from './points.ts';

const needsCare = /[\r\n\\,= ]/;
const escapable = /[,= ]/g;

/** A tag value cleaned and escaped for the line protocol; undefined when empty (the tag is left out). */
export function tagText(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (!needsCare.test(value)) return value;
  const cleaned = tagValue(value);
  return cleaned === undefined ? undefined : cleaned.replace(escapable, '\\$&');
}

/** `,key=value` as the line protocol writes the tag; '' when the value is empty (the tag is left out). */
export function tagPair(key: string, value: string): string {
  const text = tagText(value);
  return text === undefined ? '' : `,${key}=${text}`;
}

/** The parts as one string held whole (a concatenation would keep every part and a node joining them). */
function flat(parts: readonly string[]): string {
  return parts.join('');
}

interface LinkTags {
  province: string;
  tier: number;
  /** `,link=…,province=…,tier=…` */
  text: string;
}

interface DeviceTags {
  province: string;
  /** The series' tags after the device's (`,province=…`), or, for an interface, after the measurement. */
  text: string;
}

/** How many series a cache holds before it starts again (about 200 bytes each: some 100 MB at most). */
export const defaultMaxSeries = 1 << 19;

export class SeriesTagCache {
  readonly #maxEntries: number;
  #entries = 0;
  #links = new Map<string, LinkTags>();
  #devices = new Map<string, DeviceTags>();
  #interfaces = new Map<string, Map<string, DeviceTags>>();
  #dirs = new Map<string, string>();

  constructor(maxEntries = defaultMaxSeries) {
    this.#maxEntries = Math.max(1, maxEntries);
  }

  /** Series held. */
  get size(): number {
    return this.#entries;
  }

  /** `traffic,dir=…`: the measurement and the first tag of a `traffic` series. */
  trafficHead(dir: string): string {
    let text = this.#dirs.get(dir);
    if (text === undefined) {
      text = `traffic${tagPair('dir', dir)}`;
      // Directions are two words; anything else is not kept.
      if (this.#dirs.size < 8) this.#dirs.set(dir, text);
    }
    return text;
  }

  /** `,link=…,province=…,tier=…`: the tags of a link's `traffic` series after `dir`. */
  trafficTail(link: string, province: string, tier: number): string {
    const held = this.#links.get(link);
    if (held !== undefined && held.province === province && held.tier === tier) return held.text;
    const text = flat([tagPair('link', link), tagPair('province', province), tagPair('tier', String(tier))]);
    if (held !== undefined) {
      held.province = province;
      held.tier = tier;
      held.text = text;
    } else {
      this.#makeRoom();
      this.#links.set(link, { province, tier, text });
    }
    return text;
  }

  /** `iface,device=…,ifName=…,province=…`: an interface's `iface` series. */
  ifaceSeries(device: string, ifName: string, province: string): string {
    let byName = this.#interfaces.get(device);
    const held = byName?.get(ifName);
    if (held !== undefined && held.province === province) return held.text;
    const text = flat(['iface', tagPair('device', device), tagPair('ifName', ifName), tagPair('province', province)]);
    if (held !== undefined) {
      held.province = province;
      held.text = text;
    } else {
      this.#makeRoom();
      byName = this.#interfaces.get(device);
      if (byName === undefined) {
        byName = new Map();
        this.#interfaces.set(device, byName);
      }
      byName.set(ifName, { province, text });
    }
    return text;
  }

  /** `poll,device=…,province=…`: a device's `poll` series. */
  pollSeries(device: string, province: string): string {
    const held = this.#devices.get(device);
    if (held !== undefined && held.province === province) return held.text;
    const text = flat(['poll', tagPair('device', device), tagPair('province', province)]);
    if (held !== undefined) {
      held.province = province;
      held.text = text;
    } else {
      this.#makeRoom();
      this.#devices.set(device, { province, text });
    }
    return text;
  }

  /** Counts one more series; when full, everything is forgotten first. */
  #makeRoom(): void {
    if (this.#entries >= this.#maxEntries) {
      this.#links.clear();
      this.#devices.clear();
      this.#interfaces.clear();
      this.#entries = 0;
    }
    this.#entries++;
  }
}
