// The Analyzer keeps each province's non-ok link directions as their levels change, so
// `changed(moved)` costs the moved directions and the touched provinces' non-ok lists. Property
// style: seeded random batches (many links in a few provinces, levels flipping, replayed
// samples, resumed levels, a link now and then sampled under another province) drive a real
// Analyzer on a real LiveBus and PolicyStore; after every window of batches `changed()` and
// `view()` must equal the pure `provinceStatuses` over the link statuses the view holds.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { Direction } from '../../api/schemas.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import type { AnalyzerView, LinkStatus, StateLevel } from '../../server/analysis/model.ts';
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

/** The old `changed` order, as the oracle: configured provinces in their order, then the others as the moved links first name them. */
function expectedChanged(view: AnalyzerView, moved: readonly LinkDir[], provinceIds: readonly string[]): Omit<AnalyzerView, 'atMs'> {
  const byKey = new Map(view.links.map((s) => [keyOf(s), s]));
  const links = new Set<LinkStatus>();
  for (const entry of moved) {
    const status = byKey.get(keyOf(entry));
    if (status) links.add(status);
  }
  const touched = new Set([...links].map((s) => s.province));
  const ordered = [...provinceIds.filter((id) => touched.has(id)), ...[...touched].filter((id) => !provinceIds.includes(id))];
  return {
    links: [...links].sort((a, b) => (a.link !== b.link ? (a.link < b.link ? -1 : 1) : a.dir === b.dir ? 0 : a.dir === 'down' ? -1 : 1)),
    provinces: ordered.map((id) => provinceStatuses(view.links.filter((s) => s.province === id), [id])[0]!),
  };
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
