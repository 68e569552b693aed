// The squeeze rule (server/analysis/rule.ts; README "Reservation policies, squeeze detection and
// alerts") as a table: each condition, its edges, and the verdicts.
import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../../collector/samples.ts';
import type { EffectivePolicy } from '../../server/policies/model.ts';
import { dropRatioOf, evaluate, internetLimitBps, linkInputsOf, type LinkInput } from '../../server/analysis/rule.ts';
import type { Direction } from '../../api/schemas.ts';

const M = 1e6;

/** C = 100 Mbps, R = 10 + 20 = 30 Mbps → Internet limit 70 Mbps; highUtil 0.8, critUtil 0.95, dropRatio 0.001. */
function policy(overrides: Partial<EffectivePolicy> = {}): EffectivePolicy {
  return {
    link: 't1-hue', province: 'hue', tier: 1, capacityBps: 100 * M,
    reservationsBps: { docex: 10 * M, video: 20 * M }, reservedBps: 30 * M,
    thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 },
    from: {}, ...overrides,
  };
}

function input(totalMbps: number, internetMbps: number | undefined, protectedClasses: LinkInput['protected'] = {}): LinkInput {
  const out: LinkInput = { atMs: 1_000, link: 't1-hue', province: 'hue', tier: 1, dir: 'down', totalBps: totalMbps * M, capacityBps: 100 * M, protected: protectedClasses };
  if (internetMbps !== undefined) out.internetBps = internetMbps * M;
  return out;
}

/** Drops reported, none dropped. */
const noDrops = { docex: { sentBps: 5 * M, dropBps: 0 }, video: { sentBps: 5 * M, dropBps: 0 } };
/** Video drops 0.1 % exactly (the threshold). */
const videoAtRatio = { docex: { sentBps: 5 * M, dropBps: 0 }, video: { sentBps: 0.999 * M, dropBps: 0.001 * M } };
/** Video drops just under 0.1 %. */
const videoUnderRatio = { docex: { sentBps: 5 * M, dropBps: 0 }, video: { sentBps: 0.9991 * M, dropBps: 0.0009 * M } };

describe('evaluate', () => {
  const cases: {
    name: string; totalMbps: number; internetMbps: number; protected?: LinkInput['protected']; policy?: Partial<EffectivePolicy>;
    encroaching: boolean; busy: boolean; starved: boolean; dropsReported: boolean; level: string; encroachMbps: number;
  }[] = [
    { name: 'quiet link', totalMbps: 20, internetMbps: 10, encroaching: false, busy: false, starved: false, dropsReported: false, level: 'ok', encroachMbps: 0 },
    { name: 'Internet exactly at C − R is not encroaching', totalMbps: 85, internetMbps: 70, encroaching: false, busy: true, starved: false, dropsReported: false, level: 'ok', encroachMbps: 0 },
    { name: 'Internet just above C − R, link not busy', totalMbps: 79, internetMbps: 71, encroaching: true, busy: false, starved: false, dropsReported: false, level: 'ok', encroachMbps: 1 },
    { name: 'busy without encroaching', totalMbps: 90, internetMbps: 60, encroaching: false, busy: true, starved: false, dropsReported: false, level: 'ok', encroachMbps: 0 },
    { name: 'encroaching and T exactly highUtil·C → warning', totalMbps: 80, internetMbps: 75, encroaching: true, busy: true, starved: false, dropsReported: false, level: 'warning', encroachMbps: 5 },
    { name: 'encroaching and T just below highUtil·C → ok', totalMbps: 79.99, internetMbps: 75, encroaching: true, busy: false, starved: false, dropsReported: false, level: 'ok', encroachMbps: 5 },
    { name: 'no drop counters: encroaching and T exactly critUtil·C → critical', totalMbps: 95, internetMbps: 80, encroaching: true, busy: true, starved: false, dropsReported: false, level: 'critical', encroachMbps: 10 },
    { name: 'no drop counters: T just under critUtil·C → warning', totalMbps: 94.9, internetMbps: 80, encroaching: true, busy: true, starved: false, dropsReported: false, level: 'warning', encroachMbps: 10 },
    { name: 'drops reported and none: T ≥ critUtil·C stays warning', totalMbps: 99, internetMbps: 80, protected: noDrops, encroaching: true, busy: true, starved: false, dropsReported: true, level: 'warning', encroachMbps: 10 },
    { name: 'starved while encroaching → critical (drop ratio exactly dropRatio)', totalMbps: 90, internetMbps: 80, protected: videoAtRatio, encroaching: true, busy: true, starved: true, dropsReported: true, level: 'critical', encroachMbps: 10 },
    { name: 'drop ratio just under dropRatio → warning', totalMbps: 90, internetMbps: 80, protected: videoUnderRatio, encroaching: true, busy: true, starved: false, dropsReported: true, level: 'warning', encroachMbps: 10 },
    { name: 'starved while encroaching, not busy → critical', totalMbps: 75, internetMbps: 72, protected: videoAtRatio, encroaching: true, busy: false, starved: true, dropsReported: true, level: 'critical', encroachMbps: 2 },
    { name: 'starved without encroaching → ok (the link is simply full of reserved traffic)', totalMbps: 99, internetMbps: 50, protected: videoAtRatio, encroaching: false, busy: true, starved: true, dropsReported: true, level: 'ok', encroachMbps: 0 },
    { name: 'above the Internet cap → encroaching', totalMbps: 85, internetMbps: 51, policy: { internetCapBps: 50 * M }, encroaching: true, busy: true, starved: false, dropsReported: false, level: 'warning', encroachMbps: 1 },
    { name: 'exactly at the Internet cap → not encroaching', totalMbps: 85, internetMbps: 50, policy: { internetCapBps: 50 * M }, encroaching: false, busy: true, starved: false, dropsReported: false, level: 'ok', encroachMbps: 0 },
    { name: 'a cap above C − R changes nothing', totalMbps: 85, internetMbps: 75, policy: { internetCapBps: 90 * M }, encroaching: true, busy: true, starved: false, dropsReported: false, level: 'warning', encroachMbps: 5 },
    { name: 'a larger reservation turns the same traffic into warning', totalMbps: 85, internetMbps: 65, policy: { reservationsBps: { docex: 20 * M, video: 20 * M }, reservedBps: 40 * M }, encroaching: true, busy: true, starved: false, dropsReported: false, level: 'warning', encroachMbps: 5 },
    { name: 'thresholds come from the policy (highUtil 0.6)', totalMbps: 65, internetMbps: 75, policy: { thresholds: { highUtil: 0.6, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 } }, encroaching: true, busy: true, starved: false, dropsReported: false, level: 'warning', encroachMbps: 5 },
    { name: 'a class with no traffic and no drops is not starved', totalMbps: 90, internetMbps: 80, protected: { video: { sentBps: 0, dropBps: 0 } }, encroaching: true, busy: true, starved: false, dropsReported: true, level: 'warning', encroachMbps: 10 },
  ];

  it.each(cases)('$name', (c) => {
    const verdict = evaluate(input(c.totalMbps, c.internetMbps, c.protected ?? {}), policy(c.policy), 7);
    expect(verdict).toBeDefined();
    expect(verdict?.conditions).toEqual({ encroaching: c.encroaching, busy: c.busy, starved: c.starved, dropsReported: c.dropsReported });
    expect(verdict?.level).toBe(c.level);
    expect(verdict?.encroachBps).toBeCloseTo(c.encroachMbps * M, 0);
    expect(verdict?.policyRevision).toBe(7);
  });

  it('gives no verdict without an internet class sample', () => {
    expect(evaluate(input(99, undefined), policy())).toBeUndefined();
  });

  it('reports the figures it judged on', () => {
    const verdict = evaluate(input(90, 80, videoAtRatio), policy());
    expect(verdict).toMatchObject({ atMs: 1_000, link: 't1-hue', province: 'hue', tier: 1, dir: 'down', totalBps: 90 * M, internetBps: 80 * M, capacityBps: 100 * M, reservedBps: 30 * M });
    expect(verdict?.dropRatio.docex).toBe(0);
    expect(verdict?.dropRatio.video).toBeCloseTo(0.001, 9);
  });
});

describe('helpers', () => {
  it('dropRatioOf', () => {
    expect(dropRatioOf(0, 0)).toBe(0);
    expect(dropRatioOf(999, 1)).toBe(0.001);
    expect(dropRatioOf(0, 5)).toBe(1);
  });

  it('internetLimitBps: C − R, or the cap when lower', () => {
    expect(internetLimitBps({ capacityBps: 100, reservedBps: 30 })).toBe(70);
    expect(internetLimitBps({ capacityBps: 100, reservedBps: 30, internetCapBps: 50 })).toBe(50);
    expect(internetLimitBps({ capacityBps: 100, reservedBps: 30, internetCapBps: 80 })).toBe(70);
  });

  it('linkInputsOf groups a poll by link and direction, sums classes, keeps drops only where reported', () => {
    const s = (link: string, dir: Direction, cls: LinkSample['class'], bps: number, dropBps?: number): LinkSample => {
      const out: LinkSample = { atMs: 5, intervalMs: 1, link, province: 'hue', tier: 2, dir, class: cls, bitsPerSecond: bps, capacityBps: 1_000, utilization: bps / 1_000 };
      if (dropBps !== undefined) out.dropBitsPerSecond = dropBps;
      return out;
    };
    const inputs = linkInputsOf([
      s('a', 'down', 'total', 900), s('a', 'down', 'internet', 600), s('a', 'down', 'video', 100, 3), s('a', 'down', 'docex', 50), s('a', 'down', 'other', 150),
      s('a', 'up', 'total', 100),
      s('b', 'down', 'internet', 10), // no total: left out
    ]);
    expect(inputs).toEqual([
      { atMs: 5, link: 'a', province: 'hue', tier: 2, dir: 'down', totalBps: 900, capacityBps: 1_000, internetBps: 600, protected: { video: { sentBps: 100, dropBps: 3 }, docex: { sentBps: 50 } } },
      { atMs: 5, link: 'a', province: 'hue', tier: 2, dir: 'up', totalBps: 100, capacityBps: 1_000, protected: {} },
    ]);
  });

  it('linkInputsOf joins a link direction whose samples are apart, in the order each first appears, summing repeated classes', () => {
    const s = (link: string, dir: Direction, cls: LinkSample['class'], bps: number, dropBps?: number): LinkSample => {
      const out: LinkSample = { atMs: 5, intervalMs: 1, link, province: 'hue', tier: 2, dir, class: cls, bitsPerSecond: bps, capacityBps: 1_000, utilization: bps / 1_000 };
      if (dropBps !== undefined) out.dropBitsPerSecond = dropBps;
      return out;
    };
    const inputs = linkInputsOf([
      s('b', 'up', 'internet', 10),
      s('a', 'down', 'video', 100),
      s('b', 'up', 'total', 50),
      s('a', 'down', 'total', 900),
      s('b', 'down', 'total', 70),
      s('a', 'down', 'video', 20, 2), // a second video class: sent summed, drops from where reported
      s('b', 'up', 'internet', 5),
      s('a', 'down', 'internet', 600),
    ]);
    expect(inputs).toEqual([
      { atMs: 5, link: 'b', province: 'hue', tier: 2, dir: 'up', totalBps: 50, capacityBps: 1_000, internetBps: 15, protected: {} },
      { atMs: 5, link: 'a', province: 'hue', tier: 2, dir: 'down', totalBps: 900, capacityBps: 1_000, internetBps: 600, protected: { video: { sentBps: 120, dropBps: 2 } } },
      { atMs: 5, link: 'b', province: 'hue', tier: 2, dir: 'down', totalBps: 70, capacityBps: 1_000, protected: {} },
    ]);
  });
});
