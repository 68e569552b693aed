// `lanewatch collector`'s own /metrics listener: the setting that places it (defaults, a bad
// value named by its key), the listener's two routes (the shared /metrics handler and allowFrom
// rule without sessions, /healthz) through inject, and the message for a port that is taken,
// from a real listen on loopback. `remoteAddress` in inject only sets the peer fastify sees.
import { createServer, type Server } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { fileURLToPath } from 'node:url';
import { settingsSchema } from '../../config/schema.ts';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import { routes } from '../../api/routes.ts';
import { buildMetricsListener, healthzPath } from '../../server/metrics/listener.ts';
import { explainListenError, ListenSettingError, listenOn } from '../../cli/lifecycle.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';

/** The Host check's inputs as the defaults give them: loopback listen address, no other names. */
const hosts = { listenHost: '127.0.0.1', allowedHosts: [] };

function registryWithProbe(): Registry {
  const registry = new Registry();
  new Counter({ name: 'lanewatch_test_probe_total', help: 'A counter of the listener test.', registers: [registry] }).inc(3);
  return registry;
}

describe('settings.metrics.collectorListen', () => {
  it('defaults to loopback port 9464, beside allowFrom', () => {
    const settings = settingsSchema.parse({});
    expect(settings.metrics.collectorListen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(settings.metrics.allowFrom).toEqual(['127.0.0.1', '::1']);
  });

  it('takes a host and port of its own', () => {
    const settings = settingsSchema.parse({ metrics: { collectorListen: { host: '0.0.0.0', port: 19_464 } } });
    expect(settings.metrics.collectorListen).toEqual({ host: '0.0.0.0', port: 19_464 });
  });

  it('the embedded example and the deployment example state the defaults as they are', () => {
    const defaults = settingsSchema.parse({}).metrics;
    const deployDir = fileURLToPath(new URL('../../deploy/etc/lanewatch/', import.meta.url));
    for (const dir of [defaultConfigDir, deployDir]) expect(loadConfig(dir, { env: {} }).settings.metrics, dir).toEqual(defaults);
  });

  it.each([
    [{ port: 70_000 }, 'metrics.collectorListen.port'],
    [{ port: 'x' }, 'metrics.collectorListen.port'],
    [{ host: '' }, 'metrics.collectorListen.host'],
    [{ hots: '127.0.0.1' }, 'metrics.collectorListen'],
  ])('refuses %j naming %s', (collectorListen, key) => {
    const result = settingsSchema.safeParse({ metrics: { collectorListen } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([key]);
  });
});

describe("the collector's metrics listener", () => {
  it('serves the registry to an address in allowFrom, in the Prometheus text format', async () => {
    const { app } = await buildMetricsListener({ registry: registryWithProbe(), allowFrom: ['127.0.0.1'], ...hosts });
    const res = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(sampleValue(parsePrometheusText(res.body), 'lanewatch_test_probe_total')).toBe(3);
    await app.close();
  });

  it('refuses another address (403, the usual body) and says only allowFrom can admit it: no sign-in here', async () => {
    const { app } = await buildMetricsListener({ registry: registryWithProbe(), allowFrom: ['127.0.0.1'], ...hosts });
    for (const headers of [{}, { cookie: 'lanewatch_session=forged-token' }, { 'x-forwarded-for': '127.0.0.1' }]) {
      const res = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.2', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        code: 'metrics-address',
        params: { address: '127.0.0.2' },
        message: 'GET /metrics from 127.0.0.2: that address is not in metrics.allowFrom; add it to metrics.allowFrom (this process has no sign-in)',
      });
      expect(res.body).not.toContain('lanewatch_test_probe');
    }
    await app.close();
  });

  it('has /metrics (from the route table) and /healthz, every route declared open', async () => {
    const { app, routes: listed } = await buildMetricsListener({ registry: registryWithProbe(), allowFrom: [], ...hosts });
    await app.ready();
    expect(listed().map((r) => `${r.method} ${r.url}`).sort()).toEqual(['GET /healthz', 'GET /metrics', 'HEAD /healthz', 'HEAD /metrics']);
    for (const r of listed()) expect(r.access.roles).toBe('anyone');
    expect(listed().find((r) => r.url === '/metrics')?.access).toEqual(routes.metrics.access);
    const health = await app.inject({ method: 'GET', url: healthzPath, remoteAddress: '192.0.2.1' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/api/v1/health', remoteAddress: '127.0.0.1' })).statusCode).toBe(404);
    await app.close();
  });

  it('refuses a route that declares no open rule (no session could ever pass it)', async () => {
    const { app } = await buildMetricsListener({ registry: registryWithProbe(), allowFrom: [], ...hosts });
    expect(() => app.get('/secret', { config: { access: { roles: ['admin'], scope: 'none' } } }, async () => 'x')).toThrow(
      /\/secret: a route of the collector's metrics listener must be open/,
    );
    expect(() => app.get('/undeclared', async () => 'x')).toThrow(/must be open/);
    await app.close();
  });
});

describe('explainListenError', () => {
  const at = { host: '127.0.0.1', port: 9464, setting: 'metrics.collectorListen' };
  const withCode = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

  it('names the setting and what to change for a taken port, a privileged port, an address not on this host', () => {
    expect(explainListenError(withCode('EADDRINUSE'), at)?.message).toBe(
      'metrics.collectorListen: cannot listen on 127.0.0.1:9464: the port is already in use by another process; stop it or set another metrics.collectorListen.port in settings.yaml',
    );
    expect(explainListenError(withCode('EACCES'), { ...at, port: 80 })?.message).toMatch(/^metrics\.collectorListen: cannot listen on 127\.0\.0\.1:80: permission denied .* metrics\.collectorListen\.port/);
    expect(explainListenError(withCode('EADDRNOTAVAIL'), { ...at, host: '::2' })?.message).toBe(
      'metrics.collectorListen: cannot listen on [::2]:9464: ::2 is not an address of this host; set metrics.collectorListen.host in settings.yaml',
    );
    expect(explainListenError(withCode('EADDRINUSE'), { host: '127.0.0.1', port: 8080, setting: 'server', portEnv: 'PORT' })?.message).toMatch(
      /set another server\.port \(or PORT\) in settings\.yaml$/,
    );
  });

  it('leaves any other failure alone (a bug keeps its stack)', () => {
    expect(explainListenError(withCode('EPIPE'), at)).toBeUndefined();
    expect(explainListenError(new Error('no code'), at)).toBeUndefined();
    expect(explainListenError('text', at)).toBeUndefined();
  });
});

describe('listenOn', () => {
  let holder: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
    holder = undefined;
  });

  it('a port another listener holds: a ListenSettingError naming the setting, the cause kept', async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const { app } = await buildMetricsListener({ registry: registryWithProbe(), allowFrom: [], ...hosts });
    const failed = await listenOn((where) => app.listen(where), { host: '127.0.0.1', port: address.port, setting: 'metrics.collectorListen' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await app.close();
    expect(failed).toBeInstanceOf(ListenSettingError);
    const err = failed as ListenSettingError;
    expect(err.message).toBe(`metrics.collectorListen: cannot listen on 127.0.0.1:${address.port}: the port is already in use by another process; stop it or set another metrics.collectorListen.port in settings.yaml`);
    expect(err).toMatchObject({ setting: 'metrics.collectorListen', address: `127.0.0.1:${address.port}`, code: 'EADDRINUSE' });
    expect((err.cause as { code?: string }).code).toBe('EADDRINUSE');
  });

  it('a free port: listens', async () => {
    const { app } = await buildMetricsListener({ registry: registryWithProbe(), allowFrom: ['127.0.0.1'], ...hosts });
    await listenOn((where) => app.listen(where), { host: '127.0.0.1', port: 0, setting: 'metrics.collectorListen' });
    const bound = app.server.address();
    if (bound === null || typeof bound === 'string') throw new Error('no TCP address');
    const { port } = bound;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('lanewatch_test_probe_total 3');
    await app.close();
  });
});

/** GET over a real socket with this Host header (fetch may not set Host). */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host }, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} with Host ${host}: no answer in 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe("the collector's metrics listener checks the Host header as the server does (DNS rebinding)", () => {
  it('refuses Host evil.example from 127.0.0.1 (421, the server\'s body), answers 127.0.0.1:PORT and a name of server.allowedHosts', async () => {
    const { app } = await buildMetricsListener({ registry: registryWithProbe(), allowFrom: ['127.0.0.1'], listenHost: '127.0.0.1', allowedHosts: ['metrics.example.net'] });
    await listenOn((where) => app.listen(where), { host: '127.0.0.1', port: 0, setting: 'metrics.collectorListen' });
    try {
      const bound = app.server.address();
      if (bound === null || typeof bound === 'string') throw new Error('no TCP address');
      const { port } = bound;
      for (const path of ['/metrics', healthzPath]) {
        const refused = await getWithHost(port, path, `evil.example:${port}`);
        expect(refused.status, path).toBe(421);
        expect(JSON.parse(refused.body), path).toMatchObject({ statusCode: 421, code: 'host-not-allowed', params: { host: `evil.example:${port}` } });
        expect(refused.body).not.toContain('lanewatch_test_probe');
      }
      const ok = await getWithHost(port, '/metrics', `127.0.0.1:${port}`);
      expect(ok.status, ok.body).toBe(200);
      expect(ok.body).toContain('lanewatch_test_probe_total 3');
      expect((await getWithHost(port, '/metrics', `METRICS.example.net:${port}`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
