// The class-based QoS side of a simulated router's MIB (CISCO-CLASS-BASED-QOS-MIB): service
// policies per interface and direction, the objects tree (policy-map → class-maps → queueing),
// policy-map, class-map and queueing config, and the class-map statistics (pre-policy,
// post-policy and drop counters, 64-bit with their 32-bit pairs, and the 30-s bit rates).
import type { LayoutPolicy, LayoutShape } from './layout.ts';
import type { Oid } from './oid.ts';
import { discontinuityTicks, type AddInstance, type ReadContext } from './read-context.ts';
import { packetsOf, simClasses, type ClassCounters, type TrafficDirection } from './router-model.ts';
import { counter32, counter64, gauge32, integer, octets, timeTicks, type SnmpValue } from './value.ts';

export const cbQosOids = {
  cbQos: [1, 3, 6, 1, 4, 1, 9, 9, 166],
  servicePolicyEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 1, 1, 1],
  objectsEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 5, 1, 1],
  policyMapCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 6, 1, 1],
  cmCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 7, 1, 1],
  queueingCfgEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 9, 1, 1],
  cmStatsEntry: [1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 15, 1, 1],
} as const;

export const QosObjectType = { policymap: 1, classmap: 2, queueing: 4 } as const;
export const PolicyDirection = { input: 1, output: 2 } as const;

/** The window of the BitRate columns. */
export const bitRateWindowMs = 30_000;

const unsigned32 = (value: number): SnmpValue => gauge32(BigInt(value));
const high32 = (value: bigint): bigint => value >> 32n;

/** A policy's stats: its model direction's per-class counters. */
const policyDir = (c: ReadContext, p: LayoutPolicy): TrafficDirection => {
  const i = c.iface(p.ifPos);
  return p.direction === 'output' ? i.outDirection : i.outDirection === 'down' ? 'up' : 'down';
};
const stats = (c: ReadContext, p: LayoutPolicy, cls: number): ClassCounters => c.classCounters(p.ifPos, policyDir(c, p))[cls]!;
const statsPackets = (c: ReadContext, p: LayoutPolicy, octetCount: bigint): bigint => packetsOf(octetCount, policyDir(c, p));
const rates = (c: ReadContext, p: LayoutPolicy, cls: number): ClassCounters => c.classBitRates(p.ifPos, policyDir(c, p))[cls]!;

type StatsReader = (c: ReadContext, p: LayoutPolicy, cls: number) => SnmpValue;
const zero32 = counter32(0n);
const zero64 = counter64(0n);

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

/** Adds every CBQoS instance of a layout's policies and configs; `objects` gets the columns' OIDs. */
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
  const mainInterface = integer(1);
  const classmap = integer(QosObjectType.classmap);
  const queueing = integer(QosObjectType.queueing);
  for (const p of shape.policies) {
    const direction = integer(PolicyDirection[p.direction]);
    const policyParent = unsigned32(p.policyIndex);
    add([...sp, 2, p.policyIndex], () => mainInterface); // cbQosIfType
    add([...sp, 3, p.policyIndex], () => direction);
    add([...sp, 4, p.policyIndex], (c) => integer(c.iface(p.ifPos).ifIndex));
    add([...sp, 11, p.policyIndex], (c) => timeTicks(discontinuityTicks(c))); // cbQosPolicyDiscontinuityTime
    // The policy-map object: its objectsIndex is the policyIndex, as on IOS.
    const policyConfig = unsigned32(p.policyConfigIndex);
    const policymap = integer(QosObjectType.policymap);
    const root = unsigned32(0);
    add([...ob, 2, p.policyIndex, p.policyIndex], () => policyConfig);
    add([...ob, 3, p.policyIndex, p.policyIndex], () => policymap);
    add([...ob, 4, p.policyIndex, p.policyIndex], () => root);
    for (const o of p.classes) {
      const classConfig = unsigned32(o.configIndex);
      add([...ob, 2, p.policyIndex, o.objectsIndex], () => classConfig);
      add([...ob, 3, p.policyIndex, o.objectsIndex], () => classmap);
      add([...ob, 4, p.policyIndex, o.objectsIndex], () => policyParent);
      if (o.queue) {
        const q = o.queue;
        const queueConfig = unsigned32(q.configIndex);
        const queueParent = unsigned32(o.objectsIndex);
        add([...ob, 2, p.policyIndex, q.objectsIndex], () => queueConfig);
        add([...ob, 3, p.policyIndex, q.objectsIndex], () => queueing);
        add([...ob, 4, p.policyIndex, q.objectsIndex], () => queueParent);
      }
      for (const [column, read] of statsColumns) add([...st, column, p.policyIndex, o.objectsIndex], (c) => read(c, p, o.cls));
    }
  }
  const empty = octets('');
  for (const pm of shape.policyMapConfigs) {
    const name = (c: ReadContext): string => (pm.direction === 'output' ? c.router.sim.policyName : inputPolicyName(c.router.sim.policyName));
    add([...cbQosOids.policyMapCfgEntry, 1, pm.configIndex], (c) => octets(name(c)));
    add([...cbQosOids.policyMapCfgEntry, 2, pm.configIndex], () => empty);
  }
  const matchAny = integer(3);
  for (const cm of shape.classMapConfigs) {
    const cls = simClasses[cm.cls]!;
    add([...cbQosOids.cmCfgEntry, 1, cm.configIndex], (c) => octets(c.router.sim.classMaps[cls]));
    add([...cbQosOids.cmCfgEntry, 2, cm.configIndex], () => empty);
    add([...cbQosOids.cmCfgEntry, 3, cm.configIndex], () => matchAny);
  }
  const no = integer(2);
  for (const qc of shape.queueConfigs) {
    const cls = simClasses[qc.cls]!;
    // A queue without a reservation (fair-queue) reports 0 kbps.
    const bandwidth = (c: ReadContext): { value: number; unit: 'kbps' | 'percent' } =>
      c.iface(qc.ifPos).queues?.[cls]?.bandwidth ?? { value: 0, unit: 'kbps' };
    add([...cbQosOids.queueingCfgEntry, 1, qc.configIndex], (c) => integer(Math.round(bandwidth(c).value)));
    add([...cbQosOids.queueingCfgEntry, 2, qc.configIndex], (c) => integer(bandwidth(c).unit === 'kbps' ? 1 : 2));
    add([...cbQosOids.queueingCfgEntry, 3, qc.configIndex], () => no); // FlowEnabled false
    add([...cbQosOids.queueingCfgEntry, 4, qc.configIndex], () => no); // PriorityEnabled false
  }
}
