// The Analyzer keeps each province's non-ok link directions as their levels change, so
// `changed(moved)` costs the moved directions and the touched provinces' non-ok lists. Property
// style: seeded random batches (many links in a few provinces, levels flipping, replayed
// samples, resumed levels, a link now and then sampled under another province) drive a real
// Analyzer on a real LiveBus and PolicyStore; after every window of batches `changed()` and
// `view()` must equal the pure `provinceStatuses` over the link statuses the view holds, and a
// client that applies each `changed()` over what it holds must hold the `view()`. A link that
// moves province: the province it left is in `changed()`, its points carry the new one.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { Direction } from '../../api/schemas.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import type { AnalyzerView, LinkStateChange, LinkStatus, ProvinceStatus, StateLevel } from '../../server/analysis/model.ts';
import { Analyzer, provinceStatuses, type LinkDir } from '../../server/analysis/analyzer.ts';
import { generateTopology } from '../../simulator/generate.ts';
import { unit } from '../../simulator/traffic/random.ts';
import { openTempPolicyStore, type TempPolicyStore } from '../helpers/policy-store.ts';

/** Fast hysteresis, so levels flip within a few samples; R = 30 % (Internet limit 70 % of capacity). */
const policiesYaml = [
  'defaults:',
  '  reservations: { docex: { percent: 10 }, video: { percent: 20 } }',
  '  thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 2, clearAfter: 2 }',
  'tiers: {}',
  'provinces: {}',
  'links: {}',
  '',
].join('\n');

/** What one sample of a link direction says, by the rule: quiet, encroaching and busy, or that with video dropping. */
type Traffic = StateLevel;

function directionSamples(base: Omit<LinkSample, 'class' | 'bitsPerSecond' | 'utilization'>, traffic: Traffic): LinkSample[] {
  const c = base.capacityBps;
  const squeezed = traffic !== 'ok';
  const rates: [LinkSample['class'], number, number | undefined][] = [
    ['total', squeezed ? 0.9 * c : 0.4 * c, undefined],
    ['internet', squeezed ? 0.75 * c : 0.2 * c, undefined],
    ['docex', 0.05 * c, 0],
    ['video', 0.1 * c, traffic === 'critical' ? 0.01 * c : 0],
  ];
  return rates.map(([cls, bps, dropBps]) => {
    const sample: LinkSample = { ...base, class: cls, bitsPerSecond: bps, utilization: bps / c };
    if (dropBps !== undefined) sample.dropBitsPerSecond = dropBps;
    return sample;
  });
}

const keyOf = (entry: LinkDir) => `${entry.link}|${entry.dir}`;

/**
 * The `changed` order, as the oracle: configured provinces in their order, then the others as
 * the moved entries first name them (the province a link is in, then the one it left).
 */
function expectedChanged(view: AnalyzerView, moved: readonly LinkDir[], provinceIds: readonly string[]): Omit<AnalyzerView, 'atMs'> {
  const byKey = new Map(view.links.map((s) => [keyOf(s), s]));
  const links = new Set<LinkStatus>();
  const touched = new Set<string>();
  for (const entry of moved) {
    const status = byKey.get(keyOf(entry));
    if (status) {
      links.add(status);
      touched.add(status.province);
    }
    if (entry.leftProvince !== undefined) touched.add(entry.leftProvince);
  }
  const ordered = [...provinceIds.filter((id) => touched.has(id)), ...[...touched].filter((id) => !provinceIds.includes(id))];
  return {
    links: [...links].sort((a, b) => (a.link !== b.link ? (a.link < b.link ? -1 : 1) : a.dir === b.dir ? 0 : a.dir === 'down' ? -1 : 1)),
    provinces: ordered.map((id) => provinceStatuses(view.links.filter((s) => s.province === id), [id])[0]!),
  };
}

/** What a live client holds: the statuses it was sent, each over the one before. */
class ClientPicture {
  readonly links = new Map<string, LinkStatus>();
  readonly provinces = new Map<string, ProvinceStatus>();

  apply(update: Pick<AnalyzerView, 'links' | 'provinces'>): void {
    for (const s of update.links) this.links.set(keyOf(s), s);
    for (const p of update.provinces) this.provinces.set(p.province, p);
  }

  /**
   * Holds the view: where and how each link is (its last verdict comes with the samples, not
   * here), its provinces (a province it never heard of: ok), and no other province but ok ones.
   */
  expectToHold(view: AnalyzerView): void {
    const state = (statuses: Iterable<LinkStatus>) =>
      [...statuses].map(({ link, dir, province, tier, level, sinceMs }) => ({ link, dir, province, tier, level, sinceMs })).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    expect(state(this.links.values())).toEqual(state(view.links));
    const inView = new Set(view.provinces.map((p) => p.province));
    for (const p of view.provinces) expect(this.provinces.get(p.province) ?? { province: p.province, level: 'ok', worst: [] }).toEqual(p);
    for (const p of this.provinces.values()) if (!inView.has(p.province)) expect(p).toEqual({ province: p.province, level: 'ok', worst: [] });
  }
}

describe('Analyzer keeps province statuses incrementally', () => {
  let policies: TempPolicyStore | undefined;
  afterEach(() => {
    policies?.close();
    policies = undefined;
  });

  it.each([1, 2, 3])('changed() and view() equal provinceStatuses over the statuses after every window (seed %i)', async (seed) => {
    // 4 routers × 48 links: 34 tier-1 uplinks (one per province), the other 158 tier-2 links in 4 provinces.
    const { topology } = generateTopology(4, { seed, basePort: 20_000, linksPerRouter: 48 });
    const base = loadConfig(defaultConfigDir);
    // The analyzer knows some provinces only, in another order: the others are listed after them.
    const known = topology.provinces.slice(0, 6).reverse();
    const config: LanewatchConfig = { ...base, topology: { ...topology, provinces: known } };
    const provinceIds = known.map((p) => p.id);
    const allProvinces = topology.provinces.map((p) => p.id);
    policies = await openTempPolicyStore({ topology, policiesYaml });
    const bus = new LiveBus((err) => {
      throw err;
    });
    const links = topology.links;
    // A few link directions resume a level (open episodes after a restart).
    const resumeLevels = new Map<string, StateLevel>();
    for (const [i, link] of links.entries()) {
      if (i % 23 === 5) resumeLevels.set(`${link.id}|down`, i % 2 === 0 ? 'critical' : 'warning');
    }
    let nowMs = 1_700_000_000_000;
    const analyzer = new Analyzer({ config, bus, policies: policies.store, log: pino({ level: 'silent' }), now: () => nowMs, resumeLevels });
    let window: LinkDir[] = [];
    let stateChanges = 0;
    const client = new ClientPicture();
    let provincesLeft = 0;
    analyzer.onBatchStates((moved, changes) => {
      window.push(...moved);
      stateChanges += changes.length;
    });
    analyzer.start();

    // Each link direction's traffic stays for a few samples, then changes: levels go up and down.
    const traffic = new Map<string, Traffic>();
    let windows = 0;
    let longestWorst = 0;
    let provincesSeen = 0;
    for (let step = 0; step < 400; step++) {
      nowMs += 5_000;
      const samples: LinkSample[] = [];
      const count = 1 + Math.floor(unit(seed, 'count', step) * 40);
      for (let k = 0; k < count; k++) {
        // Most samples go to the tier-2 links of the crowded provinces; a few to uplinks.
        const link = links[Math.floor(unit(seed, 'link', step, k) * links.length)]!;
        const dir: Direction = unit(seed, 'dir', step, k) < 0.5 ? 'down' : 'up';
        const key = `${link.id}|${dir}`;
        if (samples.some((s) => s.link === link.id && s.dir === dir)) continue;
        const flip = unit(seed, 'flip', step, k);
        if (!traffic.has(key) || flip < 0.25) traffic.set(key, flip < 0.08 ? 'critical' : flip < 0.16 || !traffic.has(key) ? 'warning' : 'ok');
        if (unit(seed, 'quiet', step, k) < 0.3) traffic.set(key, 'ok');
        // Now and then a link is sampled under another province than its own.
        const province = unit(seed, 'moved', step, k) < 0.01 ? allProvinces[Math.floor(unit(seed, 'to', step, k) * allProvinces.length)]! : link.province;
        // Now and then a sample replayed from before (not judged again).
        const atMs = unit(seed, 'replay', step, k) < 0.05 ? nowMs - 60_000 : nowMs;
        const capacityBps = link.capacityBps!;
        samples.push(...directionSamples({ atMs, intervalMs: 5_000, link: link.id, province, tier: link.tier, dir, capacityBps }, traffic.get(key)!));
      }
      const batch: PollBatch = { poll: { atMs: nowMs, device: 'gen', province: 'ha-noi', ok: true, latencyMs: 1, varbinds: samples.length }, links: samples, interfaces: [] };
      bus.publish(batch);
      // The hub asks once per coalescing window of one or more batches, the same link maybe moved twice.
      if (unit(seed, 'window', step) < 0.6 || step === 399) {
        const moved = window;
        window = [];
        const view = analyzer.view();
        expect(view.provinces).toEqual(provinceStatuses(view.links, provinceIds));
        const changed = analyzer.changed(moved);
        expect({ links: changed.links, provinces: changed.provinces }).toEqual(expectedChanged(view, moved, provinceIds));
        client.apply(changed);
        client.expectToHold(view);
        provincesLeft += moved.filter((entry) => entry.leftProvince !== undefined).length;
        windows += 1;
        provincesSeen += changed.provinces.length;
        for (const p of changed.provinces) longestWorst = Math.max(longestWorst, p.worst.length);
      }
    }
    // Every link direction at once: the same as the view's provinces, each once.
    const view = analyzer.view();
    const all = analyzer.changed(view.links);
    expect(all.provinces).toEqual(expectedChanged(view, view.links, provinceIds).provinces);
    expect(all.links).toEqual(view.links);
    analyzer.stop();

    // The run did exercise what it claims: many windows, flips, long worst lists, provinces outside the configured ones.
    expect(windows).toBeGreaterThan(150);
    expect(stateChanges).toBeGreaterThan(200);
    expect(longestWorst).toBeGreaterThan(20);
    expect(provincesSeen).toBeGreaterThan(windows);
    expect(view.provinces.some((p) => !provinceIds.includes(p.province) && p.level !== 'ok')).toBe(true);
    expect(view.links.length).toBeGreaterThan(300);
    expect(provincesLeft).toBeGreaterThan(10);
  });

  it('a province status from changed() cannot be altered by its receiver', async () => {
    const config = loadConfig(defaultConfigDir);
    policies = await openTempPolicyStore({ topology: config.topology, policiesYaml });
    const bus = new LiveBus((err) => {
      throw err;
    });
    const analyzer = new Analyzer({ config, bus, policies: policies.store, log: pino({ level: 'silent' }), resumeLevels: new Map([['t1-hue|down', 'warning']]) });
    analyzer.start();
    const link = config.topology.links.find((l) => l.id === 't1-hue')!;
    bus.publish({
      poll: { atMs: 1_000, device: link.router, province: link.province, ok: true, latencyMs: 1, varbinds: 4 },
      links: directionSamples({ atMs: 1_000, intervalMs: 5_000, link: link.id, province: link.province, tier: link.tier, dir: 'down', capacityBps: link.capacityBps! }, 'warning'),
      interfaces: [],
    });
    const first = analyzer.changed([{ link: 't1-hue', dir: 'down' }]);
    expect(first.provinces).toEqual([{ province: 'hue', level: 'warning', worst: [{ link: 't1-hue', dir: 'down', level: 'warning' }] }]);
    // The list is the caller's; its entries are shared with the analyzer, so frozen.
    first.provinces[0]!.worst.pop();
    expect(() => {
      analyzer.changed([{ link: 't1-hue', dir: 'down' }]).provinces[0]!.worst[0]!.level = 'ok';
    }).toThrow(TypeError);
    expect(analyzer.changed([{ link: 't1-hue', dir: 'down' }]).provinces[0]!.worst).toEqual([{ link: 't1-hue', dir: 'down', level: 'warning' }]);
    analyzer.stop();
  });
});

describe('a link sampled under another province while the server runs (a collector restarted with the link moved)', () => {
  let policies: TempPolicyStore | undefined;
  afterEach(() => {
    policies?.close();
    policies = undefined;
  });

  /** A real Analyzer on the example topology; `publish` sends one batch of a link's directions under the province given. */
  async function moving() {
    const config = loadConfig(defaultConfigDir);
    policies = await openTempPolicyStore({ topology: config.topology, policiesYaml });
    const bus = new LiveBus((err) => {
      throw err;
    });
    const points: StorePoint[] = [];
    const changes: LinkStateChange[] = [];
    const batches: LinkDir[][] = [];
    const analyzer = new Analyzer({ config, bus, policies: policies.store, log: pino({ level: 'silent' }), writePoints: (p) => points.push(...p) });
    analyzer.onStateChange((change) => changes.push(change));
    analyzer.onBatchStates((moved) => batches.push(moved));
    analyzer.start();
    const publish = (linkId: string, atMs: number, traffic: Traffic, over: { province?: string; tier?: 1 | 2 } = {}): LinkDir[] => {
      const link = config.topology.links.find((l) => l.id === linkId)!;
      const base = { atMs, intervalMs: 5_000, link: link.id, province: over.province ?? link.province, tier: over.tier ?? link.tier, capacityBps: link.capacityBps! };
      const before = batches.length;
      bus.publish({
        poll: { atMs, device: link.router, province: base.province, ok: true, latencyMs: 1, varbinds: 8 },
        links: [...directionSamples({ ...base, dir: 'down' }, traffic), ...directionSamples({ ...base, dir: 'up' }, traffic)],
        interfaces: [],
      });
      return batches.slice(before).flat();
    };
    const pointsOf = (link: string) => points.filter((p) => p.tags.link === link);
    return { config, analyzer, points, changes, publish, pointsOf };
  }

  /** The statuses `changed` lists for these provinces must be the ones a fresh `view()` holds. */
  function expectViewAgrees(changed: AnalyzerView, view: AnalyzerView): void {
    for (const p of changed.provinces) expect(view.provinces.find((v) => v.province === p.province) ?? { province: p.province, level: 'ok', worst: [] }).toEqual(p);
  }

  it('critical in hue, moves to da-nang: changed() lists hue (its remaining worst) and da-nang; points carry da-nang; the state goes on', async () => {
    const { analyzer, changes, publish, pointsOf } = await moving();
    for (const atMs of [5_000, 10_000]) {
      publish('t2-hue-phu-loc', atMs, 'critical');
      publish('t2-hue-a-luoi', atMs, 'warning');
    }
    const before = analyzer.changed([{ link: 't2-hue-phu-loc', dir: 'down' }]);
    expect(before.provinces).toEqual([
      {
        province: 'hue',
        level: 'critical',
        worst: [
          { link: 't2-hue-phu-loc', dir: 'down', level: 'critical' },
          { link: 't2-hue-phu-loc', dir: 'up', level: 'critical' },
          { link: 't2-hue-a-luoi', dir: 'down', level: 'warning' },
          { link: 't2-hue-a-luoi', dir: 'up', level: 'warning' },
        ],
      },
    ]);
    const raisedAtMs = before.links[0]!.sinceMs;
    const changesBefore = changes.length;

    // Still squeezed, now under da-nang: no level changes, yet the picture moved.
    const moved = publish('t2-hue-phu-loc', 15_000, 'critical', { province: 'da-nang' });
    expect(moved).toEqual([
      { link: 't2-hue-phu-loc', dir: 'down', leftProvince: 'hue' },
      { link: 't2-hue-phu-loc', dir: 'up', leftProvince: 'hue' },
    ]);
    const changed = analyzer.changed(moved);
    expect(changed.provinces).toEqual([
      {
        province: 'hue',
        level: 'warning',
        worst: [
          { link: 't2-hue-a-luoi', dir: 'down', level: 'warning' },
          { link: 't2-hue-a-luoi', dir: 'up', level: 'warning' },
        ],
      },
      {
        province: 'da-nang',
        level: 'critical',
        worst: [
          { link: 't2-hue-phu-loc', dir: 'down', level: 'critical' },
          { link: 't2-hue-phu-loc', dir: 'up', level: 'critical' },
        ],
      },
    ]);
    // The squeeze is the link's: its state and since go on, with no resolve and raise again.
    expect(changed.links.map((s) => [s.dir, s.province, s.level, s.sinceMs])).toEqual([
      ['down', 'da-nang', 'critical', raisedAtMs],
      ['up', 'da-nang', 'critical', raisedAtMs],
    ]);
    expect(changes.length).toBe(changesBefore);
    expectViewAgrees(changed, analyzer.view());
    // Its points carry the province it is in now, from the sample that moved it.
    expect(pointsOf('t2-hue-phu-loc').filter((p) => p.atMs === 15_000).map((p) => p.tags)).toEqual([
      { link: 't2-hue-phu-loc', province: 'da-nang', tier: '2', dir: 'down' },
      { link: 't2-hue-phu-loc', province: 'da-nang', tier: '2', dir: 'up' },
    ]);

    // It then clears in da-nang: the change and its points say da-nang, hue is not touched again.
    publish('t2-hue-phu-loc', 20_000, 'ok', { province: 'da-nang' });
    const cleared = publish('t2-hue-phu-loc', 25_000, 'ok', { province: 'da-nang' });
    expect(changes.slice(changesBefore).map((c) => [c.dir, c.province, c.from, c.to])).toEqual([
      ['down', 'da-nang', 'critical', 'ok'],
      ['up', 'da-nang', 'critical', 'ok'],
    ]);
    const after = analyzer.changed(cleared);
    expect(after.provinces).toEqual([{ province: 'da-nang', level: 'ok', worst: [] }]);
    expectViewAgrees(after, analyzer.view());
    expect(new Set(pointsOf('t2-hue-phu-loc').filter((p) => p.atMs >= 15_000).map((p) => p.tags.province))).toEqual(new Set(['da-nang']));
  });

  it("a province's only squeezed link leaves for a province the server's config does not name: the province left is ok", async () => {
    const { analyzer, publish, pointsOf } = await moving();
    publish('t2-hue-phu-loc', 5_000, 'critical');
    publish('t2-hue-phu-loc', 10_000, 'critical');
    // Quiet from the sample that moves it: critical for one more sample (clearAfter 2), then ok.
    // The live hub asks once for the window of both batches.
    const window = [...publish('t2-hue-phu-loc', 15_000, 'ok', { province: 'hue-moi' }), ...publish('t2-hue-phu-loc', 20_000, 'ok', { province: 'hue-moi' })];
    const changed = analyzer.changed(window);
    expect(changed.provinces).toEqual([
      { province: 'hue', level: 'ok', worst: [] },
      { province: 'hue-moi', level: 'ok', worst: [] },
    ]);
    expectViewAgrees(changed, analyzer.view());
    expect(pointsOf('t2-hue-phu-loc').at(-1)!.tags).toEqual({ link: 't2-hue-phu-loc', province: 'hue-moi', tier: '2', dir: 'up' });
  });

  it('a link sampled under another tier: its points carry the new tier and the move reaches live clients', async () => {
    const { publish, pointsOf } = await moving();
    publish('t2-hue-phu-loc', 5_000, 'warning');
    publish('t2-hue-phu-loc', 10_000, 'warning');
    const moved = publish('t2-hue-phu-loc', 15_000, 'warning', { tier: 1 });
    expect(moved).toEqual([
      { link: 't2-hue-phu-loc', dir: 'down' },
      { link: 't2-hue-phu-loc', dir: 'up' },
    ]);
    expect(pointsOf('t2-hue-phu-loc').filter((p) => p.atMs === 15_000).map((p) => p.tags.tier)).toEqual(['1', '1']);
  });
});
