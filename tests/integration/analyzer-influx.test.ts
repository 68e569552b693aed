// The Analyzer's linkState points through the real InfluxStore into a real influxd, judged
// against the real PolicyStore (a policies.yaml seed on a temporary directory).
import { describe, expect, it, onTestFinished } from 'vitest';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { openTempPolicyStore } from '../helpers/policy-store.ts';
import { createTestStore } from '../helpers/store.ts';

const database = 'lanewatch_analyzer';
const influxd = sharedInfluxd();

describe('linkState points', () => {
  it('are stored per link, direction and sample with the state after hysteresis', async () => {
    const config = loadConfig(defaultConfigDir);
    const log = pino({ level: 'silent' });
    const { store, close } = createTestStore({ influx: { url: influxd.url, database, retentionDays: 30 }, log });
    await store.start();
    // t1-hue (1 Gbit/s in the example topology): 100 + 200 Mbit/s reserved, a state raised after 2 samples.
    const policies = await openTempPolicyStore({
      topology: config.topology,
      policiesYaml: [
        'defaults:',
        '  reservations: { docex: { percent: 10 }, video: { percent: 20 } }',
        '  thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 }',
        'tiers: {}',
        'provinces: {}',
        'links:',
        '  t1-hue:',
        '    reservations: { docex: { mbps: 100 }, video: { mbps: 200 } }',
        '    thresholds: { raiseAfter: 2 }',
        '',
      ].join('\n'),
    });
    onTestFinished(() => policies.close());
    expect(policies.store.effective('t1-hue')).toMatchObject({ capacityBps: 1e9, reservedBps: 3e8, thresholds: { raiseAfter: 2 } });
    const bus = new LiveBus();
    const analyzer = new Analyzer({ config, bus, policies: policies.store, log, writePoints: (points) => store.writePoints(points) });
    analyzer.start();
    const startMs = Date.now() - 60_000;
    for (let i = 0; i < 3; i += 1) {
      const base = { atMs: startMs + i * 1_000, intervalMs: 1_000, link: 't1-hue', province: 'hue', tier: 1 as const, dir: 'down' as const, capacityBps: 1e9 };
      const links: LinkSample[] = [
        { ...base, class: 'total', bitsPerSecond: 9e8, utilization: 0.9 },
        { ...base, class: 'internet', bitsPerSecond: 7.5e8, utilization: 0.75 },
      ];
      bus.publish({ poll: { atMs: base.atMs, device: 'hn-core-1', province: 'ha-noi', ok: true, latencyMs: 1, varbinds: 4 }, links, interfaces: [] });
    }
    analyzer.stop();
    await close();
    expect(store.health()).toMatchObject({ spooledPoints: 0, droppedPoints: 0 });

    const influx = createInfluxClient({ url: influxd.url, database });
    const rows = await influx.query<{ time: Date; state: number; encroachBps: number; link: string; province: string; tier: string; dir: string }>(
      'SELECT "state", "encroachBps", "link", "province", "tier", "dir" FROM "linkState" ORDER BY time',
      { database, precision: 'ms' },
    );
    expect(rows.map((r) => [r.time.getTime(), r.state, r.encroachBps, r.link, r.province, r.tier, r.dir])).toEqual([
      [startMs, 0, 5e7, 't1-hue', 'hue', '1', 'down'],
      [startMs + 1_000, 1, 5e7, 't1-hue', 'hue', '1', 'down'],
      [startMs + 2_000, 1, 5e7, 't1-hue', 'hue', '1', 'down'],
    ]);
  });
});
