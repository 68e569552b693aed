// The effective policy of one link: layers defaults → tier → province → link, the
// most specific value wins; amounts become bit/s against the link's capacity. Pure.
import { protectedClasses, type ProtectedClass } from '../../api/schemas.ts';
import type { Amount, EffectivePolicy, LayerName, PolicyDocument, PolicyLayer, Thresholds } from './model.ts';
import { thresholdNames } from './schema.ts';

/** What effectivePolicy needs to know of a link. */
export interface PolicyLink {
  id: string;
  province: string;
  tier: 1 | 2;
}

/** An amount in bit/s: Mbps × 10⁶, or a share of the capacity (rounded to whole bit/s). */
export function amountBps(amount: Amount, capacityBps: number): number {
  if ('mbps' in amount) return Math.round(amount.mbps * 1_000_000);
  return Math.round((capacityBps * amount.percent) / 100);
}

export interface NamedLayer {
  name: LayerName;
  /** Dotted path of the layer in the document, e.g. `provinces.thanh-hoa`. */
  path: string;
  layer: PolicyLayer;
}

/** The layers that apply to a link, least specific first (absent layers left out). */
function layersOf(document: PolicyDocument, link: PolicyLink): NamedLayer[] {
  const out: NamedLayer[] = [{ name: 'defaults', path: 'defaults', layer: document.defaults }];
  const tierKey = link.tier === 1 ? '1' : '2';
  const tier = document.tiers[tierKey];
  if (tier !== undefined) out.push({ name: 'tier', path: `tiers.${tierKey}`, layer: tier });
  const province = Object.hasOwn(document.provinces, link.province) ? document.provinces[link.province] : undefined;
  if (province !== undefined) out.push({ name: 'province', path: `provinces.${link.province}`, layer: province });
  const own = Object.hasOwn(document.links, link.id) ? document.links[link.id] : undefined;
  if (own !== undefined) out.push({ name: 'link', path: `links.${link.id}`, layer: own });
  return out;
}

/** The most specific layer setting a field, or undefined. */
function lastSetting<T>(layers: readonly NamedLayer[], pick: (layer: PolicyLayer) => T | undefined): { value: T; from: NamedLayer } | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const named = layers[i];
    if (named === undefined) continue;
    const value = pick(named.layer);
    if (value !== undefined) return { value, from: named };
  }
  return undefined;
}

/** The built-in thresholds: the seed's when no policies.yaml exists, and the fallback of a (not yet validated) document lacking one. */
export const defaultThresholds: Readonly<Thresholds> = { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 };

/** Where each effective field came from, as layer paths (for validation messages). */
export interface EffectiveSources {
  reservations: Partial<Record<ProtectedClass, NamedLayer>>;
  thresholds: Partial<Record<keyof Thresholds, NamedLayer>>;
}

/** The effective policy plus the layer path behind each field. */
export function effectiveWithSources(
  document: PolicyDocument,
  link: PolicyLink,
  capacityBps: number,
): { policy: EffectivePolicy; sources: EffectiveSources } {
  const layers = layersOf(document, link);
  const from: Record<string, LayerName> = {};
  const sources: EffectiveSources = { reservations: {}, thresholds: {} };

  const reservationsBps: Record<ProtectedClass, number> = { docex: 0, video: 0 };
  for (const cls of protectedClasses) {
    const setting = lastSetting(layers, (layer) => layer.reservations?.[cls]);
    if (setting !== undefined) {
      reservationsBps[cls] = amountBps(setting.value, capacityBps);
      from[`reservations.${cls}`] = setting.from.name;
      sources.reservations[cls] = setting.from;
    } else {
      from[`reservations.${cls}`] = 'defaults';
    }
  }

  const thresholds: Thresholds = { ...defaultThresholds };
  for (const name of thresholdNames) {
    const setting = lastSetting(layers, (layer) => layer.thresholds?.[name]);
    if (setting !== undefined) {
      thresholds[name] = setting.value;
      sources.thresholds[name] = setting.from;
    }
    from[`thresholds.${name}`] = setting?.from.name ?? 'defaults';
  }

  const policy: EffectivePolicy = {
    link: link.id,
    province: link.province,
    tier: link.tier,
    capacityBps,
    reservationsBps,
    reservedBps: reservationsBps.docex + reservationsBps.video,
    thresholds,
    from,
  };
  // `internetCap: null` in a layer removes a cap set above it.
  const cap = lastSetting(layers, (layer) => layer.internetCap);
  if (cap !== undefined) {
    from['internetCap'] = cap.from.name;
    if (cap.value !== null) policy.internetCapBps = amountBps(cap.value, capacityBps);
  }
  return { policy, sources };
}

/** The policy in force on a link of `capacityBps`, with `from` naming the layer of each field. */
export function effectivePolicy(document: PolicyDocument, link: PolicyLink, capacityBps: number): EffectivePolicy {
  return effectiveWithSources(document, link, capacityBps).policy;
}
