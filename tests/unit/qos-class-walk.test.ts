// Where the class counters are walked: each class's three counter columns under its policy
// (Cisco), interface and direction (Huawei) or interface (Juniper), and the requests those
// walks are cut into.
import { describe, expect, it } from 'vitest';
import { counterOids, counterWalk, statsIndexOfWalk, type QosVendor } from '../../collector/discovery/model.ts';
import { classWalkOf } from '../../collector/qos/class-samples.ts';
import type { CounterMember } from '../../collector/qos/plan.ts';

describe('counterWalk', () => {
  it.each([
    ['cisco', '719614.473480627', '1.3.6.1.4.1.9.9.166.1.15.1.1.10.719614', '473480627'],
    ['huawei', '7.2.0.0.12', '1.3.6.1.4.1.2011.5.25.32.1.1.5.6.3.1.8.7.2.0.0', '12'],
    ['juniper', '513.3', '1.3.6.1.4.1.2636.3.15.4.1.9.513', '3'],
  ] as const)('%s statistics index %s: walked under %s, row %s', (vendor, statsIndex, postColumn, row) => {
    const walk = counterWalk({ vendor, statsIndex });
    expect(walk?.columns.postPolicyBytes).toBe(postColumn);
    expect(walk?.row).toBe(row);
    // The walk's row is where GET would have read the class: the same instance OIDs.
    const oids = counterOids({ vendor, statsIndex });
    for (const k of ['prePolicyBytes', 'postPolicyBytes', 'dropBytes'] as const) expect(`${walk?.columns[k]}.${walk?.row}`).toBe(oids?.[k]);
    // And back: the statistics index a walk reads.
    expect(statsIndexOfWalk(vendor, walk!)).toBe(statsIndex);
  });

  it('a one-arc statistics index (no prefix) comes back whole', () => {
    expect(statsIndexOfWalk('juniper', counterWalk({ vendor: 'juniper', statsIndex: '7' })!)).toBe('7');
  });

  it('a class without statistics is not walked', () => {
    expect(counterWalk({ vendor: 'huawei' })).toBeUndefined();
  });
});

function member(vendor: QosVendor, statsIndex: string): CounterMember {
  const walk = counterWalk({ vendor, statsIndex })!;
  return { kind: 'counters', key: `${vendor}:${statsIndex}`, oids: counterOids({ vendor, statsIndex })!, walk };
}

describe('classWalkOf', () => {
  it('one walk per policy (three columns), cut into requests without splitting a policy', () => {
    const members = [
      member('cisco', '10.1'),
      member('cisco', '10.2'),
      member('cisco', '10.3'),
      member('cisco', '20.1'),
      member('cisco', '30.1'),
      member('cisco', '30.2'),
    ];
    const walk = classWalkOf(members, 7);
    // 3 policies × 3 columns = 9 columns; 7 per request → 2 policies, then 1.
    expect(walk.chunks.map((c) => c.columns.length)).toEqual([6, 3]);
    expect(walk.chunks.map((c) => c.members.map((m) => m.key))).toEqual([['cisco:10.1', 'cisco:10.2', 'cisco:10.3', 'cisco:20.1'], ['cisco:30.1', 'cisco:30.2']]);
    expect(walk.chunks[0]?.columns).toEqual([
      '1.3.6.1.4.1.9.9.166.1.15.1.1.10.10',
      '1.3.6.1.4.1.9.9.166.1.15.1.1.6.10',
      '1.3.6.1.4.1.9.9.166.1.15.1.1.17.10',
      '1.3.6.1.4.1.9.9.166.1.15.1.1.10.20',
      '1.3.6.1.4.1.9.9.166.1.15.1.1.6.20',
      '1.3.6.1.4.1.9.9.166.1.15.1.1.17.20',
    ]);
    // Three classes under one policy at most: the first read asks for 4 rows per column.
    expect(walk.rowsPerPrefix).toBe(3);
  });

  it('a policy with more columns than a request holds still goes out whole', () => {
    expect(classWalkOf([member('juniper', '5.0')], 2).chunks.map((c) => c.columns.length)).toEqual([3]);
    expect(classWalkOf([], 48)).toEqual({ chunks: [], rowsPerPrefix: 0 });
  });
});
