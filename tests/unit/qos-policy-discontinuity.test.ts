// Cisco's cbQosPolicyDiscontinuityTime in the class counter rules: the pure decision, the
// interval it refuses, the baseline that keeps it, and the policy row a Cisco class is read under.
import { describe, expect, it } from 'vitest';
import { measureClassInterval, policyDiscontinuity, type ClassReading } from '../../collector/qos/counters.ts';
import { ClassBaselines } from '../../collector/qos/baselines.ts';
import { CISCO_POLICY_DISCONTINUITY_TIME, ciscoPolicyRowOf } from '../../collector/discovery/cisco-cbqos.ts';
import { ClassSampler, MAX_POLICY_ROWS } from '../../collector/qos/class-samples.ts';
import { buildQosPlan, type QosPlan } from '../../collector/qos/plan.ts';
import { encodeArcs } from '../../collector/snmp/ber.ts';
import type { ColumnWalk, SnmpSession } from '../../collector/snmp/index.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { ciscoClass, discoveredInterface, discoveryOf, planLink, testClassifier } from '../helpers/qos-fixture.ts';

describe('policyDiscontinuity', () => {
  it.each([
    ['the same time', 12_345, 12_345, false],
    ['the same time, 0 (none since the agent started)', 0, 0, false],
    ['a changed time', 0, 3_100, true],
    ['a time that went back', 3_100, 200, true],
    ['a time that appeared', undefined, 3_100, true],
    ['a time that appeared as 0', undefined, 0, true],
    ['a time that went away', 3_100, undefined, true],
    ['no time on either reading (other vendors): the other rules decide', undefined, undefined, false],
  ] as const)('%s: %s → %s gives %s', (_what, prevCs, currCs, expected) => {
    expect(policyDiscontinuity(prevCs, currCs)).toBe(expected);
  });
});

const reading = (atMs: number, postOctets: number, policyDiscontinuityCs: number | undefined): ClassReading => ({
  atMs,
  sysUpTimeCs: atMs / 10,
  postOctets,
  preOctets: postOctets + 100,
  dropOctets: 100,
  policyDiscontinuityCs,
});

describe('measureClassInterval with the policy discontinuity time', () => {
  const opts = { maxGapMs: 180_000 };

  it('a moved time gives no interval, though sysUpTime and every counter went forward', () => {
    expect(measureClassInterval(reading(60_000, 1_000, 0), reading(120_000, 900_000, 3_100), opts)).toEqual({ ok: false, reason: 'discontinuity-time' });
  });

  it('a time on one reading only gives no interval', () => {
    expect(measureClassInterval(reading(60_000, 1_000, undefined), reading(120_000, 2_000, 0), opts)).toEqual({ ok: false, reason: 'discontinuity-time' });
    expect(measureClassInterval(reading(60_000, 1_000, 0), reading(120_000, 2_000, undefined), opts)).toEqual({ ok: false, reason: 'discontinuity-time' });
  });

  it('the same time, or none on both: the interval as before', () => {
    const expected = { ok: true, intervalMs: 60_000, postOctets: 1_000, preOctets: 1_000, dropOctets: 0 };
    expect(measureClassInterval(reading(60_000, 1_000, 3_100), reading(120_000, 2_000, 3_100), opts)).toEqual(expected);
    expect(measureClassInterval(reading(60_000, 1_000, undefined), reading(120_000, 2_000, undefined), opts)).toEqual(expected);
  });

  it('the clock rules come first: a gap too long is reported as such', () => {
    expect(measureClassInterval(reading(60_000, 1_000, 0), reading(600_000, 2_000, 3_100), opts)).toEqual({ ok: false, reason: 'gap-too-long' });
  });
});

describe('ClassBaselines keeps the policy discontinuity time', () => {
  it('present, absent, and beside a counter past 2^53', () => {
    const baselines = new ClassBaselines(3);
    baselines.set(0, reading(1_000, 5, 3_100));
    baselines.set(1, reading(1_000, 5, undefined));
    baselines.set(2, { ...reading(1_000, 5, 0), postOctets: 2n ** 60n });
    const into = reading(0, 0, 42);
    expect(baselines.get(0, into)?.policyDiscontinuityCs).toBe(3_100);
    expect(baselines.get(1, into)?.policyDiscontinuityCs).toBeUndefined();
    expect(baselines.get(2, reading(0, 0, undefined))?.policyDiscontinuityCs).toBe(0);
  });

  it('carried to another plan with the rest of the reading', () => {
    const from = new ClassBaselines(1);
    from.set(0, reading(1_000, 5, 700));
    const to = new ClassBaselines(2);
    to.copyFrom(from, 0, 1);
    expect(to.get(1, reading(0, 0, undefined))?.policyDiscontinuityCs).toBe(700);
  });
});

describe('ciscoPolicyRowOf', () => {
  it('the policyIndex of policyIndex.objectsIndex; nothing for another shape', () => {
    expect(ciscoPolicyRowOf('719614.473480627')).toBe('719614');
    expect(ciscoPolicyRowOf('719614')).toBeUndefined();
    expect(ciscoPolicyRowOf('7.2.0.0.12')).toBeUndefined();
    expect(ciscoPolicyRowOf('a.1')).toBeUndefined();
  });
});

const links = [planLink('cb', 'Gi0/1', { province: 'hue', capacityBps: 10_000_000, downIs: 'out' })];
const ciscoPlan = (): QosPlan =>
  buildQosPlan({
    device: 'r1',
    discovery: discoveryOf(
      [discoveredInterface(1, 'Gi0/1', undefined, 10)],
      [
        ciscoClass(1, 'output', 'OUT/DOCEX', '7.1'),
        ciscoClass(1, 'output', 'OUT/class-default', '7.4'),
        ciscoClass(1, 'input', 'IN/DOCEX', '12.1'),
        ciscoClass(1, 'input', 'IN/class-default', '12.2'),
      ],
    ),
    links,
    classifier: testClassifier,
  });

describe('the class walk reads each Cisco policy’s discontinuity time', () => {
  const sampler = () => new ClassSampler({ links, intervalMs: 10_000, maxUtilization: 1.1, log: captureLog().log, now: () => 0 });
  const page = { atMs: 5_000, scalars: new Map([['1.3.6.1.2.1.1.3.0', 500]]) };
  const walked: ColumnWalk = { scalars: page.scalars, scalarsAtMs: 5_000, atMs: 5_000, requests: 1, varbinds: 0, maxRowsPerColumn: 0 };

  it('Cisco classes carry their policy row; the walk ends with cbQosPolicyDiscontinuityTime, walked once', () => {
    const plan = ciscoPlan();
    expect(plan.counterMembers.map((m) => m.policyRow)).toEqual(['7', '7', '12', '12']);
    const walk = sampler().joinable(plan)!;
    expect(walk.columns.at(-1)).toBe(CISCO_POLICY_DISCONTINUITY_TIME);
    expect(walk.columns.filter((c) => c === CISCO_POLICY_DISCONTINUITY_TIME)).toHaveLength(1);
    // 2 policies × 3 counter columns, then the policies' column.
    expect(walk.columns).toHaveLength(7);
  });

  it('each member takes its own policy’s time; a policy the plan does not poll is passed over; a policy without a row has none', () => {
    const plan = ciscoPlan();
    const walk = sampler().joinable(plan)!.start();
    const row = (text: string) => encodeArcs(text);
    const feed = (column: number, index: string, value: number | bigint) => {
      const buf = row(index);
      walk.sink(column, buf, 0, buf.length, value, page);
    };
    const policyColumn = 6;
    // Every class's post, pre and drop counters (columns by policy: 7's three, then 12's, or the other way).
    const columns = sampler().joinable(plan)!.columns;
    columns.forEach((column, c) => {
      if (c === policyColumn) return;
      const policy = column.split('.').at(-1)!;
      for (const object of policy === '7' ? ['1', '4'] : ['1', '2']) feed(c, object, 1_000n);
    });
    // The device's policies 3, 7, 9; none for 12.
    feed(policyColumn, '3', 111);
    feed(policyColumn, '7', 3_100);
    feed(policyColumn, '9', 999);
    const reads = walk.finish(walked).reads!;
    const byRow = plan.counterMembers.map((m) => [m.policyRow, reads.get(m)?.policyDiscontinuityCs]);
    expect(byRow).toEqual([
      ['7', 3_100],
      ['7', 3_100],
      ['12', undefined],
      ['12', undefined],
    ]);
  });

  it('a planned policy missing from the column is passed over, the next one still found', () => {
    const plan = ciscoPlan();
    const joinable = sampler().joinable(plan)!;
    const walk = joinable.start();
    const feed = (column: number, index: string, value: number | bigint) => {
      const buf = encodeArcs(index);
      walk.sink(column, buf, 0, buf.length, value, page);
    };
    joinable.columns.forEach((column, c) => {
      if (column === CISCO_POLICY_DISCONTINUITY_TIME) return;
      for (const object of column.endsWith('.7') ? ['1', '4'] : ['1', '2']) feed(c, object, 1_000n);
    });
    // No row for 7: the device's policies are 3 and 12.
    feed(6, '3', 111);
    feed(6, '12', 4_200);
    const reads = walk.finish(walked).reads!;
    expect(plan.counterMembers.map((m) => reads.get(m)?.policyDiscontinuityCs)).toEqual([undefined, undefined, 4_200, 4_200]);
  });

  it('Huawei and Juniper classes have no policy row and no such column', () => {
    const plan = buildQosPlan({
      device: 'r1',
      discovery: discoveryOf(
        [discoveredInterface(1, 'Gi0/1', undefined, 10)],
        [
          { ...ciscoClass(1, 'output', 'OUT/DOCEX', '1.2.0.0.5'), vendor: 'huawei' },
          { ...ciscoClass(1, 'input', 'queues/DOCEX', '1.3'), vendor: 'juniper' },
        ],
      ),
      links,
      classifier: testClassifier,
    });
    expect(plan.counterMembers.length).toBe(2);
    expect(plan.counterMembers.map((m) => m.policyRow)).toEqual([undefined, undefined]);
    expect(sampler().joinable(plan)!.columns).not.toContain(CISCO_POLICY_DISCONTINUITY_TIME);
  });
});

describe('an agent that fails on cbQosPolicyDiscontinuityTime', () => {
  /** A net-snmp session stand-in: genErr for a request asking the policies' column, else every column empty. */
  function failingOnPolicies() {
    const asked: string[][] = [];
    const session = {
      getBulk(oids: string[], nonRepeaters: number, _maxRepetitions: number, callback: (error: Error | null, varbinds?: unknown[]) => void): void {
        asked.push(oids);
        if (oids.includes(CISCO_POLICY_DISCONTINUITY_TIME)) {
          callback(new Error('genErr'));
          return;
        }
        const scalars = oids.slice(0, nonRepeaters).map(() => ({ oid: '1.3.6.1.2.1.1.3.0', type: 67, value: 500 }));
        // Each column ends at once: the next OID is outside it.
        callback(null, [...scalars, ...oids.slice(nonRepeaters).map(() => [{ oid: '1.3.6.1.4.1.9.9.166.1.16', type: 2, value: 0 }])]);
      },
    };
    return { open: { session: session as unknown as SnmpSession, target: 'r1:161' }, asked };
  }

  it('the plan reads its counters without it from the next poll on (logged once)', async () => {
    const { log, lines } = captureLog();
    const s = new ClassSampler({ links, intervalMs: 10_000, maxUtilization: 1.1, log, now: () => 0 });
    const plan = ciscoPlan();
    const { open, asked } = failingOnPolicies();
    expect((await s.read(open, plan)).reads).toBeUndefined();
    expect(lines.some((l) => String(l.msg).includes('cbQosPolicyDiscontinuityTime no longer read'))).toBe(true);
    const second = await s.read(open, plan);
    expect(second.reads).toBeDefined();
    expect(asked.at(-1)).not.toContain(CISCO_POLICY_DISCONTINUITY_TIME);
    // Nor in the joint walk.
    expect(s.joinable(plan)!.columns).not.toContain(CISCO_POLICY_DISCONTINUITY_TIME);
  });
});

describe('a device with more service policies than MAX_POLICY_ROWS', () => {
  it('the column is learnt too long and no longer walked for this plan', () => {
    const s = new ClassSampler({ links, intervalMs: 10_000, maxUtilization: 1.1, log: captureLog().log, now: () => 0 });
    const plan = ciscoPlan();
    const joinable = s.joinable(plan)!;
    const policyColumn = joinable.columns.indexOf(CISCO_POLICY_DISCONTINUITY_TIME);
    const walk = joinable.start();
    const page = { atMs: 0, scalars: new Map() };
    for (let p = 1; p <= MAX_POLICY_ROWS + 1; p++) {
      const buf = encodeArcs(String(p));
      walk.sink(policyColumn, buf, 0, buf.length, 0, page);
    }
    walk.finish({ scalars: page.scalars, scalarsAtMs: 0, atMs: 0, requests: 1, varbinds: 0, maxRowsPerColumn: MAX_POLICY_ROWS + 1 });
    expect(s.joinable(plan)!.columns).not.toContain(CISCO_POLICY_DISCONTINUITY_TIME);
    // At MAX_POLICY_ROWS it would still have been read: a fresh plan is.
    expect(s.joinable(ciscoPlan())!.columns).toContain(CISCO_POLICY_DISCONTINUITY_TIME);
  });
});
