import { describe, it, expect } from 'vitest';
import { linkSampleToPoint } from '../../collector/store/points.ts';
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

describe('linkSampleToPoint', () => {
  it('a total sample: bps, util, capacity, tags per the schema', () => {
    expect(linkSampleToPoint({ ...sample, class: 'total' })).toEqual({
      measurement: 'traffic',
      tags: { link: 't2-thanh-hoa-sam-son', province: 'thanh-hoa', tier: '2', dir: 'down', class: 'total' },
      fields: { bps: 4e6, util: 0.08, capacityBps: 50e6 },
      atMs: 1_700_000_000_000,
    });
  });

  it('a per-class sample also keeps drops, the pre-policy rate and the router reservation', () => {
    const point = linkSampleToPoint({ ...sample, dropBitsPerSecond: 1e5, prePolicyBitsPerSecond: 4.1e6, reservedBps: 10e6 });
    expect(point?.fields).toEqual({ bps: 4e6, dropBps: 1e5, preBps: 4.1e6, reservedBps: 10e6, util: 0.08, capacityBps: 50e6 });
  });

  it('no point for a rate that is not a number', () => {
    expect(linkSampleToPoint({ ...sample, bitsPerSecond: Number.NaN })).toBeUndefined();
  });
});
