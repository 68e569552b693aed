// Writes the national example: config/national/ — the whole network after the 2025 reform, for
// `npm run demo -- --national`, the benchmarks and the scale tests. Deterministic (no clock, no
// randomness: choices are hashes of ids), so re-running it gives the same files. Run:
// `npx tsx scripts/generate-national.ts [--check]` (--check: exit 1 when the committed files
// differ from what this script writes).
//
//   - the centre (hn-core-1, hcm-core-1) and one core router per province (34), as in the small
//     example (config/example): the same ids, uplinks, capacities, QoS styles and SNMP versions;
//   - one router per commune-level unit of config/communes.json (3,321: 2,621 communes, 687
//     wards, 13 special zones), named as in the file;
//   - every link two-ended (topology `far`): `t1-<province>` from a central router (near) to its
//     province core (far), `t2-<province>-<unit>` from the province core (near) to the unit's
//     router (far). Down is read at the near end's egress, up at the far end's, where the unit's
//     router squeezes its upstream traffic and alone can report those drops;
//   - addresses: one loopback address per router, all on UDP port 16161 — 127.30.0.1–2 for the
//     centre, 127.30.<p>.1 for province p's core (p = 1…34 in provinces.json order) and
//     127.30.<p>.<2…> for its units (at most 168 a province), like a /24 per province;
//   - simulation.yaml: the QoS style of every router (units: about 60 % class-based QoS, 28 %
//     per-service sub-interfaces, 12 % none) and a few misconfigurations an engineer should find.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { loadSimulationConfig, type QosStyle } from '../simulator/sim-config.ts';
import { loadScenario } from '../simulator/scenario/schema.ts';
import {
  classSharesYaml,
  hashOf,
  linkDefaultsYaml,
  pick,
  provinces,
  routersYaml,
  simulationPreamble,
  slug,
  tier1Uplinks,
  v3Routers,
  writeOrCheck,
  type ProvinceRef,
} from './generate-example.ts';

export const nationalDir = fileURLToPath(new URL('../config/national/', import.meta.url));
const communesFile = fileURLToPath(new URL('../config/communes.json', import.meta.url));

export type UnitKind = 'xa' | 'phuong' | 'dac-khu';
export interface CommuneUnit {
  name: string;
  kind: UnitKind;
}
interface CommunesFile {
  count: number;
  kinds: Record<UnitKind, number>;
  provinces: Record<string, CommuneUnit[]>;
}

export function loadCommunes(): CommunesFile {
  return JSON.parse(readFileSync(communesFile, 'utf8')) as CommunesFile;
}

/** What a unit's name is prefixed with in Vietnamese. */
export const kindLabels: Readonly<Record<UnitKind, string>> = { xa: 'Xã', phuong: 'Phường', 'dac-khu': 'Đặc khu' };

/** Every router answers on this UDP port of its own loopback address. */
export const nationalPort = 16_161;
const nationalSeed = 1;

/** The QoS style of a unit's router: about 60 % class-based QoS, 28 % sub-interfaces, 12 % none. */
export function unitQos(routerId: string): QosStyle {
  const x = hashOf(`qos/${routerId}`) % 100;
  return x < 60 ? 'cbqos' : x < 88 ? 'subinterfaces' : 'none';
}

/** A unit's link capacity: wards 30–100 Mbps, communes 10–50, special zones (islands) 10–20. */
const unitMbps: Readonly<Record<UnitKind, readonly number[]>> = {
  phuong: [30, 50, 100, 100],
  xa: [10, 20, 20, 30, 50],
  'dac-khu': [10, 20],
};

export interface NationalUnit {
  province: ProvinceRef;
  /** Position in the province's list (config/communes.json order). */
  index: number;
  unit: CommuneUnit;
  /** `<province>-<slug of the name>`, `-2`, `-3` … when two names give one slug. */
  routerId: string;
  linkId: string;
  /** "Xã Ba Vì" */
  label: string;
  address: string;
  /** The province core's interface toward the unit (the near end). */
  nearIfName: string;
  capacityBps: number;
  v3: boolean;
}

/** The province core's uplink toward the centre; its units hang off Gi0/1/0 onwards, 40 ports a slot. */
const provinceUplinkIfName = 'Gi0/0/0';
/** A unit router's interface toward its province core. */
const unitUplinkIfName = 'Gi0/0/0';
const portsPerSlot = 40;

const address = (p: number, host: number): string => `127.30.${p}.${host}:${nationalPort}`;

/** Every commune-level unit with its router and link, province by province (provinces.json order). */
export function nationalUnits(): NationalUnit[] {
  const communes = loadCommunes();
  const out: NationalUnit[] = [];
  provinces.forEach((province, p) => {
    const units = communes.provinces[province.id] ?? [];
    if (units.length > 253) throw new Error(`province ${province.id} has ${units.length} units: more than a /24 holds`);
    const taken = new Map<string, number>();
    units.forEach((unit, index) => {
      const base = `${province.id}-${slug(unit.name)}`;
      const seen = (taken.get(base) ?? 0) + 1;
      taken.set(base, seen);
      const routerId = seen === 1 ? base : `${base}-${seen}`;
      out.push({
        province,
        index,
        unit,
        routerId,
        linkId: `t2-${routerId}`,
        label: `${kindLabels[unit.kind]} ${unit.name}`,
        address: address(p + 1, index + 2),
        nearIfName: `Gi0/${1 + Math.floor(index / portsPerSlot)}/${index % portsPerSlot}`,
        capacityBps: pick(unitMbps[unit.kind], `mbps/${routerId}`) * 1e6,
        v3: hashOf(`v3/${routerId}`) % 25 === 0,
      });
    });
  });
  return out;
}

/** Misconfigurations an engineer should find (see simulation.yaml). */
export function nationalMisconfigurations(units: readonly NationalUnit[] = nationalUnits()) {
  const cbqosUnit = (province: string, kind: UnitKind): NationalUnit => {
    const found = units.find((u) => u.province.id === province && u.unit.kind === kind && unitQos(u.routerId) === 'cbqos');
    if (!found) throw new Error(`no class-based-QoS ${kind} in ${province}`);
    return found;
  };
  return {
    /** A unit's router with no VIDEO queue on its uplink: its upstream video drops when uploads surge. */
    missingUpstreamQueue: { unit: cbqosUnit('thanh-hoa', 'xa'), class: 'video' as const },
    /** A province core reserving 1 Mbps for docex toward one unit, where its peers reserve 20 %. */
    lowReservation: { unit: units.find((u) => u.province.id === 'nghe-an' && u.capacityBps >= 50e6)!, class: 'docex' as const, kbps: 1_000 },
    /** A unit's router whose document-exchange class-map is named EGOV: no class rule matches it (counted as other, listed as unclassified). */
    unknownClassMap: { unit: cbqosUnit('lao-cai', 'xa'), class: 'docex' as const, className: 'EGOV' },
  };
}

const v2c = '{ version: "2c", community: lanewatch-ro }';
const v3 = '{ version: "3", user: lanewatch, authProtocol: sha, authKey: lanewatch-auth-key, privProtocol: aes, privKey: lanewatch-priv-key }';
const q = (text: string): string => JSON.stringify(text);

export function topologyYaml(units: readonly NationalUnit[] = nationalUnits()): string {
  const communes = loadCommunes();
  const lines = [
    '# The national example, written by scripts/generate-national.ts (edit the script, not this file).',
    '# The centre, the 34 province cores and one router per commune-level unit after the 2025 reform',
    `# (config/communes.json: ${communes.count.toLocaleString('en')} units — ${communes.kinds.xa.toLocaleString('en')} communes, ${communes.kinds.phuong} wards, ${communes.kinds['dac-khu']} special zones).`,
    '# Every link is two-ended (far): down is read at the near end\'s egress, up at the far end\'s.',
    `# Each router answers on its own loopback address, UDP port ${nationalPort}: 127.30.0.x the centre,`,
    '# 127.30.<p>.1 province p\'s core (provinces.json order), 127.30.<p>.2… its units.',
    '# Served by `lanewatch simulate --config config/national` (npm run demo -- --national).',
    '',
    'provinces:',
    ...provinces.map((p) => `  - id: ${p.id}   # ${p.name}`),
    '',
    'routers:',
    `  - { id: hn-core-1, name: ${q('Trung tâm Hà Nội — core 1')}, address: ${q(address(0, 1))}, snmp: ${v2c} }`,
    `  - { id: hcm-core-1, name: ${q('Trung tâm TP. Hồ Chí Minh — core 1')}, address: ${q(address(0, 2))}, snmp: ${v3} }`,
  ];
  provinces.forEach((p, i) => {
    lines.push(`  - { id: ${p.id}-core-1, name: ${q(`${p.name} — core 1`)}, province: ${p.id}, address: ${q(address(i + 1, 1))}, snmp: ${v3Routers.includes(p.id) ? v3 : v2c} }`);
  });
  for (const p of provinces) {
    lines.push(`  # ${p.name}: ${units.filter((u) => u.province.id === p.id).length} units`);
    for (const u of units.filter((x) => x.province.id === p.id)) {
      lines.push(`  - { id: ${u.routerId}, name: ${q(`${u.label} (${p.name})`)}, province: ${p.id}, address: ${q(u.address)}, snmp: ${u.v3 ? v3 : v2c} }`);
    }
  }
  lines.push('', 'links:', '  # tier 1: centre (near) → province core (far)');
  for (const { province: p, router, ifName, capacityBps } of tier1Uplinks()) {
    lines.push(
      `  - { id: t1-${p.id}, name: ${q(`${p.name} — tier 1`)}, tier: 1, province: ${p.id}, router: ${router}, ifName: ${ifName}, capacityBps: ${capacityBps}, far: { router: ${p.id}-core-1, ifName: ${provinceUplinkIfName} } }`,
    );
  }
  for (const p of provinces) {
    lines.push(`  # tier 2: ${p.name} core (near) → each unit's router (far)`);
    for (const u of units.filter((x) => x.province.id === p.id)) {
      lines.push(
        `  - { id: ${u.linkId}, name: ${q(u.label)}, tier: 2, province: ${p.id}, router: ${p.id}-core-1, ifName: ${u.nearIfName}, capacityBps: ${u.capacityBps}, far: { router: ${u.routerId}, ifName: ${unitUplinkIfName} } }`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

export function simulationYaml(units: readonly NationalUnit[] = nationalUnits()): string {
  const { missingUpstreamQueue, lowReservation, unknownClassMap } = nationalMisconfigurations(units);
  const styled = (style: QosStyle): NationalUnit[] => units.filter((u) => unitQos(u.routerId) === style);
  const count = (style: QosStyle): number => styled(style).length;
  const lines = [
    ...simulationPreamble('scripts/generate-national.ts', nationalSeed),
    '# Every router runs class-based QoS (CISCO-CLASS-BASED-QOS-MIB) unless listed below; at each end',
    '# of a two-ended link the policy is on the egress.',
    ...routersYaml('province cores as in the small example: one sub-interface (VLAN) per service …', '… or no QoS at all: every class loses in proportion when the link is full'),
    `  # units: ${count('cbqos')} with class-based QoS (the default), ${count('subinterfaces')} with per-service sub-interfaces, ${count('none')} without QoS`,
    `  # this unit's router names its document-exchange class-map ${unknownClassMap.className}: no class rule matches (counted as other, listed as unclassified)`,
    `  ${unknownClassMap.unit.routerId}: { classMaps: { ${unknownClassMap.class}: ${unknownClassMap.className} } }`,
    ...styled('subinterfaces').map((u) => `  ${u.routerId}: { qos: subinterfaces }`),
    ...styled('none').map((u) => `  ${u.routerId}: { qos: none }`),
    '',
    '# The policy at both ends: docex and video are protected. class-default (Internet) queues without a reservation.',
    ...linkDefaultsYaml,
    '',
    '# Misconfigurations an engineer should find:',
    'links:',
    `  # ${missingUpstreamQueue.unit.label} (${missingUpstreamQueue.unit.province.name}): its router has no ${missingUpstreamQueue.class.toUpperCase()} queue on the uplink, so`,
    '  # conferences lose upstream when uploads fill it — drops only this router can report',
    `  ${missingUpstreamQueue.unit.linkId}:`,
    '    far:',
    '      queues:',
    `        ${missingUpstreamQueue.class}: null`,
    `  # the ${lowReservation.unit.province.name} core reserves ${lowReservation.kbps / 1000} Mbps for ${lowReservation.class} toward ${lowReservation.unit.label}, where its peers reserve 20 %`,
    `  ${lowReservation.unit.linkId}:`,
    '    queues:',
    `      ${lowReservation.class}: { bandwidth: { value: ${lowReservation.kbps}, unit: kbps } }`,
    '',
    ...classSharesYaml,
  ];
  return lines.join('\n') + '\n';
}

function settingsYaml(): string {
  return `# Settings of the national example (npm run demo -- --national). Every key is optional; the
# defaults live in config/schema.ts. Its own database, state and spool, so that it never mixes
# with the small example's. Written by scripts/generate-national.ts.
influx:
  url: http://127.0.0.1:18086
  database: lanewatch_national
collector:
  intervalMs: 10000     # every router every 10 s: ~3,400 polls per interval
  timeoutMs: 2000
  retries: 1
  concurrency: 96
  spool:
    dir: .tmp/national/spool
state:
  dir: .tmp/national/state
server:
  host: 127.0.0.1
  port: 8080
`;
}

export function policiesYaml(): string {
  return `# Reservation policies of the national example: the seed used when no policy has been stored
# yet (see config/example/policies.yaml for the layers). Written by scripts/generate-national.ts.
defaults:
  reservations:
    docex: { percent: 10 }
    video: { percent: 20 }
  thresholds:
    highUtil: 0.8
    critUtil: 0.95
    dropRatio: 0.001
    raiseAfter: 3
    clearAfter: 5

tiers:
  # Both ends of every link reserve what WAN-OUT reserves.
  "1":
    reservations:
      docex: { percent: 20 }
      video: { percent: 30 }
  "2":
    reservations:
      docex: { percent: 20 }
      video: { percent: 30 }
`;
}

/** One tier's part of the national video conference: every province, 18m–26m. */
function conference(where: string, tier: 1 | 2, bitsPerSecond: number): string {
  return `  - label: national video conference (${where})
    kind: videoConference
    at: 18m
    for: 8m
    provinces: all
    tiers: [${tier}]
    bitsPerSecond: ${bitsPerSecond}`;
}

function scenarioYaml(units: readonly NationalUnit[] = nationalUnits()): string {
  const { missingUpstreamQueue } = nationalMisconfigurations(units);
  const unit = missingUpstreamQueue.unit;
  return `# The national demo's scenario (npm run demo -- --national). The simulated clock starts at 07:30
# Vietnam time, before the busy hour: the national view starts green. Written by
# scripts/generate-national.ts.
#   2m–15m   ${unit.label} (${unit.province.name}) uploads (camera recordings, backups: 60× its
#            upstream Internet): its router's uplink fills; Internet loses a few percent, and video, which
#            has no queue on that router (see simulation.yaml), drops too → ${unit.province.name} red (critical).
#            Only the unit's router sees those drops: its egress is where upstream traffic queues.
#   3m–15m   Internet surge on Nghệ An's uplink (5.5× its downstream demand) → amber (warning),
#   5m–15m   then across the province (12×): links fill, Internet loses a few percent.
#   18m–26m  national video conference: every province joins (20 Mbps each way on each tier-1
#            uplink, 2 Mbps on each tier-2 link).
# The timeline starts over every 30 minutes. Times are offsets from the simulator's start.
name: national-demo
description: a commune's uploads squeeze its video upstream, Nghệ An's Internet surges, then a national video conference
clockStart: "07:30"
length: 30m
repeat: true
events:
  - label: uploads from ${unit.routerId}
    kind: internetSurge
    at: 2m
    for: 13m
    links: [${unit.linkId}]
    dir: up
    factor: 60
  - label: internet surge on the nghe-an uplink
    kind: internetSurge
    at: 3m
    for: 12m
    links: [t1-nghe-an]
    dir: down
    factor: 5.5
  - label: internet surge across nghe-an
    kind: internetSurge
    at: 5m
    for: 10m
    province: nghe-an
    dir: down
    factor: 12
${conference('uplinks', 1, 20_000_000)}
${conference('sites', 2, 2_000_000)}
`;
}

/** Every file of config/national, by path inside it. */
export function nationalFiles(): Record<string, string> {
  const units = nationalUnits();
  return {
    'topology.yaml': topologyYaml(units),
    'simulation.yaml': simulationYaml(units),
    'settings.yaml': settingsYaml(),
    'policies.yaml': policiesYaml(),
    'scenarios/demo.yaml': scenarioYaml(units),
  };
}

function main(): void {
  writeOrCheck('config/national', 'scripts/generate-national.ts', nationalFiles());
  // Everything must load: the same validation as `lanewatch check-config` and `lanewatch simulate`.
  const config = loadConfig(nationalDir, { env: {} });
  loadSimulationConfig(nationalDir, config.topology);
  loadScenario(join(nationalDir, 'scenarios', 'demo.yaml'), config.topology);
  const tier2 = config.topology.links.filter((l) => l.tier === 2).length;
  console.log(`wrote config/national: ${config.topology.routers.length} routers, ${config.topology.links.length - tier2} tier-1 and ${tier2} tier-2 links, all two-ended`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
