// One simulated router as data: identity, boot time, and its interfaces (one per configured
// link plus a management port and a loopback), each with the traffic model it carries.
import { createHash } from 'node:crypto';
import type { LinkConfig, RouterConfig } from '../../config/schema.ts';
import { between, hash32 } from '../traffic/random.ts';
import { fixedLinkModel, type LinkModel, type TrafficDirection } from '../traffic/model.ts';

export const IfType = { ethernetCsmacd: 6, softwareLoopback: 24 } as const;

export interface SimInterface {
  ifIndex: number;
  ifName: string;
  ifDescr: string;
  ifAlias: string;
  ifType: number;
  mtu: number;
  speedBps: number;
  physAddress: Buffer;
  /** The traffic it carries; undefined: none (a loopback). */
  traffic: LinkModel | undefined;
  /** The model direction its out-octets carry (`down` when the link's downIs is `out`). */
  outDirection: TrafficDirection;
  /** One input error every this many ms of uptime; 0: never. */
  inErrorEveryMs: number;
  /** The configured link it stands for, if any. */
  linkId?: string;
}

export interface SimRouter {
  id: string;
  sysName: string;
  sysDescr: string;
  sysObjectId: readonly number[];
  sysLocation: string;
  /** Simulated epoch ms of the last boot: sysUpTime counts from here. */
  bootAtMs: number;
  /** Ordered by ifIndex. */
  interfaces: SimInterface[];
}

/** ciscoASR1001 (CISCO-PRODUCTS-MIB). */
export const simulatedSysObjectId: readonly number[] = [1, 3, 6, 1, 4, 1, 9, 1, 1165];
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

/** ifAlias is ASCII on real routers: drop Vietnamese diacritics. */
export function asciiText(text: string): string {
  return text
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[—–]/g, '-')
    .replace(/[^\x20-\x7e]/g, '?');
}

function macFor(routerId: string, ifName: string): Buffer {
  const mac = createHash('sha1').update(`${routerId}/${ifName}`).digest().subarray(0, 6);
  mac[0] = (mac[0]! & 0xfe) | 0x02; // unicast, locally administered
  return Buffer.from(mac);
}

/** Natural order of interface names: Gi0/1/2 before Gi0/1/10. */
export function compareIfNames(a: string, b: string): number {
  return ifNameCollator.compare(a, b);
}
/** Stateless; created once because localeCompare with options builds a collator per call. */
const ifNameCollator = new Intl.Collator('en', { numeric: true });

export interface RouterModelInput {
  router: RouterConfig;
  /** The links of this router. */
  links: readonly LinkConfig[];
  /** Traffic models by link id. */
  models: ReadonlyMap<string, LinkModel>;
  seed: number;
  /** Simulated epoch ms when the simulation starts: boot times lie before it. */
  simulatedStartMs: number;
}

const managementName = 'Gi0';
const loopbackName = 'Lo0';

/**
 * ifIndex numbering is stable for a given configuration: 1 is the management port, then the
 * links in natural ifName order, then the loopback. (Real routers renumber on reload; the
 * collector keys interfaces by ifName.)
 */
export function buildRouterModel(input: RouterModelInput): SimRouter {
  const { router, seed } = input;
  const uptimeMs = Math.floor(between(3, 90, seed, 'uptime', router.id) * 86_400_000);
  const interfaces: SimInterface[] = [];
  const taken = new Set(input.links.map((l) => l.ifName));
  const add = (iface: Omit<SimInterface, 'ifIndex' | 'physAddress' | 'ifDescr'> & { ifDescr?: string }): void => {
    interfaces.push({
      ...iface,
      ifIndex: interfaces.length + 1,
      ifDescr: iface.ifDescr ?? longInterfaceName(iface.ifName),
      physAddress: iface.ifType === IfType.softwareLoopback ? Buffer.alloc(0) : macFor(router.id, iface.ifName),
    });
  };
  if (!taken.has(managementName)) {
    add({
      ifName: managementName,
      ifAlias: 'OOB management',
      ifType: IfType.ethernetCsmacd,
      mtu: 1500,
      speedBps: 1e9,
      traffic: fixedLinkModel(seed, `${router.id}/${managementName}`, 1e9, 0.0002, 0.0001),
      outDirection: 'down',
      inErrorEveryMs: 0,
    });
  }
  const links = [...input.links].sort((a, b) => compareIfNames(a.ifName, b.ifName));
  for (const link of links) {
    const traffic = input.models.get(link.id);
    const errorsHappen = hash32(seed, 'errors', link.id) % 3 === 0;
    add({
      ifName: link.ifName,
      ifAlias: asciiText(`${link.name ?? link.id} [${link.id}]`),
      ifType: IfType.ethernetCsmacd,
      mtu: 1500,
      speedBps: traffic?.capacityBps ?? link.capacityBps ?? nominalSpeedBps(link.ifName),
      traffic,
      outDirection: link.downIs === 'out' ? 'down' : 'up',
      inErrorEveryMs: errorsHappen ? Math.floor(between(5, 120, seed, 'error-rate', link.id) * 60_000) : 0,
      linkId: link.id,
    });
  }
  if (!taken.has(loopbackName)) {
    add({
      ifName: loopbackName,
      ifAlias: 'router id',
      ifType: IfType.softwareLoopback,
      mtu: 1514,
      speedBps: 8e9,
      traffic: undefined,
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
    bootAtMs: input.simulatedStartMs - uptimeMs,
    interfaces,
  };
}
