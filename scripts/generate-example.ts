// Writes the example national network: config/example/topology.yaml and simulation.yaml.
// Deterministic (no clock, no randomness: choices are hashes of ids), so re-running it gives
// the same files. Run: `npx tsx scripts/generate-example.ts [--check]` (--check: exit 1 when
// the committed files differ from what this script writes).
//
//   - the centre: hn-core-1 (Hà Nội) and hcm-core-1 (TP. Hồ Chí Minh), which carry the tier-1
//     uplinks `t1-<province>` of the 34 provinces (100 Mbps – 1 Gbps);
//   - per province a core router `<province>-core-1` with 3–10 tier-2 links
//     `t2-<province>-<site>` (10–100 Mbps) to the former provinces merged into it and to real
//     district towns;
//   - simulation.yaml: which routers report class-based QoS, sub-interfaces or nothing, and the
//     misconfigurations an engineer should find.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { loadSimulationConfig } from '../simulator/sim-config.ts';
import { withoutDiacritics } from '../simulator/mib/router-model.ts';

export interface ProvinceRef {
  id: string;
  name: string;
  kind: 'city' | 'province';
  region: string;
  former: string[];
}

const exampleDir = fileURLToPath(new URL('../config/example/', import.meta.url));
export const provinces = (JSON.parse(readFileSync(fileURLToPath(new URL('../config/provinces.json', import.meta.url)), 'utf8')) as { provinces: ProvinceRef[] }).provinces;

/** Real district towns (former district-level units) per province, beside the former provinces. */
const districtTowns: Readonly<Record<string, readonly string[]>> = {
  'ha-noi': ['Sơn Tây', 'Hà Đông', 'Long Biên', 'Đông Anh', 'Gia Lâm', 'Sóc Sơn', 'Ba Vì', 'Thạch Thất', 'Mỹ Đức', 'Phú Xuyên'],
  hue: ['Hương Thủy', 'Hương Trà', 'Phong Điền', 'Phú Lộc', 'A Lưới'],
  'hai-phong': ['Thủy Nguyên', 'Kiến An', 'Đồ Sơn', 'Cát Hải', 'Chí Linh', 'Kinh Môn', 'Cẩm Giàng'],
  'da-nang': ['Hội An', 'Điện Bàn', 'Hòa Vang', 'Liên Chiểu', 'Núi Thành', 'Thăng Bình', 'Đại Lộc'],
  'ho-chi-minh': ['Thủ Đức', 'Củ Chi', 'Hóc Môn', 'Bình Chánh', 'Cần Giờ', 'Thuận An', 'Dĩ An', 'Bến Cát'],
  'can-tho': ['Ninh Kiều', 'Ô Môn', 'Thốt Nốt', 'Vị Thanh', 'Ngã Bảy'],
  'lai-chau': ['Tam Đường', 'Than Uyên', 'Phong Thổ'],
  'dien-bien': ['Mường Lay', 'Điện Biên Đông', 'Tuần Giáo', 'Mường Nhé'],
  'son-la': ['Mộc Châu', 'Mai Sơn', 'Thuận Châu', 'Phù Yên', 'Sông Mã'],
  'lang-son': ['Đồng Đăng', 'Cao Lộc', 'Hữu Lũng', 'Lộc Bình'],
  'cao-bang': ['Trùng Khánh', 'Hòa An', 'Bảo Lạc'],
  'quang-ninh': ['Hạ Long', 'Cẩm Phả', 'Uông Bí', 'Móng Cái', 'Đông Triều', 'Vân Đồn'],
  'tuyen-quang': ['Sơn Dương', 'Chiêm Hóa', 'Hàm Yên', 'Bắc Quang'],
  'lao-cai': ['Sa Pa', 'Bắc Hà', 'Bảo Thắng', 'Nghĩa Lộ', 'Văn Yên'],
  'thai-nguyen': ['Sông Công', 'Phổ Yên', 'Đại Từ', 'Chợ Đồn'],
  'phu-tho': ['Việt Trì', 'Phúc Yên', 'Thanh Thủy', 'Phù Ninh', 'Mai Châu', 'Tam Đảo'],
  'bac-ninh': ['Từ Sơn', 'Thuận Thành', 'Quế Võ', 'Lục Nam', 'Việt Yên'],
  'hung-yen': ['Mỹ Hào', 'Văn Lâm', 'Khoái Châu', 'Tiền Hải', 'Quỳnh Phụ'],
  'ninh-binh': ['Tam Điệp', 'Hoa Lư', 'Phủ Lý', 'Kim Sơn', 'Hải Hậu'],
  'thanh-hoa': ['Sầm Sơn', 'Bỉm Sơn', 'Nghi Sơn', 'Thọ Xuân', 'Ngọc Lặc', 'Hoằng Hóa', 'Quảng Xương'],
  'nghe-an': ['Cửa Lò', 'Thái Hòa', 'Hoàng Mai', 'Diễn Châu', 'Quỳnh Lưu', 'Con Cuông', 'Đô Lương'],
  'ha-tinh': ['Hồng Lĩnh', 'Kỳ Anh', 'Hương Khê', 'Cẩm Xuyên'],
  'quang-tri': ['Đông Hà', 'Đồng Hới', 'Khe Sanh', 'Ba Đồn', 'Vĩnh Linh'],
  'quang-ngai': ['Đức Phổ', 'Bình Sơn', 'Mộ Đức', 'Ngọc Hồi', 'Đăk Hà'],
  'gia-lai': ['Pleiku', 'Quy Nhơn', 'An Khê', 'Ayun Pa', 'An Nhơn', 'Hoài Nhơn'],
  'khanh-hoa': ['Nha Trang', 'Cam Ranh', 'Ninh Hòa', 'Phan Rang – Tháp Chàm', 'Vạn Ninh'],
  'lam-dong': ['Đà Lạt', 'Bảo Lộc', 'Gia Nghĩa', 'Phan Thiết', 'La Gi'],
  'dak-lak': ['Buôn Ma Thuột', 'Buôn Hồ', 'Tuy Hòa', 'Sông Cầu', 'Ea Kar'],
  'dong-nai': ['Biên Hòa', 'Long Khánh', 'Long Thành', 'Đồng Xoài', 'Bình Long'],
  'tay-ninh': ['Tân An', 'Hòa Thành', 'Trảng Bàng', 'Kiến Tường', 'Đức Hòa'],
  'vinh-long': ['Bình Minh', 'Mỏ Cày', 'Ba Tri', 'Duyên Hải', 'Trà Ôn'],
  'dong-thap': ['Cao Lãnh', 'Sa Đéc', 'Hồng Ngự', 'Mỹ Tho', 'Gò Công'],
  'an-giang': ['Long Xuyên', 'Châu Đốc', 'Tân Châu', 'Rạch Giá', 'Hà Tiên', 'Phú Quốc'],
  'ca-mau': ['Hồng Dân', 'Năm Căn', 'Giá Rai', 'Đầm Dơi', 'Trần Văn Thời'],
};

/** Province core routers that report per-class traffic as sub-interfaces (one VLAN per service). */
const subinterfaceRouters = ['lai-chau', 'dien-bien', 'son-la', 'cao-bang', 'tuyen-quang', 'ha-tinh', 'quang-ngai', 'tay-ninh', 'dong-thap', 'ca-mau'];
/** Province core routers with no QoS policy at all: only interface counters. */
const noQosRouters = ['lang-son', 'hung-yen'];
/** Province core routers polled with SNMPv3 authPriv (hcm-core-1 is v3 too). */
export const v3Routers = ['da-nang', 'can-tho', 'quang-ninh'];
/** Tier-1 uplinks served from hcm-core-1 (the others from hn-core-1), in ifName order. */
const southUplinks = ['ho-chi-minh', 'can-tho', 'dong-nai', 'tay-ninh', 'vinh-long', 'dong-thap', 'an-giang', 'ca-mau'];
/** Tier-1 capacities in Mbps: the big cities at 1 Gbps, the others cycling through these. */
const cityMbps = 1_000;
const provinceMbpsCycle = [300, 500, 100, 200];
const tier2Mbps = [10, 20, 30, 50, 100];

/** The seed of the example: with it, most tier-1 uplinks stay under 60 % at the busy hour and two exceed 80 %. */
const exampleSeed = 1;

/** Misconfigurations an engineer should find (see simulation.yaml). */
export const misconfigurations = {
  /** A protected class with no queue: video falls into class-default on this link. */
  missingQueue: { link: 't2-thanh-hoa-sam-son', class: 'video' as const },
  /** A router reserving less than its peers: 5 Mbps (5 %) for docex where the policy says 20 %. */
  lowReservation: { link: 't1-nghe-an', class: 'docex' as const, kbps: 5_000 },
};

/** The tier-1 uplinks `t1-<province>` on the central routers, in provinces.json order. */
export function tier1Uplinks(): { province: ProvinceRef; router: 'hn-core-1' | 'hcm-core-1'; ifName: string; capacityBps: number }[] {
  const slot = { 'hn-core-1': 0, 'hcm-core-1': 0 };
  return provinces.map((p) => {
    const router = southUplinks.includes(p.id) ? 'hcm-core-1' : 'hn-core-1';
    const mbps = p.kind === 'city' ? cityMbps : provinceMbpsCycle[slot[router] % provinceMbpsCycle.length]!;
    return { province: p, router, ifName: `Gi0/1/${slot[router]++}`, capacityBps: mbps * 1e6 };
  });
}

export function slug(text: string): string {
  return withoutDiacritics(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A stable choice from an id: the generated files depend on nothing else. */
export function hashOf(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0);
}
export function pick<T>(items: readonly T[], key: string): T {
  return items[hashOf(key) % items.length]!;
}

interface Site {
  name: string;
  /** A former province's centre (a big site). */
  former: boolean;
}

function sitesOf(p: ProvinceRef): Site[] {
  const formers = p.former.filter((f) => f !== p.name).map((name) => ({ name, former: true }));
  const towns = (districtTowns[p.id] ?? []).map((name) => ({ name, former: false }));
  return [...formers, ...towns].slice(0, 10);
}

const v3Snmp = ['      version: "3"', '      user: lanewatch', '      authProtocol: sha', '      authKey: lanewatch-auth-key', '      privProtocol: aes', '      privKey: lanewatch-priv-key'];

function routerYaml(id: string, name: string, port: number, v3: boolean, province?: string): string[] {
  const out = [`  - id: ${id}`, `    name: ${name}`];
  if (province) out.push(`    province: ${province}`);
  out.push(`    address: 127.0.0.1:${port}`);
  if (v3) out.push('    snmp:', ...v3Snmp);
  else out.push('    snmp: { version: "2c", community: lanewatch-ro }');
  return out;
}

function linkYaml(l: { id: string; name: string; tier: 1 | 2; province: string; router: string; ifName: string; capacityBps: number }): string[] {
  return [
    `  - id: ${l.id}`,
    `    name: ${l.name}`,
    `    tier: ${l.tier}`,
    `    province: ${l.province}`,
    `    router: ${l.router}`,
    `    ifName: ${l.ifName}`,
    `    capacityBps: ${l.capacityBps}`,
  ];
}

export function topologyYaml(): string {
  const lines = [
    '# Example national network, written by scripts/generate-example.ts (edit the script, not this file).',
    '# The centre (Hà Nội core, TP. Hồ Chí Minh core) with the tier-1 uplink of each of the 34 provinces,',
    '# and each province core router with its tier-2 links to former provinces and district towns.',
    '# Served by `lanewatch simulate` in the demo; simulation.yaml says how each router reports QoS.',
    '',
    'provinces:',
    ...provinces.map((p) => `  - id: ${p.id}   # ${p.name}`),
    '',
    'routers:',
    ...routerYaml('hn-core-1', 'Trung tâm Hà Nội — core 1', 16101, false),
    ...routerYaml('hcm-core-1', 'Trung tâm TP. Hồ Chí Minh — core 1', 16102, true),
  ];
  provinces.forEach((p, i) => {
    lines.push(...routerYaml(`${p.id}-core-1`, `${p.name} — core 1`, 16103 + i, v3Routers.includes(p.id), p.id));
  });
  lines.push('', 'links:', '  # tier 1: centre → province');
  for (const { province: p, router, ifName, capacityBps } of tier1Uplinks()) {
    lines.push(...linkYaml({ id: `t1-${p.id}`, name: `${p.name} — tier 1`, tier: 1, province: p.id, router, ifName, capacityBps }));
  }
  for (const p of provinces) {
    lines.push(`  # tier 2: ${p.name}`);
    sitesOf(p).forEach((site, k) => {
      const id = `t2-${p.id}-${slug(site.name)}`;
      const mbps = site.former ? 100 : pick(tier2Mbps, id);
      lines.push(...linkYaml({ id, name: site.name, tier: 2, province: p.id, router: `${p.id}-core-1`, ifName: `Gi0/0/${k}`, capacityBps: mbps * 1e6 }));
    });
  }
  return lines.join('\n') + '\n';
}

/** The head of simulation.yaml up to `routerDefaults:`, the same in both examples. */
export function simulationPreamble(script: string, seed: number): string[] {
  return [
    '# How the simulated routers of topology.yaml behave (read by `lanewatch simulate` only; the',
    `# collector discovers all of this over SNMP). Written by ${script}.`,
    '# Defaults of every key: simulator/sim-config.ts (simulationDefaults).',
    '',
    `seed: ${seed}`,
    '',
  ];
}

/** Router defaults and the centre's and province cores' QoS styles, the same in both examples. */
export function routersYaml(subinterfacesComment: string, noQosComment: string): string[] {
  return [
    'routerDefaults:',
    '  qos: cbqos',
    '  policyName: WAN-OUT',
    '  classMaps: { docex: DOCEX, video: VIDEO, internet: class-default, other: MGMT }',
    '  subinterfaces: { docex: 100, video: 200, internet: 300, other: 400 }',
    '',
    'routers:',
    '  hn-core-1: { policyName: WAN-T1-OUT }',
    '  hcm-core-1: { policyName: WAN-T1-OUT }',
    `  # ${subinterfacesComment}`,
    ...provinces.filter((p) => subinterfaceRouters.includes(p.id)).map((p) => `  ${p.id}-core-1: { qos: subinterfaces }`),
    `  # ${noQosComment}`,
    ...provinces.filter((p) => noQosRouters.includes(p.id)).map((p) => `  ${p.id}-core-1: { qos: none }`),
  ];
}

/** The link policy both examples simulate: docex and video protected, Internet in class-default. */
export const linkDefaultsYaml: readonly string[] = [
  'linkDefaults:',
  '  queues:',
  '    docex: { bandwidth: { value: 20, unit: percent } }',
  '    video: { bandwidth: { value: 30, unit: percent } }',
  '    internet: {}',
  '    other: { bandwidth: { value: 5, unit: percent } }',
];

export const classSharesYaml: readonly string[] = [
  '# Share of the busy-hour offered load per class.',
  'classShares:',
  '  tier1: { docex: 0.15, video: 0.2, internet: 0.55, other: 0.1 }',
  '  tier2: { docex: 0.2, video: 0.15, internet: 0.55, other: 0.1 }',
];

export function simulationYaml(): string {
  const { missingQueue, lowReservation } = misconfigurations;
  const lines = [
    ...simulationPreamble('scripts/generate-example.ts', exampleSeed),
    '# Every router runs class-based QoS (CISCO-CLASS-BASED-QOS-MIB) unless listed below.',
    ...routersYaml('one sub-interface (VLAN) per service instead of a QoS policy', 'no QoS at all: every class loses in proportion when the link is full'),
    '',
    '# The policy: docex and video are protected. class-default (Internet) queues without a reservation.',
    ...linkDefaultsYaml,
    '',
    '# Misconfigurations an engineer should find:',
    'links:',
    `  # the ${missingQueue.class} class-map has no queue here: conferences get no reserved bandwidth`,
    `  ${missingQueue.link}:`,
    '    queues:',
    `      ${missingQueue.class}: null`,
    `  # this router reserves ${lowReservation.kbps / 1000} Mbps for ${lowReservation.class} where its peers reserve 20 %`,
    `  ${lowReservation.link}:`,
    '    queues:',
    `      ${lowReservation.class}: { bandwidth: { value: ${lowReservation.kbps}, unit: kbps } }`,
    '',
    ...classSharesYaml,
  ];
  return lines.join('\n') + '\n';
}

/**
 * With --check (in argv), exits 1 naming each of `files` (paths inside `dir`, relative to the
 * repository) that is missing or differs from what `script` writes, 0 when none does; otherwise
 * writes them.
 */
export function writeOrCheck(dir: string, script: string, files: Record<string, string>): void {
  const root = fileURLToPath(new URL('../', import.meta.url));
  if (process.argv.includes('--check')) {
    const stale = Object.entries(files).filter(([name, text]) => {
      const path = join(root, dir, name);
      return !existsSync(path) || readFileSync(path, 'utf8') !== text;
    });
    for (const [name] of stale) console.error(`${dir}/${name} differs from ${script}`);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, dir, name)), { recursive: true });
    writeFileSync(join(root, dir, name), text);
  }
}

function main(): void {
  writeOrCheck('config/example', 'scripts/generate-example.ts', { 'topology.yaml': topologyYaml(), 'simulation.yaml': simulationYaml() });
  // Both files must load: the same validation as `lanewatch check-config` and `lanewatch simulate`.
  const config = loadConfig(exampleDir, { env: {} });
  loadSimulationConfig(exampleDir, config.topology);
  const tier2 = config.topology.links.filter((l) => l.tier === 2).length;
  console.log(`wrote config/example: ${config.topology.routers.length} routers, ${config.topology.links.length - tier2} tier-1 and ${tier2} tier-2 links`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
