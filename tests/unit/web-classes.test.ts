// The per-class views' pure parts: stacking, the reserved band, province links, sparkline paths,
// routes, per-class series in the live store, the qos reply.
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../../collector/samples.ts';
import { qosPath, qosSchema, parseLiveMessage, type Topology } from '../../web/src/lib/api.ts';
import {
  classColumns,
  classesWithData,
  provinceLinks,
  reservedTotalBps,
  sparklinePath,
  stackColumns,
  type ClassPoint,
  type ClassSeries,
} from '../../web/src/lib/class-chart.ts';
import { messages } from '../../web/src/lib/i18n.ts';
import { applySamples, dropSeries, emptyLiveData, sampleKey, seriesKey, type ApplyOptions } from '../../web/src/lib/live-store.ts';
import { parseRoute, provinceHref, unmatchedHref } from '../../web/src/lib/route.ts';
import { topologyLink } from './web-fixtures.ts';

function point(atMs: number, bitsPerSecond: number | null, dropBitsPerSecond: number | null = null): ClassPoint {
  return { atMs, bitsPerSecond, dropBitsPerSecond };
}

function sample(overrides: Partial<LinkSample> & Pick<LinkSample, 'link' | 'atMs' | 'class'>): LinkSample {
  return {
    intervalMs: 1_000,
    province: 'ha-noi',
    tier: 2,
    dir: 'down',
    bitsPerSecond: 10_000_000,
    capacityBps: 100_000_000,
    utilization: 0.1,
    ...overrides,
  };
}

const empty: ClassSeries = { internet: [], docex: [], video: [], other: [] };

describe('stackColumns', () => {
  it.each([
    { name: 'sums row by row', input: [[1, 2], [10, 20], [100, 200]], out: [[1, 2], [11, 22], [111, 222]] },
    { name: 'a null in a row counts as zero', input: [[1], [null], [5]], out: [[1], [1], [6]] },
    { name: 'a row of nulls stays a gap', input: [[1, null], [2, null]], out: [[1, null], [3, null]] },
    { name: 'no columns', input: [], out: [] },
  ])('$name', ({ input, out }) => {
    expect(stackColumns(input)).toEqual(out);
  });
});

describe('classesWithData', () => {
  it('lists the classes with a known rate, in stacking order', () => {
    expect(classesWithData({ ...empty, video: [point(1, 3)], internet: [point(1, null), point(2, 0)], other: [point(1, null)] })).toEqual([
      'internet',
      'video',
    ]);
    expect(classesWithData(empty)).toEqual([]);
  });
});

describe('classColumns: the reserved band', () => {
  const at = (atMs: number, bitsPerSecond: number) => ({ ...point(atMs, bitsPerSecond), stepMs: 1_000 });
  const series = { internet: [at(1_000, 40)], docex: [at(1_000, 10)], video: [at(1_000, 20)], other: [at(1_000, 5)] };
  it.each([
    { name: 'capacity − reserved', capacityBps: 100, reservedBps: 30, floor: 70 },
    { name: 'zero height without reservations', capacityBps: 100, reservedBps: null, floor: 100 },
    { name: 'down to zero when the router reserves more than capacity', capacityBps: 100, reservedBps: 500, floor: 0 },
    { name: 'none without capacity', capacityBps: null, reservedBps: 30, floor: null },
  ])('$name', ({ capacityBps, reservedBps, floor }) => {
    expect(classColumns({ series, capacityBps, reservedBps, minStepMs: 1_000 })[6]).toEqual([floor]);
  });
});

describe('reservedTotalBps', () => {
  it.each([
    { name: 'sums docex and video', samples: [{ class: 'docex', reservedBps: 20 }, { class: 'video', reservedBps: 30 }], out: 50 },
    { name: 'ignores other classes and the total', samples: [{ class: 'other', reservedBps: 5 }, { class: 'total', reservedBps: 9 }], out: null },
    { name: 'one protected class reporting is enough', samples: [{ class: 'docex', reservedBps: 20 }, { class: 'video' }, null], out: 20 },
    { name: 'none reported', samples: [{ class: 'docex' }, null], out: null },
  ] as const)('$name', ({ samples, out }) => {
    expect(reservedTotalBps(samples)).toBe(out);
  });
});

describe('provinceLinks', () => {
  const topology: Topology = {
    intervalMs: 1_000,
    provinces: [{ id: 'hue', name: 'Huế', region: 'central' }],
    routers: [],
    links: [
      topologyLink({ id: 't2-a', tier: 2, province: 'hue', router: 'r', ifName: 'Gi0/0/0' }),
      topologyLink({ id: 't1-other', tier: 1, province: 'ha-noi', router: 'r', ifName: 'Gi0/1' }),
      topologyLink({ id: 't1-hue', tier: 1, province: 'hue', router: 'r', ifName: 'Gi0/2' }),
      topologyLink({ id: 't2-b', tier: 2, province: 'hue', router: 'r', ifName: 'Gi0/0/1' }),
    ],
  };
  it('puts the tier-1 uplink first, then tier 2 in topology order', () => {
    expect(provinceLinks(topology, 'hue').map((link) => link.id)).toEqual(['t1-hue', 't2-a', 't2-b']);
    expect(provinceLinks(topology, 'nowhere')).toEqual([]);
  });
});

describe('sparklinePath', () => {
  it('maps time to x and value to y (0 at the bottom)', () => {
    const path = sparklinePath([{ atMs: 0, value: 0 }, { atMs: 5, value: 5 }, { atMs: 10, value: 10 }], 100, 20, 10, 100);
    expect(path).toBe('M0 20 L50 10 L100 0');
  });

  it('breaks the line at nulls and at holes longer than gapAfterMs', () => {
    const points = [
      { atMs: 0, value: 1 },
      { atMs: 1, value: null },
      { atMs: 2, value: 1 },
      { atMs: 3, value: 1 },
      { atMs: 10, value: 1 },
    ];
    expect(sparklinePath(points, 10, 10, 1, 2)).toBe('M0 0 M2 0 L3 0 M10 0');
  });

  it('clamps values to the scale and draws nothing without points', () => {
    expect(sparklinePath([{ atMs: 0, value: 50 }, { atMs: 1, value: -3 }], 10, 10, 10, 5)).toBe('M0 0 L10 10');
    expect(sparklinePath([], 10, 10, 10, 5)).toBe('');
  });
});

describe('routes for the province and unmatched pages', () => {
  it.each([
    ['#/province/ha-noi', { page: 'province', provinceId: 'ha-noi' }],
    ['#/province/ha-noi/', { page: 'province', provinceId: 'ha-noi' }],
    ['#/qos/unmatched', { page: 'unmatched' }],
    ['#/province/%E0%A4%A', { page: 'not-found', path: '/province/%E0%A4%A' }],
    ['#/province/', { page: 'not-found', path: '/province/' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('builds hrefs that parse back', () => {
    expect(parseRoute(provinceHref('tp ho/chi minh'))).toEqual({ page: 'province', provinceId: 'tp ho/chi minh' });
    expect(parseRoute(unmatchedHref())).toEqual({ page: 'unmatched' });
  });
});

describe('per-class samples in the live store', () => {
  const options: ApplyOptions = {
    mode: 'samples',
    keepSeries: () => true,
    keepClassSeries: (s) => s.link === 'watched',
    limits: { maxPoints: 10, windowMs: 60_000, staleIntervals: 3 },
  };

  it('keeps the class fields a live message carries', () => {
    const message = parseLiveMessage(
      JSON.stringify({
        type: 'samples',
        samples: [sample({ link: 'watched', atMs: 1, class: 'video', dropBitsPerSecond: 3, prePolicyBitsPerSecond: 13, reservedBps: 30 })],
      }),
    );
    expect(message.type).toBe('samples');
    assert(message.type === 'samples');
    expect(message.samples[0]).toMatchObject({ dropBitsPerSecond: 3, prePolicyBitsPerSecond: 13, reservedBps: 30 });
  });

  it('keeps a series per class for the links that want one, apart from the total', () => {
    const batch = [
      sample({ link: 'watched', atMs: 1_000, class: 'total', bitsPerSecond: 30 }),
      sample({ link: 'watched', atMs: 1_000, class: 'video', bitsPerSecond: 20, dropBitsPerSecond: 2, reservedBps: 30 }),
      sample({ link: 'watched', atMs: 1_000, class: 'internet', bitsPerSecond: 10 }),
      sample({ link: 'other', atMs: 1_000, class: 'video', bitsPerSecond: 5 }),
    ];
    const data = applySamples(emptyLiveData(), batch, options);
    expect(data.series.get(seriesKey('watched', 'down'))?.map((p) => p.bitsPerSecond)).toEqual([30]);
    expect(data.series.get(sampleKey('watched', 'down', 'video'))).toEqual([
      { atMs: 1_000, bitsPerSecond: 20, utilization: 0.1, capacityBps: 100_000_000, dropBitsPerSecond: 2, reservedBps: 30 },
    ]);
    expect(data.series.get(sampleKey('watched', 'down', 'internet'))?.length).toBe(1);
    expect(data.series.has(sampleKey('other', 'down', 'video'))).toBe(false);
    expect(data.latest.get(sampleKey('other', 'down', 'video'))?.bitsPerSecond).toBe(5);
    // Class samples never count into the national tier-1 total.
    expect(data.national).toEqual([]);

    const onlyTotals = dropSeries(data, (_link, classSeries) => !classSeries);
    expect([...onlyTotals.series.keys()]).toEqual([seriesKey('watched', 'down')]);
  });
});

describe('the qos reply and its path', () => {
  it('builds the query', () => {
    expect(qosPath({})).toBe('/api/v1/qos');
    expect(qosPath({ link: 't2 a', unmatched: true })).toBe('/api/v1/qos?link=t2+a&unmatched=true');
  });

  it('accepts what the server sends and rejects an unknown service class', () => {
    const reply = {
      available: true,
      atMs: 5,
      classes: [{ device: 'r1', source: 'cisco', className: 'X', path: 'P/X', serviceClass: 'other', dir: 'up', ifName: 'Gi0/1' }],
    };
    expect(qosSchema.safeParse(reply).success).toBe(true);
    expect(qosSchema.safeParse({ available: false, classes: [] }).success).toBe(true);
    const bad = { ...reply, classes: [{ ...reply.classes[0], serviceClass: 'voice' }] };
    expect(qosSchema.safeParse(bad).success).toBe(false);
  });
});

describe('messages', () => {
  it('has every key in both languages, none empty', () => {
    const viKeys = Object.keys(messages.vi).sort();
    expect(Object.keys(messages.en).sort()).toEqual(viKeys);
    for (const key of viKeys) {
      expect(messages.vi[key as keyof typeof messages.vi].length).toBeGreaterThan(0);
      expect(messages.en[key as keyof typeof messages.en].length).toBeGreaterThan(0);
    }
  });
});
