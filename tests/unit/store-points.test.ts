import { describe, it, expect } from 'vitest';
import { parseStorePoint, trafficPoints, upgradeTrafficPoint } from '../../collector/store/points.ts';
import type { LinkSample } from '../../collector/samples.ts';

const sample: LinkSample = {
  atMs: 1_700_000_000_000.4,
  intervalMs: 60_000,
  link: 't2-thanh-hoa-sam-son',
  province: 'thanh-hoa',
  tier: 2,
  dir: 'down',
  class: 'video',
  bitsPerSecond: 4e6,
  capacityBps: 50e6,
  utilization: 0.08,
};
const tags = { link: 't2-thanh-hoa-sam-son', province: 'thanh-hoa', tier: '2', dir: 'down' };

describe('trafficPoints', () => {
  it('a total sample: its class named in each field, the capacity once, tags without a class', () => {
    expect(trafficPoints([{ ...sample, class: 'total' }])).toEqual([
      { measurement: 'traffic', tags, fields: { bps_total: 4e6, util_total: 0.08, capacityBps_total: 50e6 }, atMs: 1_700_000_000_000 },
    ]);
  });

  it('one point per link and direction: the classes as fields, at the total’s time; a class keeps drops, the pre-policy rate and the reservation', () => {
    const points = trafficPoints([
      { ...sample, atMs: 1_700_000_000_900, dropBitsPerSecond: 1e5, prePolicyBitsPerSecond: 4.1e6, reservedBps: 10e6 },
      { ...sample, class: 'total', bitsPerSecond: 9e6, utilization: 0.18 },
      { ...sample, class: 'docex', atMs: 1_700_000_000_950, bitsPerSecond: 1e6, utilization: 0.02 },
      { ...sample, dir: 'up', class: 'total', bitsPerSecond: 2e6, utilization: 0.04 },
    ]);
    expect(points).toEqual([
      {
        measurement: 'traffic',
        tags,
        fields: {
          bps_video: 4e6,
          dropBps_video: 1e5,
          preBps_video: 4.1e6,
          reservedBps_video: 10e6,
          util_video: 0.08,
          bps_total: 9e6,
          util_total: 0.18,
          capacityBps_total: 50e6,
          bps_docex: 1e6,
          util_docex: 0.02,
        },
        atMs: 1_700_000_000_000,
      },
      { measurement: 'traffic', tags: { ...tags, dir: 'up' }, fields: { bps_total: 2e6, util_total: 0.04, capacityBps_total: 50e6 }, atMs: 1_700_000_000_000 },
    ]);
  });

  it('without a total, the newest class sample’s time; no field for a rate that is not a number', () => {
    const points = trafficPoints([
      { ...sample, atMs: 1_700_000_000_500 },
      { ...sample, class: 'docex', atMs: 1_700_000_000_700 },
      { ...sample, class: 'other', bitsPerSecond: Number.NaN },
    ]);
    expect(points.map((p) => [p.atMs, Object.keys(p.fields).sort()])).toEqual([
      [1_700_000_000_700, ['bps_docex', 'bps_video', 'capacityBps_total', 'util_docex', 'util_video']],
    ]);
    expect(trafficPoints([{ ...sample, bitsPerSecond: Number.NaN }])).toEqual([]);
  });
});

describe('upgradeTrafficPoint (a spool written before the upgrade)', () => {
  it('a point of the earlier shape: class tag dropped, its fields renamed to its class’s; the link’s capacity held once', () => {
    const old = { measurement: 'traffic' as const, tags: { ...tags, class: 'video' }, fields: { bps: 4e6, util: 0.08, capacityBps: 50e6, preBps: 5e6 }, atMs: 5 };
    expect(upgradeTrafficPoint(old)).toEqual({ measurement: 'traffic', tags, fields: { bps_video: 4e6, util_video: 0.08, capacityBps_total: 50e6, preBps_video: 5e6 }, atMs: 5 });
    expect(upgradeTrafficPoint({ ...old, tags: { ...tags, class: 'total' } })?.fields).toEqual({ bps_total: 4e6, util_total: 0.08, capacityBps_total: 50e6, preBps_total: 5e6 });
    expect(upgradeTrafficPoint({ ...old, tags: { ...tags, class: 'bogus' } })).toBeUndefined();
  });

  it('parseStorePoint reads an old spool line in this shape, and leaves a point of this shape and other measurements as they are', () => {
    const oldLine = { measurement: 'traffic', tags: { ...tags, class: 'docex' }, fields: { bps: 1 }, atMs: 7 };
    expect(parseStorePoint(oldLine)).toEqual({ measurement: 'traffic', tags, fields: { bps_docex: 1 }, atMs: 7 });
    const current = { measurement: 'traffic', tags, fields: { bps_docex: 1 }, atMs: 7 };
    expect(parseStorePoint(current)).toEqual(current);
    const poll = { measurement: 'poll', tags: { device: 'r1' }, fields: { ok: true }, atMs: 7 };
    expect(parseStorePoint(poll)).toEqual(poll);
  });
});
