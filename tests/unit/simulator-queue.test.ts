// The queue model at capacity: the pure step function as a table, then the same cases through
// the traffic engine (Internet surge with and without QoS, a missing queue, reservations above
// capacity, a link down, a video conference).
import { describe, expect, it } from 'vitest';
import type { ClassQueue, QosStyle, SimClass } from '../../simulator/sim-config.ts';
import { classOrder } from '../../simulator/traffic/classes.ts';
import { queueStep, type QueueInput } from '../../simulator/traffic/queue.ts';
import { TrafficEngine, type ClassTruth, type EngineLink, type TrafficEffects } from '../../simulator/traffic/engine.ts';
import { hourMs } from '../../simulator/traffic/profile.ts';

// Classes in order: docex, video, internet, other.
const queueCases: [string, QueueInput, number[]][] = [
  ['under capacity: everything is sent', { qos: 'cbqos', capacityOctets: 1000, reservedOctets: [200, 300, 0, 50], offeredOctets: [100, 200, 300, 50] }, [100, 200, 300, 50]],
  ['exactly at capacity: everything is sent', { qos: 'none', capacityOctets: 1000, reservedOctets: [0, 0, 0, 0], offeredOctets: [100, 200, 650, 50] }, [100, 200, 650, 50]],
  ['QoS, Internet surge: Internet alone loses', { qos: 'cbqos', capacityOctets: 1000, reservedOctets: [200, 300, 0, 50], offeredOctets: [200, 250, 900, 40] }, [200, 250, 510, 40]],
  ['sub-interfaces queue like CBQoS', { qos: 'subinterfaces', capacityOctets: 1000, reservedOctets: [200, 300, 0, 50], offeredOctets: [200, 250, 900, 40] }, [200, 250, 510, 40]],
  ['QoS, docex above its reservation: its excess shares the rest with Internet', { qos: 'cbqos', capacityOctets: 1000, reservedOctets: [200, 300, 0, 50], offeredOctets: [300, 250, 600, 40] }, [272, 250, 437, 40]],
  ['QoS but no queue for video: video is best effort and drops', { qos: 'cbqos', capacityOctets: 1000, reservedOctets: [200, 0, 0, 50], offeredOctets: [200, 300, 800, 40] }, [200, 207, 552, 40]],
  ['no QoS: every class loses in proportion', { qos: 'none', capacityOctets: 1000, reservedOctets: [200, 300, 0, 50], offeredOctets: [200, 300, 800, 40] }, [149, 223, 597, 29]],
  ['reservations above capacity: the guarantees shrink together, Internet gets nothing', { qos: 'cbqos', capacityOctets: 1000, reservedOctets: [800, 800, 0, 0], offeredOctets: [700, 600, 200, 0] }, [538, 461, 0, 0]],
  ['zero capacity: nothing is sent', { qos: 'cbqos', capacityOctets: 0, reservedOctets: [200, 300, 0, 50], offeredOctets: [10, 20, 30, 40] }, [0, 0, 0, 0]],
];

describe('queueStep', () => {
  it.each(queueCases)('%s', (_name, input, expected) => {
    const sent = new Float64Array(4);
    queueStep(input, sent);
    expect([...sent]).toEqual(expected);
    const total = [...sent].reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(Math.max(input.capacityOctets, 0));
    [...sent].forEach((s, c) => {
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(input.offeredOctets[c]!);
    });
  });
});

// ---- through the engine -----------------------------------------------------------------------

/** A Tuesday, 10:00 in Vietnam (the busy hour). */
const busyMs = Date.UTC(2025, 6, 15, 3, 0, 0);
const surgeFromMs = busyMs + 10 * 60_000;
const surgeToMs = busyMs + 40 * 60_000;
const pct = (value: number): ClassQueue => ({ bandwidth: { value, unit: 'percent' } });
const policyQueues: Record<SimClass, ClassQueue | undefined> = { docex: pct(20), video: pct(30), internet: {}, other: pct(5) };
const shares: Record<SimClass, number> = { docex: 0.15, video: 0.2, internet: 0.55, other: 0.1 };

function link(qos: QosStyle, queues: Record<SimClass, ClassQueue | undefined> = policyQueues): EngineLink {
  return { id: 't1-test', tier: 1, capacityBps: 100e6, qos, queues, shares };
}

/** Scenario effects as S3's runner would give them: a surge, a down window, a conference. */
function effects(opts: { internetFactor?: number; downFromMs?: number; downToMs?: number; videoBps?: number }): TrafficEffects {
  const within = (atMs: number, a: number, b: number): boolean => atMs >= a && atMs < b;
  return {
    internetFactor: (_id, atMs) => (within(atMs, surgeFromMs, surgeToMs) ? (opts.internetFactor ?? 1) : 1),
    videoBps: (_id, _dir, atMs) => (within(atMs, surgeFromMs, surgeToMs) ? (opts.videoBps ?? 0) : 0),
    linkUp: (_id, atMs) => !within(atMs, opts.downFromMs ?? 0, opts.downToMs ?? 0),
  };
}

function truthOf(l: EngineLink, fx: TrafficEffects, fromMs = surgeFromMs, toMs = surgeToMs): Record<SimClass, ClassTruth> {
  const engine = new TrafficEngine({ links: [l], seed: 17, startMs: busyMs, effects: fx });
  return engine.truth(l.id, 'down', fromMs, toMs);
}
const dropRatio = (t: ClassTruth): number => t.dropBps / t.offeredBps;
const sentTotal = (t: Record<SimClass, ClassTruth>): number => classOrder.reduce((s, c) => s + t[c].sentBps, 0);

describe('the queue model in the engine', () => {
  it('normal busy hour on a hot link: nothing (or almost nothing) is dropped', () => {
    const t = truthOf(link('cbqos'), effects({}));
    for (const cls of classOrder) expect(dropRatio(t[cls]), cls).toBeLessThan(0.02);
    expect(t.docex.dropBps + t.video.dropBps).toBe(0);
  });

  it('Internet surge with QoS: Internet drops, docex and video keep everything', () => {
    const t = truthOf(link('cbqos'), effects({ internetFactor: 3 }));
    expect(dropRatio(t.internet)).toBeGreaterThan(0.2);
    expect(t.docex.dropBps).toBe(0);
    expect(t.video.dropBps).toBe(0);
    expect(t.docex.sentBps).toBe(t.docex.offeredBps);
    expect(sentTotal(t)).toBeGreaterThan(100e6 * 0.999);
    expect(sentTotal(t)).toBeLessThanOrEqual(100e6);
  });

  it('Internet surge without QoS: every class drops in the same proportion', () => {
    const t = truthOf(link('none'), effects({ internetFactor: 3 }));
    const internet = dropRatio(t.internet);
    expect(internet).toBeGreaterThan(0.2);
    for (const cls of ['docex', 'video', 'other'] as const) expect(Math.abs(dropRatio(t[cls]) - internet), cls).toBeLessThan(0.002);
  });

  it('a protected class with no queue is treated like best effort', () => {
    const t = truthOf(link('cbqos', { ...policyQueues, video: undefined }), effects({ internetFactor: 3 }));
    expect(dropRatio(t.video)).toBeGreaterThan(0.2);
    expect(Math.abs(dropRatio(t.video) - dropRatio(t.internet))).toBeLessThan(0.002);
    expect(t.docex.dropBps).toBe(0);
  });

  it('a queue without a bandwidth (like class-default) guarantees nothing', () => {
    const t = truthOf(link('cbqos', { ...policyQueues, docex: {} }), effects({ internetFactor: 3 }));
    expect(dropRatio(t.docex)).toBeGreaterThan(0.2);
    expect(t.video.dropBps).toBe(0);
  });

  it('reservations above capacity: protected classes under load share the link, Internet starves', () => {
    // 60 % + 90 % of the link; with a conference both reserved classes need more than the link.
    const t = truthOf(link('cbqos', { docex: pct(60), video: pct(90), internet: {}, other: undefined }), effects({ internetFactor: 3, videoBps: 150e6 }));
    expect(t.docex.dropBps).toBeGreaterThan(0);
    expect(t.video.dropBps).toBeGreaterThan(0);
    expect(t.docex.sentBps).toBeGreaterThan(t.docex.offeredBps * 0.9);
    expect(t.internet.sentBps).toBe(0);
    expect(t.other.sentBps).toBe(0);
    expect(sentTotal(t)).toBeGreaterThan(100e6 * 0.999);
  });

  it('reservations in kbps work like the same reservations in percent', () => {
    const kbps = (value: number): ClassQueue => ({ bandwidth: { value, unit: 'kbps' } });
    const inKbps = truthOf(link('cbqos', { docex: kbps(20_000), video: kbps(30_000), internet: {}, other: kbps(5_000) }), effects({ internetFactor: 3 }));
    expect(inKbps).toEqual(truthOf(link('cbqos'), effects({ internetFactor: 3 })));
    expect(inKbps.internet.dropBps).toBeGreaterThan(0);
  });

  it('a video conference adds offered video; with QoS it fits in the reservation', () => {
    const quiet = truthOf(link('cbqos'), effects({}));
    const conference = truthOf(link('cbqos'), effects({ videoBps: 8e6 }));
    expect(conference.video.offeredBps - quiet.video.offeredBps).toBeCloseTo(8e6, -2);
    expect(conference.video.dropBps).toBe(0);
  });

  it('a link down carries nothing: counters stand still, then move on', () => {
    const l = link('cbqos');
    const engine = new TrafficEngine({ links: [l], seed: 17, startMs: busyMs, effects: effects({ downFromMs: surgeFromMs, downToMs: surgeToMs }) });
    const before = engine.read(l.id, 'down', surgeFromMs);
    const during = engine.read(l.id, 'down', surgeToMs);
    expect(during).toEqual(before);
    expect(before.totalOctets).toBeGreaterThan(0n);
    for (const dir of ['down', 'up'] as const) {
      const t = engine.truth(l.id, dir, surgeFromMs, surgeToMs);
      for (const cls of classOrder) expect(t[cls]).toEqual({ offeredBps: 0, sentBps: 0, dropBps: 0 });
    }
    expect(engine.read(l.id, 'down', surgeToMs + 60_000).totalOctets).toBeGreaterThan(during.totalOctets);
  });

  it('effects set later apply to steps not yet integrated', () => {
    const l = link('cbqos');
    const engine = new TrafficEngine({ links: [l], seed: 17, startMs: busyMs });
    expect(engine.truth(l.id, 'down', busyMs, surgeFromMs).internet.dropBps).toBe(0);
    engine.setEffects(effects({ internetFactor: 3 }));
    expect(engine.truth(l.id, 'down', surgeFromMs + hourMs / 60, surgeToMs).internet.dropBps).toBeGreaterThan(0);
  });
});
