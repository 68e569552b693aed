// CISCO-CLASS-BASED-QOS-MIB (1.3.6.1.4.1.9.9.166) column rows → QoS classes.
//
// Join: cbQosServicePolicyTable (policyIndex → ifIndex, direction) ← cbQosObjectsTable
// ((policyIndex, objectsIndex) → configIndex, objectsType, parent) → cbQosPolicyMapName /
// cbQosCMName by configIndex. Every class-map object (type 2) is a class; its path is the
// chain of policy-maps and class-maps above it, so a nested policy keeps its hierarchy
// (`EGRESS/class-default/EGRESS-TC/EGRESS-TC3`). The reservation configured for a class is in
// cbQosQueueingCfgTable, reached through the class's queueing child object (type 4).
//
// Pure and total: missing or partial tables give fewer classes and a note, never a throw.
import type { Rows } from '../snmp/index.ts';
import type { BandwidthUnit, ConfiguredBandwidth, QosClass, QosJoin } from './model.ts';
import { compareClasses, qosDirectionOf } from './model.ts';
import { numberOf, numericArcs, textByNumericIndex } from './rows.ts';

const CBQOS = '1.3.6.1.4.1.9.9.166.1';

export const CISCO_COLUMNS = {
  /** cbQosIfType: 1 main interface, 2 sub-interface, 5 control plane, … */
  ifType: `${CBQOS}.1.1.1.2`,
  /** cbQosPolicyDirection: 1 input, 2 output. */
  policyDirection: `${CBQOS}.1.1.1.3`,
  /** cbQosIfIndex (0 for the control plane). */
  ifIndex: `${CBQOS}.1.1.1.4`,
  configIndex: `${CBQOS}.5.1.1.2`,
  /** cbQosObjectsType: 1 policymap, 2 classmap, 3 match, 4 queueing, 5 RED, 6 shaping, 7 police, 8 set. */
  objectsType: `${CBQOS}.5.1.1.3`,
  parentObjectsIndex: `${CBQOS}.5.1.1.4`,
  policyMapName: `${CBQOS}.6.1.1.1`,
  classMapName: `${CBQOS}.7.1.1.1`,
  queueingBandwidth: `${CBQOS}.9.1.1.1`,
  queueingBandwidthUnits: `${CBQOS}.9.1.1.2`,
  queueingPriorityEnabled: `${CBQOS}.9.1.1.4`,
  queueingBandwidth64: `${CBQOS}.9.1.1.13`,
} as const;

/**
 * cbQosPolicyDiscontinuityTime (TimeStamp, cbQosServicePolicyEntry .11, by policyIndex):
 * sysUpTime when any counter of the policy last suffered a discontinuity, 0 when none since
 * the agent started. Not a discovery column: each poll reads each planned policy's instance as
 * one non-repeater GETNEXT (collector/snmp/read.ts `getNextRequestOidFor`), beside sysUpTime.
 */
export const CISCO_POLICY_DISCONTINUITY_TIME = `${CBQOS}.1.1.1.11`;

/** The policyIndex (its row in cbQosServicePolicyTable) of a Cisco statistics index `policyIndex.objectsIndex`; undefined when it is not one. Pure. */
export function ciscoPolicyRowOf(statsIndex: string): string | undefined {
  const arcs = numericArcs(statsIndex, 2);
  return arcs ? String(arcs[0]) : undefined;
}

/** Read first: when it has no rows the device has no attached CBQoS policy. */
export const CISCO_ANCHOR_COLUMNS: readonly string[] = [CISCO_COLUMNS.ifIndex];

const OBJECT_POLICY_MAP = 1;
const OBJECT_CLASS_MAP = 2;
const OBJECT_QUEUEING = 4;

const BANDWIDTH_UNITS: Record<number, BandwidthUnit> = {
  1: 'kbps',
  2: 'percent',
  3: 'percentRemaining',
  4: 'ratioRemaining',
  5: 'perThousand',
  6: 'perMillion',
};

interface CbqosObject {
  configIndex: number;
  type: number;
  parent: number;
}

/** policyIndex → objectsIndex → object. */
function objectsByPolicy(rows: Rows): Map<number, Map<number, CbqosObject>> {
  const out = new Map<number, Map<number, CbqosObject>>();
  for (const [index, row] of rows) {
    const configIndex = numberOf(row.get(CISCO_COLUMNS.configIndex));
    const type = numberOf(row.get(CISCO_COLUMNS.objectsType));
    const parent = numberOf(row.get(CISCO_COLUMNS.parentObjectsIndex));
    if (configIndex === undefined || type === undefined || parent === undefined) continue;
    const arcs = numericArcs(index, 2);
    if (!arcs) continue;
    const [policyIndex = 0, objectsIndex = 0] = arcs;
    let objects = out.get(policyIndex);
    if (!objects) {
      objects = new Map();
      out.set(policyIndex, objects);
    }
    objects.set(objectsIndex, { configIndex, type, parent });
  }
  return out;
}

function queueingByConfig(rows: Rows): Map<number, ConfiguredBandwidth> {
  const out = new Map<number, ConfiguredBandwidth>();
  for (const [index, row] of rows) {
    const unit = BANDWIDTH_UNITS[numberOf(row.get(CISCO_COLUMNS.queueingBandwidthUnits)) ?? -1];
    const value = numberOf(row.get(CISCO_COLUMNS.queueingBandwidth64)) ?? numberOf(row.get(CISCO_COLUMNS.queueingBandwidth));
    const arcs = numericArcs(index, 1);
    if (unit === undefined || value === undefined || arcs?.[0] === undefined) continue;
    const bandwidth: ConfiguredBandwidth = { value, unit };
    const priority = numberOf(row.get(CISCO_COLUMNS.queueingPriorityEnabled));
    if (priority === 1) bandwidth.priority = true; // TruthValue true(1)
    out.set(arcs[0], bandwidth);
  }
  return out;
}

/**
 * Joins the CBQoS columns (any subset of CISCO_COLUMNS, all in one `Rows`) into classes.
 * `ifNames` gives the ifName of each ifIndex that exists.
 */
export function joinCiscoCbqos(rows: Rows, ifNames: ReadonlyMap<number, string>): QosJoin {
  const notes: string[] = [];
  const classes: QosClass[] = [];
  const objects = objectsByPolicy(rows);
  const policyNames = textByNumericIndex(rows, CISCO_COLUMNS.policyMapName);
  const classNames = textByNumericIndex(rows, CISCO_COLUMNS.classMapName);
  const queueing = queueingByConfig(rows);

  for (const [index, row] of rows) {
    const ifIndex = numberOf(row.get(CISCO_COLUMNS.ifIndex));
    if (ifIndex === undefined) continue;
    const policyIndex = numericArcs(index, 1)?.[0];
    if (policyIndex === undefined) continue;
    const direction = qosDirectionOf(numberOf(row.get(CISCO_COLUMNS.policyDirection)));
    if (!direction) {
      notes.push(`cisco service policy ${policyIndex} on ifIndex ${ifIndex} has no valid direction: skipped`);
      continue;
    }
    const tree = objects.get(policyIndex);
    if (!tree || tree.size === 0) {
      notes.push(`cisco service policy ${policyIndex} on ifIndex ${ifIndex} has no objects: no classes`);
      continue;
    }

    const nameOf = (object: CbqosObject): string | undefined =>
      object.type === OBJECT_POLICY_MAP
        ? (policyNames.get(object.configIndex) ?? `policy-map-${object.configIndex}`)
        : object.type === OBJECT_CLASS_MAP
          ? (classNames.get(object.configIndex) ?? `class-map-${object.configIndex}`)
          : undefined;

    // Chain of objects from the top down to `objectsIndex`; undefined on a loop or a dangling parent.
    const chainOf = (objectsIndex: number): number[] | undefined => {
      const chain: number[] = [];
      let current = objectsIndex;
      while (current !== 0) {
        if (chain.includes(current) || chain.length > 64) return undefined;
        const object = tree.get(current);
        if (!object) return undefined;
        chain.unshift(current);
        current = object.parent;
      }
      return chain;
    };

    const top = [...tree.entries()].find(([, o]) => o.type === OBJECT_POLICY_MAP && o.parent === 0);
    const policyName = top ? nameOf(top[1]) : undefined;
    if (!top || policyName === undefined) {
      notes.push(`cisco service policy ${policyIndex} on ifIndex ${ifIndex} has no top-level policy-map: no classes`);
      continue;
    }

    // Class-maps that have another class-map somewhere below them are not leaves.
    const chains = new Map<number, number[]>();
    const notLeaf = new Set<number>();
    for (const [objectsIndex, object] of tree) {
      if (object.type !== OBJECT_CLASS_MAP) continue;
      const chain = chainOf(objectsIndex);
      if (!chain) {
        notes.push(`cisco object ${policyIndex}.${objectsIndex} has a broken parent chain: skipped`);
        continue;
      }
      chains.set(objectsIndex, chain);
      for (const ancestor of chain.slice(0, -1)) notLeaf.add(ancestor);
    }

    // The queueing action of a class is its child object of type 4.
    const queueingOf = new Map<number, ConfiguredBandwidth>();
    for (const object of tree.values()) {
      if (object.type !== OBJECT_QUEUEING) continue;
      const bandwidth = queueing.get(object.configIndex);
      if (bandwidth) queueingOf.set(object.parent, bandwidth);
    }

    for (const [objectsIndex, chain] of chains) {
      const object = tree.get(objectsIndex);
      if (!object) continue;
      const names = chain.map((i) => {
        const o = tree.get(i);
        return o ? nameOf(o) : undefined;
      });
      const path = names.filter((n): n is string => n !== undefined).join('/');
      const cls: QosClass = {
        vendor: 'cisco',
        ifIndex,
        direction,
        policyName,
        className: nameOf(object) ?? `class-map-${object.configIndex}`,
        path,
        statsIndex: `${policyIndex}.${objectsIndex}`,
        leaf: !notLeaf.has(objectsIndex),
      };
      const ifName = ifNames.get(ifIndex);
      if (ifName !== undefined) cls.ifName = ifName;
      const bandwidth = queueingOf.get(objectsIndex);
      if (bandwidth) cls.configuredBandwidth = { ...bandwidth };
      classes.push(cls);
    }
  }
  return { classes: classes.sort(compareClasses), notes };
}
