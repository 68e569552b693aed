// GET /metrics on the whole app (inject): the Prometheus text format, open to the addresses of
// settings.metrics.allowFrom and to signed-in viewers, engineers and admins from anywhere;
// anyone else gets 403 as the usual error body. `remoteAddress` in inject only sets the peer
// address fastify sees: no traffic is sent anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { loadConfig } from '../../config/load.ts';
import { routes, contractUrl } from '../../api/routes.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';
import { startTestApp, testOrigin, type TestApp } from '../helpers/app.ts';

const denied = '10.0.0.9';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('GET /metrics', () => {
  it('is at the root, in the route table, open by its rule', () => {
    expect(contractUrl(routes.metrics)).toBe('/metrics');
    expect(routes.metrics.access.roles).toBe('anyone');
    const registered = t.app.routeRules().filter((r) => r.url === '/metrics');
    expect(registered.map((r) => r.method).sort()).toEqual(['GET', 'HEAD']);
    for (const r of registered) expect(r.access).toEqual(routes.metrics.access);
  });

  it('answers an allowed address without a session in the Prometheus text format', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const families = parsePrometheusText(res.body);
    // The app's own live stream metrics are there even with no client.
    expect(families.get('lanewatch_live_clients')?.type).toBe('gauge');
    expect(sampleValue(families, 'lanewatch_live_clients')).toBe(0);
    expect(families.get('lanewatch_live_bytes_sent_total')?.type).toBe('counter');
  });

  it('answers ::1 and an IPv4-mapped loopback address (the default allowFrom)', async () => {
    for (const remoteAddress of ['::1', '::ffff:127.0.0.1']) {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress });
      expect(res.statusCode, `${remoteAddress}: ${res.body}`).toBe(200);
    }
  });

  it('refuses another address without a session: 403, the usual error body naming the setting', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: denied });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      code: 'metrics-address',
      params: { address: denied },
      message: `GET /metrics from ${denied}: that address is not in metrics.allowFrom; sign in as viewer, engineer, admin, or add it to metrics.allowFrom`,
    });
    expect(res.body).not.toContain('lanewatch_');
  });

  it('a forged X-Forwarded-For does not make a refused address allowed (no trustProxy)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: denied, headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(res.statusCode).toBe(403);
  });

  it('a made-up session cookie from another address is refused like no session', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: denied, headers: { cookie: 'lanewatch_session=forged-token' } });
    expect(res.statusCode).toBe(403);
  });

  it.each(['viewer', 'engineer', 'admin'])('signed in as %s from another address: 200 and the metrics', async (user) => {
    const res = await t.as(user)({ method: 'GET', url: '/metrics', remoteAddress: denied });
    expect(res.statusCode, res.body).toBe(200);
    expect(parsePrometheusText(res.body).has('lanewatch_live_clients')).toBe(true);
  });

  it('signed in as a province user from another address: 403 naming the province role', async () => {
    const res = await t.as('bac-ninh')({ method: 'GET', url: '/metrics', remoteAddress: denied });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json()).toMatchObject({ statusCode: 403, error: 'Forbidden', message: expect.stringContaining('the province role') });
  });

  it('a province user from an allowed address reads it like anyone there', async () => {
    const res = await t.as('bac-ninh')({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('is not under the API prefix', async () => {
    const res = await t.as('admin')({ method: 'GET', url: '/api/v1/metrics' });
    expect(res.statusCode).toBe(404);
  });
});

describe('GET /metrics with settings', () => {
  let custom: TestApp;
  const registry = new Registry();
  const probe = new Counter({ name: 'lanewatch_test_probe_total', help: 'A counter of the registry given to buildApp.', registers: [registry] });
  beforeAll(async () => {
    const base = loadConfig();
    custom = await startTestApp({ config: { ...base, settings: { ...base.settings, metrics: { ...base.settings.metrics, allowFrom: ['10.0.0.0/8', 'fd00::/8'] } } } });
  });
  afterAll(async () => {
    await custom.close();
  });

  it.each([
    [denied, 200],
    ['fd00::12', 200],
    ['127.0.0.1', 403],
    ['192.0.2.1', 403],
  ])('allowFrom [10.0.0.0/8, fd00::/8]: %s → %i', async (remoteAddress, status) => {
    const res = await custom.app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers: { origin: testOrigin } });
    expect(res.statusCode, res.body).toBe(status);
  });

  it('serves the registry buildApp is given, with the live stream metrics added to it', async () => {
    const { buildApp } = await import('../../server/app.ts');
    const { LiveBus } = await import('../../collector/live-bus.ts');
    const { createInfluxClient } = await import('../../collector/store/influx-client.ts');
    const config = custom.config;
    const app = await buildApp({
      config,
      bus: new LiveBus(),
      influx: createInfluxClient({ ...config.settings.influx, url: 'http://127.0.0.1:9' }),
      auth: custom.auth,
      metrics: registry,
    });
    try {
      probe.inc(3);
      const res = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: denied });
      expect(res.statusCode, res.body).toBe(200);
      const families = parsePrometheusText(res.body);
      expect(sampleValue(families, 'lanewatch_test_probe_total')).toBe(3);
      // The live stream registered its metrics into the same registry.
      expect(sampleValue(families, 'lanewatch_live_clients')).toBe(0);
    } finally {
      await app.close();
    }
  });
});
