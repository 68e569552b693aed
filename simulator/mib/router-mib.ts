// The OID tree of a router: SNMPv2-MIB system group, IF-MIB ifNumber, ifTable and ifXTable.
// A MibLayout (sorted OIDs, pre-encoded, with readers) depends only on the router's ifIndex
// list, so routers with the same interfaces share one layout: per-router memory stays small
// when one process serves thousands of routers. Values are computed when read.
import { encodeOid } from '../agent/ber.ts';
import type { MibTree } from '../agent/router-agent.ts';
import { counterOctets, type TrafficDirection } from '../traffic/model.ts';
import { compareOids, startsWith, type Oid } from './oid.ts';
import { counter32, counter64, gauge32, integer, objectId, octets, timeTicks, type SnmpValue } from './value.ts';
import type { SimInterface, SimRouter } from './router-model.ts';

type Reader = (router: SimRouter, iface: SimInterface, atMs: number) => SnmpValue;

interface LayoutEntry {
  oid: Oid;
  oidTlv: Buffer;
  /** Position in router.interfaces; -1 for a scalar. */
  ifPos: number;
  read: Reader;
}

export const oids = {
  system: [1, 3, 6, 1, 2, 1, 1],
  sysUpTime: [1, 3, 6, 1, 2, 1, 1, 3, 0],
  ifNumber: [1, 3, 6, 1, 2, 1, 2, 1, 0],
  ifEntry: [1, 3, 6, 1, 2, 1, 2, 2, 1],
  ifXEntry: [1, 3, 6, 1, 2, 1, 31, 1, 1, 1],
} as const;

const ticksSince = (fromMs: number, atMs: number): bigint => BigInt(Math.max(0, Math.floor((atMs - fromMs) / 10)));
const uptimeTicks = (r: SimRouter, atMs: number): bigint => ticksSince(r.bootAtMs, atMs);
const inDirection = (i: SimInterface): TrafficDirection => (i.outDirection === 'down' ? 'up' : 'down');
const octetsOf = (r: SimRouter, i: SimInterface, dir: TrafficDirection, atMs: number): bigint =>
  i.traffic ? counterOctets(i.traffic, dir, r.bootAtMs, atMs) : 0n;
const inOctets = (r: SimRouter, i: SimInterface, atMs: number): bigint => octetsOf(r, i, inDirection(i), atMs);
const outOctets = (r: SimRouter, i: SimInterface, atMs: number): bigint => octetsOf(r, i, i.outDirection, atMs);
/** Mean packet sizes: toward the sites mostly full-size frames, back mostly small ones. */
const packets = (octetCount: bigint, dir: TrafficDirection): bigint => octetCount / (dir === 'down' ? 900n : 350n);
/** Routing protocols and ARP: a small, steady share of the packets. */
const multicast = (packetCount: bigint): bigint => packetCount / 2_000n;
const broadcast = (packetCount: bigint): bigint => packetCount / 20_000n;
const nonUnicast = (packetCount: bigint): bigint => multicast(packetCount) + broadcast(packetCount);
const inErrors = (r: SimRouter, i: SimInterface, atMs: number): bigint =>
  i.inErrorEveryMs > 0 ? BigInt(Math.max(0, Math.floor((atMs - r.bootAtMs) / i.inErrorEveryMs))) : 0n;

const scalars: readonly [Oid, (r: SimRouter, atMs: number) => SnmpValue][] = [
  [[1, 3, 6, 1, 2, 1, 1, 1, 0], (r) => octets(r.sysDescr)],
  [[1, 3, 6, 1, 2, 1, 1, 2, 0], (r) => objectId(r.sysObjectId)],
  [oids.sysUpTime, (r, atMs) => timeTicks(uptimeTicks(r, atMs))],
  [[1, 3, 6, 1, 2, 1, 1, 4, 0], () => octets('noc@lanewatch.invalid')],
  [[1, 3, 6, 1, 2, 1, 1, 5, 0], (r) => octets(r.sysName)],
  [[1, 3, 6, 1, 2, 1, 1, 6, 0], (r) => octets(r.sysLocation)],
  [[1, 3, 6, 1, 2, 1, 1, 7, 0], () => integer(6)],
  [oids.ifNumber, (r) => integer(r.interfaces.length)],
  [[1, 3, 6, 1, 2, 1, 31, 1, 5, 0], () => timeTicks(0n)], // ifTableLastChange
  [[1, 3, 6, 1, 2, 1, 31, 1, 6, 0], () => timeTicks(0n)], // ifStackLastChange
];

/** ifTable (IF-MIB) columns by number. */
const ifColumns: readonly [number, Reader][] = [
  [1, (_r, i) => integer(i.ifIndex)],
  [2, (_r, i) => octets(i.ifDescr)],
  [3, (_r, i) => integer(i.ifType)],
  [4, (_r, i) => integer(i.mtu)],
  [5, (_r, i) => gauge32(BigInt(Math.round(i.speedBps)))], // latched at 2^32-1 by the encoder
  [6, (_r, i) => octets(i.physAddress)],
  [7, () => integer(1)], // ifAdminStatus up
  [8, () => integer(1)], // ifOperStatus up
  [9, () => timeTicks(0n)], // ifLastChange: up since boot
  [10, (r, i, t) => counter32(inOctets(r, i, t))], // wraps at 2^32 when encoded
  [11, (r, i, t) => counter32(packets(inOctets(r, i, t), inDirection(i)))],
  [12, (r, i, t) => counter32(nonUnicast(packets(inOctets(r, i, t), inDirection(i))))], // ifInNUcastPkts
  [13, () => counter32(0n)], // ifInDiscards
  [14, (r, i, t) => counter32(inErrors(r, i, t))],
  [15, () => counter32(0n)], // ifInUnknownProtos
  [16, (r, i, t) => counter32(outOctets(r, i, t))],
  [17, (r, i, t) => counter32(packets(outOctets(r, i, t), i.outDirection))],
  [18, (r, i, t) => counter32(nonUnicast(packets(outOctets(r, i, t), i.outDirection)))], // ifOutNUcastPkts
  [19, () => counter32(0n)], // ifOutDiscards
  [20, () => counter32(0n)], // ifOutErrors
  [21, () => gauge32(0n)], // ifOutQLen
  [22, () => objectId([0, 0])], // ifSpecific
];

/** ifXTable (IF-MIB) columns by number. */
const ifXColumns: readonly [number, Reader][] = [
  [1, (_r, i) => octets(i.ifName)],
  [6, (r, i, t) => counter64(inOctets(r, i, t))],
  [2, (r, i, t) => counter32(multicast(packets(inOctets(r, i, t), inDirection(i))))],
  [3, (r, i, t) => counter32(broadcast(packets(inOctets(r, i, t), inDirection(i))))],
  [4, (r, i, t) => counter32(multicast(packets(outOctets(r, i, t), i.outDirection)))],
  [5, (r, i, t) => counter32(broadcast(packets(outOctets(r, i, t), i.outDirection)))],
  [7, (r, i, t) => counter64(packets(inOctets(r, i, t), inDirection(i)))],
  [8, (r, i, t) => counter64(multicast(packets(inOctets(r, i, t), inDirection(i))))],
  [9, (r, i, t) => counter64(broadcast(packets(inOctets(r, i, t), inDirection(i))))],
  [10, (r, i, t) => counter64(outOctets(r, i, t))],
  [11, (r, i, t) => counter64(packets(outOctets(r, i, t), i.outDirection))],
  [12, (r, i, t) => counter64(multicast(packets(outOctets(r, i, t), i.outDirection)))],
  [13, (r, i, t) => counter64(broadcast(packets(outOctets(r, i, t), i.outDirection)))],
  [14, () => integer(1)], // ifLinkUpDownTrapEnable enabled
  [15, (_r, i) => gauge32(BigInt(Math.round(i.speedBps / 1e6)))], // ifHighSpeed, Mbps
  [16, () => integer(2)], // ifPromiscuousMode false
  [17, (_r, i) => integer(i.ifType === 24 ? 2 : 1)], // ifConnectorPresent
  [18, (_r, i) => octets(i.ifAlias)],
  [19, () => timeTicks(0n)], // ifCounterDiscontinuityTime: no discontinuity since boot
];

export class MibLayout {
  readonly entries: readonly LayoutEntry[];
  /** OIDs of the objects (scalars without .0, columns): a GET under one is noSuchInstance. */
  readonly objects: readonly Oid[];

  constructor(ifIndexes: readonly number[]) {
    const entries: LayoutEntry[] = [];
    const objects: Oid[] = [];
    for (const [oid, read] of scalars) {
      entries.push({ oid, oidTlv: encodeOid(oid), ifPos: -1, read: (r, _i, atMs) => read(r, atMs) });
      objects.push(oid.slice(0, -1));
    }
    for (const [entryOid, columns] of [
      [oids.ifEntry, ifColumns],
      [oids.ifXEntry, ifXColumns],
    ] as const) {
      for (const [column, read] of columns) {
        objects.push([...entryOid, column]);
        ifIndexes.forEach((ifIndex, ifPos) => {
          const oid = [...entryOid, column, ifIndex];
          entries.push({ oid, oidTlv: encodeOid(oid), ifPos, read });
        });
      }
    }
    entries.sort((a, b) => compareOids(a.oid, b.oid));
    for (let k = 1; k < entries.length; k++) {
      if (compareOids(entries[k - 1]!.oid, entries[k]!.oid) >= 0) throw new Error(`duplicate OID ${entries[k]!.oid.join('.')}`);
    }
    this.entries = entries;
    this.objects = objects;
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

/** Shares layouts between routers with the same ifIndex list. Owned by one Simulator. */
export class MibLayoutCache {
  private readonly layouts = new Map<string, MibLayout>();

  forRouter(router: SimRouter): MibLayout {
    const ifIndexes = router.interfaces.map((i) => i.ifIndex);
    const key = ifIndexes.join(',');
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = new MibLayout(ifIndexes);
      this.layouts.set(key, layout);
    }
    return layout;
  }

  get size(): number {
    return this.layouts.size;
  }
}

/** A router's MIB: its layout bound to its state. */
export class RouterMib implements MibTree {
  constructor(
    private readonly layout: MibLayout,
    private readonly router: SimRouter,
  ) {}

  private read(entry: LayoutEntry, atMs: number): SnmpValue {
    const iface = entry.ifPos >= 0 ? this.router.interfaces[entry.ifPos] : undefined;
    // Scalars ignore the interface argument; a placeholder keeps the reader signature simple.
    return entry.read(this.router, iface ?? (this.router.interfaces[0] as SimInterface), atMs);
  }

  get(oid: Oid, atMs: number): SnmpValue | 'noSuchObject' | 'noSuchInstance' {
    const k = this.layout.lowerBound(oid, true);
    const entry = this.layout.entries[k];
    if (entry && compareOids(entry.oid, oid) === 0) return this.read(entry, atMs);
    return this.layout.objects.some((object) => startsWith(oid, object)) ? 'noSuchInstance' : 'noSuchObject';
  }

  next(oid: Oid, atMs: number): { oid: Oid; oidTlv: Buffer; value: SnmpValue } | undefined {
    const entry = this.layout.entries[this.layout.lowerBound(oid, false)];
    return entry ? { oid: entry.oid, oidTlv: entry.oidTlv, value: this.read(entry, atMs) } : undefined;
  }
}
