// GET /api/v1/states and GET /api/v1/drift through fastify's inject, on the example config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample, QosClassMapping, QosView } from '../../collector/samples.ts';
import type { EffectivePolicy, PolicySource } from '../../server/policies/model.ts';
import type { AnalyzerView } from '../../server/analysis/model.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import { installErrorHandler } from '../../server/routes/errors.ts';
import { statesRoutes } from '../../server/routes/states.ts';
import { driftRoutes } from '../../server/routes/drift.ts';

const M = 1e6;

/** Policy from the contract types: docex 20 %, video 30 % everywhere; raiseAfter 1. */
function policiesOf(config: LanewatchConfig): PolicySource {
  return {
    current: () => ({ revision: 4, document: { defaults: {}, tiers: {}, provinces: {}, links: {} } }),
    effective: (linkId, capacityBps): EffectivePolicy | undefined => {
      const link = config.topology.links.find((l) => l.id === linkId);
      if (!link) return undefined;
      const c = link.capacityBps ?? capacityBps ?? 0;
      return {
        link: linkId, province: link.province, tier: link.tier, capacityBps: c,
        reservationsBps: { docex: 0.2 * c, video: 0.3 * c }, reservedBps: 0.5 * c,
        thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 1, clearAfter: 5 }, from: {},
      };
    },
    onChange: () => () => {},
  };
}

let config: LanewatchConfig;
let app: FastifyInstance;
let bus: LiveBus;
let analyzer: Analyzer;
let qos: QosView;

beforeAll(async () => {
  config = loadConfig(defaultConfigDir);
  bus = new LiveBus();
  const policies = policiesOf(config);
  analyzer = new Analyzer({ config, bus, policies, log: pino({ level: 'silent' }) });
  analyzer.start();
  const m = (link: string, dir: 'down' | 'up', serviceClass: QosClassMapping['serviceClass'], reservedBps?: number): QosClassMapping => {
    const out: QosClassMapping = { device: 'thanh-hoa-core-1', link, ifName: 'Gi0/0/0', dir, source: 'cisco', className: serviceClass, path: serviceClass, serviceClass };
    if (reservedBps !== undefined) out.reservedBps = reservedBps;
    return out;
  };
  // t2-thanh-hoa-sam-son: video has a class-map but no queue; docex reserves 20 % as the policy says.
  const samSon = config.topology.links.find((l) => l.id === 't2-thanh-hoa-sam-son')!;
  const c = samSon.capacityBps!;
  qos = { atMs: 1, classes: [m(samSon.id, 'down', 'docex', 0.2 * c), m(samSon.id, 'down', 'video'), m(samSon.id, 'down', 'internet'), m(samSon.id, 'up', 'docex', 0.05 * c), m(samSon.id, 'up', 'video', 0.3 * c)] };
  app = Fastify();
  installErrorHandler(app);
  await app.register(statesRoutes, { prefix: '/api/v1', analyzer });
  await app.register(driftRoutes, { prefix: '/api/v1', policies, config, qosView: () => qos });
  await app.register(async (scoped) => driftRoutes(scoped, { policies, config }), { prefix: '/split' });
});

afterAll(async () => {
  analyzer?.stop();
  await app?.close();
});

describe('GET /api/v1/states', () => {
  it('answers the analyzer view: every province, and the links judged so far', async () => {
    const empty = (await app.inject({ method: 'GET', url: '/api/v1/states' })).json<AnalyzerView>();
    expect(empty.links).toEqual([]);
    expect(empty.provinces).toHaveLength(34);
    expect(empty.provinces.every((p) => p.level === 'ok' && p.worst.length === 0)).toBe(true);

    const base = { atMs: Date.now(), intervalMs: 5_000, link: 't1-hue', province: 'hue', tier: 1 as const, dir: 'down' as const, capacityBps: 1e9 };
    const samples: LinkSample[] = [
      { ...base, class: 'total', bitsPerSecond: 900 * M, utilization: 0.9 },
      { ...base, class: 'internet', bitsPerSecond: 600 * M, utilization: 0.6, dropBitsPerSecond: 0 },
      { ...base, class: 'video', bitsPerSecond: 200 * M, utilization: 0.2, dropBitsPerSecond: 2 * M },
    ];
    bus.publish({ poll: { atMs: base.atMs, device: 'hn-core-1', province: 'ha-noi', ok: true, latencyMs: 1, varbinds: 9 }, links: samples, interfaces: [] });
    const res = await app.inject({ method: 'GET', url: '/api/v1/states' });
    expect(res.statusCode).toBe(200);
    const view = res.json<AnalyzerView>();
    expect(view.links).toHaveLength(1);
    expect(view.links[0]).toMatchObject({ link: 't1-hue', dir: 'down', level: 'critical', sinceMs: base.atMs });
    expect(view.links[0]?.last).toMatchObject({
      level: 'critical', totalBps: 900 * M, internetBps: 600 * M, reservedBps: 500 * M, encroachBps: 100 * M, policyRevision: 4,
      conditions: { encroaching: true, busy: true, starved: true, dropsReported: true },
    });
    expect(view.links[0]?.last.dropRatio.video).toBeCloseTo(2 / 202, 9);
    expect(view.provinces.find((p) => p.province === 'hue')).toEqual({ province: 'hue', level: 'critical', worst: [{ link: 't1-hue', dir: 'down', level: 'critical' }] });
  });
});

describe('GET /api/v1/drift', () => {
  it('shows the router beside the policy: no-queue, differs, ok', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/drift?link=t2-thanh-hoa-sam-son' });
    expect(res.statusCode).toBe(200);
    const c = config.topology.links.find((l) => l.id === 't2-thanh-hoa-sam-son')!.capacityBps!;
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
    const body = (await app.inject({ method: 'GET', url: '/api/v1/drift' })).json<{ links: { link: string; status: string }[] }>();
    expect(body.links).toHaveLength(config.topology.links.length * 4);
    expect(body.links.filter((r) => r.link === 't1-hue').every((r) => r.status === 'unknown')).toBe(true);
  });

  it('400 naming the field for an unknown link', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/drift?link=t1-nowhere' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'link' });
    expect(res.json<{ message: string }>().message).toContain('t1-nowhere');
  });

  it('in the split deployment (no QoS view) every row is unknown', async () => {
    const body = (await app.inject({ method: 'GET', url: '/split/drift?link=t2-thanh-hoa-sam-son' })).json<{ links: { status: string; routerBps: number | null }[] }>();
    expect(body.links).toHaveLength(4);
    expect(body.links.every((r) => r.status === 'unknown' && r.routerBps === null)).toBe(true);
  });
});
