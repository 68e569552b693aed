// GET /api/v1/states and GET /api/v1/drift on the whole app (inject, the example config) as
// signed-in users: the analyzer's view after a published batch, the router's reservations
// beside the policy, and a province user confined to its own links and province.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigDir } from '../../config/load.ts';
import type { LinkSample, QosClassMapping, QosView } from '../../collector/samples.ts';
import type { AnalyzerView } from '../../server/analysis/model.ts';
import type { PolicyDocument } from '../../server/policies/model.ts';
import { loadPolicySeed } from '../../server/policies/seed.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { Direction } from '../../api/schemas.ts';

const M = 1e6;

let t: TestApp;
/** The same app without a collector in the process (no QoS view): the split deployment. */
let split: TestApp;
let qos: QosView;
/** The policy revision the analyzer judges with. */
let policyRevision: number;

beforeAll(async () => {
  const m = (link: string, dir: Direction, serviceClass: QosClassMapping['serviceClass'], reservedBps?: number): QosClassMapping => {
    const out: QosClassMapping = { device: 'thanh-hoa-core-1', link, ifName: 'Gi0/0/0', dir, source: 'cisco', className: serviceClass, path: serviceClass, serviceClass };
    if (reservedBps !== undefined) out.reservedBps = reservedBps;
    return out;
  };
  [t, split] = await Promise.all([startTestApp({ qosView: () => qos }), startTestApp()]);
  // t2-thanh-hoa-sam-son: video has a class-map but no queue; docex reserves 20 % as the policy says.
  const samSon = t.config.topology.links.find((l) => l.id === 't2-thanh-hoa-sam-son')!;
  const c = samSon.capacityBps!;
  qos = { atMs: 1, classes: [m(samSon.id, 'down', 'docex', 0.2 * c), m(samSon.id, 'down', 'video'), m(samSon.id, 'down', 'internet'), m(samSon.id, 'up', 'docex', 0.05 * c), m(samSon.id, 'up', 'video', 0.3 * c)] };

  // The example policy (docex 20 %, video 30 % on both tiers), with a state entered on the
  // first sample, saved by an engineer through the API.
  const document: PolicyDocument = structuredClone(loadPolicySeed(defaultConfigDir));
  document.defaults.thresholds = { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 1, clearAfter: 5 };
  const saved = await t.as('engineer')({ method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': '"1"' }, payload: { document } });
  if (saved.statusCode !== 200) throw new Error(`policy save: ${saved.statusCode} ${saved.body}`);
  policyRevision = saved.json<{ revision: number }>().revision;
});

afterAll(async () => {
  await t?.close();
  await split?.close();
});

describe('GET /api/v1/states', () => {
  it('answers the analyzer view: every province, and the links judged so far', async () => {
    const empty = (await t.as('viewer')({ method: 'GET', url: '/api/v1/states' })).json<AnalyzerView>();
    expect(empty.links).toEqual([]);
    expect(empty.provinces).toHaveLength(34);
    expect(empty.provinces.every((p) => p.level === 'ok' && p.worst.length === 0)).toBe(true);

    const base = { atMs: Date.now(), intervalMs: 5_000, link: 't1-hue', province: 'hue', tier: 1 as const, dir: 'down' as const, capacityBps: 1e9 };
    const samples: LinkSample[] = [
      { ...base, class: 'total', bitsPerSecond: 900 * M, utilization: 0.9 },
      { ...base, class: 'internet', bitsPerSecond: 600 * M, utilization: 0.6, dropBitsPerSecond: 0 },
      { ...base, class: 'video', bitsPerSecond: 200 * M, utilization: 0.2, dropBitsPerSecond: 2 * M },
    ];
    t.bus.publish({ poll: { atMs: base.atMs, device: 'hn-core-1', province: 'ha-noi', ok: true, latencyMs: 1, varbinds: 9 }, links: samples, interfaces: [] });
    const res = await t.as('viewer')({ method: 'GET', url: '/api/v1/states' });
    expect(res.statusCode).toBe(200);
    const view = res.json<AnalyzerView>();
    expect(view.links).toHaveLength(1);
    expect(view.links[0]).toMatchObject({ link: 't1-hue', dir: 'down', level: 'critical', sinceMs: base.atMs });
    expect(view.links[0]?.last).toMatchObject({
      level: 'critical', totalBps: 900 * M, internetBps: 600 * M, reservedBps: 500 * M, encroachBps: 100 * M, policyRevision,
      conditions: { encroaching: true, busy: true, starved: true, dropsReported: true },
    });
    expect(view.links[0]?.last.dropRatio.video).toBeCloseTo(2 / 202, 9);
    expect(view.provinces.find((p) => p.province === 'hue')).toEqual({ province: 'hue', level: 'critical', worst: [{ link: 't1-hue', dir: 'down', level: 'critical' }] });
  });

  it("gives a province user its own province's links and province only", async () => {
    const own = (await t.as('hue')({ method: 'GET', url: '/api/v1/states' })).json<AnalyzerView>();
    expect(own.links.map((s) => s.link)).toEqual(['t1-hue']);
    expect(own.provinces.map((p) => p.province)).toEqual(['hue']);
    const other = await t.as('ha-noi')({ method: 'GET', url: '/api/v1/states' });
    expect(other.statusCode).toBe(200);
    expect(other.json<AnalyzerView>()).toMatchObject({ links: [], provinces: [{ province: 'ha-noi', level: 'ok', worst: [] }] });
  });
});

describe('GET /api/v1/drift', () => {
  it('shows the router beside the policy: no-queue, differs, ok', async () => {
    const res = await t.as('viewer')({ method: 'GET', url: '/api/v1/drift?link=t2-thanh-hoa-sam-son' });
    expect(res.statusCode).toBe(200);
    const c = t.config.topology.links.find((l) => l.id === 't2-thanh-hoa-sam-son')!.capacityBps!;
    expect(res.json()).toEqual({
      links: [
        { link: 't2-thanh-hoa-sam-son', dir: 'down', class: 'docex', policyBps: 0.2 * c, routerBps: 0.2 * c, status: 'ok' },
        { link: 't2-thanh-hoa-sam-son', dir: 'down', class: 'video', policyBps: 0.3 * c, routerBps: null, status: 'no-queue' },
        { link: 't2-thanh-hoa-sam-son', dir: 'up', class: 'docex', policyBps: 0.2 * c, routerBps: 0.05 * c, status: 'differs' },
        { link: 't2-thanh-hoa-sam-son', dir: 'up', class: 'video', policyBps: 0.3 * c, routerBps: 0.3 * c, status: 'ok' },
      ],
    });
  });

  it('without a link: every configured link; links without QoS data are unknown', async () => {
    const body = (await t.as('viewer')({ method: 'GET', url: '/api/v1/drift' })).json<{ links: { link: string; status: string }[] }>();
    expect(body.links).toHaveLength(t.config.topology.links.length * 4);
    expect(body.links.filter((r) => r.link === 't1-hue').every((r) => r.status === 'unknown')).toBe(true);
  });

  it('400 naming the field for an unknown link', async () => {
    const res = await t.as('viewer')({ method: 'GET', url: '/api/v1/drift?link=t1-nowhere' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'link' });
    expect(res.json<{ message: string }>().message).toContain('t1-nowhere');
  });

  it('in the split deployment (no QoS view) every row is unknown', async () => {
    const body = (await split.as('viewer')({ method: 'GET', url: '/api/v1/drift?link=t2-thanh-hoa-sam-son' })).json<{ links: { status: string; routerBps: number | null }[] }>();
    expect(body.links).toHaveLength(4);
    expect(body.links.every((r) => r.status === 'unknown' && r.routerBps === null)).toBe(true);
  });

  it("gives a province user its own links' rows only; another province's link is 403", async () => {
    const own = (await t.as('thanh-hoa')({ method: 'GET', url: '/api/v1/drift' })).json<{ links: { link: string }[] }>();
    const ownLinks = t.config.topology.links.filter((l) => l.province === 'thanh-hoa').map((l) => l.id);
    expect(own.links).toHaveLength(ownLinks.length * 4);
    expect(own.links.every((r) => ownLinks.includes(r.link))).toBe(true);
    const foreign = await t.as('hue')({ method: 'GET', url: '/api/v1/drift?link=t2-thanh-hoa-sam-son' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json<{ message: string }>().message).toContain('t2-thanh-hoa-sam-son');
  });
});
