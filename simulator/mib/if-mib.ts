// The interface side of a simulated router's MIB: the SNMPv2-MIB system group, IF-MIB ifNumber,
// ifTable and ifXTable, one row per layout row (a main interface or a per-service
// sub-interface). Readers compute every value from the router's state when read.
import type { Direction } from '../../api/schemas.ts';
import type { LayoutShape } from './layout.ts';
import type { Oid } from './oid.ts';
import {
  sideDirection,
  uptimeTicks,
  type AddInstance,
  type LayoutRow,
  type ReadContext,
} from './read-context.ts';
import { simClasses } from '../sim-config.ts';
import { IfType, longInterfaceName, macFor, packetsOf, serviceLabels } from './router-model.ts';
import { counter32, counter64, gauge32, integer, objectId, octets, timeTicks, type SnmpValue } from './value.ts';

const ifMibOids = {
  sysUpTime: [1, 3, 6, 1, 2, 1, 1, 3, 0],
  ifNumber: [1, 3, 6, 1, 2, 1, 2, 1, 0],
  ifEntry: [1, 3, 6, 1, 2, 1, 2, 2, 1],
  ifXEntry: [1, 3, 6, 1, 2, 1, 31, 1, 1, 1],
} as const;

/** Routing protocols and ARP: a small, steady share of the packets. */
const multicast = (packetCount: bigint): bigint => packetCount / 2_000n;
const broadcast = (packetCount: bigint): bigint => packetCount / 20_000n;
const nonUnicast = (packetCount: bigint): bigint => multicast(packetCount) + broadcast(packetCount);
const contact = octets('noc@lanewatch.invalid');

const scalars: readonly [Oid, (ctx: ReadContext) => SnmpValue][] = [
  [[1, 3, 6, 1, 2, 1, 1, 1, 0], (c) => octets(c.router.sysDescr)],
  [[1, 3, 6, 1, 2, 1, 1, 2, 0], (c) => objectId(c.router.sysObjectId)],
  [ifMibOids.sysUpTime, (c) => timeTicks(uptimeTicks(c.router, c.atMs))],
  [[1, 3, 6, 1, 2, 1, 1, 4, 0], () => contact],
  [[1, 3, 6, 1, 2, 1, 1, 5, 0], (c) => octets(c.router.sysName)],
  [[1, 3, 6, 1, 2, 1, 1, 6, 0], (c) => octets(c.router.sysLocation)],
  [[1, 3, 6, 1, 2, 1, 1, 7, 0], () => integer(6)],
  [[1, 3, 6, 1, 2, 1, 31, 1, 5, 0], () => timeTicks(0n)], // ifTableLastChange
  [[1, 3, 6, 1, 2, 1, 31, 1, 6, 0], () => timeTicks(0n)], // ifStackLastChange
];

/** A row's ifName: a sub-interface is its link's ifName and the class's suffix. */
export function rowName(c: Pick<ReadContext, 'router' | 'iface'>, row: LayoutRow): string {
  const i = c.iface(row.ifPos);
  if (row.sub < 0) return i.ifName;
  const names = (i.subinterfaceNames ??= simClasses.map((cls) => `${i.ifName}.${c.router.sim.subinterfaces[cls]}`));
  return names[row.sub]!;
}
const rowDescr = (c: ReadContext, row: LayoutRow): string => (row.sub < 0 ? c.iface(row.ifPos).ifDescr : longInterfaceName(rowName(c, row)));
const rowAlias = (c: ReadContext, row: LayoutRow): string => {
  const i = c.iface(row.ifPos);
  return row.sub < 0 ? i.ifAlias : `${serviceLabels[simClasses[row.sub]!]} [${i.linkId ?? i.ifName}]`;
};
const rowType = (c: ReadContext, row: LayoutRow): number => (row.sub < 0 ? c.iface(row.ifPos).ifType : IfType.l2vlan);
const rowDir = (c: ReadContext, row: LayoutRow, side: 'in' | 'out'): Direction => sideDirection(c.iface(row.ifPos), side);
const rowPackets = (c: ReadContext, row: LayoutRow, side: 'in' | 'out'): bigint => packetsOf(c.rowOctets(row, side), rowDir(c, row, side));
const inErrors = (c: ReadContext, row: LayoutRow): bigint => {
  const i = c.iface(row.ifPos);
  return row.sub < 0 && i.inErrorEveryMs > 0 ? BigInt(Math.max(0, Math.floor((c.atMs - c.router.bootAtMs) / i.inErrorEveryMs))) : 0n;
};

type RowReader = (c: ReadContext, row: LayoutRow) => SnmpValue;

/** ifName and ifHighSpeed of a row: they change only with the configuration, so each is built once per interface. */
function nameValue(c: ReadContext, row: LayoutRow): SnmpValue {
  const i = c.iface(row.ifPos);
  const values = (i.nameValues ??= []);
  return (values[row.sub + 1] ??= octets(rowName(c, row)));
}
function highSpeedValue(c: ReadContext, row: LayoutRow): SnmpValue {
  const i = c.iface(row.ifPos);
  return (i.highSpeedValue ??= gauge32(BigInt(Math.round(i.speedBps / 1e6))));
}
const zero32 = counter32(0n);

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
  [13, () => zero32], // ifInDiscards
  [14, (c, row) => counter32(inErrors(c, row))],
  [15, () => zero32], // ifInUnknownProtos
  [16, (c, row) => counter32(c.rowOctets(row, 'out') + c.wrapOffset(row, 'out'))],
  [17, (c, row) => counter32(rowPackets(c, row, 'out'))],
  [18, (c, row) => counter32(nonUnicast(rowPackets(c, row, 'out')))], // ifOutNUcastPkts
  [19, (c, row) => counter32(packetsOf(c.rowOutDrops(row), rowDir(c, row, 'out')))], // ifOutDiscards: queue drops
  [20, () => zero32], // ifOutErrors
  [21, () => gauge32(0n)], // ifOutQLen
  [22, () => objectId([0, 0])], // ifSpecific
];

/** ifXTable (IF-MIB) columns by number. */
const ifXColumns: readonly [number, RowReader][] = [
  [1, nameValue],
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
  [15, highSpeedValue], // ifHighSpeed, Mbps
  [16, () => integer(2)], // ifPromiscuousMode false
  [17, (c, row) => integer(row.sub < 0 && c.iface(row.ifPos).ifType !== IfType.softwareLoopback ? 1 : 2)], // ifConnectorPresent
  [18, (c, row) => octets(rowAlias(c, row))],
  [19, (c) => c.discontinuity()], // ifCounterDiscontinuityTime
];

/**
 * Adds the system group, ifNumber and every ifTable/ifXTable instance of a layout's rows;
 * `objects` gets the scalars' and columns' object OIDs (a GET under one is noSuchInstance).
 */
export function addIfMib(shape: LayoutShape, add: AddInstance, objects: Oid[]): void {
  for (const [oid, read] of scalars) {
    add(oid, read, 0);
    objects.push(oid.slice(0, -1));
  }
  const ifCount = integer(shape.rows.length);
  add(ifMibOids.ifNumber, () => ifCount, 0);
  objects.push(ifMibOids.ifNumber.slice(0, -1));
  const rows = shape.rows;
  for (const [entryOid, columns] of [
    [ifMibOids.ifEntry, ifColumns],
    [ifMibOids.ifXEntry, ifXColumns],
  ] as const) {
    for (const [column, read] of columns) {
      objects.push([...entryOid, column]);
      // One reader per column; the argument is the row's index in the layout.
      const readRow = (c: ReadContext, k: number): SnmpValue => read(c, rows[k]!);
      rows.forEach((row, k) => add([...entryOid, column, row.ifIndex], readRow, k));
    }
  }
}
