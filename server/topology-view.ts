// The public view of the topology: what the API and the UI may know. Built field by field
// from the config, so SNMP credentials and router addresses can never leak into it.
import type { LanewatchConfig } from '../config/schema.ts';

export interface ProvinceView {
  id: string;
  name: string;
  region: string;
}

export interface RouterView {
  id: string;
  name: string;
  province?: string;
}

export interface LinkView {
  id: string;
  name: string;
  tier: 1 | 2;
  province: string;
  router: string;
  ifName: string;
  capacityBps?: number;
  downIs: 'out' | 'in';
}

export interface TopologyView {
  intervalMs: number;
  provinces: ProvinceView[];
  routers: RouterView[];
  links: LinkView[];
}

export function topologyView(config: LanewatchConfig): TopologyView {
  const { topology, settings, provinces } = config;
  return {
    intervalMs: settings.collector.intervalMs,
    provinces: topology.provinces.map((p) => {
      const ref = provinces.get(p.id);
      return { id: p.id, name: ref?.name ?? p.id, region: ref?.region ?? 'unknown' };
    }),
    routers: topology.routers.map((r) => {
      const view: RouterView = { id: r.id, name: r.name ?? r.id };
      if (r.province !== undefined) view.province = r.province;
      return view;
    }),
    links: topology.links.map((l) => {
      const view: LinkView = {
        id: l.id,
        name: l.name ?? l.id,
        tier: l.tier,
        province: l.province,
        router: l.router,
        ifName: l.ifName,
        downIs: l.downIs,
      };
      if (l.capacityBps !== undefined) view.capacityBps = l.capacityBps;
      return view;
    }),
  };
}
