// The live client's pure parts: message parsing and the reducer over immutable LiveData.
import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../../collector/samples.ts';
import { liveUrl, parseLiveMessage } from '../../web/src/lib/api.ts';
import {
  appendPoint,
  applySamples,
  defaultLiveLimits,
  dropSeries,
  emptyLiveData,
  isStale,
  nationalTotal,
  sampleKey,
  seriesKey,
  type ApplyOptions,
  type LiveData,
} from '../../web/src/lib/live-store.ts';

function sample(overrides: Partial<LinkSample> & Pick<LinkSample, 'link' | 'atMs'>): LinkSample {
  const capacityBps = overrides.capacityBps ?? 1_000_000_000;
  const bitsPerSecond = overrides.bitsPerSecond ?? 100_000_000;
  return {
    intervalMs: 10_000,
    province: 'hue',
    tier: 1,
    dir: 'down',
    class: 'total',
    capacityBps,
    bitsPerSecond,
    utilization: bitsPerSecond / capacityBps,
    ...overrides,
  };
}

const tierOneOnly: ApplyOptions = {
  mode: 'samples',
  keepSeries: (s) => s.tier === 1,
  limits: { maxPoints: 4, windowMs: 60_000, staleIntervals: 3 },
};

describe('parseLiveMessage', () => {
  it('accepts a snapshot and keeps the valid samples of a batch', () => {
    const good = sample({ link: 'a', atMs: 1_000 });
    const snapshot = parseLiveMessage(JSON.stringify({ type: 'snapshot', atMs: 2_000, samples: [good] }));
    expect(snapshot).toEqual({ type: 'snapshot', atMs: 2_000, samples: [good], rejected: 0 });

    const batch = parseLiveMessage(
      JSON.stringify({ type: 'samples', samples: [good, { ...good, dir: 'sideways' }, { link: 'b' }] }),
    );
    expect(batch).toEqual({ type: 'samples', samples: [good], rejected: 2 });
  });

  it('ignores what it does not understand instead of throwing', () => {
    expect(parseLiveMessage('not json').type).toBe('ignored');
    expect(parseLiveMessage('[1,2]').type).toBe('ignored');
    expect(parseLiveMessage(JSON.stringify({ type: 'error', message: 'bad filter' }))).toEqual({
      type: 'ignored',
      reason: 'type error',
    });
    expect(parseLiveMessage(JSON.stringify({ type: 'samples', samples: 'x' })).type).toBe('ignored');
  });
});

describe('liveUrl', () => {
  it('follows the page scheme', () => {
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/v1/live');
    expect(liveUrl({ protocol: 'https:', host: 'lanewatch.example' })).toBe('wss://lanewatch.example/api/v1/live');
  });
});

describe('appendPoint', () => {
  const limits = { maxPoints: 3, windowMs: 100 };
  it('appends, replaces a point at the same time, and ignores an older one', () => {
    const one = appendPoint([], { atMs: 10, v: 1 }, limits);
    const two = appendPoint(one, { atMs: 20, v: 2 }, limits);
    expect(two).toEqual([
      { atMs: 10, v: 1 },
      { atMs: 20, v: 2 },
    ]);
    expect(appendPoint(two, { atMs: 20, v: 3 }, limits)).toEqual([
      { atMs: 10, v: 1 },
      { atMs: 20, v: 3 },
    ]);
    expect(appendPoint(two, { atMs: 15, v: 9 }, limits)).toBe(two);
    expect(one).toEqual([{ atMs: 10, v: 1 }]);
  });

  it('keeps at most maxPoints within windowMs of the newest', () => {
    let points: readonly { atMs: number }[] = [];
    for (const atMs of [0, 10, 20, 30, 40]) points = appendPoint(points, { atMs }, limits);
    expect(points.map((p) => p.atMs)).toEqual([20, 30, 40]);
    expect(appendPoint(points, { atMs: 135 }, limits).map((p) => p.atMs)).toEqual([40, 135]);
  });
});

describe('applySamples', () => {
  it('keeps the latest sample per link, direction and class, without mutating the input', () => {
    const start = emptyLiveData();
    const first = applySamples(start, [sample({ link: 'a', atMs: 10_000 }), sample({ link: 'a', atMs: 10_000, dir: 'up' })], tierOneOnly);
    const second = applySamples(first, [sample({ link: 'a', atMs: 20_000, bitsPerSecond: 5 })], tierOneOnly);

    expect(start.latest.size).toBe(0);
    expect(first.latest.get(sampleKey('a', 'down', 'total'))?.atMs).toBe(10_000);
    expect(second.latest.get(sampleKey('a', 'down', 'total'))?.bitsPerSecond).toBe(5);
    expect(second.latest.get(sampleKey('a', 'up', 'total'))?.atMs).toBe(10_000);
    expect(second.newestAtMs).toBe(20_000);
    expect(second.samplesApplied).toBe(3);
    expect(first.series.get(seriesKey('a', 'down'))?.map((p) => p.atMs)).toEqual([10_000]);
    expect(second.series.get(seriesKey('a', 'down'))?.map((p) => p.atMs)).toEqual([10_000, 20_000]);
  });

  it('does not let a late sample overwrite a newer one', () => {
    const data = applySamples(emptyLiveData(), [sample({ link: 'a', atMs: 20_000, bitsPerSecond: 7 })], tierOneOnly);
    const late = applySamples(data, [sample({ link: 'a', atMs: 10_000, bitsPerSecond: 9 })], tierOneOnly);
    expect(late.latest.get(sampleKey('a', 'down', 'total'))?.bitsPerSecond).toBe(7);
    expect(late.series.get(seriesKey('a', 'down'))?.map((p) => p.atMs)).toEqual([20_000]);
  });

  it('keeps series only for class total of links the predicate accepts', () => {
    const data = applySamples(
      emptyLiveData(),
      [
        sample({ link: 't1', atMs: 1 }),
        sample({ link: 't1', atMs: 1, class: 'video' }),
        sample({ link: 't2', atMs: 1, tier: 2 }),
      ],
      tierOneOnly,
    );
    expect([...data.series.keys()]).toEqual([seriesKey('t1', 'down')]);
    expect(data.latest.size).toBe(3);
  });

  it('replaces the latest samples on a snapshot but keeps the series', () => {
    const before = applySamples(emptyLiveData(), [sample({ link: 'gone', atMs: 1_000 })], tierOneOnly);
    const after = applySamples(before, [sample({ link: 'b', atMs: 2_000 })], { ...tierOneOnly, mode: 'snapshot' });
    expect([...after.latest.values()].map((s) => s.link)).toEqual(['b']);
    expect(after.series.has(seriesKey('gone', 'down'))).toBe(true);
  });

  it('adds one national point per message, never going back in time', () => {
    let data: LiveData = emptyLiveData();
    data = applySamples(
      data,
      [
        sample({ link: 'a', atMs: 10_000, bitsPerSecond: 100, capacityBps: 1_000 }),
        sample({ link: 'a', atMs: 10_000, dir: 'up', bitsPerSecond: 50, capacityBps: 1_000 }),
      ],
      tierOneOnly,
    );
    data = applySamples(data, [sample({ link: 'b', atMs: 12_000, bitsPerSecond: 300, capacityBps: 1_000 })], tierOneOnly);
    // A late device: its batch refreshes the newest point instead of adding one in the past.
    data = applySamples(data, [sample({ link: 'c', atMs: 11_000, bitsPerSecond: 0, capacityBps: 2_000 })], tierOneOnly);
    expect(data.national.map((p) => p.atMs)).toEqual([10_000, 12_000]);
    const last = data.national[1];
    expect(last?.downBitsPerSecond).toBe(400);
    expect(last?.downUtilization).toBeCloseTo(400 / 4_000);
    expect(last?.upUtilization).toBeCloseTo(50 / 1_000);
    expect(last?.links).toBe(3);
  });

  it('returns the same data for an empty batch', () => {
    const data = applySamples(emptyLiveData(), [sample({ link: 'a', atMs: 1 })], tierOneOnly);
    expect(applySamples(data, [], tierOneOnly)).toBe(data);
  });
});

describe('nationalTotal and isStale', () => {
  it('leaves out stale samples, tier 2 and classes other than total', () => {
    const latest = new Map<string, LinkSample>();
    const add = (s: LinkSample): void => {
      latest.set(sampleKey(s.link, s.dir, s.class), s);
    };
    add(sample({ link: 'fresh', atMs: 100_000, bitsPerSecond: 200, capacityBps: 1_000 }));
    add(sample({ link: 'old', atMs: 60_000, bitsPerSecond: 900, capacityBps: 1_000 }));
    add(sample({ link: 'district', atMs: 100_000, tier: 2, bitsPerSecond: 900, capacityBps: 1_000 }));
    add(sample({ link: 'fresh', atMs: 100_000, class: 'internet', bitsPerSecond: 150, capacityBps: 1_000 }));
    const total = nationalTotal(latest, 100_000, 100_000, 3);
    expect(total).toMatchObject({ downBitsPerSecond: 200, capacityBps: 1_000, downUtilization: 0.2, upUtilization: null, links: 1 });
  });

  it('calls a sample stale past staleIntervals of its own interval', () => {
    expect(isStale({ atMs: 70_000, intervalMs: 10_000 }, 100_000, 3)).toBe(false);
    expect(isStale({ atMs: 69_999, intervalMs: 10_000 }, 100_000, 3)).toBe(true);
    expect(isStale({ atMs: 0, intervalMs: 10_000 }, null, 3)).toBe(false);
  });
});

describe('dropSeries', () => {
  it('drops the series of links no longer kept and nothing else', () => {
    const data = applySamples(
      emptyLiveData(),
      [sample({ link: 'keep', atMs: 1 }), sample({ link: 'drop', atMs: 1, tier: 2 })],
      { ...tierOneOnly, keepSeries: () => true, limits: defaultLiveLimits },
    );
    const after = dropSeries(data, (link) => link === 'keep');
    expect([...after.series.keys()]).toEqual([seriesKey('keep', 'down')]);
    expect(after.latest).toBe(data.latest);
    expect(dropSeries(after, () => true)).toBe(after);
  });
});
