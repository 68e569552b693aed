// The class-based QoS side of a simulated router's MIB (CISCO-CLASS-BASED-QOS-MIB): service
// policies per interface and direction, the objects tree (policy-map → class-maps → queueing),
// policy-map, class-map and queueing config, and the class-map statistics (pre-policy,
// post-policy and drop counters, 64-bit with their 32-bit pairs, and the 30-s bit rates).
import type { Direction } from '../../api/schemas.ts';
import type { LayoutClassObject, LayoutPolicy, LayoutShape } from './layout.ts';
import type { Oid } from './oid.ts';
import type { AddInstance, ReadContext, Reader } from './read-context.ts';
import { simClasses } from '../sim-config.ts';
import { packetsOf, type ClassCounters } from './router-model.ts';
import { counter32, counter64, gauge32, integer, octets, type SnmpValue } from './value.ts';

const cbQosOids = {
  cbQos: [1, 3, 6, 1, 4, 1, 9, 9, 166],
  servicePolicyEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 1, 1, 1],
  objectsEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 5, 1, 1],
  policyMapCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 6, 1, 1],
  cmCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 7, 1, 1],
  queueingCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 9, 1, 1],
  cmStatsEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 15, 1, 1],
} as const;

const QosObjectType = { policymap: 1, classmap: 2, queueing: 4 } as const;
const PolicyDirection = { input: 1, output: 2 } as const;

/** The window of the BitRate columns. */
export const bitRateWindowMs = 30_000;

const unsigned32 = (value: number): SnmpValue => gauge32(BigInt(value));
const high32 = (value: bigint): bigint => value >> 32n;

/** A policy's stats: its model direction's per-class counters. */
const policyDir = (c: ReadContext, p: LayoutPolicy): Direction => {
  const i = c.iface(p.ifPos);
  return p.direction === 'output' ? i.outDirection : i.outDirection === 'down' ? 'up' : 'down';
};
const stats = (c: ReadContext, p: LayoutPolicy, cls: number): ClassCounters => c.classCounters(p.ifPos, policyDir(c, p))[cls]!;
const statsPackets = (c: ReadContext, p: LayoutPolicy, octetCount: bigint): bigint => packetsOf(octetCount, policyDir(c, p));
const rates = (c: ReadContext, p: LayoutPolicy, cls: number): ClassCounters => c.classBitRates(p.ifPos, policyDir(c, p))[cls]!;

type StatsReader = (c: ReadContext, p: LayoutPolicy, cls: number) => SnmpValue;
const zero32 = counter32(0n);
const zero64 = counter64(0n);

type CountReader = (c: ReadContext, p: LayoutPolicy, cls: number) => bigint;

/** One count as cbQosCMStatsTable gives it in three columns from `first`: Overflow (its high 32 bits), its low 32 bits, and 64. */
const countColumns = (first: number, read: CountReader): [number, StatsReader][] => [
  [first, (c, p, k) => counter32(high32(read(c, p, k)))],
  [first + 1, (c, p, k) => counter32(read(c, p, k))],
  [first + 2, (c, p, k) => counter64(read(c, p, k))],
];

/** cbQosCMStatsTable columns: 64-bit counters and their 32-bit overflow/low pairs (old IOS). */
const statsColumns: readonly [number, StatsReader][] = [
  ...countColumns(1, (c, p, k) => statsPackets(c, p, stats(c, p, k).pre)), // PrePolicyPkt
  ...countColumns(4, (c, p, k) => stats(c, p, k).pre), // PrePolicyByte
  ...countColumns(8, (c, p, k) => stats(c, p, k).post), // PostPolicyByte
  ...countColumns(12, (c, p, k) => statsPackets(c, p, stats(c, p, k).drop)), // DropPkt
  ...countColumns(15, (c, p, k) => stats(c, p, k).drop), // DropByte
  [7, (c, p, k) => gauge32(rates(c, p, k).pre)], // PrePolicyBitRate
  [11, (c, p, k) => gauge32(rates(c, p, k).post)], // PostPolicyBitRate
  [18, (c, p, k) => gauge32(rates(c, p, k).drop)], // DropBitRate
  // No-buffer drops and fragments: none in this model.
  ...[19, 20, 22, 23, 25, 26].map((column): [number, StatsReader] => [column, () => zero32]),
  ...[21, 24, 27].map((column): [number, StatsReader] => [column, () => zero64]),
  [28, (c, p, k) => counter64(rates(c, p, k).pre)], // PrePolicyBitRate64
  [29, (c, p, k) => counter64(rates(c, p, k).post)], // PostPolicyBitRate64
  [30, (c, p, k) => counter64(rates(c, p, k).drop)], // DropBitRate64
];

/** The input policy's name beside the configured (output) one: WAN-OUT → WAN-IN. */
export function inputPolicyName(outputName: string): string {
  return /OUT$/i.test(outputName) ? outputName.replace(/OUT$/i, (m) => (m === 'OUT' ? 'IN' : 'in')) : `${outputName}-IN`;
}

/**
 * Adds every CBQoS instance of a layout's policies and configs; `objects` gets the columns' OIDs.
 * Readers take a policy's index (service policy, policy-map object), a policy's index × 4 + a
 * class (class objects, queue objects, stats), or a config's index in its list.
 */
export function addCbQos(shape: LayoutShape, add: AddInstance, objects: Oid[]): void {
  const sp = cbQosOids.servicePolicyEntry;
  const ob = cbQosOids.objectsEntry;
  const st = cbQosOids.cmStatsEntry;
  for (const column of [2, 3, 4, 11]) objects.push([...sp, column]);
  for (const column of [2, 3, 4]) objects.push([...ob, column]);
  for (const [column] of statsColumns) objects.push([...st, column]);
  for (const column of [1, 2]) objects.push([...cbQosOids.policyMapCfgEntry, column]);
  for (const column of [1, 2, 3]) objects.push([...cbQosOids.cmCfgEntry, column]);
  for (const column of [1, 2, 3, 4]) objects.push([...cbQosOids.queueingCfgEntry, column]);
  const { policies } = shape;
  const perPolicy = simClasses.length;
  const policyOf = (k: number): LayoutPolicy => policies[Math.floor(k / perPolicy)]!;
  const objectOf = (k: number): LayoutClassObject => policyOf(k).classes[k % perPolicy]!;
  const queueOf = (k: number): { objectsIndex: number; configIndex: number } => objectOf(k).queue!;
  const constant = (value: SnmpValue) => (): SnmpValue => value;

  // Service policies, by policy.
  const mainInterface = constant(integer(1)); // cbQosIfType
  const direction = (_c: ReadContext, p: number): SnmpValue => integer(PolicyDirection[policies[p]!.direction]);
  const ifIndex = (c: ReadContext, p: number): SnmpValue => integer(c.iface(policies[p]!.ifPos).ifIndex);
  const discontinuity = (c: ReadContext): SnmpValue => c.discontinuity(); // cbQosPolicyDiscontinuityTime
  // The policy-map object: its objectsIndex is the policyIndex, as on IOS.
  const policyConfig = (_c: ReadContext, p: number): SnmpValue => unsigned32(policies[p]!.policyConfigIndex);
  const policymap = constant(integer(QosObjectType.policymap));
  const root = constant(unsigned32(0));
  // Class objects and their queueing children, by policy × 4 + class.
  const classConfig = (_c: ReadContext, k: number): SnmpValue => unsigned32(objectOf(k).configIndex);
  const classmap = constant(integer(QosObjectType.classmap));
  const classParent = (_c: ReadContext, k: number): SnmpValue => unsigned32(policyOf(k).policyIndex);
  const queueConfig = (_c: ReadContext, k: number): SnmpValue => unsigned32(queueOf(k).configIndex);
  const queueing = constant(integer(QosObjectType.queueing));
  const queueParent = (_c: ReadContext, k: number): SnmpValue => unsigned32(objectOf(k).objectsIndex);
  const statsReaders = statsColumns.map(([column, read]): [number, Reader] => [column, (c, k) => read(c, policyOf(k), k % perPolicy)]);

  policies.forEach((p, i) => {
    add([...sp, 2, p.policyIndex], mainInterface, i);
    add([...sp, 3, p.policyIndex], direction, i);
    add([...sp, 4, p.policyIndex], ifIndex, i);
    add([...sp, 11, p.policyIndex], discontinuity, i);
    add([...ob, 2, p.policyIndex, p.policyIndex], policyConfig, i);
    add([...ob, 3, p.policyIndex, p.policyIndex], policymap, i);
    add([...ob, 4, p.policyIndex, p.policyIndex], root, i);
    p.classes.forEach((o, cls) => {
      const k = i * perPolicy + cls;
      add([...ob, 2, p.policyIndex, o.objectsIndex], classConfig, k);
      add([...ob, 3, p.policyIndex, o.objectsIndex], classmap, k);
      add([...ob, 4, p.policyIndex, o.objectsIndex], classParent, k);
      if (o.queue) {
        add([...ob, 2, p.policyIndex, o.queue.objectsIndex], queueConfig, k);
        add([...ob, 3, p.policyIndex, o.queue.objectsIndex], queueing, k);
        add([...ob, 4, p.policyIndex, o.queue.objectsIndex], queueParent, k);
      }
      for (const [column, read] of statsReaders) add([...st, column, p.policyIndex, o.objectsIndex], read, k);
    });
  });

  const empty = constant(octets(''));
  const policyName = (c: ReadContext, k: number): SnmpValue =>
    octets(shape.policyMapConfigs[k]!.direction === 'output' ? c.router.sim.policyName : inputPolicyName(c.router.sim.policyName));
  shape.policyMapConfigs.forEach((pm, k) => {
    add([...cbQosOids.policyMapCfgEntry, 1, pm.configIndex], policyName, k);
    add([...cbQosOids.policyMapCfgEntry, 2, pm.configIndex], empty, k);
  });
  const className = (c: ReadContext, k: number): SnmpValue => octets(c.router.sim.classMaps[simClasses[shape.classMapConfigs[k]!.cls]!]);
  const matchAny = constant(integer(3));
  shape.classMapConfigs.forEach((cm, k) => {
    add([...cbQosOids.cmCfgEntry, 1, cm.configIndex], className, k);
    add([...cbQosOids.cmCfgEntry, 2, cm.configIndex], empty, k);
    add([...cbQosOids.cmCfgEntry, 3, cm.configIndex], matchAny, k);
  });
  // A queue without a reservation (fair-queue) reports 0 kbps.
  const bandwidth = (c: ReadContext, k: number): { value: number; unit: 'kbps' | 'percent' } => {
    const qc = shape.queueConfigs[k]!;
    return c.iface(qc.ifPos).queues?.[simClasses[qc.cls]!]?.bandwidth ?? { value: 0, unit: 'kbps' };
  };
  const bandwidthValue = (c: ReadContext, k: number): SnmpValue => integer(Math.round(bandwidth(c, k).value));
  const bandwidthUnits = (c: ReadContext, k: number): SnmpValue => integer(bandwidth(c, k).unit === 'kbps' ? 1 : 2);
  const no = constant(integer(2));
  shape.queueConfigs.forEach((qc, k) => {
    add([...cbQosOids.queueingCfgEntry, 1, qc.configIndex], bandwidthValue, k);
    add([...cbQosOids.queueingCfgEntry, 2, qc.configIndex], bandwidthUnits, k);
    add([...cbQosOids.queueingCfgEntry, 3, qc.configIndex], no, k); // FlowEnabled false
    add([...cbQosOids.queueingCfgEntry, 4, qc.configIndex], no, k); // PriorityEnabled false
  });
}
