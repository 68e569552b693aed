// The OID tree of a router: SNMPv2-MIB system group, IF-MIB ifNumber, ifTable and ifXTable,
// and for class-based-QoS routers the CISCO-CLASS-BASED-QOS-MIB tables (service policies,
// objects, policy-map/class-map/queueing config, class-map stats).
// A MibLayout (sorted OIDs, pre-encoded, with readers) depends only on the router's shape (its
// interface kinds, QoS style, which classes have a queue) and its numbering variant, so routers
// of the same shape share one layout: per-router memory stays small when one process serves
// thousands of routers. Values are computed when read, from the traffic engine.
import { encodeOid } from '../agent/ber.ts';
import type { MibTree } from '../agent/router-agent.ts';
import { compareOids, startsWith, type Oid } from './oid.ts';
import { counter32, counter64, gauge32, integer, objectId, octets, timeTicks, type SnmpValue } from './value.ts';
import {
  IfType,
  inDirection,
  linkClassCounters,
  longInterfaceName,
  macFor,
  noClassCounters,
  packetsOf,
  serviceLabels,
  simClasses,
  steadyOctets,
  type ClassCounters,
  type OctetSource,
  type SimInterface,
  type SimRouter,
  type TrafficDirection,
} from './router-model.ts';
import { hash32 } from '../traffic/random.ts';
import type { DirectionOctets } from '../traffic/engine.ts';

/** Router-level events (scenarios call these). */
export interface RouterControl {
  /** sysUpTime restarts, all counters restart at 0, ifCounterDiscontinuityTime reset. */
  reboot(atMs: number): void;
  /** A reboot that also permutes ifIndex values and CBQoS policy/object indexes. */
  renumber(atMs: number): void;
  /** 32-bit ifInOctets/ifOutOctets jump to within ~20 s of traffic of 2^32 (64-bit unaffected), then wrap naturally. */
  setCounter32NearWrap(atMs: number): void;
  /** off: the agent drops every request (device stops answering). */
  setResponding(on: boolean): void;
}

export const oids = {
  system: [1, 3, 6, 1, 2, 1, 1],
  sysUpTime: [1, 3, 6, 1, 2, 1, 1, 3, 0],
  ifNumber: [1, 3, 6, 1, 2, 1, 2, 1, 0],
  ifEntry: [1, 3, 6, 1, 2, 1, 2, 2, 1],
  ifXEntry: [1, 3, 6, 1, 2, 1, 31, 1, 1, 1],
  cbQos: [1, 3, 6, 1, 4, 1, 9, 9, 166],
  cbQosServicePolicyEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 1, 1, 1],
  cbQosObjectsEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 5, 1, 1],
  cbQosPolicyMapCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 6, 1, 1],
  cbQosCMCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 7, 1, 1],
  cbQosQueueingCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 9, 1, 1],
  cbQosCMStatsEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 15, 1, 1],
} as const;

export const QosObjectType = { policymap: 1, classmap: 2, queueing: 4 } as const;
export const PolicyDirection = { input: 1, output: 2 } as const;

/** One ifTable row: a main interface (sub −1) or the sub-interface of class `sub` of a link. */
export interface LayoutRow {
  ifPos: number;
  sub: number;
  ifIndex: number;
}

export interface LayoutClassObject {
  cls: number;
  objectsIndex: number;
  configIndex: number;
  /** The queueing child (objectsType 4), when the class has a queue. */
  queue?: { objectsIndex: number; configIndex: number };
}

export interface LayoutPolicy {
  ifPos: number;
  direction: 'input' | 'output';
  policyIndex: number;
  policyConfigIndex: number;
  classes: LayoutClassObject[];
}

/** Reads one value of a router at one instant. */
export interface ReadContext {
  router: SimRouter;
  atMs: number;
  iface(ifPos: number): SimInterface;
  /** 64-bit octets of a row in the direction of its in- or out-octets. */
  rowOctets(row: LayoutRow, side: 'in' | 'out'): bigint;
  /** Drops (octets) of a row's out side. */
  rowOutDrops(row: LayoutRow): bigint;
  /** Per-class counters of a link interface in a model direction. */
  classCounters(ifPos: number, dir: TrafficDirection): readonly ClassCounters[];
  /** Per-class bit rates (bps) over the last 30 s (since boot at most), as IOS's BitRate columns. */
  classBitRates(ifPos: number, dir: TrafficDirection): readonly ClassCounters[];
  operUp(row: LayoutRow): boolean;
  wrapOffset(row: LayoutRow, side: 'in' | 'out'): bigint;
}

type Reader = (ctx: ReadContext) => SnmpValue;

interface LayoutEntry {
  oid: Oid;
  oidTlv: Buffer;
  read: Reader;
}

const ticksSince = (fromMs: number, atMs: number): bigint => BigInt(Math.max(0, Math.floor((atMs - fromMs) / 10)));
const uptimeTicks = (r: SimRouter, atMs: number): bigint => ticksSince(r.bootAtMs, atMs);
/** Routing protocols and ARP: a small, steady share of the packets. */
const multicast = (packetCount: bigint): bigint => packetCount / 2_000n;
const broadcast = (packetCount: bigint): bigint => packetCount / 20_000n;
const nonUnicast = (packetCount: bigint): bigint => multicast(packetCount) + broadcast(packetCount);
const unsigned32 = (value: number): SnmpValue => gauge32(BigInt(value));
const high32 = (value: bigint): bigint => value >> 32n;

const scalars: readonly [Oid, (ctx: ReadContext) => SnmpValue][] = [
  [[1, 3, 6, 1, 2, 1, 1, 1, 0], (c) => octets(c.router.sysDescr)],
  [[1, 3, 6, 1, 2, 1, 1, 2, 0], (c) => objectId(c.router.sysObjectId)],
  [oids.sysUpTime, (c) => timeTicks(uptimeTicks(c.router, c.atMs))],
  [[1, 3, 6, 1, 2, 1, 1, 4, 0], () => octets('noc@lanewatch.invalid')],
  [[1, 3, 6, 1, 2, 1, 1, 5, 0], (c) => octets(c.router.sysName)],
  [[1, 3, 6, 1, 2, 1, 1, 6, 0], (c) => octets(c.router.sysLocation)],
  [[1, 3, 6, 1, 2, 1, 1, 7, 0], () => integer(6)],
  [[1, 3, 6, 1, 2, 1, 31, 1, 5, 0], () => timeTicks(0n)], // ifTableLastChange
  [[1, 3, 6, 1, 2, 1, 31, 1, 6, 0], () => timeTicks(0n)], // ifStackLastChange
];

/** Names and attributes of a row: a sub-interface derives them from its link. */
function rowName(c: ReadContext, row: LayoutRow): string {
  const i = c.iface(row.ifPos);
  if (row.sub < 0) return i.ifName;
  return `${i.ifName}.${c.router.sim.subinterfaces[simClasses[row.sub]!]}`;
}
const rowDescr = (c: ReadContext, row: LayoutRow): string => (row.sub < 0 ? c.iface(row.ifPos).ifDescr : longInterfaceName(rowName(c, row)));
const rowAlias = (c: ReadContext, row: LayoutRow): string => {
  const i = c.iface(row.ifPos);
  return row.sub < 0 ? i.ifAlias : `${serviceLabels[simClasses[row.sub]!]} [${i.linkId ?? i.ifName}]`;
};
const rowType = (c: ReadContext, row: LayoutRow): number => (row.sub < 0 ? c.iface(row.ifPos).ifType : IfType.l2vlan);
const rowDir = (c: ReadContext, row: LayoutRow, side: 'in' | 'out'): TrafficDirection => {
  const i = c.iface(row.ifPos);
  return side === 'out' ? i.outDirection : inDirection(i);
};
const rowPackets = (c: ReadContext, row: LayoutRow, side: 'in' | 'out'): bigint => packetsOf(c.rowOctets(row, side), rowDir(c, row, side));
const inErrors = (c: ReadContext, row: LayoutRow): bigint => {
  const i = c.iface(row.ifPos);
  return row.sub < 0 && i.inErrorEveryMs > 0 ? BigInt(Math.max(0, Math.floor((c.atMs - c.router.bootAtMs) / i.inErrorEveryMs))) : 0n;
};
const discontinuityTicks = (c: ReadContext): bigint =>
  c.router.discontinuityAtMs > c.router.bootAtMs ? ticksSince(c.router.bootAtMs, c.router.discontinuityAtMs) : 0n;

type RowReader = (c: ReadContext, row: LayoutRow) => SnmpValue;

/** ifTable (IF-MIB) columns by number. */
const ifColumns: readonly [number, RowReader][] = [
  [1, (_c, row) => integer(row.ifIndex)],
  [2, (c, row) => octets(rowDescr(c, row))],
  [3, (c, row) => integer(rowType(c, row))],
  [4, (c, row) => integer(c.iface(row.ifPos).mtu)],
  [5, (c, row) => gauge32(BigInt(Math.round(c.iface(row.ifPos).speedBps)))], // latched at 2^32-1 by the encoder
  [6, (c, row) => octets(c.iface(row.ifPos).kind === 'loopback' ? Buffer.alloc(0) : macFor(c.router.id, c.iface(row.ifPos).ifName))],
  [7, () => integer(1)], // ifAdminStatus up
  [8, (c, row) => integer(c.operUp(row) ? 1 : 2)], // ifOperStatus
  [9, () => timeTicks(0n)], // ifLastChange: up since boot
  [10, (c, row) => counter32(c.rowOctets(row, 'in') + c.wrapOffset(row, 'in'))], // wraps at 2^32 when encoded
  [11, (c, row) => counter32(rowPackets(c, row, 'in'))],
  [12, (c, row) => counter32(nonUnicast(rowPackets(c, row, 'in')))], // ifInNUcastPkts
  [13, () => counter32(0n)], // ifInDiscards
  [14, (c, row) => counter32(inErrors(c, row))],
  [15, () => counter32(0n)], // ifInUnknownProtos
  [16, (c, row) => counter32(c.rowOctets(row, 'out') + c.wrapOffset(row, 'out'))],
  [17, (c, row) => counter32(rowPackets(c, row, 'out'))],
  [18, (c, row) => counter32(nonUnicast(rowPackets(c, row, 'out')))], // ifOutNUcastPkts
  [19, (c, row) => counter32(packetsOf(c.rowOutDrops(row), rowDir(c, row, 'out')))], // ifOutDiscards: queue drops
  [20, () => counter32(0n)], // ifOutErrors
  [21, () => gauge32(0n)], // ifOutQLen
  [22, () => objectId([0, 0])], // ifSpecific
];

/** ifXTable (IF-MIB) columns by number. */
const ifXColumns: readonly [number, RowReader][] = [
  [1, (c, row) => octets(rowName(c, row))],
  [2, (c, row) => counter32(multicast(rowPackets(c, row, 'in')))],
  [3, (c, row) => counter32(broadcast(rowPackets(c, row, 'in')))],
  [4, (c, row) => counter32(multicast(rowPackets(c, row, 'out')))],
  [5, (c, row) => counter32(broadcast(rowPackets(c, row, 'out')))],
  [6, (c, row) => counter64(c.rowOctets(row, 'in'))],
  [7, (c, row) => counter64(rowPackets(c, row, 'in'))],
  [8, (c, row) => counter64(multicast(rowPackets(c, row, 'in')))],
  [9, (c, row) => counter64(broadcast(rowPackets(c, row, 'in')))],
  [10, (c, row) => counter64(c.rowOctets(row, 'out'))],
  [11, (c, row) => counter64(rowPackets(c, row, 'out'))],
  [12, (c, row) => counter64(multicast(rowPackets(c, row, 'out')))],
  [13, (c, row) => counter64(broadcast(rowPackets(c, row, 'out')))],
  [14, () => integer(1)], // ifLinkUpDownTrapEnable enabled
  [15, (c, row) => gauge32(BigInt(Math.round(c.iface(row.ifPos).speedBps / 1e6)))], // ifHighSpeed, Mbps
  [16, () => integer(2)], // ifPromiscuousMode false
  [17, (c, row) => integer(row.sub < 0 && c.iface(row.ifPos).ifType !== IfType.softwareLoopback ? 1 : 2)], // ifConnectorPresent
  [18, (c, row) => octets(rowAlias(c, row))],
  [19, (c) => timeTicks(discontinuityTicks(c))], // ifCounterDiscontinuityTime
];

/** A policy's stats: its model direction's per-class counters. */
const policyDir = (c: ReadContext, p: LayoutPolicy): TrafficDirection => {
  const i = c.iface(p.ifPos);
  return p.direction === 'output' ? i.outDirection : inDirection(i);
};
const stats = (c: ReadContext, p: LayoutPolicy, cls: number): ClassCounters => c.classCounters(p.ifPos, policyDir(c, p))[cls]!;

type StatsReader = (c: ReadContext, p: LayoutPolicy, cls: number) => SnmpValue;
const statsPackets = (c: ReadContext, p: LayoutPolicy, octetCount: bigint): bigint => packetsOf(octetCount, policyDir(c, p));
const rates = (c: ReadContext, p: LayoutPolicy, cls: number): ClassCounters => c.classBitRates(p.ifPos, policyDir(c, p))[cls]!;
/** The window of the BitRate columns. */
export const bitRateWindowMs = 30_000;
/** cbQosCMStatsTable columns: 64-bit counters and their 32-bit overflow/low pairs (old IOS). */
const statsColumns: readonly [number, StatsReader][] = [
  [1, (c, p, k) => counter32(high32(statsPackets(c, p, stats(c, p, k).pre)))], // PrePolicyPktOverflow
  [2, (c, p, k) => counter32(statsPackets(c, p, stats(c, p, k).pre))], // PrePolicyPkt
  [3, (c, p, k) => counter64(statsPackets(c, p, stats(c, p, k).pre))], // PrePolicyPkt64
  [4, (c, p, k) => counter32(high32(stats(c, p, k).pre))], // PrePolicyByteOverflow
  [5, (c, p, k) => counter32(stats(c, p, k).pre)], // PrePolicyByte
  [6, (c, p, k) => counter64(stats(c, p, k).pre)], // PrePolicyByte64
  [8, (c, p, k) => counter32(high32(stats(c, p, k).post))], // PostPolicyByteOverflow
  [9, (c, p, k) => counter32(stats(c, p, k).post)], // PostPolicyByte
  [10, (c, p, k) => counter64(stats(c, p, k).post)], // PostPolicyByte64
  [12, (c, p, k) => counter32(high32(statsPackets(c, p, stats(c, p, k).drop)))], // DropPktOverflow
  [13, (c, p, k) => counter32(statsPackets(c, p, stats(c, p, k).drop))], // DropPkt
  [14, (c, p, k) => counter64(statsPackets(c, p, stats(c, p, k).drop))], // DropPkt64
  [15, (c, p, k) => counter32(high32(stats(c, p, k).drop))], // DropByteOverflow
  [16, (c, p, k) => counter32(stats(c, p, k).drop)], // DropByte
  [17, (c, p, k) => counter64(stats(c, p, k).drop)], // DropByte64
  [7, (c, p, k) => gauge32(rates(c, p, k).pre)], // PrePolicyBitRate
  [11, (c, p, k) => gauge32(rates(c, p, k).post)], // PostPolicyBitRate
  [18, (c, p, k) => gauge32(rates(c, p, k).drop)], // DropBitRate
  // No-buffer drops and fragments: none in this model.
  ...[19, 20, 22, 23, 25, 26].map((column): [number, StatsReader] => [column, () => counter32(0n)]),
  ...[21, 24, 27].map((column): [number, StatsReader] => [column, () => counter64(0n)]),
  [28, (c, p, k) => counter64(rates(c, p, k).pre)], // PrePolicyBitRate64
  [29, (c, p, k) => counter64(rates(c, p, k).post)], // PostPolicyBitRate64
  [30, (c, p, k) => counter64(rates(c, p, k).drop)], // DropBitRate64
];

/** The input policy's name beside the configured (output) one: WAN-OUT → WAN-IN. */
export function inputPolicyName(outputName: string): string {
  return /OUT$/i.test(outputName) ? outputName.replace(/OUT$/i, (m) => (m === 'OUT' ? 'IN' : 'in')) : `${outputName}-IN`;
}

/** What decides a router's OIDs. Routers with equal keys share one layout. */
export interface LayoutShape {
  key: string;
  rows: LayoutRow[];
  policies: LayoutPolicy[];
  /** configIndex → which config: a policy-map (by direction), a class-map (by class), a queue (policy, class). */
  policyMapConfigs: { configIndex: number; direction: 'input' | 'output' }[];
  classMapConfigs: { configIndex: number; cls: number }[];
  queueConfigs: { configIndex: number; ifPos: number; cls: number }[];
}

/** The shape of a router's interfaces, independent of its numbering. */
function interfaceShape(router: SimRouter): string {
  return router.interfaces
    .map((i) => {
      if (i.kind !== 'link') return i.kind[0]!;
      // 'subinterfaces' and 'none' both carry each service on its own sub-interface; only
      // the queue model differs (no QoS policy: every class loses in proportion).
      if (router.qos === 'cbqos') return `q${simClasses.map((c) => (i.queues?.[c] ? 1 : 0)).join('')}`;
      return 's';
    })
    .join(',');
}

/** Unique seeded integers in [min, min + span). */
function uniqueNumbers(seed: number, key: string, label: string, min: number, span: number): (k: number) => number {
  const taken = new Set<number>();
  let draw = 0;
  return () => {
    for (;;) {
      const value = min + (hash32(seed, key, label, draw++) % span);
      if (!taken.has(value)) {
        taken.add(value);
        return value;
      }
    }
  };
}

/**
 * A router's numbering in a variant: variant 0 keeps the configured order (management port 1,
 * links by name, loopback, then sub-interfaces); a higher variant shuffles the non-management
 * interfaces as a reload would, and draws new CBQoS indexes. Depends only on the shape.
 */
export function layoutShape(router: SimRouter, seed: number): LayoutShape {
  const shape = interfaceShape(router);
  const variant = router.variant;
  const n = router.interfaces.length;
  const order = [...Array(n).keys()];
  if (variant > 0) {
    const first = router.interfaces[0]?.kind === 'management' ? 1 : 0;
    const movable = order.slice(first);
    for (let k = movable.length - 1; k > 0; k--) {
      const j = hash32(seed, shape, 'renumber', variant, k) % (k + 1);
      [movable[k], movable[j]] = [movable[j]!, movable[k]!];
    }
    if (movable.length > 1 && movable.every((pos, k) => pos === first + k)) movable.push(movable.shift()!);
    order.splice(first, movable.length, ...movable);
  }
  const rows: LayoutRow[] = order.map((ifPos, k) => ({ ifPos, sub: -1, ifIndex: k + 1 }));
  if (router.qos !== 'cbqos') {
    for (const ifPos of order) {
      if (router.interfaces[ifPos]!.kind !== 'link') continue;
      for (let cls = 0; cls < simClasses.length; cls++) rows.push({ ifPos, sub: cls, ifIndex: rows.length + 1 });
    }
  }
  const policies: LayoutPolicy[] = [];
  const policyMapConfigs: LayoutShape['policyMapConfigs'] = [];
  const classMapConfigs: LayoutShape['classMapConfigs'] = [];
  const queueConfigs: LayoutShape['queueConfigs'] = [];
  const hasPolicies = router.qos === 'cbqos' && router.interfaces.some((i) => i.kind === 'link');
  if (hasPolicies) {
    const key = `${shape}/${variant}`;
    const policyIndex = uniqueNumbers(seed, key, 'policy', 16, 1_048_576);
    const objectsIndex = uniqueNumbers(seed, key, 'object', 1_048_576, 1_073_741_824);
    const configIndex = uniqueNumbers(seed, key, 'config', 1_024, 1_047_552);
    for (const direction of ['output', 'input'] as const) policyMapConfigs.push({ configIndex: configIndex(0), direction });
    for (let cls = 0; cls < simClasses.length; cls++) classMapConfigs.push({ configIndex: configIndex(0), cls });
    for (const ifPos of order) {
      const iface = router.interfaces[ifPos]!;
      if (iface.kind !== 'link') continue;
      for (const direction of ['output', 'input'] as const) {
        const classes: LayoutClassObject[] = simClasses.map((c, cls) => {
          const object: LayoutClassObject = { cls, objectsIndex: objectsIndex(0), configIndex: classMapConfigs[cls]!.configIndex };
          if (iface.queues?.[c]) {
            const queue = { objectsIndex: objectsIndex(0), configIndex: configIndex(0) };
            queueConfigs.push({ configIndex: queue.configIndex, ifPos, cls });
            object.queue = queue;
          }
          return object;
        });
        policies.push({
          ifPos,
          direction,
          policyIndex: policyIndex(0),
          policyConfigIndex: policyMapConfigs.find((p) => p.direction === direction)!.configIndex,
          classes,
        });
      }
    }
  }
  return { key: `${seed}|${shape}|${variant}`, rows, policies, policyMapConfigs, classMapConfigs, queueConfigs };
}

export class MibLayout {
  readonly entries: readonly LayoutEntry[];
  /** OIDs of the objects (scalars without .0, columns): a GET under one is noSuchInstance. */
  readonly objects: readonly Oid[];
  readonly shape: LayoutShape;

  constructor(shape: LayoutShape) {
    this.shape = shape;
    const entries: LayoutEntry[] = [];
    const objects: Oid[] = [];
    const add = (oid: Oid, read: Reader): void => {
      entries.push({ oid, oidTlv: encodeOid(oid), read });
    };
    for (const [oid, read] of scalars) {
      add(oid, read);
      objects.push(oid.slice(0, -1));
    }
    add(oids.ifNumber, () => integer(shape.rows.length));
    objects.push(oids.ifNumber.slice(0, -1));
    for (const [entryOid, columns] of [
      [oids.ifEntry, ifColumns],
      [oids.ifXEntry, ifXColumns],
    ] as const) {
      for (const [column, read] of columns) {
        objects.push([...entryOid, column]);
        for (const row of shape.rows) add([...entryOid, column, row.ifIndex], (c) => read(c, row));
      }
    }
    if (shape.policies.length > 0) this.addCbQos(shape, add, objects);
    entries.sort((a, b) => compareOids(a.oid, b.oid));
    for (let k = 1; k < entries.length; k++) {
      if (compareOids(entries[k - 1]!.oid, entries[k]!.oid) >= 0) throw new Error(`duplicate OID ${entries[k]!.oid.join('.')}`);
    }
    this.entries = entries;
    this.objects = objects;
  }

  private addCbQos(shape: LayoutShape, add: (oid: Oid, read: Reader) => void, objects: Oid[]): void {
    const sp = oids.cbQosServicePolicyEntry;
    const ob = oids.cbQosObjectsEntry;
    const st = oids.cbQosCMStatsEntry;
    for (const column of [2, 3, 4, 11]) objects.push([...sp, column]);
    for (const column of [2, 3, 4]) objects.push([...ob, column]);
    for (const [column] of statsColumns) objects.push([...st, column]);
    for (const column of [1, 2]) objects.push([...oids.cbQosPolicyMapCfgEntry, column]);
    for (const column of [1, 2, 3]) objects.push([...oids.cbQosCMCfgEntry, column]);
    for (const column of [1, 2, 3, 4]) objects.push([...oids.cbQosQueueingCfgEntry, column]);
    for (const p of shape.policies) {
      const rowOf = (c: ReadContext): LayoutRow => ({ ifPos: p.ifPos, sub: -1, ifIndex: c.iface(p.ifPos).ifIndex });
      add([...sp, 2, p.policyIndex], () => integer(1)); // cbQosIfType mainInterface
      add([...sp, 3, p.policyIndex], () => integer(PolicyDirection[p.direction]));
      add([...sp, 4, p.policyIndex], (c) => integer(rowOf(c).ifIndex));
      add([...sp, 11, p.policyIndex], (c) => timeTicks(discontinuityTicks(c))); // cbQosPolicyDiscontinuityTime
      // The policy-map object: its objectsIndex is the policyIndex, as on IOS.
      add([...ob, 2, p.policyIndex, p.policyIndex], () => unsigned32(p.policyConfigIndex));
      add([...ob, 3, p.policyIndex, p.policyIndex], () => integer(QosObjectType.policymap));
      add([...ob, 4, p.policyIndex, p.policyIndex], () => unsigned32(0));
      for (const o of p.classes) {
        add([...ob, 2, p.policyIndex, o.objectsIndex], () => unsigned32(o.configIndex));
        add([...ob, 3, p.policyIndex, o.objectsIndex], () => integer(QosObjectType.classmap));
        add([...ob, 4, p.policyIndex, o.objectsIndex], () => unsigned32(p.policyIndex));
        if (o.queue) {
          const q = o.queue;
          add([...ob, 2, p.policyIndex, q.objectsIndex], () => unsigned32(q.configIndex));
          add([...ob, 3, p.policyIndex, q.objectsIndex], () => integer(QosObjectType.queueing));
          add([...ob, 4, p.policyIndex, q.objectsIndex], () => unsigned32(o.objectsIndex));
        }
        for (const [column, read] of statsColumns) add([...st, column, p.policyIndex, o.objectsIndex], (c) => read(c, p, o.cls));
      }
    }
    for (const pm of shape.policyMapConfigs) {
      const name = (c: ReadContext): string => (pm.direction === 'output' ? c.router.sim.policyName : inputPolicyName(c.router.sim.policyName));
      add([...oids.cbQosPolicyMapCfgEntry, 1, pm.configIndex], (c) => octets(name(c)));
      add([...oids.cbQosPolicyMapCfgEntry, 2, pm.configIndex], () => octets(''));
    }
    for (const cm of shape.classMapConfigs) {
      const cls = simClasses[cm.cls]!;
      add([...oids.cbQosCMCfgEntry, 1, cm.configIndex], (c) => octets(c.router.sim.classMaps[cls]));
      add([...oids.cbQosCMCfgEntry, 2, cm.configIndex], () => octets(''));
      add([...oids.cbQosCMCfgEntry, 3, cm.configIndex], () => integer(3)); // matchAny
    }
    for (const qc of shape.queueConfigs) {
      const cls = simClasses[qc.cls]!;
      // A queue without a reservation (fair-queue) reports 0 kbps.
      const bandwidth = (c: ReadContext): { value: number; unit: 'kbps' | 'percent' } =>
        c.iface(qc.ifPos).queues?.[cls]?.bandwidth ?? { value: 0, unit: 'kbps' };
      add([...oids.cbQosQueueingCfgEntry, 1, qc.configIndex], (c) => integer(Math.round(bandwidth(c).value)));
      add([...oids.cbQosQueueingCfgEntry, 2, qc.configIndex], (c) => integer(bandwidth(c).unit === 'kbps' ? 1 : 2));
      add([...oids.cbQosQueueingCfgEntry, 3, qc.configIndex], () => integer(2)); // FlowEnabled false
      add([...oids.cbQosQueueingCfgEntry, 4, qc.configIndex], () => integer(2)); // PriorityEnabled false
    }
  }

  /** Index of the first entry whose OID is > oid (or ≥ oid when `inclusive`). */
  lowerBound(oid: Oid, inclusive: boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareOids(this.entries[mid]!.oid, oid);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * What one read instant of one router computed (engine reads, per-class counters, bit rates).
 * Requests are answered one at a time, so one scratch shared by every router of a cache keeps
 * per-router memory free of it.
 */
export interface ReadScratch {
  owner: object | undefined;
  atMs: number;
  memo: Map<string, readonly ClassCounters[]>;
  ctx: ReadContext | undefined;
}

/** Shares layouts between routers of the same shape. Owned by one Simulator. */
export class MibLayoutCache {
  private readonly layouts = new Map<string, MibLayout>();
  /** See ReadScratch. */
  readonly scratch: ReadScratch = { owner: undefined, atMs: Number.NaN, memo: new Map(), ctx: undefined };

  constructor(private readonly seed = 0) {}

  forRouter(router: SimRouter): MibLayout {
    const shape = layoutShape(router, this.seed);
    let layout = this.layouts.get(shape.key);
    if (!layout) {
      layout = new MibLayout(shape);
      this.layouts.set(shape.key, layout);
    }
    return layout;
  }

  get size(): number {
    return this.layouts.size;
  }
}

export interface RouterMibOptions {
  router: SimRouter;
  engine: OctetSource;
  layouts: MibLayoutCache;
  /** Whether a link is up (scenario link-down events); default always. */
  linkUp?: (linkId: string, atMs: number) => boolean;
}

const directions: readonly TrafficDirection[] = ['down', 'up'];
const rowKey = (row: LayoutRow, side: 'in' | 'out'): string => `${row.ifPos}.${row.sub}/${side}`;

/** A router's MIB: its layout bound to its state, and the router-level events. */
export class RouterMib implements MibTree, RouterControl {
  readonly router: SimRouter;
  private layout: MibLayout;
  private readonly engine: OctetSource;
  private readonly layouts: MibLayoutCache;
  private readonly linkUp: (linkId: string, atMs: number) => boolean;

  constructor(opts: RouterMibOptions) {
    this.router = opts.router;
    this.engine = opts.engine;
    this.layouts = opts.layouts;
    this.linkUp = opts.linkUp ?? (() => true);
    this.layout = opts.layouts.forRouter(opts.router);
  }

  get currentLayout(): MibLayout {
    return this.layout;
  }

  /** The ifIndex that names `ifName` now (sub-interfaces included). */
  ifIndexOf(ifName: string): number | undefined {
    const ctx = this.context(this.router.bootAtMs);
    return this.layout.shape.rows.find((row) => rowName(ctx, row) === ifName)?.ifIndex;
  }

  responding(): boolean {
    return this.router.responding;
  }

  /** Boots since the simulation started (the agent adds it to snmpEngineBoots). */
  bootCount(): number {
    return this.router.reboots;
  }

  reboot(atMs: number): void {
    const baselines = new Map<string, DirectionOctets>();
    for (const iface of this.router.interfaces) {
      if (iface.kind !== 'link' || iface.linkId === undefined) continue;
      for (const dir of directions) baselines.set(`${iface.linkId}/${dir}`, this.engine.read(iface.linkId, dir, atMs));
    }
    this.router.baselines = baselines;
    this.router.bootAtMs = atMs;
    this.router.discontinuityAtMs = atMs;
    this.router.wrapOffsets = undefined;
    this.router.reboots++;
    this.forget();
  }

  renumber(atMs: number): void {
    this.reboot(atMs);
    this.router.variant++;
    this.layout = this.layouts.forRouter(this.router);
    for (const row of this.layout.shape.rows) if (row.sub < 0) this.router.interfaces[row.ifPos]!.ifIndex = row.ifIndex;
  }

  setCounter32NearWrap(atMs: number): void {
    const ctx = this.context(atMs);
    const offsets = new Map<string, bigint>();
    for (const row of this.layout.shape.rows) {
      for (const side of ['in', 'out'] as const) {
        // Place the 32-bit counter ~20 s of traffic (at the mean rate since boot or start) below 2^32.
        const octetCount = ctx.rowOctets(row, side);
        const recent = this.recentOctets(ctx, row, side);
        const margin = BigInt(Math.max(1, Math.floor((Number(recent.octets) / Math.max(recent.overMs, 1)) * 20_000)));
        const low = octetCount % 2n ** 32n;
        offsets.set(rowKey(row, side), (2n ** 33n - margin - low) % 2n ** 32n);
      }
    }
    this.router.wrapOffsets = offsets;
    this.router.discontinuityAtMs = atMs;
    this.forget();
  }

  setResponding(on: boolean): void {
    this.router.responding = on;
  }

  get(oid: Oid, atMs: number): SnmpValue | 'noSuchObject' | 'noSuchInstance' {
    const k = this.layout.lowerBound(oid, true);
    const entry = this.layout.entries[k];
    if (entry && compareOids(entry.oid, oid) === 0) return entry.read(this.context(atMs));
    return this.layout.objects.some((object) => startsWith(oid, object)) ? 'noSuchInstance' : 'noSuchObject';
  }

  next(oid: Oid, atMs: number): { oid: Oid; oidTlv: Buffer; value: SnmpValue } | undefined {
    const entry = this.layout.entries[this.layout.lowerBound(oid, false)];
    return entry ? { oid: entry.oid, oidTlv: entry.oidTlv, value: entry.read(this.context(atMs)) } : undefined;
  }

  private forget(): void {
    if (this.layouts.scratch.owner === this) this.layouts.scratch.owner = undefined;
  }

  /** The shared scratch, reset unless it holds this router's values at `atMs`. */
  private scratchAt(atMs: number): ReadScratch {
    const scratch = this.layouts.scratch;
    if (scratch.owner !== this || scratch.atMs !== atMs) {
      scratch.owner = this;
      scratch.atMs = atMs;
      scratch.memo.clear();
      scratch.ctx = undefined;
    }
    return scratch;
  }

  /** Octets a row counted recently (since boot, or since the simulation start for engine links), and over how long. */
  private recentOctets(ctx: ReadContext, row: LayoutRow, side: 'in' | 'out'): { octets: bigint; overMs: number } {
    const iface = this.router.interfaces[row.ifPos]!;
    const atMs = ctx.atMs;
    if (iface.kind !== 'link' || iface.linkId === undefined) return { octets: ctx.rowOctets(row, side), overMs: atMs - this.router.bootAtMs };
    const dir = side === 'out' ? iface.outDirection : inDirection(iface);
    const now = this.engine.read(iface.linkId, dir, atMs);
    const base = this.router.baselines?.get(`${iface.linkId}/${dir}`);
    const pick = (d: DirectionOctets): bigint => (row.sub < 0 ? d.totalOctets : d.classes[simClasses[row.sub]!].postOctets);
    return { octets: pick(now) - (base ? pick(base) : 0n), overMs: atMs - Math.max(this.router.bootAtMs, this.router.engineStartMs) };
  }

  private classCounters(ifPos: number, dir: TrafficDirection, atMs: number): readonly ClassCounters[] {
    const iface = this.router.interfaces[ifPos]!;
    if (iface.kind !== 'link' || iface.linkId === undefined) return noClassCounters;
    const { memo } = this.scratchAt(atMs);
    const key = `${ifPos}/${dir}`;
    let counters = memo.get(key);
    if (!counters) {
      counters = linkClassCounters(this.router, iface, dir, this.engine.read(iface.linkId, dir, atMs));
      memo.set(key, counters);
    }
    return counters;
  }

  private classBitRates(ifPos: number, dir: TrafficDirection, atMs: number): readonly ClassCounters[] {
    const iface = this.router.interfaces[ifPos]!;
    if (iface.kind !== 'link' || iface.linkId === undefined) return noClassCounters;
    const key = `${ifPos}/${dir}/rate`;
    const { memo } = this.scratchAt(atMs);
    let bitRates = memo.get(key);
    if (!bitRates) {
      const fromMs = Math.max(atMs - bitRateWindowMs, this.router.bootAtMs, this.router.engineStartMs);
      const now = this.engine.read(iface.linkId, dir, atMs);
      const then = this.engine.read(iface.linkId, dir, fromMs);
      const bps = (a: bigint, b: bigint): bigint => (atMs > fromMs ? ((a - b) * 8_000n) / BigInt(Math.round(atMs - fromMs)) : 0n);
      bitRates = simClasses.map((cls) => {
        const x = now.classes[cls];
        const y = then.classes[cls];
        return { pre: bps(x.preOctets, y.preOctets), post: bps(x.postOctets, y.postOctets), drop: bps(x.dropOctets, y.dropOctets) };
      });
      memo.set(key, bitRates);
    }
    return bitRates;
  }

  private context(atMs: number): ReadContext {
    const scratch = this.scratchAt(atMs);
    scratch.ctx ??= this.newContext(atMs);
    return scratch.ctx;
  }

  private newContext(atMs: number): ReadContext {
    const router = this.router;
    const iface = (ifPos: number): SimInterface => router.interfaces[ifPos]!;
    const classCounters = (ifPos: number, dir: TrafficDirection): readonly ClassCounters[] => this.classCounters(ifPos, dir, atMs);
    const classBitRates = (ifPos: number, dir: TrafficDirection): readonly ClassCounters[] => this.classBitRates(ifPos, dir, atMs);
    const dirOf = (row: LayoutRow, side: 'in' | 'out'): TrafficDirection => {
      const i = iface(row.ifPos);
      return side === 'out' ? i.outDirection : inDirection(i);
    };
    return {
      router,
      atMs,
      iface,
      classCounters,
      classBitRates,
      rowOctets: (row, side) => {
        const i = iface(row.ifPos);
        if (i.kind === 'management') return steadyOctets(router, i, dirOf(row, side), atMs);
        if (i.kind !== 'link') return 0n;
        const counters = classCounters(row.ifPos, dirOf(row, side));
        if (row.sub >= 0) return counters[row.sub]!.post;
        let sum = 0n;
        for (const c of counters) sum += c.post;
        return sum;
      },
      rowOutDrops: (row) => {
        if (iface(row.ifPos).kind !== 'link') return 0n;
        const counters = classCounters(row.ifPos, dirOf(row, 'out'));
        if (row.sub >= 0) return counters[row.sub]!.drop;
        let sum = 0n;
        for (const c of counters) sum += c.drop;
        return sum;
      },
      operUp: (row) => {
        const i = iface(row.ifPos);
        return i.linkId === undefined || this.linkUp(i.linkId, atMs);
      },
      wrapOffset: (row, side) => router.wrapOffsets?.get(rowKey(row, side)) ?? 0n,
    };
  }
}
