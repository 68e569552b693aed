// The UI's view arithmetic: utilization bands, national rows and summary, routes.
import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../../collector/samples.ts';
import { sampleKey } from '../../web/src/lib/live-store.ts';
import { sortRows, summarizeProvinces, tierOneRows, utilizationBand } from '../../web/src/lib/national.ts';
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

function total(link: string, dir: Direction, utilization: number, atMs = 100_000): [string, LinkSample] {
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
