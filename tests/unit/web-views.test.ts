// The UI's view arithmetic: utilization bands, national rows and summary, chart columns, routes.
import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../../collector/samples.ts';
import type { Topology } from '../../web/src/lib/api.ts';
import {
  joinSeries,
  lastWindow,
  medianStepMs,
  mergeHistoryAndLive,
  nationalColumns,
} from '../../web/src/lib/chart-data.ts';
import { sampleKey } from '../../web/src/lib/live-store.ts';
import { sortRows, summarizeProvinces, tierOneRows, utilizationBand } from '../../web/src/lib/national.ts';
import { linkHref, parseRoute } from '../../web/src/lib/route.ts';
import { topologyLink } from './web-fixtures.ts';

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

const topology: Topology = {
  intervalMs: 10_000,
  provinces: [
    { id: 'hue', name: 'Huế', region: 'central' },
    { id: 'lao-cai', name: 'Lào Cai', region: 'north' },
    { id: 'ca-mau', name: 'Cà Mau', region: 'south' },
    { id: 'ha-noi', name: 'Hà Nội', region: 'north' },
  ],
  routers: [{ id: 'r1', name: 'core' }],
  links: [
    topologyLink({ id: 't1-hue', name: 'Huế — tier 1', tier: 1, province: 'hue', router: 'r1', ifName: 'Gi0/1', capacityBps: 1_000 }),
    topologyLink({ id: 't1-lao-cai', tier: 1, province: 'lao-cai', router: 'r1', ifName: 'Gi0/2' }),
    topologyLink({ id: 't2-hue-a', tier: 2, province: 'hue', router: 'r1', ifName: 'Gi0/3', capacityBps: 100 }),
    topologyLink({ id: 't1-ca-mau', tier: 1, province: 'ca-mau', router: 'r1', ifName: 'Gi0/4', capacityBps: 1_000 }),
    topologyLink({ id: 't1-ha-noi', tier: 1, province: 'ha-noi', router: 'r1', ifName: 'Gi0/5', capacityBps: 1_000 }),
  ],
};

function total(link: string, dir: 'down' | 'up', utilization: number, atMs = 100_000): [string, LinkSample] {
  const capacityBps = 1_000;
  return [
    sampleKey(link, dir, 'total'),
    { atMs, intervalMs: 10_000, link, province: 'x', tier: 1, dir, class: 'total', bitsPerSecond: utilization * capacityBps, capacityBps, utilization },
  ];
}

describe('tierOneRows, summarizeProvinces and sortRows', () => {
  const latest = new Map<string, LinkSample>([
    total('t1-hue', 'down', 0.3),
    total('t1-hue', 'up', 0.85),
    total('t1-lao-cai', 'down', 0.65),
    total('t1-ca-mau', 'down', 0.9, 10_000),
  ]);
  const rows = tierOneRows(topology, latest, 100_000, 3);

  it('has one row per tier-1 link with names, capacity and the worse direction', () => {
    expect(rows.map((row) => row.link.id)).toEqual(['t1-hue', 't1-lao-cai', 't1-ca-mau', 't1-ha-noi']);
    const [hue, laoCai, caMau, haNoi] = rows;
    expect(hue).toMatchObject({ provinceName: 'Huế', linkName: 'Huế — tier 1', capacityBps: 1_000, utilization: 0.85, stale: false });
    // No configured capacity: the sample's.
    expect(laoCai).toMatchObject({ linkName: 't1-lao-cai', capacityBps: 1_000, utilization: 0.65 });
    // A sample 9 intervals old is stale and counts as no data.
    expect(caMau).toMatchObject({ utilization: null, stale: true });
    expect(haNoi).toMatchObject({ utilization: null, stale: false, down: null, up: null });
  });

  it('summarizes provinces per band', () => {
    expect(summarizeProvinces(rows)).toEqual({ total: 4, low: 0, mid: 1, high: 1, noData: 2 });
  });

  it('sorts by utilization with rows without data last, or back by topology order', () => {
    const byUtilization = sortRows(rows, { key: 'utilization', descending: true });
    expect(byUtilization.map((row) => row.link.id)).toEqual(['t1-hue', 't1-lao-cai', 't1-ca-mau', 't1-ha-noi']);
    const ascending = sortRows(rows, { key: 'utilization', descending: false });
    expect(ascending.map((row) => row.link.id)).toEqual(['t1-lao-cai', 't1-hue', 't1-ca-mau', 't1-ha-noi']);
    const byProvince = sortRows(ascending, { key: 'province', descending: false });
    expect(byProvince.map((row) => row.link.id)).toEqual(['t1-hue', 't1-lao-cai', 't1-ca-mau', 't1-ha-noi']);
  });
});

describe('joinSeries', () => {
  it('joins on x and fills a missing value with null', () => {
    const columns = joinSeries(
      [
        [
          { atMs: 10, value: 1 },
          { atMs: 20, value: 2 },
        ],
        [{ atMs: 20, value: 5 }],
      ],
      0,
    );
    expect(columns).toEqual([
      [10, 20],
      [1, 2],
      [null, 5],
    ]);
  });

  it('breaks the line across a hole longer than gapAfterMs: a missed poll is not a zero', () => {
    const columns = joinSeries(
      [
        [
          { atMs: 0, value: 1 },
          { atMs: 10, value: 2 },
          { atMs: 50, value: 3 },
        ],
      ],
      25,
    );
    expect(columns).toEqual([
      [0, 10, 11, 50],
      [1, 2, null, 3],
    ]);
  });
});

describe('history and live tail', () => {
  it('continues the history with the live points after its end', () => {
    const merged = mergeHistoryAndLive(
      [
        { atMs: 10, bitsPerSecond: 1, utilization: 0.1 },
        { atMs: 20, bitsPerSecond: null, utilization: null },
      ],
      [
        { atMs: 15, bitsPerSecond: 9, utilization: 0.9, capacityBps: 10 },
        { atMs: 20, bitsPerSecond: 9, utilization: 0.9, capacityBps: 10 },
        { atMs: 30, bitsPerSecond: 3, utilization: 0.3, capacityBps: 10 },
      ],
    );
    expect(merged).toEqual([
      { atMs: 10, value: 1 },
      { atMs: 20, value: null },
      { atMs: 30, value: 3 },
    ]);
    expect(lastWindow(merged, 10, 30)).toEqual(merged.slice(1));
  });

  it('measures the median step of a series', () => {
    expect(medianStepMs([])).toBe(0);
    expect(medianStepMs([{ atMs: 0 }, { atMs: 10 }, { atMs: 20 }, { atMs: 90 }])).toBe(10);
  });

  it('plots the national total in percent', () => {
    const columns = nationalColumns(
      [
        { atMs: 1, downBitsPerSecond: 1, upBitsPerSecond: 1, capacityBps: 2, downUtilization: 0.5, upUtilization: null, links: 1 },
      ],
      1_000,
    );
    expect(columns).toEqual([[1], [50], [null]]);
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
