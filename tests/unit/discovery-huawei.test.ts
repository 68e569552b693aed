// The Huawei CBQoS join from hand-written column rows (OIDs from HUAWEI-CBQOS-MIB).
import { describe, expect, it } from 'vitest';
import { HUAWEI_COLUMNS, joinHuaweiCbqos } from '../../collector/discovery/huawei-cbqos.ts';
import { counterOids } from '../../collector/discovery/model.ts';
import { rowsFromVarbinds } from '../../collector/discovery/rows.ts';
import type { SnmpValue } from '../../collector/snmp/index.ts';

const H = HUAWEI_COLUMNS;
type Line = readonly [string, SnmpValue];
const text = (s: string) => Buffer.from(s);

const applied = (ifIndex: number, dir: number, name: string): Line => [`${H.applyPolicyName}.${ifIndex}.${dir}`, text(name)];
const policy = (index: number, name: string): Line => [`${H.policyName}.${index}`, text(name)];
function policyClass(p: number, c: number, classifier: number, behavior: number, name?: string): Line[] {
  return [
    [`${H.policyClassClassifierIndex}.${p}.${c}`, classifier],
    ...(name === undefined ? [] : [[`${H.policyClassClassifierName}.${p}.${c}`, text(name)] as Line]),
    [`${H.policyClassBehaviorIndex}.${p}.${c}`, behavior],
  ];
}
const classifier = (index: number, name: string): Line => [`${H.classifierName}.${index}`, text(name)];
function queue(behavior: number, type: number, unit: number, value: number): Line[] {
  return [
    [`${H.queueType}.${behavior}`, type],
    [`${H.queueBandwidthUnit}.${behavior}`, unit],
    [`${H.queueBandwidthValue}.${behavior}`, value],
  ];
}
const stats = (ifIndex: number, dir: number, classifierIndex: number, vlan1 = 0, vlan2 = 0): Line => [
  `${H.statsClassifierIndex}.${ifIndex}.${dir}.${vlan1}.${vlan2}.${classifierIndex}`,
  classifierIndex,
];

const ifNames = new Map([
  [1, 'GigabitEthernet0/0/1'],
  [2, 'GigabitEthernet0/0/2'],
]);
const join = (lines: Line[]) => joinHuaweiCbqos(rowsFromVarbinds(Object.values(H), lines), ifNames);

// WAN-OUT on GE0/0/1 outbound: DOCEX (AF 20 Mbps), VIDEO (EF 30 %), default-class (WFQ).
const base: Line[] = [
  applied(1, 2, 'WAN-OUT'),
  policy(1, 'WAN-OUT'),
  ...policyClass(1, 0, 1, 1, 'DOCEX'),
  ...policyClass(1, 1, 2, 2, 'VIDEO'),
  ...policyClass(1, 2, 3, 3, 'default-class'),
  ...queue(1, 2, 1, 20_000),
  ...queue(2, 1, 2, 30),
  ...queue(3, 3, -1, -1),
  stats(1, 2, 1),
  stats(1, 2, 2),
  stats(1, 2, 3),
];

describe('joinHuaweiCbqos', () => {
  it('joins applied policy, classifier/behavior pairs, queue bandwidth and statistics rows', () => {
    const { classes, notes } = join(base);
    expect(notes).toEqual([]);
    expect(classes).toEqual([
      { vendor: 'huawei', ifIndex: 1, ifName: 'GigabitEthernet0/0/1', direction: 'output', policyName: 'WAN-OUT', className: 'DOCEX', path: 'WAN-OUT/DOCEX', statsIndex: '1.2.0.0.1', leaf: true, configuredBandwidth: { value: 20_000, unit: 'kbps' } },
      { vendor: 'huawei', ifIndex: 1, ifName: 'GigabitEthernet0/0/1', direction: 'output', policyName: 'WAN-OUT', className: 'VIDEO', path: 'WAN-OUT/VIDEO', statsIndex: '1.2.0.0.2', leaf: true, configuredBandwidth: { value: 30, unit: 'percent', priority: true } },
      { vendor: 'huawei', ifIndex: 1, ifName: 'GigabitEthernet0/0/1', direction: 'output', policyName: 'WAN-OUT', className: 'default-class', path: 'WAN-OUT/default-class', statsIndex: '1.2.0.0.3', leaf: true },
    ]);
  });

  it('maps direction 1 to input', () => {
    const { classes } = join([applied(2, 1, 'IN'), policy(5, 'IN'), ...policyClass(5, 0, 3, 9, 'default-class'), stats(2, 1, 3)]);
    expect(classes.map((c) => [c.ifName, c.direction, c.path, c.statsIndex])).toEqual([['GigabitEthernet0/0/2', 'input', 'IN/default-class', '2.1.0.0.3']]);
  });

  it('follows a nested policy of a behavior and keeps the hierarchy', () => {
    const lines: Line[] = [
      applied(2, 2, 'PARENT'),
      policy(3, 'PARENT'),
      policy(4, 'CHILD'),
      ...policyClass(3, 0, 3, 4, 'default-class'),
      [`${H.nestPolicyName}.4`, text('CHILD')],
      ...policyClass(4, 0, 5, 1, 'VIDEO-SUB'),
      ...policyClass(4, 1, 6, 3, 'BE-SUB'),
      stats(2, 2, 3),
      stats(2, 2, 5),
      stats(2, 2, 6),
    ];
    const { classes, notes } = join(lines);
    expect(notes).toEqual([]);
    expect(classes.map((c) => [c.path, c.statsIndex, c.leaf, c.policyName])).toEqual([
      ['PARENT/default-class', '2.2.0.0.3', false, 'PARENT'],
      ['PARENT/default-class/CHILD/BE-SUB', '2.2.0.0.6', true, 'PARENT'],
      ['PARENT/default-class/CHILD/VIDEO-SUB', '2.2.0.0.5', true, 'PARENT'],
    ]);
  });

  it('stops at a nested policy that loops, with a note', () => {
    const lines: Line[] = [applied(1, 2, 'A'), policy(1, 'A'), ...policyClass(1, 0, 3, 7, 'default-class'), [`${H.nestPolicyName}.7`, text('A')], stats(1, 2, 3)];
    const { classes, notes } = join(lines);
    expect(classes.map((c) => c.path)).toEqual(['A/default-class']);
    expect(notes).toEqual(['huawei nested policy loop at "A": stopped']);
  });

  it('keeps classes without a statistics row, with statsIndex undefined and a note', () => {
    const { classes, notes } = join(base.filter(([oid]) => !oid.startsWith(H.statsClassifierIndex)));
    expect(classes).toHaveLength(3);
    expect(classes.every((c) => c.statsIndex === undefined)).toBe(true);
    expect(classes.map((c) => counterOids(c))).toEqual([undefined, undefined, undefined]);
    expect(notes).toHaveLength(3);
  });

  it('prefers the VLAN 0.0 statistics row and falls back to another VLAN', () => {
    const lines: Line[] = [...base.filter(([oid]) => !oid.startsWith(H.statsClassifierIndex)), stats(1, 2, 1, 100, 0), stats(1, 2, 1), stats(1, 2, 2, 300, 0)];
    const { classes } = join(lines);
    expect(classes.find((c) => c.className === 'DOCEX')?.statsIndex).toBe('1.2.0.0.1');
    expect(classes.find((c) => c.className === 'VIDEO')?.statsIndex).toBe('1.2.300.0.2');
  });

  it('reports statistics rows no configured class explains, named from the classifier table', () => {
    const lines: Line[] = [...base, classifier(9, 'STRAY'), stats(1, 2, 9), stats(2, 1, 4), stats(7, 2, 1, 10, 0)];
    const { classes, notes } = join(lines);
    const extra = classes.filter((c) => !['DOCEX', 'VIDEO', 'default-class'].includes(c.className));
    expect(extra.map((c) => [c.ifIndex, c.direction, c.path, c.statsIndex])).toEqual([
      [1, 'output', 'WAN-OUT/STRAY', '1.2.0.0.9'],
      [2, 'input', 'unknown-policy/classifier-4', '2.1.0.0.4'],
      [7, 'output', 'unknown-policy/classifier-1@vlan10.0', '7.2.10.0.1'],
    ]);
    expect(extra[2]).not.toHaveProperty('ifName');
    expect(notes).toHaveLength(3);
  });

  it('names a class from the classifier table when the policy-class row has no name', () => {
    const { classes } = join([applied(1, 2, 'P'), policy(1, 'P'), ...policyClass(1, 0, 8, 1), classifier(8, 'FROM-CLASSIFIER'), stats(1, 2, 8)]);
    expect(classes.map((c) => c.path)).toEqual(['P/FROM-CLASSIFIER']);
  });

  it('notes an applied policy that the policy table does not know', () => {
    const { classes, notes } = join([applied(1, 2, 'GHOST')]);
    expect(classes).toEqual([]);
    expect(notes).toEqual(['huawei policy "GHOST" (ifIndex 1 output) has no classifier/behavior rows']);
  });

  it('gives no classes and no throw for empty or partial tables', () => {
    expect(join([])).toEqual({ classes: [], notes: [] });
    expect(join([policy(1, 'P'), classifier(1, 'C'), ...queue(1, 2, 1, 10)])).toEqual({ classes: [], notes: [] });
    expect(join([[`${H.applyPolicyName}.1.9`, text('P')]]).notes).toEqual(['huawei applied policy row 1.9 is malformed: skipped']);
  });

  it('points counterOids at the classifier statistics byte counters', () => {
    const docex = join(base).classes[0];
    expect(docex && counterOids(docex)).toEqual({
      prePolicyBytes: '1.3.6.1.4.1.2011.5.25.32.1.1.5.6.3.1.6.1.2.0.0.1',
      postPolicyBytes: '1.3.6.1.4.1.2011.5.25.32.1.1.5.6.3.1.8.1.2.0.0.1',
      dropBytes: '1.3.6.1.4.1.2011.5.25.32.1.1.5.6.3.1.10.1.2.0.0.1',
    });
  });
});
