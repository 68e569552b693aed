// Drift as a table: the router's reservation of each protected class beside the policy, the
// policy read from the real PolicyStore (a policies.yaml seed on a temporary directory).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QosClassMapping } from '../../collector/samples.ts';
import type { LinkConfig } from '../../config/schema.ts';
import { driftOf, driftStatusOf, withinTolerance } from '../../server/analysis/drift.ts';
import { openTempPolicyStore, type TempPolicyStore } from '../helpers/policy-store.ts';

const M = 1e6;

function mapping(serviceClass: QosClassMapping['serviceClass'], overrides: Partial<QosClassMapping> = {}): QosClassMapping {
  return { device: 'r1', link: 'l1', ifName: 'Gi0/1', dir: 'down', source: 'cisco', className: serviceClass.toUpperCase(), path: serviceClass.toUpperCase(), serviceClass, ...overrides };
}

describe('withinTolerance', () => {
  it.each([
    { policyBps: 20 * M, routerBps: 20 * M, ok: true },
    { policyBps: 20 * M, routerBps: 20.2 * M, ok: true }, // 1 % exactly
    { policyBps: 20 * M, routerBps: 20.21 * M, ok: false },
    { policyBps: 2 * M, routerBps: 2.1 * M, ok: true }, // 100 kbit/s exactly
    { policyBps: 2 * M, routerBps: 1.89 * M, ok: false },
    { policyBps: 0, routerBps: 0.05 * M, ok: true },
  ])('$policyBps vs $routerBps → $ok', ({ policyBps, routerBps, ok }) => {
    expect(withinTolerance(policyBps, routerBps)).toBe(ok);
  });
});

describe('driftStatusOf', () => {
  const cases: { name: string; mappings: QosClassMapping[]; routerBps: number | null; status: string }[] = [
    { name: 'no QoS data', mappings: [], routerBps: null, status: 'unknown' },
    { name: 'only per-service sub-interfaces', mappings: [mapping('video', { source: 'subinterface' }), mapping('internet', { source: 'subinterface' })], routerBps: null, status: 'unknown' },
    { name: 'matches the policy', mappings: [mapping('video', { reservedBps: 30 * M }), mapping('internet')], routerBps: 30 * M, status: 'ok' },
    { name: 'reserves less than the policy', mappings: [mapping('video', { reservedBps: 5 * M }), mapping('internet')], routerBps: 5 * M, status: 'differs' },
    { name: 'class-map without a queue (no reservation)', mappings: [mapping('video'), mapping('docex', { reservedBps: 20 * M }), mapping('internet')], routerBps: null, status: 'no-queue' },
    { name: 'no class-map for the class at all', mappings: [mapping('docex', { reservedBps: 20 * M }), mapping('internet')], routerBps: null, status: 'no-queue' },
    { name: 'a vendor that reports no reservation anywhere', mappings: [mapping('video', { source: 'juniper' }), mapping('internet', { source: 'juniper' })], routerBps: null, status: 'unknown' },
    { name: 'several class-maps of one class add up', mappings: [mapping('video', { reservedBps: 20 * M, path: 'P/VIDEO' }), mapping('video', { reservedBps: 10 * M, path: 'P/VC' })], routerBps: 30 * M, status: 'ok' },
  ];
  it.each(cases)('$name', (c) => {
    expect(driftStatusOf(c.mappings, 'video', 30 * M)).toEqual({ routerBps: c.routerBps, status: c.status });
  });
});

describe('driftOf', () => {
  const link = (id: string, capacityBps?: number): LinkConfig => ({
    id, tier: 2, province: 'hue', router: 'r1', ifName: `Gi0/${id}`, downIs: 'out', ...(capacityBps === undefined ? {} : { capacityBps }),
  });
  // l3 has no configured capacity: its measured one (50 Mbit/s) is passed in.
  const topology = { provinces: [{ id: 'hue' }], links: [link('l1', 100 * M), link('l2', 10 * M), link('l3')] };
  // Reservations of 20 % (docex) and 30 % (video) of each link's capacity.
  let policies: TempPolicyStore;
  beforeAll(async () => {
    policies = await openTempPolicyStore({
      topology,
      policiesYaml: [
        'defaults:',
        '  reservations: { docex: { percent: 20 }, video: { percent: 30 } }',
        '  thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 }',
        'tiers: {}',
        'provinces: {}',
        'links: {}',
        '',
      ].join('\n'),
    });
  });
  afterAll(() => {
    policies?.close();
  });

  it('lists both directions and both protected classes of every link, with the policy beside the router', () => {
    const qos = {
      atMs: 1,
      classes: [
        mapping('docex', { reservedBps: 20 * M }), mapping('video'), mapping('internet'),
        mapping('docex', { dir: 'up', reservedBps: 20 * M }), mapping('video', { dir: 'up', reservedBps: 30 * M }),
        mapping('docex', { link: 'l2', source: 'subinterface' }),
        mapping('docex', { link: undefined }), // not on a configured link: ignored
      ],
    };
    const rows = driftOf(qos, policies.store, topology, { capacityBps: (link) => (link === 'l3' ? 50 * M : undefined) });
    expect(rows).toEqual([
      { link: 'l1', dir: 'down', class: 'docex', policyBps: 20 * M, routerBps: 20 * M, status: 'ok' },
      { link: 'l1', dir: 'down', class: 'video', policyBps: 30 * M, routerBps: null, status: 'no-queue' },
      { link: 'l1', dir: 'up', class: 'docex', policyBps: 20 * M, routerBps: 20 * M, status: 'ok' },
      { link: 'l1', dir: 'up', class: 'video', policyBps: 30 * M, routerBps: 30 * M, status: 'ok' },
      { link: 'l2', dir: 'down', class: 'docex', policyBps: 2 * M, routerBps: null, status: 'unknown' },
      { link: 'l2', dir: 'down', class: 'video', policyBps: 3 * M, routerBps: null, status: 'unknown' },
      { link: 'l2', dir: 'up', class: 'docex', policyBps: 2 * M, routerBps: null, status: 'unknown' },
      { link: 'l2', dir: 'up', class: 'video', policyBps: 3 * M, routerBps: null, status: 'unknown' },
      { link: 'l3', dir: 'down', class: 'docex', policyBps: 10 * M, routerBps: null, status: 'unknown' },
      { link: 'l3', dir: 'down', class: 'video', policyBps: 15 * M, routerBps: null, status: 'unknown' },
      { link: 'l3', dir: 'up', class: 'docex', policyBps: 10 * M, routerBps: null, status: 'unknown' },
      { link: 'l3', dir: 'up', class: 'video', policyBps: 15 * M, routerBps: null, status: 'unknown' },
    ]);
  });

  it('filters by link; no QoS view → every row unknown', () => {
    const rows = driftOf(undefined, policies.store, topology, { link: 'l2' });
    expect(rows.map((r) => [r.link, r.status])).toEqual(Array.from({ length: 4 }, () => ['l2', 'unknown']));
  });
});
