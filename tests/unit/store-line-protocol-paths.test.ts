// The store's two ways to line protocol give the same text for the same batch: the normal path
// (batchText: lines straight from the samples, series' tags cached) and the spool's
// (pointsText(batchToPoints(batch))). Over generated batches (classes missing, repeated, not
// contiguous, rates not finite, ids that need escaping, several links, links that change
// province or tier between batches) and a table of named cases; and the pieces the fast path
// stands on: the link-direction index, the bounded series cache, the buffer's point count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkSample as sampleOf } from '../helpers/link-sample.ts';
import { trafficClasses } from '../../api/schemas.ts';
import { batchText, pointsText } from '../../collector/store/line-protocol.ts';
import { LinkDirIndex } from '../../collector/store/link-dirs.ts';
import { PointBuffer } from '../../collector/store/point-buffer.ts';
import { batchToPoints } from '../../collector/store/points.ts';
import { SeriesTagCache } from '../../collector/store/series-tags.ts';
import type { InterfaceSample, LinkSample, PollBatch, TrafficClass } from '../../collector/samples.ts';

const ids = ['t2-hue-07', 'a b', 'x,y=z', 'back\\slash', 'line\nbreak', 'l2'];
const provinces = ['hue', 'thanh-hoa', 'p q', 'r=s'];

const rate = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 1e10, noNaN: true }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1e9 }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 0, 1e21, 5e-7) },
);
const optionalRate = fc.option(rate, { nil: undefined });
const atMs = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(1_700_000_000_000, 1_700_000_000_000.4, 1_700_000_000_000.5, 1_700_000_000_900) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);

const linkSample: fc.Arbitrary<LinkSample> = fc
  .record({
    atMs,
    link: fc.constantFrom(...ids),
    province: fc.constantFrom(...provinces),
    tier: fc.constantFrom(1 as const, 2 as const),
    dir: fc.constantFrom('down' as const, 'up' as const),
    class: fc.constantFrom(...trafficClasses),
    bitsPerSecond: rate,
    dropBitsPerSecond: optionalRate,
    prePolicyBitsPerSecond: optionalRate,
    reservedBps: optionalRate,
    capacityBps: rate,
    utilization: rate,
  })
  .map(({ dropBitsPerSecond, prePolicyBitsPerSecond, reservedBps, ...rest }) => {
    const s: LinkSample = { ...rest, intervalMs: 10_000 };
    if (dropBitsPerSecond !== undefined) s.dropBitsPerSecond = dropBitsPerSecond;
    if (prePolicyBitsPerSecond !== undefined) s.prePolicyBitsPerSecond = prePolicyBitsPerSecond;
    if (reservedBps !== undefined) s.reservedBps = reservedBps;
    return s;
  });

const interfaceSample: fc.Arbitrary<InterfaceSample> = fc.record({
  atMs,
  intervalMs: fc.constant(10_000),
  device: fc.constantFrom('r1', 'r 2', 'r,3'),
  ifName: fc.constantFrom('Gi0/0/1', 'Gi0/0/2', 'Eth 1', 'x=y'),
  province: fc.constantFrom(...provinces),
  inBps: rate,
  outBps: rate,
  operUp: fc.boolean(),
  inErrors: rate,
  outErrors: rate,
});

const pollBatch: fc.Arbitrary<PollBatch> = fc.record({
  poll: fc.record({
    atMs,
    device: fc.constantFrom('r1', 'r 2', 'r,3'),
    province: fc.constantFrom(...provinces),
    ok: fc.boolean(),
    latencyMs: rate,
    varbinds: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant(Number.NaN)),
    error: fc.option(fc.constantFrom('timeout', 'a "quoted"\nerror \\ here', ''), { nil: undefined }),
  }).map(({ error, ...rest }) => (error === undefined ? rest : { ...rest, error })),
  links: fc.array(linkSample, { maxLength: 40 }),
  interfaces: fc.array(interfaceSample, { maxLength: 4 }),
});

/** The spool's text for a batch. */
const spoolText = (batch: PollBatch): string => pointsText(batchToPoints(batch));

function expectSamePaths(batch: PollBatch): void {
  const fast = batchText(batch);
  const points = batchToPoints(batch);
  expect(fast.text).toBe(pointsText(points));
  expect(fast.points).toBe(points.length);
}

describe('batchText and the spool’s text are the same', () => {
  it('over generated batches, one after another (the series cache carried between them)', () => {
    fc.assert(
      fc.property(fc.array(pollBatch, { minLength: 1, maxLength: 4 }), (batches) => {
        for (const batch of batches) expectSamePaths(batch);
      }),
      { numRuns: 400 },
    );
  });

  const sample = sampleOf;
  const batchOf = (links: LinkSample[]): PollBatch => ({
    poll: { atMs: 1_700_000_000_100, device: 'r1', province: 'hue', ok: true, latencyMs: 12, varbinds: 406 },
    links,
    interfaces: [],
  });
  const classes = (over: Partial<LinkSample>): LinkSample[] =>
    (['internet', 'docex', 'video', 'other'] as const).map((cls, i) =>
      sample({ ...over, class: cls, atMs: 1_700_000_000_200 + i, bitsPerSecond: 1000 * (i + 1), dropBitsPerSecond: i, prePolicyBitsPerSecond: 1000 * (i + 1) + i, reservedBps: 5e6 }),
    );

  it.each<[string, LinkSample[]]>([
    ['no samples', []],
    ['totals only, several links and both directions', [sample(), sample({ dir: 'up' }), sample({ link: 'l2' }), sample({ link: 'l2', dir: 'up' })]],
    [
      'the poller’s order: totals of every link, then each link’s classes (not contiguous)',
      [sample(), sample({ dir: 'up' }), sample({ link: 'l2' }), ...classes({}), ...classes({ dir: 'up' }), ...classes({ link: 'l2' })],
    ],
    ['classes interleaved across links', [...classes({}), ...classes({ link: 'l2' })].sort((a, b) => a.class.localeCompare(b.class)).concat([sample({ link: 'l2' })])],
    ['classes missing (no total, two classes)', classes({}).slice(1, 3)],
    ['a class twice: its later finite values win, earlier ones stay', [sample({ class: 'video', dropBitsPerSecond: 5 }), sample({ class: 'video', bitsPerSecond: 7, utilization: Number.NaN })]],
    ['the total after its classes, at an older time', [...classes({}), sample({ atMs: 1_700_000_000_001 })]],
    ['rates that are not numbers', [sample({ bitsPerSecond: Number.NaN }), sample({ class: 'video', utilization: Number.NaN, capacityBps: Number.POSITIVE_INFINITY }), sample({ link: 'l2', atMs: Number.NaN })]],
    ['ids that need escaping', [sample({ link: 'a b,c=d', province: 'x\\y\nz' }), sample({ link: 'a b,c=d', province: 'x\\y\nz', class: 'docex' })]],
    ['a class sample names another province than its total (the total’s tags win)', [sample({ class: 'video', province: 'other' }), sample()]],
  ])('%s', (_name, links) => expectSamePaths(batchOf(links)));

  it('a link that moves to another province or tier is written with its new tags at once', () => {
    const before = batchText(batchOf([sample()])).text;
    const moved = batchText(batchOf([sample({ province: 'da-nang' })])).text;
    const retiered = batchText(batchOf([sample({ province: 'da-nang', tier: 1 })])).text;
    expect(before).toContain('traffic,dir=down,link=t2-hue-07,province=hue,tier=2 ');
    expect(moved).toContain('traffic,dir=down,link=t2-hue-07,province=da-nang,tier=2 ');
    expect(retiered).toContain('traffic,dir=down,link=t2-hue-07,province=da-nang,tier=1 ');
    const iface: InterfaceSample = { atMs: 5, intervalMs: 10_000, device: 'r1', ifName: 'Gi0/0/1', province: 'hue', inBps: 1, outBps: 2, operUp: true, inErrors: 0, outErrors: 0 };
    const withIface = (province: string): string => batchText({ ...batchOf([]), poll: { ...batchOf([]).poll, province }, interfaces: [{ ...iface, province }] }).text;
    expect(withIface('hue')).toBe('poll,device=r1,province=hue latencyMs=12,ok=true,varbinds=406 1700000000100\niface,device=r1,ifName=Gi0/0/1,province=hue inBps=1,inErrors=0,operUp=true,outBps=2,outErrors=0 5');
    expect(withIface('hue 2')).toBe('poll,device=r1,province=hue\\ 2 latencyMs=12,ok=true,varbinds=406 1700000000100\niface,device=r1,ifName=Gi0/0/1,province=hue\\ 2 inBps=1,inErrors=0,operUp=true,outBps=2,outErrors=0 5');
  });

  it('a class the fast path has no place for is written as its points are', () => {
    const odd = sample({ class: 'bulk' as unknown as TrafficClass });
    const batch = batchOf([sample(), odd, sample({ link: 'l2' })]);
    expectSamePaths(batch);
    expect(batchText(batch).text).toContain('bps_bulk=1234567');
    // The groups begun before the odd sample are not carried into the next batch.
    expectSamePaths(batchOf([sample({ link: 'l3' })]));
  });
});

describe('LinkDirIndex', () => {
  it('numbers each link and direction once, in the order first seen, wherever its samples are', () => {
    const index = new LinkDirIndex();
    const order = [
      ['a', 'down'],
      ['a', 'up'],
      ['b', 'down'],
      ['a', 'down'],
      ['a', 'down'],
      ['b', 'up'],
      ['a', 'up'],
    ].map(([link, dir]) => index.groupOf(link!, dir!));
    expect(order).toEqual([0, 1, 2, 0, 0, 3, 1]);
    expect(index.count).toBe(4);
    index.reset();
    expect(index.count).toBe(0);
    expect(index.groupOf('b', 'up')).toBe(0);
  });
});

describe('SeriesTagCache', () => {
  it('escapes each series’ tags as tagText does, and holds at most its bound of series', () => {
    const cache = new SeriesTagCache(3);
    expect(cache.trafficHead('down')).toBe('traffic,dir=down');
    expect(cache.trafficTail('a b', 'p,q', 2)).toBe(',link=a\\ b,province=p\\,q,tier=2');
    expect(cache.trafficTail('', 'p', 1)).toBe(',province=p,tier=1');
    expect(cache.ifaceSeries('r1', 'x=y', 'back\\slash')).toBe('iface,device=r1,ifName=x\\=y,province=back/slash');
    expect(cache.size).toBe(3);
    expect(cache.pollSeries('r\n1', 'p')).toBe('poll,device=r\\ 1,province=p');
    expect(cache.size).toBeLessThanOrEqual(3);
    for (let i = 0; i < 50; i++) expect(cache.trafficTail(`l${i}`, 'p', 2)).toBe(`,link=l${i},province=p,tier=2`);
    expect(cache.size).toBeLessThanOrEqual(3);
    // Held series compare their other tags: a changed province or tier is new text.
    expect(cache.trafficTail('l49', 'q', 2)).toBe(',link=l49,province=q,tier=2');
    expect(cache.trafficTail('l49', 'q', 1)).toBe(',link=l49,province=q,tier=1');
    expect(cache.pollSeries('l49', 'q')).toBe('poll,device=l49,province=q');
    expect(cache.pollSeries('l49', 'r')).toBe('poll,device=l49,province=r');
  });
});

describe('PointBuffer chunks', () => {
  it('a chunk of many generated batches (its parts joined a few thousand at a time) is the spool’s text of its points', () => {
    const batches = fc.sample(pollBatch, { numRuns: 300, seed: 10 });
    const buffer = new PointBuffer();
    for (const batch of batches) buffer.pushBatch(batch);
    const chunk = buffer.takeAll();
    const points = batches.flatMap(batchToPoints);
    expect(points.length).toBeGreaterThan(1_500); // well over 4,096 parts
    expect(chunk.text()).toBe(pointsText(points));
    expect(chunk.points).toBe(points.length);
  });
});

describe('PointBuffer counts each link and direction once', () => {
  it('when its samples are not contiguous (totals first, then classes)', () => {
    const s = (link: string, dir: 'down' | 'up', cls: TrafficClass): LinkSample => ({
      atMs: 1,
      intervalMs: 1,
      link,
      province: 'p',
      tier: 2,
      dir,
      class: cls,
      bitsPerSecond: 1,
      capacityBps: 10,
      utilization: 0.1,
    });
    const links = [s('a', 'down', 'total'), s('a', 'up', 'total'), s('b', 'down', 'total'), s('a', 'down', 'video'), s('a', 'down', 'docex'), s('b', 'down', 'video'), s('a', 'up', 'video')];
    const buffer = new PointBuffer();
    buffer.pushBatch({ poll: { atMs: 1, device: 'r', province: 'p', ok: true, latencyMs: 1, varbinds: 1 }, links, interfaces: [] });
    expect(buffer.length).toBe(1 + 3);
    const chunk = buffer.takeAll();
    expect(chunk.points).toBe(4);
    expect(chunk.text()).toBe(spoolText({ poll: { atMs: 1, device: 'r', province: 'p', ok: true, latencyMs: 1, varbinds: 1 }, links, interfaces: [] }));
  });
});
