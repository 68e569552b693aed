// The UI's view arithmetic: utilization bands, the national page's links, rows, order and summary, routes.
import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../../collector/samples.ts';
import { sampleKey } from '../../web/src/lib/live-store.ts';
import {
  linkRow,
  linkUtilization,
  mapReader,
  sortLinks,
  summarizeProvinces,
  tierOneLinks,
  utilizationBand,
  type LatestReader,
  type SortOrder,
  type TierOneLink,
} from '../../web/src/lib/national.ts';
import { linkHref, parseRoute } from '../../web/src/lib/route.ts';
import { testTopology, topologyLink } from './web-fixtures.ts';
import type { Direction } from '../../api/schemas.ts';

describe('utilizationBand', () => {
  const cases: [number, string][] = [
    [0, 'low'],
    [0.5999, 'low'],
    [0.6, 'mid'],
    [0.7999, 'mid'],
    [0.8, 'high'],
    [1.05, 'high'],
  ];
  it.each(cases)('%s is %s', (utilization, band) => {
    expect(utilizationBand(utilization)).toBe(band);
  });
});

const topology = testTopology([
  topologyLink({ id: 't1-hue', name: 'Huế — tier 1', tier: 1, province: 'hue', router: 'r1', ifName: 'Gi0/1', capacityBps: 1_000 }),
  topologyLink({ id: 't1-lao-cai', tier: 1, province: 'lao-cai', router: 'r1', ifName: 'Gi0/2' }),
  topologyLink({ id: 't2-hue-a', tier: 2, province: 'hue', router: 'r1', ifName: 'Gi0/3', capacityBps: 100 }),
  topologyLink({ id: 't1-ca-mau', tier: 1, province: 'ca-mau', router: 'r1', ifName: 'Gi0/4', capacityBps: 1_000 }),
  topologyLink({ id: 't1-ha-noi', tier: 1, province: 'ha-noi', router: 'r1', ifName: 'Gi0/5', capacityBps: 1_000 }),
]);

function total(link: string, dir: Direction, utilization: number, fields: { atMs?: number; capacityBps?: number } = {}): [string, LinkSample] {
  const capacityBps = fields.capacityBps ?? 1_000;
  return [
    sampleKey(link, dir, 'total'),
    {
      atMs: fields.atMs ?? 100_000,
      intervalMs: 10_000,
      link,
      province: 'x',
      tier: 1,
      dir,
      class: 'total',
      bitsPerSecond: utilization * capacityBps,
      capacityBps,
      utilization,
    },
  ];
}

/** A reader over `samples`, the newest at 100 s: a sample 3 intervals older than that is stale. */
function readerOf(...samples: [string, LinkSample][]): LatestReader {
  return mapReader(new Map(samples), 100_000, 3);
}

/** The tier-1 entry of `id` in the test topology. */
function entryOf(id: string): TierOneLink {
  const entry = tierOneLinks(topology).find((candidate) => candidate.link.id === id);
  if (entry === undefined) throw new Error(`no tier-1 link ${id} in the test topology`);
  return entry;
}

describe('tierOneLinks', () => {
  it('lists the tier-1 links in topology order, with their names (the id without one), province names and topology index', () => {
    expect(tierOneLinks(topology).map(({ link, linkName, provinceName, order }) => [link.id, linkName, provinceName, order])).toEqual([
      ['t1-hue', 'Huế — tier 1', 'Huế', 0],
      ['t1-lao-cai', 't1-lao-cai', 'Lào Cai', 1],
      ['t1-ca-mau', 't1-ca-mau', 'Cà Mau', 3],
      ['t1-ha-noi', 't1-ha-noi', 'Hà Nội', 4],
    ]);
  });

  it('names a province the topology does not list by its id', () => {
    const odd = testTopology([topologyLink({ id: 't1-x', tier: 1, province: 'atlantis' })]);
    expect(tierOneLinks(odd)[0]?.provinceName).toBe('atlantis');
  });
});

describe('linkUtilization', () => {
  const cases: [string, [string, LinkSample][], number | null][] = [
    ['the worse direction', [total('t1-hue', 'down', 0.3), total('t1-hue', 'up', 0.85)], 0.85],
    ['down alone', [total('t1-hue', 'down', 0.3)], 0.3],
    ['up alone', [total('t1-hue', 'up', 0.4)], 0.4],
    ['no sample', [], null],
    ['a stale direction left out', [total('t1-hue', 'down', 0.9, { atMs: 60_000 }), total('t1-hue', 'up', 0.2)], 0.2],
    ['both stale', [total('t1-hue', 'down', 0.9, { atMs: 60_000 }), total('t1-hue', 'up', 0.2, { atMs: 60_000 })], null],
    ['another link\'s samples not read', [total('t1-lao-cai', 'down', 0.5)], null],
  ];
  it.each(cases)('%s', (_, samples, utilization) => {
    expect(linkUtilization('t1-hue', readerOf(...samples))).toBe(utilization);
  });

  it('is fresh up to three intervals behind the newest sample', () => {
    expect(linkUtilization('t1-hue', readerOf(total('t1-hue', 'down', 0.5, { atMs: 70_000 })))).toBe(0.5);
  });
});

describe('linkRow', () => {
  it('carries both directions, the worse utilization and the newer sample time', () => {
    const down = total('t1-hue', 'down', 0.3, { atMs: 90_000 });
    const up = total('t1-hue', 'up', 0.85);
    expect(linkRow(entryOf('t1-hue'), readerOf(down, up))).toEqual({
      ...entryOf('t1-hue'),
      capacityBps: 1_000,
      down: down[1],
      up: up[1],
      utilization: 0.85,
      stale: false,
      atMs: 100_000,
    });
  });

  it('takes the configured capacity first, then the down sample\'s, then the up sample\'s, else none', () => {
    const configured = linkRow(entryOf('t1-hue'), readerOf(total('t1-hue', 'down', 0.1, { capacityBps: 5_000 })));
    expect(configured.capacityBps).toBe(1_000);
    const fromDown = linkRow(entryOf('t1-lao-cai'), readerOf(total('t1-lao-cai', 'down', 0.1, { capacityBps: 5_000 }), total('t1-lao-cai', 'up', 0.1, { capacityBps: 7_000 })));
    expect(fromDown.capacityBps).toBe(5_000);
    const fromUp = linkRow(entryOf('t1-lao-cai'), readerOf(total('t1-lao-cai', 'up', 0.1, { capacityBps: 7_000 })));
    expect(fromUp.capacityBps).toBe(7_000);
    expect(linkRow(entryOf('t1-lao-cai'), readerOf()).capacityBps).toBeNull();
  });

  it('is stale when it has samples and every one is stale; one fresh direction keeps it current', () => {
    const old = total('t1-hue', 'down', 0.9, { atMs: 60_000 });
    expect(linkRow(entryOf('t1-hue'), readerOf(old))).toMatchObject({ utilization: null, stale: true, atMs: 60_000, down: old[1], up: null });
    expect(linkRow(entryOf('t1-hue'), readerOf(old, total('t1-hue', 'up', 0.2)))).toMatchObject({ utilization: 0.2, stale: false });
  });

  it('without a sample: no utilization, not stale, no time', () => {
    expect(linkRow(entryOf('t1-ha-noi'), readerOf())).toMatchObject({ down: null, up: null, utilization: null, stale: false, atMs: null });
  });
});

describe('sortLinks', () => {
  const links = tierOneLinks(topology);
  // Hà Nội and Lào Cai tie at 0.65; Cà Mau has only a stale sample, Huế none.
  const reader = readerOf(
    total('t1-lao-cai', 'down', 0.65),
    total('t1-ha-noi', 'up', 0.65),
    total('t1-hue', 'down', 0.1),
    total('t1-hue', 'up', 0.2),
    total('t1-ca-mau', 'down', 0.9, { atMs: 10_000 }),
  );
  const ids = (order: SortOrder, from: readonly TierOneLink[] = links): string[] => sortLinks(from, order, reader).map((entry) => entry.link.id);

  it('by province: topology order, or its reverse', () => {
    expect(ids({ key: 'province', descending: false }, [...links].reverse())).toEqual(['t1-hue', 't1-lao-cai', 't1-ca-mau', 't1-ha-noi']);
    expect(ids({ key: 'province', descending: true })).toEqual(['t1-ha-noi', 't1-ca-mau', 't1-lao-cai', 't1-hue']);
  });

  it('by utilization either way: ties in topology order, links without a current sample last in topology order', () => {
    expect(ids({ key: 'utilization', descending: true })).toEqual(['t1-lao-cai', 't1-ha-noi', 't1-hue', 't1-ca-mau']);
    expect(ids({ key: 'utilization', descending: false })).toEqual(['t1-hue', 't1-lao-cai', 't1-ha-noi', 't1-ca-mau']);
    const noneCurrent = readerOf();
    expect(sortLinks(links, { key: 'utilization', descending: true }, noneCurrent)).toEqual(links);
  });

  it('returns the entries given (a keyed list only moves its rows) without changing the input', () => {
    const input = [...links];
    const sorted = sortLinks(input, { key: 'utilization', descending: true }, reader);
    expect(sorted).not.toBe(input);
    expect(input).toEqual(links);
    for (const entry of sorted) expect(links).toContain(entry);
  });

  it('by province reads no sample (a message does not re-sort the table); by utilization the two totals of each link', () => {
    const reads: string[] = [];
    const counting: LatestReader = {
      latest: (link, dir, trafficClass) => {
        reads.push(`${link} ${dir} ${trafficClass}`);
        return reader.latest(link, dir, trafficClass);
      },
      isStale: (link, dir, trafficClass) => reader.isStale(link, dir, trafficClass),
    };
    sortLinks(links, { key: 'province', descending: true }, counting);
    expect(reads).toEqual([]);
    sortLinks(links, { key: 'utilization', descending: true }, counting);
    expect(reads.sort()).toEqual(links.flatMap((entry) => [`${entry.link.id} down total`, `${entry.link.id} up total`]).sort());
  });
});

describe('summarizeProvinces', () => {
  const link = (province: string): { province: string } => ({ province });
  it('counts each province once, at the worst utilization of its links, the band limits in the upper band', () => {
    const rows = [
      { link: link('a'), utilization: 0.2 },
      { link: link('a'), utilization: 0.6 },
      { link: link('b'), utilization: 0.5999 },
      { link: link('c'), utilization: null },
      { link: link('c'), utilization: 0.8 },
      { link: link('d'), utilization: null },
      { link: link('e'), utilization: 1.2 },
    ];
    expect(summarizeProvinces(rows)).toEqual({ total: 5, low: 1, mid: 1, high: 2, noData: 1 });
  });

  it('is all zeros without links', () => {
    expect(summarizeProvinces([])).toEqual({ total: 0, low: 0, mid: 0, high: 0, noData: 0 });
  });
});

describe('routes', () => {
  const cases: [string, ReturnType<typeof parseRoute>][] = [
    ['', { page: 'national' }],
    ['#', { page: 'national' }],
    ['#/', { page: 'national' }],
    ['#/link/t1-ha-noi', { page: 'link', linkId: 't1-ha-noi' }],
    ['#/link/t1-ha-noi/', { page: 'link', linkId: 't1-ha-noi' }],
    ['#/link/a%20b', { page: 'link', linkId: 'a b' }],
    ['#/link/%E0%A4%A', { page: 'not-found', path: '/link/%E0%A4%A' }],
    ['#/alerts', { page: 'alerts' }],
    ['#/policies', { page: 'policies' }],
    ['#/report', { page: 'report' }],
    ['#/reports', { page: 'not-found', path: '/reports' }],
  ];
  it.each(cases)('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('builds links that parse back', () => {
    expect(parseRoute(linkHref('t2/odd id'))).toEqual({ page: 'link', linkId: 't2/odd id' });
  });
});
