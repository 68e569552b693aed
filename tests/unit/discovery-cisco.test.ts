// The Cisco CBQoS join, table by table, from hand-written column rows (OIDs from the MIB).
import { describe, expect, it } from 'vitest';
import { CISCO_COLUMNS, joinCiscoCbqos } from '../../collector/discovery/cisco-cbqos.ts';
import { counterOids, type QosClass } from '../../collector/discovery/model.ts';
import { rowsFromVarbinds } from '../../collector/discovery/rows.ts';
import type { SnmpValue } from '../../collector/snmp/index.ts';

const C = CISCO_COLUMNS;
const COLUMNS = Object.values(C);
type Line = readonly [string, SnmpValue];

function policy(p: number, ifIndex: number, direction: number, ifType = 1): Line[] {
  return [
    [`${C.ifType}.${p}`, ifType],
    [`${C.policyDirection}.${p}`, direction],
    [`${C.ifIndex}.${p}`, ifIndex],
  ];
}
function object(p: number, o: number, configIndex: number, type: number, parent: number): Line[] {
  return [
    [`${C.configIndex}.${p}.${o}`, configIndex],
    [`${C.objectsType}.${p}.${o}`, type],
    [`${C.parentObjectsIndex}.${p}.${o}`, parent],
  ];
}
const pmName = (cfg: number, name: string): Line => [`${C.policyMapName}.${cfg}`, Buffer.from(name)];
const cmName = (cfg: number, name: string): Line => [`${C.classMapName}.${cfg}`, Buffer.from(name)];

const ifNames = new Map([
  [5, 'Gi0/0/1'],
  [6, 'Gi0/0/2'],
]);

function join(lines: Line[]) {
  return joinCiscoCbqos(rowsFromVarbinds(COLUMNS, lines), ifNames);
}
const brief = (c: QosClass) => ({ path: c.path, statsIndex: c.statsIndex, leaf: c.leaf });

// WAN-OUT (output, Gi0/0/1): VIDEO, DOCEX, class-default.
const flat: Line[] = [
  ...policy(100, 5, 2),
  ...object(100, 1, 900, 1, 0),
  ...object(100, 2, 901, 2, 1),
  ...object(100, 3, 902, 2, 1),
  ...object(100, 4, 903, 2, 1),
  ...object(100, 5, 950, 3, 2), // match statement: not a class
  pmName(900, 'WAN-OUT'),
  cmName(901, 'VIDEO'),
  cmName(902, 'DOCEX'),
  cmName(903, 'class-default'),
];

// PARENT (output, Gi0/0/2): class-default → CHILD: VIDEO, class-default.
const nested: Line[] = [
  ...policy(200, 6, 2),
  ...object(200, 10, 800, 1, 0),
  ...object(200, 11, 903, 2, 10),
  ...object(200, 12, 801, 1, 11),
  ...object(200, 13, 901, 2, 12),
  ...object(200, 14, 903, 2, 12),
  ...object(200, 15, 960, 6, 11), // shaping on the parent class
  pmName(800, 'PARENT'),
  pmName(801, 'CHILD'),
  cmName(901, 'VIDEO'),
  cmName(903, 'class-default'),
];

describe('joinCiscoCbqos', () => {
  it('turns every class-map of an attached policy into a class', () => {
    const { classes, notes } = join(flat);
    expect(notes).toEqual([]);
    expect(classes).toEqual([
      { vendor: 'cisco', ifIndex: 5, ifName: 'Gi0/0/1', direction: 'output', policyName: 'WAN-OUT', className: 'DOCEX', path: 'WAN-OUT/DOCEX', statsIndex: '100.3', leaf: true },
      { vendor: 'cisco', ifIndex: 5, ifName: 'Gi0/0/1', direction: 'output', policyName: 'WAN-OUT', className: 'VIDEO', path: 'WAN-OUT/VIDEO', statsIndex: '100.2', leaf: true },
      { vendor: 'cisco', ifIndex: 5, ifName: 'Gi0/0/1', direction: 'output', policyName: 'WAN-OUT', className: 'class-default', path: 'WAN-OUT/class-default', statsIndex: '100.4', leaf: true },
    ]);
  });

  it('keeps the hierarchy of a nested policy and marks the parent class as not a leaf', () => {
    const { classes } = join(nested);
    expect(classes.map(brief)).toEqual([
      { path: 'PARENT/class-default', statsIndex: '200.11', leaf: false },
      { path: 'PARENT/class-default/CHILD/VIDEO', statsIndex: '200.13', leaf: true },
      { path: 'PARENT/class-default/CHILD/class-default', statsIndex: '200.14', leaf: true },
    ]);
    expect(classes.every((c) => c.policyName === 'PARENT')).toBe(true);
  });

  it('reads input and output policies of several interfaces at once, ordered', () => {
    const input: Line[] = [...policy(300, 5, 1), ...object(300, 1, 900, 1, 0), ...object(300, 2, 903, 2, 1)];
    const { classes } = join([...nested, ...flat, ...input]);
    expect(classes.map((c) => `${c.ifIndex} ${c.direction} ${c.path}`)).toEqual([
      '5 input WAN-OUT/class-default',
      '5 output WAN-OUT/DOCEX',
      '5 output WAN-OUT/VIDEO',
      '5 output WAN-OUT/class-default',
      '6 output PARENT/class-default',
      '6 output PARENT/class-default/CHILD/VIDEO',
      '6 output PARENT/class-default/CHILD/class-default',
    ]);
  });

  it('keeps control-plane policies (ifIndex 0) without an ifName', () => {
    const { classes } = join([...policy(225, 0, 1, 5), ...object(225, 1, 900, 1, 0), ...object(225, 2, 903, 2, 1), pmName(900, 'system-cpp-policy'), cmName(903, 'class-default')]);
    expect(classes).toHaveLength(1);
    expect(classes[0]?.ifIndex).toBe(0);
    expect(classes[0]?.ifName).toBeUndefined();
    expect(classes[0]?.direction).toBe('input');
  });

  it('leaves ifName undefined for an ifIndex that is not in ifXTable', () => {
    const { classes } = join([...policy(1, 77, 2), ...object(1, 1, 900, 1, 0), ...object(1, 2, 903, 2, 1), pmName(900, 'P'), cmName(903, 'C')]);
    expect(classes[0]?.ifIndex).toBe(77);
    expect(classes[0]).not.toHaveProperty('ifName');
  });

  it.each([
    { name: 'kbps', units: 1, bw: 20_000, bw64: undefined, priority: 2, want: { value: 20_000, unit: 'kbps' } },
    { name: 'percent', units: 2, bw: 30, bw64: undefined, priority: 2, want: { value: 30, unit: 'percent' } },
    { name: 'percent remaining', units: 3, bw: 40, bw64: undefined, priority: 2, want: { value: 40, unit: 'percentRemaining' } },
    { name: 'ratio remaining', units: 4, bw: 5, bw64: undefined, priority: 2, want: { value: 5, unit: 'ratioRemaining' } },
    { name: 'per thousand', units: 5, bw: 125, bw64: undefined, priority: 2, want: { value: 125, unit: 'perThousand' } },
    { name: 'per million', units: 6, bw: 5000, bw64: undefined, priority: 2, want: { value: 5000, unit: 'perMillion' } },
    { name: 'priority', units: 1, bw: 10_000, bw64: undefined, priority: 1, want: { value: 10_000, unit: 'kbps', priority: true } },
    { name: '64-bit value preferred', units: 1, bw: 2_000_000, bw64: 4_000_000n, priority: 2, want: { value: 4_000_000, unit: 'kbps' } },
  ])('reads the configured reservation of a class through its queueing object: $name', ({ units, bw, bw64, priority, want }) => {
    const lines: Line[] = [
      ...flat,
      ...object(100, 6, 970, 4, 2), // queueing under VIDEO
      [`${C.queueingBandwidth}.970`, bw],
      [`${C.queueingBandwidthUnits}.970`, units],
      [`${C.queueingPriorityEnabled}.970`, priority],
      ...(bw64 === undefined ? [] : [[`${C.queueingBandwidth64}.970`, bw64] as Line]),
    ];
    const { classes } = join(lines);
    expect(classes.find((c) => c.className === 'VIDEO')?.configuredBandwidth).toEqual(want);
    expect(classes.find((c) => c.className === 'DOCEX')?.configuredBandwidth).toBeUndefined();
  });

  it('ignores a queueing config with unknown units', () => {
    const { classes } = join([...flat, ...object(100, 6, 970, 4, 2), [`${C.queueingBandwidth}.970`, 5], [`${C.queueingBandwidthUnits}.970`, 9]]);
    expect(classes.find((c) => c.className === 'VIDEO')?.configuredBandwidth).toBeUndefined();
  });

  it('gives partial tables no classes and no throw (policy-map names only, like the CT5760)', () => {
    expect(join([pmName(9622304, 'def-11an'), pmName(43177498, 'def-11gn'), cmName(1593, 'class-default')])).toEqual({ classes: [], notes: [] });
    expect(join([])).toEqual({ classes: [], notes: [] });
  });

  it('notes a service policy without objects', () => {
    const { classes, notes } = join(policy(100, 5, 2));
    expect(classes).toEqual([]);
    expect(notes).toEqual(['cisco service policy 100 on ifIndex 5 has no objects: no classes']);
  });

  it('notes a service policy with an invalid direction', () => {
    const { classes, notes } = join([...flat.filter(([oid]) => !oid.startsWith(C.policyDirection)), [`${C.policyDirection}.100`, 3]]);
    expect(classes).toEqual([]);
    expect(notes[0]).toMatch(/no valid direction/);
  });

  it('notes a policy without a top-level policy-map', () => {
    const { classes, notes } = join([...policy(1, 5, 2), ...object(1, 2, 903, 2, 7), cmName(903, 'C')]);
    expect(classes).toEqual([]);
    expect(notes[0]).toMatch(/no top-level policy-map/);
  });

  it('names classes and policies by config index when their names are missing', () => {
    const { classes } = join([...policy(1, 5, 2), ...object(1, 1, 900, 1, 0), ...object(1, 2, 903, 2, 1)]);
    expect(classes[0]?.path).toBe('policy-map-900/class-map-903');
    expect(classes[0]?.className).toBe('class-map-903');
  });

  it('skips a class whose parent chain dangles or loops, with a note, and keeps the rest', () => {
    const lines: Line[] = [
      ...flat,
      ...object(100, 20, 903, 2, 99), // parent 99 does not exist
      ...object(100, 30, 903, 2, 31),
      ...object(100, 31, 903, 2, 30), // 30 ↔ 31 loop
    ];
    const { classes, notes } = join(lines);
    expect(classes).toHaveLength(3);
    expect(notes).toHaveLength(3);
    expect(notes.every((n) => /broken parent chain/.test(n))).toBe(true);
  });

  it('ignores malformed indexes instead of throwing', () => {
    const lines: Line[] = [...flat, [`${C.ifIndex}.x`, 5], [`${C.configIndex}.100`, 1], [`${C.objectsType}.100`, 2], [`${C.parentObjectsIndex}.100`, 0]];
    expect(join(lines).classes).toHaveLength(3);
  });

  it('points counterOids at the CBQoS 64-bit byte counters of the class', () => {
    const video = join(flat).classes.find((c) => c.className === 'VIDEO');
    expect(video && counterOids(video)).toEqual({
      prePolicyBytes: '1.3.6.1.4.1.9.9.166.1.15.1.1.6.100.2',
      postPolicyBytes: '1.3.6.1.4.1.9.9.166.1.15.1.1.10.100.2',
      dropBytes: '1.3.6.1.4.1.9.9.166.1.15.1.1.17.100.2',
    });
  });
});
