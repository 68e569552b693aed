// The Analyzer on a real LiveBus, fed PollBatches as the collector publishes them (total and
// per-class samples of both directions): an Internet surge raises warning after raiseAfter
// samples, critical once protected classes drop, back to ok after clearAfter; a province is
// the worst of its links; a policy change saved in the real PolicyStore applies from the next
// sample; linkState points.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { Direction } from '../../api/schemas.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import type { LinkStateChange } from '../../server/analysis/model.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import { openTempPolicyStore, type TempPolicyStore } from '../helpers/policy-store.ts';

const M = 1e6;

/**
 * The policy every test starts from, as policies.yaml: 10 % docex and 20 % video on every link,
 * the default thresholds written out. The real PolicyStore computes each link's effective policy from it.
 */
const policiesYaml = [
  'defaults:',
  '  reservations: { docex: { percent: 10 }, video: { percent: 20 } }',
  '  thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 }',
  'tiers: {}',
  'provinces: {}',
  'links: {}',
  '',
].join('\n');

interface Traffic {
  totalBps: number;
  internetBps?: number;
  docex?: { bps: number; dropBps?: number };
  video?: { bps: number; dropBps?: number };
}

let config: LanewatchConfig;
beforeAll(() => {
  config = loadConfig(defaultConfigDir);
});

/** The samples one poll of a link yields: both directions, total and each class ('up' quiet). */
function linkSamples(linkId: string, atMs: number, down: Traffic, up: Traffic = { totalBps: 1 * M, internetBps: 0.5 * M }): LinkSample[] {
  const link = config.topology.links.find((l) => l.id === linkId)!;
  const capacityBps = link.capacityBps!;
  const out: LinkSample[] = [];
  const push = (dir: Direction, cls: LinkSample['class'], bps: number, dropBps?: number) => {
    const s: LinkSample = { atMs, intervalMs: 5_000, link: linkId, province: link.province, tier: link.tier, dir, class: cls, bitsPerSecond: bps, capacityBps, utilization: bps / capacityBps };
    if (dropBps !== undefined) s.dropBitsPerSecond = dropBps;
    out.push(s);
  };
  for (const [dir, t] of [['down', down], ['up', up]] as const) {
    push(dir, 'total', t.totalBps);
    if (t.internetBps !== undefined) push(dir, 'internet', t.internetBps, 0);
    push(dir, 'docex', t.docex?.bps ?? 0, t.docex?.dropBps ?? 0);
    push(dir, 'video', t.video?.bps ?? 0, t.video?.dropBps ?? 0);
  }
  return out;
}

function batch(device: string, links: LinkSample[]): PollBatch {
  const atMs = links[0]?.atMs ?? 0;
  return { poll: { atMs, device, province: 'ha-noi', ok: true, latencyMs: 3, varbinds: 40 }, links, interfaces: [] };
}

// t1-hue: 1 Gbps, R = 10 % + 20 % → Internet limit 700 Mbps; busy at 800 Mbps.
const quiet: Traffic = { totalBps: 300 * M, internetBps: 150 * M, docex: { bps: 50 * M }, video: { bps: 80 * M } };
const surge: Traffic = { totalBps: 880 * M, internetBps: 720 * M, docex: { bps: 60 * M }, video: { bps: 90 * M } };
const surgeDropping: Traffic = { ...surge, video: { bps: 90 * M, dropBps: 1 * M } };

describe('Analyzer', () => {
  let bus: LiveBus;
  let policies: TempPolicyStore;
  let analyzer: Analyzer;
  let points: StorePoint[];
  let changes: LinkStateChange[];
  let batches: LinkStateChange[][];
  let atMs: number;

  const publishHue = (down: Traffic, up?: Traffic) => {
    atMs += 5_000;
    bus.publish(batch('hn-core-1', linkSamples('t1-hue', atMs, down, up)));
  };
  const levelOf = (link: string, dir: Direction = 'down') => analyzer.view().links.find((s) => s.link === link && s.dir === dir)?.level;
  const province = (id: string) => analyzer.view().provinces.find((p) => p.province === id);

  beforeEach(async () => {
    bus = new LiveBus((err) => {
      throw err;
    });
    policies = await openTempPolicyStore({ topology: config.topology, policiesYaml });
    points = [];
    changes = [];
    batches = [];
    atMs = 1_700_000_000_000;
    analyzer = new Analyzer({ config, bus, policies: policies.store, log: pino({ level: 'silent' }), now: () => atMs, writePoints: (p) => points.push(...p) });
    analyzer.onStateChange((c) => changes.push(c));
    // A batch's state changes, for the batches that changed one (links first seen move too, with no change).
    analyzer.onBatchStates((_moved, c) => {
      if (c.length > 0) batches.push(c);
    });
    analyzer.start();
  });

  afterEach(() => {
    analyzer.stop();
    policies.close();
  });

  it('surge → warning after raiseAfter, critical with protected drops, ok after clearAfter', () => {
    publishHue(quiet);
    expect(levelOf('t1-hue')).toBe('ok');
    publishHue(surge);
    publishHue(surge);
    expect(levelOf('t1-hue')).toBe('ok');
    expect(changes).toEqual([]);
    publishHue(surge);
    expect(levelOf('t1-hue')).toBe('warning');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ link: 't1-hue', province: 'hue', tier: 1, dir: 'down', from: 'ok', to: 'warning', atMs });
    expect(changes[0]?.verdict).toMatchObject({ level: 'warning', encroachBps: 20 * M, conditions: { encroaching: true, busy: true, starved: false, dropsReported: true } });

    publishHue(surgeDropping);
    publishHue(surgeDropping);
    expect(levelOf('t1-hue')).toBe('warning');
    publishHue(surgeDropping);
    expect(levelOf('t1-hue')).toBe('critical');
    expect(changes.map((c) => `${c.from}→${c.to}`)).toEqual(['ok→warning', 'warning→critical']);
    expect(province('hue')).toEqual({ province: 'hue', level: 'critical', worst: [{ link: 't1-hue', dir: 'down', level: 'critical' }] });
    // The other direction and the other provinces stay ok.
    expect(levelOf('t1-hue', 'up')).toBe('ok');
    expect(analyzer.view().provinces.filter((p) => p.level !== 'ok').map((p) => p.province)).toEqual(['hue']);
    expect(analyzer.view().provinces).toHaveLength(34);

    for (let i = 0; i < 4; i += 1) publishHue(quiet);
    expect(levelOf('t1-hue')).toBe('critical');
    publishHue(quiet);
    expect(levelOf('t1-hue')).toBe('ok');
    expect(changes.map((c) => `${c.from}→${c.to}`)).toEqual(['ok→warning', 'warning→critical', 'critical→ok']);
    expect(batches.map((b) => b.length)).toEqual([1, 1, 1]);
    expect(province('hue')).toEqual({ province: 'hue', level: 'ok', worst: [] });
  });

  it('after a restart, a link with an open episode resumes its level: clean samples resolve it, a squeeze goes on without a new raise', () => {
    analyzer.stop();
    const resumeLevels = new Map([['t1-hue|down', 'critical' as const], ['t1-hue|up', 'warning' as const]]);
    analyzer = new Analyzer({ config, bus, policies: policies.store, log: pino({ level: 'silent' }), now: () => atMs, resumeLevels });
    analyzer.onStateChange((c) => changes.push(c));
    analyzer.start();
    // Still squeezed downward: no change (the open episode goes on); upward is clean.
    publishHue(surgeDropping, { totalBps: 300 * M, internetBps: 150 * M });
    expect(levelOf('t1-hue')).toBe('critical');
    expect(levelOf('t1-hue', 'up')).toBe('warning');
    expect(changes).toEqual([]);
    for (let i = 0; i < 4; i += 1) publishHue(quiet, { totalBps: 300 * M, internetBps: 150 * M });
    expect(changes.map((c) => `${c.dir}:${c.from}→${c.to}`)).toEqual(['up:warning→ok']);
    publishHue(quiet);
    expect(changes.map((c) => `${c.dir}:${c.from}→${c.to}`)).toEqual(['up:warning→ok', 'down:critical→ok']);
  });

  it('writes one linkState point per link, direction and sample', () => {
    publishHue(quiet);
    publishHue(surge);
    publishHue(surge);
    publishHue(surge);
    expect(points).toHaveLength(8);
    expect(points.every((p) => p.measurement === 'linkState')).toBe(true);
    const down = points.filter((p) => p.tags['dir'] === 'down');
    expect(down.map((p) => p.fields['state'])).toEqual([0, 0, 0, 1]);
    expect(down.map((p) => p.fields['encroachBps'])).toEqual([0, 20 * M, 20 * M, 20 * M]);
    expect(down[3]).toEqual({ measurement: 'linkState', tags: { link: 't1-hue', province: 'hue', tier: '1', dir: 'down' }, fields: { state: 1, encroachBps: 20 * M }, atMs });
    expect(points.filter((p) => p.tags['dir'] === 'up').map((p) => p.fields['state'])).toEqual([0, 0, 0, 0]);
  });

  it('a province takes the worst state of its tier-1 uplink and tier-2 links', () => {
    // t2-hue-huong-thuy: 30 Mbps, R = 9 Mbps → limit 21 Mbps. No drop counters → critical at T ≥ 28.5 Mbps.
    const siteSurge: Traffic = { totalBps: 29 * M, internetBps: 25 * M };
    for (let i = 0; i < 3; i += 1) {
      atMs += 5_000;
      bus.publish(batch('hn-core-1', linkSamples('t1-hue', atMs, surge)));
      const site = linkSamples('t2-hue-huong-thuy', atMs, siteSurge).filter((s) => s.class === 'total' || s.class === 'internet');
      bus.publish(batch('hue-core-1', site));
    }
    expect(levelOf('t1-hue')).toBe('warning');
    expect(levelOf('t2-hue-huong-thuy')).toBe('critical');
    expect(analyzer.view().links.find((s) => s.link === 't2-hue-huong-thuy')?.last.conditions.dropsReported).toBe(false);
    expect(province('hue')).toEqual({
      province: 'hue',
      level: 'critical',
      worst: [
        { link: 't2-hue-huong-thuy', dir: 'down', level: 'critical' },
        { link: 't1-hue', dir: 'down', level: 'warning' },
      ],
    });
  });

  it('a policy change applies from the next sample, without restart', async () => {
    // Internet at 650 Mbps, total 850: under the 700 Mbps limit of R = 30 %.
    const busy: Traffic = { totalBps: 850 * M, internetBps: 650 * M, docex: { bps: 80 * M }, video: { bps: 100 * M } };
    publishHue(busy);
    publishHue(busy);
    expect(analyzer.view().links.find((s) => s.link === 't1-hue' && s.dir === 'down')?.last).toMatchObject({ level: 'ok', reservedBps: 300 * M, policyRevision: 1 });
    // An engineer saves revision 2: 20 % + 20 % on this link, raised after one sample.
    const { document } = policies.store.current();
    const revision = await policies.save({
      ...document,
      links: { ...document.links, 't1-hue': { reservations: { docex: { percent: 20 }, video: { percent: 20 } }, thresholds: { raiseAfter: 1 } } },
    });
    expect(revision).toBe(2);
    publishHue(busy);
    const last = analyzer.view().links.find((s) => s.link === 't1-hue' && s.dir === 'down')?.last;
    expect(last).toMatchObject({ level: 'warning', reservedBps: 400 * M, encroachBps: 50 * M, policyRevision: 2 });
    expect(levelOf('t1-hue')).toBe('warning'); // raiseAfter 1 from the new policy
    expect(changes.map((c) => c.verdict.policyRevision)).toEqual([2]);
  });

  it('a link without an Internet sample is not judged: no point, state kept', () => {
    for (let i = 0; i < 3; i += 1) publishHue(surge);
    expect(levelOf('t1-hue')).toBe('warning');
    const before = points.length;
    publishHue({ totalBps: 10 * M }, { totalBps: 1 * M });
    expect(points.length).toBe(before);
    expect(levelOf('t1-hue')).toBe('warning');
  });

  it('a replayed sample is not judged twice; stop() unsubscribes', () => {
    const samples = linkSamples('t1-hue', atMs + 5_000, surge);
    bus.publish(batch('hn-core-1', samples));
    bus.publish(batch('hn-core-1', samples));
    bus.publish(batch('hn-core-1', samples));
    expect(points).toHaveLength(2);
    expect(levelOf('t1-hue')).toBe('ok');
    const listeners = bus.listenerCount;
    analyzer.stop();
    expect(bus.listenerCount).toBe(listeners - 1);
    publishHue(surge);
    expect(points).toHaveLength(2);
  });

  it('a throwing state listener is isolated', () => {
    analyzer.onStateChange(() => {
      throw new Error('listener fault');
    });
    for (let i = 0; i < 3; i += 1) publishHue(surge);
    expect(changes).toHaveLength(1);
    expect(points).toHaveLength(6);
  });
});
