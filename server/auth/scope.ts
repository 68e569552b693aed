// Province scoping: what a `province` user may see of the network. Every read route and the
// live stream go through these, so another province's data never leaves the server for it.
import type { Principal } from '../../api/access.ts';
import type { TopologyView } from '../topology-view.ts';
import { said } from '../../api/messages.ts';
import { HttpError } from './guard.ts';

/** The province a principal is confined to, or undefined for national roles. */
export function confinedTo(principal: Principal): string | undefined {
  return principal.role === 'province' ? principal.province : undefined;
}

export class TopologyScope {
  readonly #topology: TopologyView;
  readonly #linkProvince: Map<string, string>;
  readonly #deviceProvinces: Map<string, Set<string>>;

  constructor(topology: TopologyView) {
    this.#topology = topology;
    this.#linkProvince = new Map(topology.links.map((l) => [l.id, l.province]));
    // A device belongs to every province whose links it carries (a central core carries many uplinks).
    this.#deviceProvinces = new Map();
    for (const router of topology.routers) {
      this.#deviceProvinces.set(router.id, new Set(router.province !== undefined ? [router.province] : []));
    }
    for (const link of topology.links) this.#deviceProvinces.get(link.router)?.add(link.province);
  }

  linkProvince(linkId: string): string | undefined {
    return this.#linkProvince.get(linkId);
  }

  /** True when the principal may see this link (unknown links are the caller's 400 to give). */
  seesLink(principal: Principal, linkId: string): boolean {
    const only = confinedTo(principal);
    return only === undefined || this.#linkProvince.get(linkId) === only;
  }

  seesProvince(principal: Principal, province: string): boolean {
    const only = confinedTo(principal);
    return only === undefined || province === only;
  }

  seesDevice(principal: Principal, device: string): boolean {
    const only = confinedTo(principal);
    return only === undefined || (this.#deviceProvinces.get(device)?.has(only) ?? false);
  }

  /** Throws 403 naming the field when a confined principal names another province's link. */
  requireLink(principal: Principal, linkId: string, field = 'link'): void {
    if (!this.seesLink(principal, linkId)) {
      throw new HttpError(403, said('not-your-link', { field, link: linkId }), `${field}: link "${linkId}" is not in your province`, field);
    }
  }

  requireProvince(principal: Principal, province: string, field = 'province'): void {
    if (!this.seesProvince(principal, province)) {
      throw new HttpError(403, said('not-your-province', { field, province }), `${field}: "${province}" is not your province`, field);
    }
  }

  requireDevice(principal: Principal, device: string, field = 'device'): void {
    if (!this.seesDevice(principal, device)) {
      throw new HttpError(403, said('not-your-device', { field, device }), `${field}: router "${device}" is not in your province`, field);
    }
  }

  /** The topology a principal may see: its province, its links and the routers that carry them. */
  topologyFor(principal: Principal): TopologyView {
    const only = confinedTo(principal);
    if (only === undefined) return this.#topology;
    const links = this.#topology.links.filter((l) => l.province === only);
    const routerIds = new Set(links.map((l) => l.router));
    return {
      intervalMs: this.#topology.intervalMs,
      provinces: this.#topology.provinces.filter((p) => p.id === only),
      routers: this.#topology.routers
        .filter((r) => routerIds.has(r.id) || r.province === only)
        // A shared router's province, if another's, is not this user's business.
        .map((r) => (r.province === undefined || r.province === only ? r : { id: r.id, name: r.name })),
      links,
    };
  }

  /** Keeps the items of the principal's province (items carry `province`). */
  filter<T extends { province: string }>(principal: Principal, items: readonly T[]): T[] {
    const only = confinedTo(principal);
    return only === undefined ? [...items] : items.filter((item) => item.province === only);
  }
}
