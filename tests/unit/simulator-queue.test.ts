// The queue model at capacity: the pure step function and TCP's loss rate as tables, then the
// same cases through the traffic engine (Internet surge with and without QoS, a missing queue,
// reservations above capacity, a link down, a video conference, a two-ended link whose up
// direction queues at its far end).
import { describe, expect, it } from 'vitest';
import type { ServiceClass } from '../../api/schemas.ts';
import type { ClassQueue, QosStyle } from '../../simulator/sim-config.ts';
import { simClasses } from '../../simulator/sim-config.ts';
import { elasticLossRate, maxElasticLoss, queueStep, type QueueInput } from '../../simulator/traffic/queue.ts';
import { TrafficEngine, type ClassTruth, type EngineLink, type TrafficEffects } from '../../simulator/traffic/engine.ts';
import { hourMs } from '../../simulator/traffic/profile.ts';

// Classes in order: docex, video, internet, other. Internet is elastic (TCP), the others are not.
const elastic = [false, false, true, false];
const input = (qos: QosStyle, capacityOctets: number, reservedOctets: number[], demandOctets: number[]): QueueInput => ({
  qos,
  capacityOctets,
  reservedOctets,
  demandOctets,
  elastic,
});
// [case, input, arrived (pre-policy), sent (post-policy)]: dropped = arrived − sent.
const queueCases: [string, QueueInput, number[], number[]][] = [
  ['under capacity: everything is sent', input('cbqos', 1000, [200, 300, 0, 50], [100, 200, 300, 50]), [100, 200, 300, 50], [100, 200, 300, 50]],
  ['exactly at capacity: everything is sent', input('none', 1000, [0, 0, 0, 0], [100, 200, 650, 50]), [100, 200, 650, 50], [100, 200, 650, 50]],
  // Internet wants 900 of the 510 left: TCP fills the 510 and loses 2.2 % (overload 1.76).
  ['QoS, Internet surge: Internet fills the link and alone loses, a few percent', input('cbqos', 1000, [200, 300, 0, 50], [200, 250, 900, 40]), [200, 250, 521, 40], [200, 250, 510, 40]],
  ['sub-interfaces queue like CBQoS', input('subinterfaces', 1000, [200, 300, 0, 50], [200, 250, 900, 40]), [200, 250, 521, 40], [200, 250, 510, 40]],
  // docex's 100 above its reservation is best effort: it loses at the share's rate (1.4 %).
  ['QoS, docex above its reservation: its excess loses at the best-effort rate', input('cbqos', 1000, [200, 300, 0, 50], [300, 250, 600, 40]), [300, 250, 417, 40], [298, 250, 412, 40]],
  ['QoS but no queue for video: video is best effort and drops at the rate Internet does', input('cbqos', 1000, [200, 0, 0, 50], [200, 300, 800, 40]), [200, 300, 472, 40], [200, 295, 465, 40]],
  ['no QoS: every protected class loses in proportion, Internet fills the rest', input('none', 1000, [200, 300, 0, 50], [200, 300, 800, 40]), [200, 300, 474, 40], [197, 296, 468, 39]],
  // The scaled guarantees leave 1 octet: the best effort must lose 99.7 %; Internet arrives at most at its demand.
  ['reservations above capacity: the guarantees shrink together, the rest starves', input('cbqos', 1000, [800, 800, 0, 0], [700, 600, 200, 0]), [700, 600, 200, 0], [538, 461, 1, 0]],
  ['zero capacity: nothing is sent, everything offered is lost', input('cbqos', 0, [200, 300, 0, 50], [10, 20, 30, 40]), [10, 20, 30, 40], [0, 0, 0, 0]],
  ['no elastic traffic, overload: every best-effort class loses what it must', { ...input('none', 1000, [0, 0, 0, 0], [600, 600, 0, 0]), elastic: [false, false, false, false] }, [600, 600, 0, 0], [500, 500, 0, 0]],
];

describe('queueStep', () => {
  it.each(queueCases)('%s', (_name, queueInput, arrived, sent) => {
    const out = { preOctets: new Float64Array(4), sentOctets: new Float64Array(4) };
    queueStep(queueInput, out);
    expect([...out.preOctets]).toEqual(arrived);
    expect([...out.sentOctets]).toEqual(sent);
    const total = [...out.sentOctets].reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(Math.max(queueInput.capacityOctets, 0));
    for (let c = 0; c < 4; c++) {
      const [pre, post] = [out.preOctets[c]!, out.sentOctets[c]!];
      expect(Number.isInteger(pre) && Number.isInteger(post)).toBe(true);
      expect(post).toBeGreaterThanOrEqual(0);
      expect(post).toBeLessThanOrEqual(pre);
      // Nothing arrives that its users did not want; inelastic classes arrive whole.
      expect(pre).toBeLessThanOrEqual(queueInput.demandOctets[c]!);
      if (!queueInput.elastic[c]) expect(pre).toBe(queueInput.demandOctets[c]);
    }
  });
});

describe('elasticLossRate', () => {
  // [overload (demand / room), loss]
  const cases: [number, number][] = [
    [0, 0],
    [0.5, 0],
    [1, 0],
    [1.25, 0.01],
    [2, 0.025],
    [5, 0.04],
    [10, 0.045],
    [Number.POSITIVE_INFINITY, 0.05],
  ];
  it.each(cases)('overload %d → loss %d', (overload, loss) => {
    expect(elasticLossRate(overload)).toBeCloseTo(loss, 12);
  });
  it('never reaches the cap, and grows with the overload', () => {
    let previous = 0;
    for (let overload = 1; overload <= 100; overload += 0.5) {
      const loss = elasticLossRate(overload);
      expect(loss).toBeGreaterThanOrEqual(previous);
      expect(loss).toBeLessThan(maxElasticLoss);
      previous = loss;
    }
  });
});

// ---- through the engine -----------------------------------------------------------------------

/** A Tuesday, 10:00 in Vietnam (the busy hour). */
const busyMs = Date.UTC(2025, 6, 15, 3, 0, 0);
const surgeFromMs = busyMs + 10 * 60_000;
const surgeToMs = busyMs + 40 * 60_000;
const pct = (value: number): ClassQueue => ({ bandwidth: { value, unit: 'percent' } });
const policyQueues: Record<ServiceClass, ClassQueue | undefined> = { docex: pct(20), video: pct(30), internet: {}, other: pct(5) };
const shares: Record<ServiceClass, number> = { docex: 0.15, video: 0.2, internet: 0.55, other: 0.1 };

function link(qos: QosStyle, queues: Record<ServiceClass, ClassQueue | undefined> = policyQueues): EngineLink {
  return { id: 't1-test', tier: 1, capacityBps: 100e6, qos, queues, shares };
}

/** Scenario effects as S3's runner would give them: a surge, a down window, a conference. */
function effects(opts: { internetFactor?: number; downFromMs?: number; downToMs?: number; videoBps?: number }): TrafficEffects {
  const within = (atMs: number, a: number, b: number): boolean => atMs >= a && atMs < b;
  return {
    internetFactor: (_id, _dir, atMs) => (within(atMs, surgeFromMs, surgeToMs) ? (opts.internetFactor ?? 1) : 1),
    videoBps: (_id, _dir, atMs) => (within(atMs, surgeFromMs, surgeToMs) ? (opts.videoBps ?? 0) : 0),
    linkUp: (_id, atMs) => !within(atMs, opts.downFromMs ?? 0, opts.downToMs ?? 0),
  };
}

const noSurge: TrafficEffects = effects({});

function truthOf(l: EngineLink, fx: TrafficEffects, fromMs = surgeFromMs, toMs = surgeToMs): Record<ServiceClass, ClassTruth> {
  const engine = new TrafficEngine({ links: [l], seed: 17, startMs: busyMs, effects: fx });
  return engine.truth(l.id, 'down', fromMs, toMs);
}
const dropRatio = (t: ClassTruth): number => t.dropBps / t.offeredBps;
const sentTotal = (t: Record<ServiceClass, ClassTruth>): number => simClasses.reduce((s, c) => s + t[c].sentBps, 0);

describe('the queue model in the engine', () => {
  it('normal busy hour on a hot link: nothing (or almost nothing) is dropped', () => {
    const t = truthOf(link('cbqos'), effects({}));
    for (const cls of simClasses) expect(dropRatio(t[cls]), cls).toBeLessThan(0.02);
    expect(t.docex.dropBps + t.video.dropBps).toBe(0);
  });

  it('Internet surge with QoS: Internet fills the link and loses a few percent, docex and video keep everything', () => {
    const t = truthOf(link('cbqos'), effects({ internetFactor: 3 }));
    expect(dropRatio(t.internet)).toBeGreaterThan(0.005);
    expect(dropRatio(t.internet)).toBeLessThan(maxElasticLoss);
    expect(t.docex.dropBps).toBe(0);
    expect(t.video.dropBps).toBe(0);
    expect(t.docex.sentBps).toBe(t.docex.offeredBps);
    expect(sentTotal(t)).toBeGreaterThan(100e6 * 0.999);
    expect(sentTotal(t)).toBeLessThanOrEqual(100e6);
  });

  it('Internet surge without QoS: the link is full and every class drops in the same proportion', () => {
    const t = truthOf(link('none'), effects({ internetFactor: 3 }));
    const internet = dropRatio(t.internet);
    expect(internet).toBeGreaterThan(0.005);
    expect(internet).toBeLessThan(maxElasticLoss);
    for (const cls of ['docex', 'video', 'other'] as const) expect(Math.abs(dropRatio(t[cls]) - internet), cls).toBeLessThan(0.002);
    expect(sentTotal(t)).toBeGreaterThan(100e6 * 0.999);
  });

  it("a 12× surge on a full link loses a few percent, not the surge's excess (TCP backs off)", () => {
    // The demo's surge: 12 × the Internet demand on a busy link.
    const t = truthOf(link('cbqos'), effects({ internetFactor: 12 }));
    expect(t.internet.dropBps).toBeLessThan(0.05 * 100e6);
    expect(dropRatio(t.internet)).toBeGreaterThan(0.03);
    expect(dropRatio(t.internet)).toBeLessThan(maxElasticLoss);
    // Arrivals stay near the link's capacity, far below 12 × the demand.
    expect(t.internet.offeredBps).toBeLessThan(100e6);
    expect(sentTotal(t)).toBeGreaterThan(100e6 * 0.999);
  });

  it('a protected class with no queue is treated like best effort', () => {
    const t = truthOf(link('cbqos', { ...policyQueues, video: undefined }), effects({ internetFactor: 3 }));
    expect(dropRatio(t.video)).toBeGreaterThan(0.005);
    expect(Math.abs(dropRatio(t.video) - dropRatio(t.internet))).toBeLessThan(0.002);
    expect(t.docex.dropBps).toBe(0);
  });

  it('a queue without a bandwidth (like class-default) guarantees nothing', () => {
    const t = truthOf(link('cbqos', { ...policyQueues, docex: {} }), effects({ internetFactor: 3 }));
    expect(dropRatio(t.docex)).toBeGreaterThan(0.005);
    expect(t.video.dropBps).toBe(0);
  });

  it('reservations above capacity: protected classes under load share the link, Internet starves', () => {
    // 60 % + 90 % of the link; with a conference both reserved classes need more than the link.
    const t = truthOf(link('cbqos', { docex: pct(60), video: pct(90), internet: {}, other: undefined }), effects({ internetFactor: 3, videoBps: 150e6 }));
    expect(t.docex.dropBps).toBeGreaterThan(0);
    expect(t.video.dropBps).toBeGreaterThan(0);
    expect(t.docex.sentBps).toBeGreaterThan(t.docex.offeredBps * 0.9);
    // What the guarantees leave is a rounding remainder.
    expect(t.internet.sentBps + t.other.sentBps).toBeLessThan(100e6 * 0.001);
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
      for (const cls of simClasses) expect(t[cls]).toEqual({ offeredBps: 0, sentBps: 0, dropBps: 0 });
    }
    expect(engine.read(l.id, 'down', surgeToMs + 60_000).totalOctets).toBeGreaterThan(during.totalOctets);
  });

  it('a two-ended link: down queues as its near end, up as its far end', () => {
    // Near end with QoS, far end without: an upstream surge makes protected classes lose up only.
    const twoEnded: EngineLink = { ...link('cbqos'), up: { qos: 'none', queues: policyQueues } };
    const fx = effects({ internetFactor: 8 });
    const engine = new TrafficEngine({ links: [twoEnded], seed: 17, startMs: busyMs, effects: fx });
    const down = engine.truth(twoEnded.id, 'down', surgeFromMs, surgeToMs);
    const up = engine.truth(twoEnded.id, 'up', surgeFromMs, surgeToMs);
    expect(down.video.dropBps).toBe(0);
    expect(down.internet.dropBps).toBeGreaterThan(0);
    expect(up.video.dropBps).toBeGreaterThan(0);
    expect(Math.abs(dropRatio(up.video) - dropRatio(up.internet))).toBeLessThan(0.002);
    // A surge in one direction only leaves the other alone.
    const upOnly: TrafficEffects = { ...noSurge, internetFactor: (_id, dir, atMs) => (dir === 'up' && atMs >= surgeFromMs && atMs < surgeToMs ? 8 : 1) };
    const calm = new TrafficEngine({ links: [twoEnded], seed: 17, startMs: busyMs, effects: noSurge }).truth(twoEnded.id, 'down', surgeFromMs, surgeToMs);
    const surged = new TrafficEngine({ links: [twoEnded], seed: 17, startMs: busyMs, effects: upOnly });
    expect(surged.truth(twoEnded.id, 'down', surgeFromMs, surgeToMs)).toEqual(calm);
    expect(surged.truth(twoEnded.id, 'up', surgeFromMs, surgeToMs)).toEqual(up);
  });

  it('effects set later apply to steps not yet integrated', () => {
    const l = link('cbqos');
    const engine = new TrafficEngine({ links: [l], seed: 17, startMs: busyMs });
    expect(engine.truth(l.id, 'down', busyMs, surgeFromMs).internet.dropBps).toBe(0);
    engine.setEffects(effects({ internetFactor: 3 }));
    expect(engine.truth(l.id, 'down', surgeFromMs + hourMs / 60, surgeToMs).internet.dropBps).toBeGreaterThan(0);
  });
});
