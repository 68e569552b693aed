// HUAWEI-CBQOS-MIB (hwCBQoSMIB, 1.3.6.1.4.1.2011.5.25.32.1) column rows → QoS classes.
// OIDs from the MIB text (hwCBQoSObjects = …32.1.1):
//   hwCBQoSIfApplyPolicyTable   …1.4.1.1  index (ifIndex, direction 1 inbound / 2 outbound); .3 policy name
//   hwCBQoSPolicyCfgInfoTable   …1.3.2.1  index policyIndex; .2 policy name
//   hwCBQoSPolicyClassCfgInfoTable …1.3.3.1 index (policyIndex, classIndex); .2 classifier index,
//                                          .3 classifier name, .4 behavior index
//   hwCBQoSClassifierCfgInfoTable …1.1.2.1 index classifierIndex; .2 classifier name
//   hwCBQoSQueueCfgInfoTable    …1.2.6.1  index behaviorIndex; .1 queue type (1 EF, 2 AF, 3 WFQ,
//                                          4 LLQ), .4 bandwidth unit (1 kbps, 2 %), .5 bandwidth
//   hwCBQoSNestPolicyCfgInfoTable …1.2.14.1 index behaviorIndex; .1 nested (child) policy name
//   hwCBQoSClassifierStatisticsTable …1.5.6.3.1 index (ifIndex, direction, vlan1, vlan2,
//                                          classifierIndex); .4 classifier index, .6/.8/.10 bytes
//
// Join: applied policy (ifIndex, direction, name) → policy index by name → its classifier/
// behavior pairs; a behavior with a nested policy continues the path
// (`PARENT/default-class/CHILD/VIDEO`). The statistics row of a class is the row of the
// classifier statistics table with the same ifIndex, direction and classifierIndex (VLAN 0.0
// preferred). Classes without one (policy without `statistic enable`) keep statsIndex
// undefined; statistics rows no configured class explains are still reported, with a note.
// Pure and total: partial tables give fewer classes and notes, never a throw.
import type { Rows } from '../snmp/index.ts';
import type { BandwidthUnit, ConfiguredBandwidth, QosClass, QosDirection, QosJoin } from './model.ts';
import { compareClasses, qosDirectionOf } from './model.ts';
import { numberOf, numericArcs, textByNumericIndex, textOf } from './rows.ts';

const HW = '1.3.6.1.4.1.2011.5.25.32.1.1';

export const HUAWEI_COLUMNS = {
  applyPolicyName: `${HW}.4.1.1.3`,
  policyName: `${HW}.3.2.1.2`,
  policyClassClassifierIndex: `${HW}.3.3.1.2`,
  policyClassClassifierName: `${HW}.3.3.1.3`,
  policyClassBehaviorIndex: `${HW}.3.3.1.4`,
  classifierName: `${HW}.1.2.1.2`,
  queueType: `${HW}.2.6.1.1`,
  queueBandwidthUnit: `${HW}.2.6.1.4`,
  queueBandwidthValue: `${HW}.2.6.1.5`,
  nestPolicyName: `${HW}.2.14.1.1`,
  statsClassifierIndex: `${HW}.5.6.3.1.4`,
} as const;

export const HUAWEI_ANCHOR_COLUMNS: readonly string[] = [HUAWEI_COLUMNS.applyPolicyName, HUAWEI_COLUMNS.statsClassifierIndex];

const QUEUE_EF = 1;
const QUEUE_LLQ = 4;
const BANDWIDTH_UNITS: Record<number, BandwidthUnit> = { 1: 'kbps', 2: 'percent' };

interface PolicyClass {
  classIndex: number;
  classifierIndex: number;
  classifierName?: string;
  behaviorIndex?: number;
}

interface StatsRow {
  index: string;
  vlan1: number;
  vlan2: number;
  classifierIndex: number;
}

export function joinHuaweiCbqos(rows: Rows, ifNames: ReadonlyMap<number, string>): QosJoin {
  const notes: string[] = [];
  const classes: QosClass[] = [];

  const policyIndexByName = new Map<string, number>();
  for (const [index, name] of textByNumericIndex(rows, HUAWEI_COLUMNS.policyName)) {
    if (!policyIndexByName.has(name)) policyIndexByName.set(name, index);
  }
  const classifierNames = textByNumericIndex(rows, HUAWEI_COLUMNS.classifierName);
  const nestPolicyNames = textByNumericIndex(rows, HUAWEI_COLUMNS.nestPolicyName);

  const policyClasses = new Map<number, PolicyClass[]>();
  const bandwidthByBehavior = new Map<number, ConfiguredBandwidth>();
  const applied: Array<{ ifIndex: number; directionCode: number; direction: QosDirection; policyName: string }> = [];
  const statsByIfDir = new Map<string, StatsRow[]>();

  for (const [index, row] of rows) {
    const classifierIndex = numberOf(row.get(HUAWEI_COLUMNS.policyClassClassifierIndex));
    if (classifierIndex !== undefined) {
      const arcs = numericArcs(index, 2);
      if (arcs) {
        const [policyIndex = 0, classIndex = 0] = arcs;
        const pc: PolicyClass = { classIndex, classifierIndex };
        const name = textOf(row.get(HUAWEI_COLUMNS.policyClassClassifierName));
        if (name !== undefined) pc.classifierName = name;
        const behaviorIndex = numberOf(row.get(HUAWEI_COLUMNS.policyClassBehaviorIndex));
        if (behaviorIndex !== undefined) pc.behaviorIndex = behaviorIndex;
        const list = policyClasses.get(policyIndex) ?? [];
        list.push(pc);
        policyClasses.set(policyIndex, list);
      }
    }

    const unit = BANDWIDTH_UNITS[numberOf(row.get(HUAWEI_COLUMNS.queueBandwidthUnit)) ?? -1];
    const value = numberOf(row.get(HUAWEI_COLUMNS.queueBandwidthValue));
    const behavior = numericArcs(index, 1)?.[0];
    if (unit !== undefined && value !== undefined && value >= 0 && behavior !== undefined) {
      const bandwidth: ConfiguredBandwidth = { value, unit };
      const type = numberOf(row.get(HUAWEI_COLUMNS.queueType));
      if (type === QUEUE_EF || type === QUEUE_LLQ) bandwidth.priority = true;
      bandwidthByBehavior.set(behavior, bandwidth);
    }

    const appliedName = textOf(row.get(HUAWEI_COLUMNS.applyPolicyName));
    if (appliedName !== undefined) {
      const arcs = numericArcs(index, 2);
      const direction = qosDirectionOf(arcs?.[1]);
      if (arcs && direction && arcs[0] !== undefined && arcs[1] !== undefined) {
        applied.push({ ifIndex: arcs[0], directionCode: arcs[1], direction, policyName: appliedName });
      } else {
        notes.push(`huawei applied policy row ${index} is malformed: skipped`);
      }
    }

    if (row.has(HUAWEI_COLUMNS.statsClassifierIndex)) {
      const arcs = numericArcs(index, 5);
      if (arcs) {
        const [ifIndex = 0, dir = 0, vlan1 = 0, vlan2 = 0, classifierIdx = 0] = arcs;
        const key = `${ifIndex}.${dir}`;
        const list = statsByIfDir.get(key) ?? [];
        list.push({ index, vlan1, vlan2, classifierIndex: classifierIdx });
        statsByIfDir.set(key, list);
      }
    }
  }
  for (const list of policyClasses.values()) list.sort((a, b) => a.classIndex - b.classIndex);

  const usedStats = new Set<string>();
  const statsIndexFor = (ifIndex: number, dir: number, classifierIndex: number): string | undefined => {
    const candidates = (statsByIfDir.get(`${ifIndex}.${dir}`) ?? []).filter((s) => s.classifierIndex === classifierIndex);
    const pick = candidates.find((s) => s.vlan1 === 0 && s.vlan2 === 0) ?? candidates[0];
    if (pick) usedStats.add(pick.index);
    return pick?.index;
  };

  const appliedKeys = new Set<string>();
  for (const a of applied.sort((x, y) => x.ifIndex - y.ifIndex || x.directionCode - y.directionCode)) {
    appliedKeys.add(`${a.ifIndex}.${a.directionCode}`);
    const walk = (policyName: string, prefix: string[], seen: Set<string>): void => {
      const policyIndex = policyIndexByName.get(policyName);
      const list = policyIndex === undefined ? undefined : policyClasses.get(policyIndex);
      if (!list || list.length === 0) {
        notes.push(`huawei policy "${policyName}" (ifIndex ${a.ifIndex} ${a.direction}) has no classifier/behavior rows`);
        return;
      }
      for (const pc of list) {
        const className = pc.classifierName ?? classifierNames.get(pc.classifierIndex) ?? `classifier-${pc.classifierIndex}`;
        const path = [...prefix, policyName, className];
        const nested = pc.behaviorIndex === undefined ? undefined : nestPolicyNames.get(pc.behaviorIndex);
        const cls: QosClass = {
          vendor: 'huawei',
          ifIndex: a.ifIndex,
          direction: a.direction,
          policyName: a.policyName,
          className,
          path: path.join('/'),
          leaf: nested === undefined,
        };
        const ifName = ifNames.get(a.ifIndex);
        if (ifName !== undefined) cls.ifName = ifName;
        const statsIndex = statsIndexFor(a.ifIndex, a.directionCode, pc.classifierIndex);
        if (statsIndex !== undefined) cls.statsIndex = statsIndex;
        else notes.push(`huawei class ${path.join('/')} on ifIndex ${a.ifIndex} has no statistics row (statistic enable?)`);
        const bandwidth = pc.behaviorIndex === undefined ? undefined : bandwidthByBehavior.get(pc.behaviorIndex);
        if (bandwidth) cls.configuredBandwidth = { ...bandwidth };
        classes.push(cls);
        if (nested !== undefined) {
          if (seen.has(nested)) notes.push(`huawei nested policy loop at "${nested}": stopped`);
          else walk(nested, path, new Set([...seen, nested]));
        }
      }
    };
    walk(a.policyName, [], new Set([a.policyName]));
  }

  // Statistics rows that no configured class accounts for: report them rather than drop them.
  for (const [key, list] of statsByIfDir) {
    const [ifIndex = 0, dir = 0] = key.split('.').map(Number);
    const direction = qosDirectionOf(dir);
    if (!direction) continue;
    const appliedName = applied.find((a) => a.ifIndex === ifIndex && a.directionCode === dir)?.policyName;
    for (const s of list) {
      if (usedStats.has(s.index)) continue;
      const className = classifierNames.get(s.classifierIndex) ?? `classifier-${s.classifierIndex}`;
      const policyName = appliedName ?? 'unknown-policy';
      const vlan = s.vlan1 !== 0 || s.vlan2 !== 0 ? `@vlan${s.vlan1}.${s.vlan2}` : '';
      const cls: QosClass = {
        vendor: 'huawei',
        ifIndex,
        direction,
        policyName,
        className,
        path: `${policyName}/${className}${vlan}`,
        statsIndex: s.index,
        leaf: true,
      };
      const ifName = ifNames.get(ifIndex);
      if (ifName !== undefined) cls.ifName = ifName;
      classes.push(cls);
      notes.push(`huawei statistics row ${s.index} matches no configured class of ${appliedKeys.has(key) ? `"${policyName}"` : 'an applied policy'}`);
    }
  }
  return { classes: classes.sort(compareClasses), notes };
}
