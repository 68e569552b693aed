// Cisco's cbQosPolicyDiscontinuityTime in the class counter rules: the pure decision, the
// interval it refuses, the baseline that keeps it, the policy row a Cisco class is read under,
// the instances a plan asks (one per planned policy, not a column walk) and the class sampler
// taking each member's time from the poll's scalars.
import { describe, expect, it } from 'vitest';
import { measureClassInterval, policyDiscontinuity, POLICY_TIME_ABSENT, type ClassReading } from '../../collector/qos/counters.ts';
import { ClassBaselines } from '../../collector/qos/baselines.ts';
import { CISCO_POLICY_DISCONTINUITY_TIME, ciscoPolicyRowOf } from '../../collector/discovery/cisco-cbqos.ts';
import { ClassSampler, MAX_POLICY_TIMES, type ClassReads } from '../../collector/qos/class-samples.ts';
import { buildQosPlan, policyTimesOf, type QosPlan } from '../../collector/qos/plan.ts';
import type { SnmpValue } from '../../collector/snmp/index.ts';
import type { DropCounters, DropReason, PollerMetrics } from '../../collector/metrics.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { ciscoClass, discoveredInterface, discoveryOf, planLink, testClassifier } from '../helpers/qos-fixture.ts';

describe('policyDiscontinuity', () => {
  it.each([
    ['the same time', 12_345, 12_345, false],
    ['the same time, 0 (none since the agent started)', 0, 0, false],
    ['a changed time', 0, 3_100, true],
    ['a time that went back', 3_100, 200, true],
    ['a time that appeared (the policy row came)', POLICY_TIME_ABSENT, 3_100, true],
    ['a time that appeared as 0', POLICY_TIME_ABSENT, 0, true],
    ['a time that went away (the policy row went)', 3_100, POLICY_TIME_ABSENT, true],
    ['absent on both (an agent without the object): the other rules decide', POLICY_TIME_ABSENT, POLICY_TIME_ABSENT, false],
    ['no longer asked (refused, a plan past the limit): no evidence', 3_100, undefined, false],
    ['asked from now on: no evidence', undefined, 3_100, false],
    ['absent, then not asked: no evidence', POLICY_TIME_ABSENT, undefined, false],
    ['not asked on either reading (other vendors): the other rules decide', undefined, undefined, false],
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

  it('a time absent from one answer only (the policy row came or went) gives no interval', () => {
    expect(measureClassInterval(reading(60_000, 1_000, POLICY_TIME_ABSENT), reading(120_000, 2_000, 0), opts)).toEqual({ ok: false, reason: 'discontinuity-time' });
    expect(measureClassInterval(reading(60_000, 1_000, 0), reading(120_000, 2_000, POLICY_TIME_ABSENT), opts)).toEqual({ ok: false, reason: 'discontinuity-time' });
  });

  it('a time no longer asked, or asked from now on, keeps the interval', () => {
    const expected = { ok: true, intervalMs: 60_000, postOctets: 1_000, preOctets: 1_000, dropOctets: 0 };
    expect(measureClassInterval(reading(60_000, 1_000, 3_100), reading(120_000, 2_000, undefined), opts)).toEqual(expected);
    expect(measureClassInterval(reading(60_000, 1_000, undefined), reading(120_000, 2_000, 3_100), opts)).toEqual(expected);
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

const TIME = CISCO_POLICY_DISCONTINUITY_TIME;

describe('the instances a plan asks: one cbQosPolicyDiscontinuityTime per planned Cisco policy', () => {
  const sampler = () => new ClassSampler({ links, intervalMs: 10_000, maxUtilization: 1.1, log: captureLog().log, now: () => 0 });

  it('policyTimesOf: each policy once, each member its own policy’s position', () => {
    const plan = ciscoPlan();
    expect(plan.counterMembers.map((m) => m.policyRow)).toEqual(['7', '7', '12', '12']);
    const times = policyTimesOf(plan.counterMembers);
    expect(times.oids).toEqual([`${TIME}.7`, `${TIME}.12`]);
    expect([...times.ofMember]).toEqual([0, 0, 1, 1]);
  });

  it('the sampler gives the same list at every poll (one per plan); the class walk has no such column', () => {
    const s = sampler();
    const plan = ciscoPlan();
    const oids = s.policyTimeOids(plan);
    expect(oids).toEqual([`${TIME}.7`, `${TIME}.12`]);
    expect(s.policyTimeOids(plan)).toBe(oids);
    const walk = s.joinable(plan)!;
    // 2 policies × 3 counter columns, nothing else: the max-repetitions follow the class rows only.
    expect(walk.columns).toHaveLength(6);
    expect(walk.columns.some((c) => c.startsWith(TIME))).toBe(false);
  });

  it('Huawei and Juniper classes have no policy row: nothing asked', () => {
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
    expect(policyTimesOf(plan.counterMembers)).toEqual({ oids: [], ofMember: Int32Array.from([-1, -1]) });
    expect(sampler().policyTimeOids(plan)).toEqual([]);
  });

  it(`at most MAX_POLICY_TIMES (${MAX_POLICY_TIMES}) policies: a plan with more asks none`, () => {
    const planOf = (policies: number): QosPlan =>
      buildQosPlan({
        device: 'r1',
        discovery: discoveryOf(
          [discoveredInterface(1, 'Gi0/1', undefined, 10)],
          Array.from({ length: policies }, (_, p) => ciscoClass(1, p % 2 === 0 ? 'output' : 'input', `P${p}/DOCEX`, `${p + 1}.1`)),
        ),
        links,
        classifier: testClassifier,
      });
    expect(sampler().policyTimeOids(planOf(MAX_POLICY_TIMES))).toHaveLength(MAX_POLICY_TIMES);
    expect(sampler().policyTimeOids(planOf(MAX_POLICY_TIMES + 1))).toEqual([]);
  });
});

/** Drops counted by reason, for class counters only. */
class ClassDrops implements PollerMetrics {
  readonly byReason = new Map<DropReason, number>();
  sampleDropped(reason: DropReason, counters: DropCounters): void {
    if (counters === 'class') this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
  }
}

describe('the class sampler takes each member’s time from the poll’s scalars', () => {
  const capacities = new Map([['cb', 10_000_000]]);
  /** One poll at `atMs`: every member's counters at `octets`, the scalars as given. */
  function pollAt(s: ClassSampler, plan: QosPlan, atMs: number, octets: number, scalars: ReadonlyMap<string, SnmpValue> | undefined) {
    const reads: ClassReads = new Map(plan.counterMembers.map((m) => [m, reading(atMs, octets, undefined)]));
    const round = s.sample(plan, new Map(), reads, capacities, atMs, scalars);
    return { round, reads };
  }

  it('each member reads its own policy’s time; a moved time drops its policy’s classes only, a policy absent from the answer has none', () => {
    const metrics = new ClassDrops();
    const s = new ClassSampler({ links, intervalMs: 10_000, maxUtilization: 1.1, log: captureLog().log, now: () => 0, metrics });
    const plan = ciscoPlan();
    const first = pollAt(s, plan, 10_000, 1_000, new Map<string, SnmpValue>([[`${TIME}.7`, 0], [`${TIME}.12`, 500]]));
    expect(plan.counterMembers.map((m) => first.reads.get(m)?.policyDiscontinuityCs)).toEqual([0, 0, 500, 500]);
    // Policy 7's counters were reset: its time moved; 12's did not.
    const second = pollAt(s, plan, 20_000, 2_000, new Map<string, SnmpValue>([[`${TIME}.7`, 1_500], [`${TIME}.12`, 500]]));
    expect(metrics.byReason.get('discontinuity-time')).toBe(2);
    // Policy 12's two classes (the input's: Gi0/1's down is out), each its own service class.
    expect(second.round.links.map((l) => l.dir)).toEqual(['up', 'up']);
    // Policy 12 asked and absent from this answer: its classes' time went away (its row went).
    const third = pollAt(s, plan, 30_000, 3_000, new Map<string, SnmpValue>([[`${TIME}.7`, 1_500]]));
    expect(plan.counterMembers.map((m) => third.reads.get(m)?.policyDiscontinuityCs)).toEqual([1_500, 1_500, POLICY_TIME_ABSENT, POLICY_TIME_ABSENT]);
    expect(metrics.byReason.get('discontinuity-time')).toBe(4);
    expect(third.round.links.map((l) => l.dir)).toEqual(['down', 'down']);
  });

  it('no scalars (not asked): no time on any reading, the other rules decide', () => {
    const metrics = new ClassDrops();
    const s = new ClassSampler({ links, intervalMs: 10_000, maxUtilization: 1.1, log: captureLog().log, now: () => 0, metrics });
    const plan = ciscoPlan();
    pollAt(s, plan, 10_000, 1_000, undefined);
    const second = pollAt(s, plan, 20_000, 2_000, undefined);
    expect(plan.counterMembers.map((m) => second.reads.get(m)?.policyDiscontinuityCs)).toEqual([undefined, undefined, undefined, undefined]);
    expect(metrics.byReason.get('discontinuity-time')).toBeUndefined();
    expect(second.round.links).toHaveLength(4);
  });

  it('times that stop being asked (the agent refused them), then start again: every class keeps its intervals', () => {
    const metrics = new ClassDrops();
    const s = new ClassSampler({ links, intervalMs: 10_000, maxUtilization: 1.1, log: captureLog().log, now: () => 0, metrics });
    const plan = ciscoPlan();
    const asked = new Map<string, SnmpValue>([[`${TIME}.7`, 0], [`${TIME}.12`, 500]]);
    pollAt(s, plan, 10_000, 1_000, asked);
    const stopped = pollAt(s, plan, 20_000, 2_000, undefined);
    expect(stopped.round.links).toHaveLength(4);
    const again = pollAt(s, plan, 30_000, 3_000, asked);
    expect(again.round.links).toHaveLength(4);
    expect(metrics.byReason.get('discontinuity-time')).toBeUndefined();
  });
});
