// A synthetic topology of N routers for benchmarks and scale tests (`lanewatch simulate
// --generate N`): every router on its own loopback address:port, `linksPerRouter` links each,
// spread over the 34 provinces; a seeded mix of QoS styles and SNMP versions. Deterministic:
// the same N and options give the same topology.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LinkConfig, RouterConfig, TopologyConfig } from '../config/schema.ts';
import { simulationConfigOf, type QosStyle, type SimulationConfig } from './sim-config.ts';
import { hash32 } from './traffic/random.ts';

export interface GenerateOptions {
  seed: number;
  /** UDP port of the first router; routers take consecutive ports, then the next 127.0.0.x host. */
  basePort: number;
  /** Links per router; default 10. */
  linksPerRouter?: number;
  /** Every this many routers one speaks SNMPv3 authPriv (SHA/AES) instead of v2c; 0: none. Default 50. */
  v3Every?: number;
  /** Highest port used on a host before moving to the next 127.0.0.x; default 65,000. */
  maxPort?: number;
  /** Last octet of the first host, 127.0.0.<firstHost>; default 1. */
  firstHost?: number;
}

const generatedCommunity = 'lanewatch-ro';
const generatedV3 = {
  version: '3',
  user: 'lanewatch',
  authProtocol: 'sha',
  authKey: 'lanewatch-auth-key',
  privProtocol: 'aes',
  privKey: 'lanewatch-priv-key',
} as const;

const tier2Mbps = [10, 20, 30, 50, 100];
const tier1Mbps = [100, 200, 300, 500, 1_000];

function provinceIds(): string[] {
  const file = fileURLToPath(new URL('../config/provinces.json', import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { provinces: { id: string }[] }).provinces.map((p) => p.id);
}

/** `127.0.0.<firstHost + k>:<port>` of the i-th router: consecutive ports, then the next host. */
export function generatedAddress(i: number, basePort: number, maxPort: number, firstHost = 1): string {
  const perHost = maxPort - basePort + 1;
  if (!(perHost > 0)) throw new RangeError(`basePort ${basePort} is above maxPort ${maxPort}`);
  const host = firstHost + Math.floor(i / perHost);
  if (host > 254) throw new RangeError(`router ${i} does not fit on 127.0.0.1–254 from port ${basePort}`);
  return `127.0.0.${host}:${basePort + (i % perHost)}`;
}

/** A seeded style: about 70 % class-based QoS, 25 % sub-interfaces, 5 % none. */
function qosOf(seed: number, routerId: string): QosStyle {
  const x = hash32(seed, 'qos', routerId) % 100;
  return x < 70 ? 'cbqos' : x < 95 ? 'subinterfaces' : 'none';
}

export function generateTopology(n: number, opts: GenerateOptions): { topology: TopologyConfig; simulation: SimulationConfig } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`the number of routers must be a positive integer, got ${n}`);
  const linksPerRouter = opts.linksPerRouter ?? 10;
  if (!Number.isInteger(linksPerRouter) || linksPerRouter < 1 || linksPerRouter > 48) {
    throw new RangeError(`linksPerRouter must be an integer 1–48, got ${linksPerRouter}`);
  }
  const v3Every = opts.v3Every ?? 50;
  const maxPort = opts.maxPort ?? 65_000;
  const seed = opts.seed >>> 0;
  const provinces = provinceIds();
  const width = String(n - 1).length;
  const routers: RouterConfig[] = [];
  const links: LinkConfig[] = [];
  const routerOverrides: Record<string, { qos: QosStyle }> = {};
  let uplinks = 0;
  for (let i = 0; i < n; i++) {
    const id = `gen-r${String(i).padStart(width, '0')}`;
    const province = provinces[i % provinces.length]!;
    const v3 = v3Every > 0 && i % v3Every === v3Every - 1;
    routers.push({
      id,
      province,
      address: generatedAddress(i, opts.basePort, maxPort, opts.firstHost ?? 1),
      snmp: v3 ? { ...generatedV3 } : { version: '2c', community: generatedCommunity },
    });
    const qos = qosOf(seed, id);
    if (qos !== 'cbqos') routerOverrides[id] = { qos };
    for (let k = 0; k < linksPerRouter; k++) {
      const ifName = `Gi0/0/${k}`;
      // The first links carry the provinces' tier-1 uplinks; the rest are tier-2 sites.
      const uplinkOf = provinces[uplinks];
      if (uplinkOf !== undefined) {
        uplinks++;
        links.push({
          id: `t1-${uplinkOf}`,
          tier: 1,
          province: uplinkOf,
          router: id,
          ifName,
          capacityBps: tier1Mbps[hash32(seed, 'cap', uplinkOf) % tier1Mbps.length]! * 1e6,
          downIs: 'out',
        });
        continue;
      }
      const linkId = `t2-${id}-${k}`;
      links.push({
        id: linkId,
        tier: 2,
        province,
        router: id,
        ifName,
        capacityBps: tier2Mbps[hash32(seed, 'cap', linkId) % tier2Mbps.length]! * 1e6,
        downIs: 'out',
      });
    }
  }
  const usedProvinces = new Set(links.map((l) => l.province));
  for (const r of routers) if (r.province) usedProvinces.add(r.province);
  const topology: TopologyConfig = {
    provinces: provinces.filter((p) => usedProvinces.has(p)).map((id) => ({ id })),
    routers,
    links,
  };
  return { topology, simulation: simulationConfigOf({ seed, routers: routerOverrides }) };
}
