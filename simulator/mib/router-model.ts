// One simulated router as data: identity, QoS style, boot state and its interfaces (a
// management port, one per configured link end on this router, a loopback). A two-ended link
// has an interface on both of its routers: the near end's egress carries `down`, the far end's
// egress `up`. Counters are not stored: they are
// read from the traffic engine (cumulative octets since the simulation start) plus a seeded
// per-interface offset that stands for the traffic before the simulation started, replaced by
// a baseline snapshot when the router reboots. Per-router state stays small: names, the boot
// time, a layout variant, and the baselines/wrap offsets only after such events.
import { createHash } from 'node:crypto';
import type { Direction, ServiceClass } from '../../api/schemas.ts';
import type { LinkConfig, RouterConfig } from '../../config/schema.ts';
import { simClasses, type ClassQueue, type QosStyle, type RouterSimConfig } from '../sim-config.ts';
import type { DirectionOctets, TrafficEngine } from '../traffic/engine.ts';
import { between, hash32 } from '../traffic/random.ts';
import type { SnmpValue } from './value.ts';

/** What the MIB needs of the traffic engine. */
export type OctetSource = Pick<TrafficEngine, 'read'>;

export const IfType = { ethernetCsmacd: 6, softwareLoopback: 24, l2vlan: 135 } as const;
/** What a sub-interface's ifAlias calls its service. */
export const serviceLabels: Record<ServiceClass, string> = { docex: 'DOCEX', video: 'VIDEO', internet: 'INTERNET', other: 'OTHER' };

export type InterfaceKind = 'management' | 'link' | 'loopback';

export interface SimInterface {
  kind: InterfaceKind;
  /** Current ifIndex (a renumber changes it). */
  ifIndex: number;
  ifName: string;
  ifDescr: string;
  ifAlias: string;
  ifType: number;
  mtu: number;
  speedBps: number;
  /** The model direction its out-octets carry (`down` when the link's downIs is `out`; `up` at a far end). */
  outDirection: Direction;
  /** An end of a two-ended link (topology `far`): its QoS policy is on the egress only. */
  twoEnded: boolean;
  /** One input error every this many ms of uptime; 0: never. */
  inErrorEveryMs: number;
  /** The configured link it stands for (kind 'link'). */
  linkId?: string;
  /** The router's queueing config on this link (kind 'link'); undefined entries: no queue. */
  queues?: Record<ServiceClass, ClassQueue | undefined>;
  /** Management port: steady rates (bps) in the model's directions. */
  steadyBps?: { down: number; up: number };
  /** Seeds this interface's counter offsets. */
  key: number;
  /** Its per-service sub-interfaces' ifNames by class (styles `subinterfaces` and `none`), built when first read. */
  subinterfaceNames?: readonly string[];
  /** ifName values of its rows (index: sub-interface class + 1) and its ifHighSpeed, built when first read. */
  nameValues?: SnmpValue[];
  highSpeedValue?: SnmpValue;
  /** seededOffset per direction and class, computed once when first read (octets: pre, post, drop per class). */
  offsets?: { down?: readonly ClassCounters[]; up?: readonly ClassCounters[] };
}

/** Octets of one interface direction and class at one instant (bigint, from the counter origin). */
export interface ClassCounters {
  pre: bigint;
  post: bigint;
  drop: bigint;
}

export interface SimRouter {
  id: string;
  sysName: string;
  sysDescr: string;
  sysObjectId: readonly number[];
  sysLocation: string;
  qos: QosStyle;
  /** Policy-map and class-map names, sub-interface suffixes. */
  sim: RouterSimConfig;
  /** Simulated epoch ms of the last boot: sysUpTime counts from here. */
  bootAtMs: number;
  /** When the engine's counters start (the simulation start). */
  engineStartMs: number;
  /** Boots since the simulation started (SNMPv3 engineBoots grows with it). */
  reboots: number;
  /** Layout variant: 0 as configured, +1 per renumber (ifIndex and CBQoS indexes change). */
  variant: number;
  /** ifCounterDiscontinuityTime as an epoch ms; ≤ bootAtMs means none since boot. */
  discontinuityAtMs: number;
  /** false: the agent drops every request. */
  responding: boolean;
  /** Engine octets at the last reboot, by `linkId/dir`; undefined: never rebooted (seeded offsets apply). */
  baselines: Map<string, DirectionOctets> | undefined;
  /** Added to the 32-bit ifInOctets/ifOutOctets after setCounter32NearWrap, by `ifIndexRowKey/dir`. */
  wrapOffsets: Map<string, bigint> | undefined;
  /** In a fixed order (interface positions); not necessarily by ifIndex. */
  interfaces: SimInterface[];
}

/** ciscoASR1001 (CISCO-PRODUCTS-MIB). */
const simulatedSysObjectId: readonly number[] = [1, 3, 6, 1, 4, 1, 9, 1, 1165];
const sysDescr =
  'Cisco IOS Software [Amsterdam], ASR1000 Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.3.4a, ' +
  'RELEASE SOFTWARE (fc3)\r\nLanewatch simulator';

const longNames: readonly [string, string][] = [
  ['Hu', 'HundredGigE'],
  ['Fo', 'FortyGigabitEthernet'],
  ['Te', 'TenGigabitEthernet'],
  ['Gi', 'GigabitEthernet'],
  ['Fa', 'FastEthernet'],
  ['Lo', 'Loopback'],
  ['Po', 'Port-channel'],
];

/** Cisco's ifDescr is the long form of the ifName: Gi0/1/0 → GigabitEthernet0/1/0. */
export function longInterfaceName(ifName: string): string {
  for (const [short, long] of longNames) {
    if (ifName.startsWith(short) && /^[0-9]/.test(ifName.slice(short.length))) return long + ifName.slice(short.length);
  }
  return ifName;
}

/** A nominal speed when a link has no capacityBps, from its interface name. */
export function nominalSpeedBps(ifName: string): number {
  const long = longInterfaceName(ifName);
  if (long.startsWith('HundredGigE')) return 100e9;
  if (long.startsWith('FortyGigabitEthernet')) return 40e9;
  if (long.startsWith('TenGigabitEthernet')) return 10e9;
  if (long.startsWith('FastEthernet')) return 100e6;
  return 1e9;
}

/** Vietnamese text without its diacritics (đ → d, ế → e). */
export function withoutDiacritics(text: string): string {
  return text
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

/** ifAlias is ASCII on real routers. */
function asciiText(text: string): string {
  return withoutDiacritics(text)
    .replace(/[—–]/g, '-')
    .replace(/[^\x20-\x7e]/g, '?');
}

/** A stable locally administered unicast MAC for an interface (computed when read). */
export function macFor(routerId: string, ifName: string): Buffer {
  const mac = createHash('sha1').update(`${routerId}/${ifName}`).digest().subarray(0, 6);
  mac[0] = (mac[0]! & 0xfe) | 0x02;
  return Buffer.from(mac);
}

/** Natural order of interface names: Gi0/1/2 before Gi0/1/10. */
function compareIfNames(a: string, b: string): number {
  return ifNameCollator.compare(a, b);
}
/** Stateless; created once because localeCompare with options builds a collator per call. */
const ifNameCollator = new Intl.Collator('en', { numeric: true });

export interface RouterModelInput {
  router: RouterConfig;
  /** The links of this router (it is their `router`, the near end). */
  links: readonly LinkConfig[];
  /** Two-ended links whose far end is this router (`far.router`); default none. */
  farLinks?: readonly LinkConfig[];
  /** Its resolved simulation config (resolveRouter). */
  sim: RouterSimConfig;
  /** Resolved queues by link id (resolveLinkQueues); a missing link: no queues. */
  queues: ReadonlyMap<string, Record<ServiceClass, ClassQueue | undefined>>;
  /** Resolved far-end queues by link id (resolveLinkQueues(…, 'far')); a missing link: no queues. */
  farQueues?: ReadonlyMap<string, Record<ServiceClass, ClassQueue | undefined>>;
  seed: number;
  /** Simulated epoch ms when the simulation (and the engine's counters) start: boot times lie before it. */
  simulatedStartMs: number;
}

const managementName = 'Gi0';
const loopbackName = 'Lo0';
const noQueues = (): Record<ServiceClass, ClassQueue | undefined> => ({ docex: undefined, video: undefined, internet: undefined, other: undefined });

/**
 * ifIndex numbering is stable for a given configuration: 1 is the management port, then the
 * links in natural ifName order, then the loopback; sub-interfaces after them. A renumber
 * (router-mib.ts) permutes them as a reload without ifIndex persistence would.
 */
export function buildRouterModel(input: RouterModelInput): SimRouter {
  const { router, seed } = input;
  const uptimeMs = Math.floor(between(3, 90, seed, 'uptime', router.id) * 86_400_000);
  const interfaces: SimInterface[] = [];
  const farLinks = input.farLinks ?? [];
  const taken = new Set([...input.links.map((l) => l.ifName), ...farLinks.map((l) => l.far!.ifName)]);
  const add = (iface: Omit<SimInterface, 'ifIndex' | 'ifDescr' | 'key' | 'twoEnded'> & { ifDescr?: string; twoEnded?: boolean }): void => {
    // Every field in one order, optional ones too: one object shape for every interface kind,
    // so that the readers' property accesses stay monomorphic.
    interfaces.push({
      kind: iface.kind,
      ifIndex: interfaces.length + 1,
      ifName: iface.ifName,
      ifDescr: iface.ifDescr ?? longInterfaceName(iface.ifName),
      ifAlias: iface.ifAlias,
      ifType: iface.ifType,
      mtu: iface.mtu,
      speedBps: iface.speedBps,
      outDirection: iface.outDirection,
      twoEnded: iface.twoEnded ?? false,
      inErrorEveryMs: iface.inErrorEveryMs,
      linkId: iface.linkId,
      queues: iface.queues,
      steadyBps: iface.steadyBps,
      key: hash32(seed, 'counters', router.id, iface.ifName),
      // Filled when first read.
      subinterfaceNames: undefined,
      nameValues: undefined,
      highSpeedValue: undefined,
      offsets: undefined,
    });
  };
  if (!taken.has(managementName)) {
    add({
      kind: 'management',
      ifName: managementName,
      ifAlias: 'OOB management',
      ifType: IfType.ethernetCsmacd,
      mtu: 1500,
      speedBps: 1e9,
      outDirection: 'down',
      inErrorEveryMs: 0,
      steadyBps: { down: between(60e3, 240e3, seed, 'mgmt-down', router.id), up: between(20e3, 90e3, seed, 'mgmt-up', router.id) },
    });
  }
  const ends = [
    ...input.links.map((link) => ({ link, ifName: link.ifName, far: false })),
    ...farLinks.map((link) => ({ link, ifName: link.far!.ifName, far: true })),
  ].sort((a, b) => compareIfNames(a.ifName, b.ifName));
  for (const { link, ifName, far } of ends) {
    // Errors at the near end as before; the far end draws its own.
    const errorsKey = far ? `${link.id}/far` : link.id;
    const errorsHappen = hash32(seed, 'errors', errorsKey) % 3 === 0;
    add({
      kind: 'link',
      ifName,
      ifAlias: asciiText(far ? `uplink ${link.router} [${link.id}]` : `${link.name ?? link.id} [${link.id}]`),
      ifType: IfType.ethernetCsmacd,
      mtu: 1500,
      speedBps: link.capacityBps ?? nominalSpeedBps(ifName),
      outDirection: far || link.downIs !== 'out' ? 'up' : 'down',
      twoEnded: link.far !== undefined,
      inErrorEveryMs: errorsHappen ? Math.floor(between(5, 120, seed, 'error-rate', errorsKey) * 60_000) : 0,
      linkId: link.id,
      queues: (far ? input.farQueues : input.queues)?.get(link.id) ?? noQueues(),
    });
  }
  if (!taken.has(loopbackName)) {
    add({
      kind: 'loopback',
      ifName: loopbackName,
      ifAlias: 'router id',
      ifType: IfType.softwareLoopback,
      mtu: 1514,
      speedBps: 8e9,
      outDirection: 'down',
      inErrorEveryMs: 0,
    });
  }
  return {
    id: router.id,
    sysName: router.id,
    sysDescr,
    sysObjectId: simulatedSysObjectId,
    sysLocation: asciiText(router.name ?? router.id),
    qos: input.sim.qos,
    sim: input.sim,
    bootAtMs: input.simulatedStartMs - uptimeMs,
    engineStartMs: input.simulatedStartMs,
    reboots: 0,
    variant: 0,
    discontinuityAtMs: 0,
    responding: true,
    baselines: undefined,
    wrapOffsets: undefined,
    interfaces,
  };
}


/** Mean packet sizes: toward the sites mostly full-size frames, back mostly small ones. */
export const packetsOf = (octetCount: bigint, dir: Direction): bigint => octetCount / (dir === 'down' ? 900n : 350n);

const zeroClass: ClassCounters = { pre: 0n, post: 0n, drop: 0n };

/**
 * The seeded octets a link's class counters had at the simulation start (the router has been up
 * since bootAtMs): a share of a modest mean utilisation over the uptime before the start.
 */
function seededOffset(router: SimRouter, iface: SimInterface, dir: Direction, cls: number): ClassCounters {
  const uptimeBeforeMs = Math.max(0, router.engineStartMs - router.bootAtMs);
  const d = dir === 'down' ? 0 : 1;
  // Toward the sites busier than back, whatever the draw (down 20–35 %, up 5–12 % mean utilisation).
  const u = hash32(iface.key, d, 'util') / 0x1_0000_0000;
  const meanUtil = dir === 'down' ? 0.2 + 0.15 * u : 0.05 + 0.07 * u;
  const share = [0.15, 0.1, 0.6, 0.15][cls]! * (0.8 + 0.4 * (hash32(iface.key, d, cls, 'share') / 0x1_0000_0000));
  const post = Math.floor(((iface.speedBps / 8) * (uptimeBeforeMs / 1000) * meanUtil * share));
  const dropRatio = (cls === 2 ? 0.004 : 0.0005) * (hash32(iface.key, d, cls, 'drop') / 0x1_0000_0000);
  const drop = Math.floor(post * dropRatio);
  return { pre: BigInt(post + drop), post: BigInt(post), drop: BigInt(drop) };
}

/** seededOffset of every class, computed once per interface and direction. */
function seededOffsets(router: SimRouter, iface: SimInterface, dir: Direction): readonly ClassCounters[] {
  iface.offsets ??= {};
  return (iface.offsets[dir] ??= simClasses.map((_cls, k) => seededOffset(router, iface, dir, k)));
}

/** A link's per-class counters in one direction at `atMs` (origin: boot, seeded before the simulation). */
export function linkClassCounters(router: SimRouter, iface: SimInterface, dir: Direction, now: DirectionOctets): ClassCounters[] {
  const base = router.baselines?.get(`${iface.linkId}/${dir}`);
  const offsets = base ? undefined : seededOffsets(router, iface, dir);
  return simClasses.map((cls, k) => {
    const c = now.classes[cls];
    if (base) {
      const b = base.classes[cls];
      return { pre: c.preOctets - b.preOctets, post: c.postOctets - b.postOctets, drop: c.dropOctets - b.dropOctets };
    }
    const o = offsets![k]!;
    return { pre: c.preOctets + o.pre, post: c.postOctets + o.post, drop: c.dropOctets + o.drop };
  });
}

/** Octets of a management port since boot (steady rate). */
export function steadyOctets(router: SimRouter, iface: SimInterface, dir: Direction, atMs: number): bigint {
  const bps = iface.steadyBps?.[dir] ?? 0;
  return BigInt(Math.floor((bps / 8) * (Math.max(0, atMs - router.bootAtMs) / 1000)));
}

export const noClassCounters: readonly ClassCounters[] = [zeroClass, zeroClass, zeroClass, zeroClass];
