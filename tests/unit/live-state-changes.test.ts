// The states half of the live stream, server side: the real Analyzer on a real LiveBus reports
// what each batch moved (changed or new link directions), `changed` gives those statuses as they
// are now with their provinces' (not the whole picture), and `stateChangesMessage` cuts that to
// one filter: a viewer sees all of it, a province user its own province only, a filter of links
// those links and their provinces. The same over a real WebSocket (a client arriving mid-stream,
// a province user): tests/integration/server-live.test.ts.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample } from '../../collector/samples.ts';
import { Analyzer, type LinkDir } from '../../server/analysis/analyzer.ts';
import type { LinkStateChange } from '../../server/analysis/model.ts';
import { stateChangesMessage } from '../../server/live/connection.ts';
import { openTempPolicyStore, type TempPolicyStore } from '../helpers/policy-store.ts';

/** Entered on the first busy sample, left on the first quiet one. */
const policiesYaml = [
  'defaults:',
  '  reservations: { docex: { percent: 10 }, video: { percent: 20 } }',
  '  thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 1, clearAfter: 1 }',
  'tiers: {}',
  'provinces: {}',
  'links: {}',
  '',
].join('\n');

let config: LanewatchConfig;
beforeAll(() => {
  config = loadConfig(defaultConfigDir);
});

describe('the states a batch moved', () => {
  let bus: LiveBus;
  let policies: TempPolicyStore;
  let analyzer: Analyzer;
  let moves: { moved: LinkDir[]; changes: LinkStateChange[] }[];
  let atMs = 1_700_000_000_000;

  /** One poll of `linkId`'s down direction: busy (Internet over its share, 90 % full) or quiet. */
  const poll = (linkIds: readonly string[], busy: boolean): void => {
    atMs += 5_000;
    const links = linkIds.flatMap((linkId): LinkSample[] => {
      const link = config.topology.links.find((l) => l.id === linkId)!;
      const capacityBps = link.capacityBps!;
      const base = { atMs, intervalMs: 5_000, link: linkId, province: link.province, tier: link.tier, dir: 'down' as const, capacityBps };
      const [total, internet] = busy ? [0.9, 0.8] : [0.2, 0.1];
      return [
        { ...base, class: 'total', bitsPerSecond: total * capacityBps, utilization: total },
        { ...base, class: 'internet', bitsPerSecond: internet * capacityBps, utilization: internet },
      ];
    });
    bus.publish({ poll: { atMs, device: 'hn-core-1', province: 'ha-noi', ok: true, latencyMs: 3, varbinds: 40 }, links, interfaces: [] });
  };

  beforeEach(async () => {
    bus = new LiveBus((err) => {
      throw err;
    });
    policies = await openTempPolicyStore({ topology: config.topology, policiesYaml });
    analyzer = new Analyzer({ config, bus, policies: policies.store, log: pino({ level: 'silent' }) });
    moves = [];
    analyzer.onBatchStates((moved, changes) => moves.push({ moved, changes }));
    analyzer.start();
  });

  afterEach(() => {
    analyzer.stop();
    policies.close();
  });

  it('reports a link direction new to the view once, then only when its state changes', () => {
    poll(['t1-hue'], false);
    expect(moves).toEqual([{ moved: [{ link: 't1-hue', dir: 'down' }], changes: [] }]);
    poll(['t1-hue'], false);
    expect(moves).toHaveLength(1);
    poll(['t1-hue'], true);
    expect(moves).toHaveLength(2);
    expect(moves[1]!.moved.map((m) => [m.link, m.dir])).toEqual([['t1-hue', 'down']]);
    expect(moves[1]!.changes.map((c) => [c.link, c.from, c.to])).toEqual([['t1-hue', 'ok', 'warning']]);
  });

  it('gives the moved statuses as they are now, each once, with their provinces only', () => {
    poll(['t1-hue', 't1-da-nang', 't1-ha-noi', 't2-ha-noi-son-tay', 't2-ha-noi-ha-dong'], false);
    poll(['t1-hue', 't2-ha-noi-son-tay'], true);
    poll(['t1-hue'], false);
    // A window holding all three batches: t1-hue named three times, ends ok.
    const moved = analyzer.changed(moves.flatMap((m) => m.moved));
    expect(moved.links.map((s) => [s.link, s.level])).toEqual([
      ['t1-da-nang', 'ok'],
      ['t1-ha-noi', 'ok'],
      ['t1-hue', 'ok'],
      ['t2-ha-noi-ha-dong', 'ok'],
      ['t2-ha-noi-son-tay', 'warning'],
    ]);
    expect(moved.provinces).toEqual([
      { province: 'ha-noi', level: 'warning', worst: [{ link: 't2-ha-noi-son-tay', dir: 'down', level: 'warning' }] },
      { province: 'hue', level: 'ok', worst: [] },
      { province: 'da-nang', level: 'ok', worst: [] },
    ].sort((a, b) => config.topology.provinces.findIndex((p) => p.id === a.province) - config.topology.provinces.findIndex((p) => p.id === b.province)));
    // One link's change: that link and its province, whatever else the view holds.
    const one = analyzer.changed([{ link: 't2-ha-noi-son-tay', dir: 'down' }]);
    expect(one.links.map((s) => s.link)).toEqual(['t2-ha-noi-son-tay']);
    expect(one.provinces.map((p) => p.province)).toEqual(['ha-noi']);
    expect(analyzer.view().provinces).toHaveLength(config.topology.provinces.length);
  });

  it('cuts a window to each filter: everything, a province user its own province, a filter of links those links', () => {
    poll(['t1-hue', 't1-ha-noi', 't2-ha-noi-son-tay'], false);
    moves.length = 0;
    poll(['t1-hue', 't2-ha-noi-son-tay'], true);
    const changes = moves.flatMap((m) => m.changes);
    const moved = analyzer.changed(moves.flatMap((m) => m.moved));

    const everything = stateChangesMessage(moved, changes, undefined);
    expect(everything?.links.map((s) => s.link)).toEqual(['t1-hue', 't2-ha-noi-son-tay']);
    expect(everything?.changes.map((c) => c.link)).toEqual(['t1-hue', 't2-ha-noi-son-tay']);
    expect(everything?.provinces.map((p) => p.province).sort()).toEqual(['ha-noi', 'hue']);

    const haNoi = stateChangesMessage(moved, changes, { province: 'ha-noi' });
    expect(haNoi).toMatchObject({ type: 'stateChanges', links: [{ link: 't2-ha-noi-son-tay', level: 'warning' }], changes: [{ link: 't2-ha-noi-son-tay', to: 'warning' }] });
    expect(haNoi?.provinces.map((p) => p.province)).toEqual(['ha-noi']);

    const hue = stateChangesMessage(moved, changes, { links: new Set(['t1-hue']) });
    expect(hue?.links.map((s) => s.link)).toEqual(['t1-hue']);
    expect(hue?.provinces.map((p) => p.province)).toEqual(['hue']);

    // A province none of the window's changes are in: nothing to send.
    expect(stateChangesMessage(moved, changes, { province: 'ca-mau' })).toBeUndefined();
    expect(stateChangesMessage(moved, changes, { links: new Set(['t1-ha-noi']) })).toBeUndefined();
  });

  it('tells a province filter its province changed when the link that moved left it (no link of it in the window)', () => {
    // As the analyzer's changed() answers for a link that moved from hue to da-nang: the province left, no link of it.
    const left = { atMs: 1, links: [], provinces: [{ province: 'hue', level: 'ok' as const, worst: [] }] };
    expect(stateChangesMessage(left, [], { province: 'hue' })).toEqual({ type: 'stateChanges', atMs: 1, links: [], provinces: [{ province: 'hue', level: 'ok', worst: [] }], changes: [] });
    expect(stateChangesMessage(left, [], { province: 'ca-mau' })).toBeUndefined();
    expect(stateChangesMessage(left, [], { links: new Set(['t1-hue']) })).toBeUndefined();
  });
});
