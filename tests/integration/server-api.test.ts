// The REST API of the whole app against a real influxd, as signed-in users: health (open for
// probes) follows influxd going down and up, the topology leaks no credential, bad input gets
// 400 naming the field, history reads points, a province user sees its own province only, and
// the UI is served to anyone (it has to show the sign-in page).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfluxDB } from 'influx';
import { pino } from 'pino';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { buildApp } from '../../server/app.ts';
import { startTestApp, testOrigin, type TestApp } from '../helpers/app.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { waitForValue } from '../helpers/wait.ts';
import { logSink } from '../helpers/log-capture.ts';

const handle = sharedInfluxd();
let config: LanewatchConfig;
let influx: InfluxDB;
let t: TestApp;
let webDir: string;
/** What the app logged, one JSON object per line. */
const logs = logSink();
const nowMs = Date.now();

interface ErrorReply {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
}

interface HealthReply {
  status: 'ok' | 'degraded';
  influx: { reachable: boolean; error?: string; spooledPoints?: number; droppedPoints?: number; lastWriteOkAtMs?: number };
  collector: { running: boolean; devices: number; devicesUp: number; lastPollAtMs?: number } | null;
}

interface HistoryReply {
  link: string;
  dir: string;
  class: string;
  fromMs: number;
  toMs: number;
  points: { atMs: number; bitsPerSecond: number; utilization: number | null; dropBitsPerSecond?: number }[];
}

/** A GET as this user (a viewer unless told). */
async function getJson<T>(url: string, as = 'viewer'): Promise<{ status: number; body: T; text: string }> {
  const res = await t.as(as)({ method: 'GET', url });
  return { status: res.statusCode, body: res.json<T>(), text: res.body };
}

/** Health is open to probes: no session. */
async function getHealth(): Promise<{ status: number; body: HealthReply }> {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
  return { status: res.statusCode, body: res.json<HealthReply>() };
}

async function waitForHealth(status: HealthReply['status'], timeoutMs: number): Promise<HealthReply> {
  let last: HealthReply | undefined;
  return waitForValue(
    `health to become ${status}`,
    async () => {
      last = (await getHealth()).body;
      return last.status === status ? last : undefined;
    },
    { timeoutMs, context: () => `last: ${JSON.stringify(last)}` },
  );
}

beforeAll(async () => {
  config = loadConfig(defaultConfigDir, { env: { LANEWATCH_INFLUX_URL: handle.url } });
  influx = createInfluxClient(config.settings.influx);
  await influx.createDatabase(config.settings.influx.database);
  // Ten minutes of one-minute traffic points for t1-hue, as the collector's store writes them
  // (one point per link direction, each class's rate in its own fields).
  const points = [];
  for (let i = 10; i >= 1; i--) {
    const timestamp = nowMs - i * 60_000;
    for (const [dir, classes] of [
      ['down', { total: 40_000_000, video: 5_000_000 }],
      ['up', { total: 10_000_000 }],
    ] as const) {
      const fields: Record<string, number> = { capacityBps_total: 1e9 };
      for (const [cls, bps] of Object.entries(classes)) {
        fields[`bps_${cls}`] = bps;
        fields[`util_${cls}`] = bps / 1e9;
      }
      points.push({ measurement: 'traffic', tags: { link: 't1-hue', province: 'hue', tier: '1', dir }, fields, timestamp });
    }
  }
  await influx.writePoints(points, { precision: 'ms' });

  webDir = mkdtempSync(join(tmpdir(), 'lanewatch-web-'));
  mkdirSync(join(webDir, 'assets'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Lanewatch</title><div id="app"></div>');
  writeFileSync(join(webDir, 'assets', 'app.js'), 'console.log("lanewatch")');

  t = await startTestApp({ config, influx, webDir, logger: pino({ level: 'info' }, logs.stream) });
});

afterAll(async () => {
  await t?.close();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
});

describe('health', () => {
  it('is ok with influxd up, degraded within 1 s of stopping it, ok again after a start', async () => {
    const up = await getHealth();
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ status: 'ok', influx: { reachable: true }, collector: null });

    await handle.stop();
    const down = await waitForHealth('degraded', 1_000);
    expect(down.influx.reachable).toBe(false);
    expect(down.influx.error).toBeTruthy();

    // While influxd is down a history query fails: a 503 to try again later that tells no internals.
    const failed = await t.as('viewer')({ method: 'GET', url: '/api/v1/history?link=t1-hue&dir=down' });
    expect(failed.statusCode).toBe(503);
    expect(Number(failed.headers['retry-after'])).toBeGreaterThan(0);
    expect(failed.json<ErrorReply>()).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: expect.stringContaining('try again') });
    expect(failed.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/i);
    expect(failed.body).not.toContain(String(handle.port));
    // …but the log has the cause.
    const logged = logs.lines() as { level: number; msg: string; url?: string; err?: { message: string } }[];
    const failure = logged.find((l) => l.msg === 'storage unavailable');
    expect(failure).toMatchObject({ level: 40, url: '/api/v1/history?link=t1-hue&dir=down' });
    expect(failure?.err?.message).toBeTruthy();

    await handle.start();
    const again = await waitForHealth('ok', 5_000);
    expect(again.influx.reachable).toBe(true);
  });

  it('combines the store and collector health when they run in this process', async () => {
    let collector: { running: boolean; devices: number; devicesUp: number; devicesDown: number; lastPollAtMs?: number } = { running: true, devices: 2, devicesUp: 2, devicesDown: 0 };
    let store = { influxReachable: true, lastWriteOkAtMs: Date.now(), spooledPoints: 0, spooledBytes: 0, droppedPoints: 0, pendingPoints: 3 };
    // The test app's users and sessions; health needs none of them.
    const local = await buildApp({ config, bus: new LiveBus(), influx, auth: t.auth, storeHealth: () => store, collectorHealth: () => collector });
    try {
      const health = async () => (await local.inject({ method: 'GET', url: '/api/v1/health' })).json<HealthReply>();
      // Just started, no poll yet: not degraded until two intervals have passed.
      expect((await health()).status).toBe('ok');

      collector = { ...collector, lastPollAtMs: Date.now() };
      const ok = await health();
      expect(ok.status).toBe('ok');
      expect(ok.collector).toEqual(collector);
      expect(ok.influx).toEqual({ reachable: true, spooledPoints: 0, droppedPoints: 0, lastWriteOkAtMs: store.lastWriteOkAtMs });

      collector = { ...collector, devicesUp: 1, devicesDown: 1 };
      expect((await health()).status).toBe('degraded');

      // A national fleet: a few dead sites are network events, not a failing monitor; devices
      // not polled yet are not down.
      collector = { ...collector, devices: 1_000, devicesUp: 900, devicesDown: 50 };
      expect((await health()).status).toBe('ok');
      collector = { ...collector, devicesUp: 949, devicesDown: 51 };
      expect((await health()).status).toBe('degraded');
      collector = { ...collector, devices: 2, devicesUp: 1, devicesDown: 0 };
      expect((await health()).status).toBe('ok');

      collector = { ...collector, devicesUp: 2, devicesDown: 0, lastPollAtMs: Date.now() - 3 * config.settings.collector.intervalMs };
      expect((await health()).status).toBe('degraded');

      collector = { ...collector, running: false, lastPollAtMs: Date.now() };
      expect((await health()).status).toBe('degraded');
      collector = { ...collector, running: true };

      collector = { ...collector, lastPollAtMs: Date.now() };
      store = { ...store, influxReachable: false, spooledPoints: 120 };
      const spooling = await health();
      expect(spooling.status).toBe('degraded');
      expect(spooling.influx.spooledPoints).toBe(120);
    } finally {
      await local.close();
    }
  });
});

describe('topology', () => {
  it('lists the 34 tier-1 links of the example and never a credential or address', async () => {
    const { status, body, text } = await getJson<{
      intervalMs: number;
      provinces: { id: string; name: string; region: string }[];
      routers: { id: string; name: string }[];
      links: { id: string; tier: number; province: string; router: string; ifName: string; capacityBps?: number; downIs: string }[];
    }>('/api/v1/topology');
    expect(status).toBe(200);
    expect(body.intervalMs).toBe(config.settings.collector.intervalMs);
    // Every configured link, the 34 tier-1 uplinks among them, exactly as configured.
    expect(body.links).toHaveLength(config.topology.links.length);
    expect(new Set(body.links.map((l) => l.id)).size).toBe(config.topology.links.length);
    expect(body.links.filter((l) => l.tier === 1)).toHaveLength(34);
    expect(body.provinces).toHaveLength(34);
    expect(body.provinces.find((p) => p.id === 'hue')).toEqual({ id: 'hue', name: 'Huế', region: 'central' });
    const hue = config.topology.links.find((l) => l.id === 't1-hue');
    expect(hue).toBeDefined();
    expect(body.links.find((l) => l.id === 't1-hue')).toEqual(
      expect.objectContaining({ tier: 1, province: 'hue', router: hue?.router, ifName: hue?.ifName, capacityBps: hue?.capacityBps, downIs: hue?.downIs }),
    );
    expect(body.routers.map((r) => r.id).sort()).toEqual(config.topology.routers.map((r) => r.id).sort());

    const secrets = ['lanewatch-ro', 'lanewatch-auth-key', 'lanewatch-priv-key', '"lanewatch"', '127.0.0.1', '16101', 'community', 'authKey', 'privKey', 'address', 'snmp'];
    for (const router of config.topology.routers) {
      secrets.push(router.address);
      if (router.snmp.version === '2c') secrets.push(router.snmp.community);
      else secrets.push(`"${router.snmp.user}"`, router.snmp.authKey, router.snmp.privKey);
    }
    for (const secret of secrets) expect(text, secret).not.toContain(secret);
  });
});

describe('live snapshot', () => {
  it('keeps the latest sample per link, direction and class from the bus', async () => {
    const base: LinkSample = {
      atMs: nowMs - 5_000, intervalMs: 5_000, link: 't1-ca-mau', province: 'ca-mau', tier: 1, dir: 'down',
      class: 'total', bitsPerSecond: 1e6, capacityBps: 1e9, utilization: 0.001,
    };
    const poll = { atMs: nowMs, device: 'hcm-core-1', province: 'ho-chi-minh', ok: true, latencyMs: 3, varbinds: 40 };
    t.bus.publish({ poll, links: [base, { ...base, dir: 'up', bitsPerSecond: 2e6, dropBitsPerSecond: 10 }], interfaces: [] });
    t.bus.publish({ poll, links: [{ ...base, atMs: nowMs, bitsPerSecond: 3e6 }], interfaces: [] });
    const { status, body } = await getJson<{ atMs: number; samples: LinkSample[] }>('/api/v1/live/snapshot');
    expect(status).toBe(200);
    expect(body.atMs).toBeGreaterThanOrEqual(nowMs);
    const byDir = new Map(body.samples.filter((s) => s.link === 't1-ca-mau').map((s) => [s.dir, s]));
    expect(byDir.get('down')).toEqual({ ...base, atMs: nowMs, bitsPerSecond: 3e6 });
    expect(byDir.get('up')).toEqual({ ...base, dir: 'up', bitsPerSecond: 2e6, dropBitsPerSecond: 10 });
  });
});

describe('history', () => {
  it('returns the points of one link, direction and class', async () => {
    const { status, body } = await getJson<HistoryReply>('/api/v1/history?link=t1-hue&dir=down&from=-30m');
    expect(status).toBe(200);
    expect(body).toMatchObject({ link: 't1-hue', dir: 'down', class: 'total' });
    expect(body.toMs - body.fromMs).toBeGreaterThanOrEqual(30 * 60_000 - 1_000);
    expect(body.toMs - body.fromMs).toBeLessThanOrEqual(30 * 60_000 + 1_000);
    expect(body.points.length).toBeGreaterThan(0);
    for (const p of body.points) {
      expect(p.atMs).toBeGreaterThanOrEqual(body.fromMs - 60_000);
      expect(p.atMs).toBeLessThanOrEqual(body.toMs);
      expect(p.bitsPerSecond).toBeCloseTo(40_000_000);
      expect(p.utilization).toBeCloseTo(0.04);
    }
    const video = await getJson<HistoryReply>(`/api/v1/history?link=t1-hue&dir=down&class=video&from=${new Date(nowMs - 20 * 60_000).toISOString()}&to=now`);
    expect(video.status).toBe(200);
    expect(video.body.points.length).toBeGreaterThan(0);
    for (const p of video.body.points) expect(p.bitsPerSecond).toBeCloseTo(5_000_000);
    const up = await getJson<HistoryReply>('/api/v1/history?link=t1-hue&dir=up&class=total');
    for (const p of up.body.points) expect(p.bitsPerSecond).toBeCloseTo(10_000_000);
    expect(up.body.points.length).toBeGreaterThan(0);
  });

  it('has no points for a link without traffic', async () => {
    const { status, body } = await getJson<HistoryReply>('/api/v1/history?link=t1-ca-mau&dir=up');
    expect(status).toBe(200);
    expect(body.points).toEqual([]);
  });

  const badRequests: { name: string; query: string; field: string; mentions: RegExp }[] = [
    { name: 'missing link', query: 'dir=down', field: 'link', mentions: /link/ },
    { name: 'unknown link', query: 'link=t1-atlantis&dir=down', field: 'link', mentions: /link.*t1-atlantis/ },
    { name: 'missing dir', query: 'link=t1-hue', field: 'dir', mentions: /dir/ },
    { name: 'bad dir', query: 'link=t1-hue&dir=sideways', field: 'dir', mentions: /dir/ },
    { name: 'bad class', query: 'link=t1-hue&dir=down&class=gold', field: 'class', mentions: /class/ },
    { name: 'unparseable from', query: 'link=t1-hue&dir=down&from=yesterday-ish', field: 'from', mentions: /from.*yesterday-ish/ },
    { name: 'unparseable to', query: 'link=t1-hue&dir=down&to=2025-13-45T99:00:00Z', field: 'to', mentions: /to/ },
    { name: 'from after to', query: 'link=t1-hue&dir=down&from=now&to=-1h', field: 'from', mentions: /from.*before to/ },
    { name: 'from equal to', query: 'link=t1-hue&dir=down&from=2025-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', field: 'from', mentions: /from/ },
  ];
  for (const c of badRequests) {
    it(`400 naming the field for ${c.name}`, async () => {
      const { status, body } = await getJson<ErrorReply>(`/api/v1/history?${c.query}`);
      expect(status).toBe(400);
      expect(body.statusCode).toBe(400);
      expect(body.field).toBe(c.field);
      expect(body.message).toMatch(c.mentions);
    });
  }
});

describe('a province user', () => {
  it('sees its own province, its links and the routers that carry them', async () => {
    const { status, body } = await getJson<{ provinces: { id: string }[]; routers: { id: string; province?: string }[]; links: { id: string; province: string; router: string }[] }>(
      '/api/v1/topology',
      'hue',
    );
    expect(status).toBe(200);
    expect(body.provinces.map((p) => p.id)).toEqual(['hue']);
    const own = config.topology.links.filter((l) => l.province === 'hue');
    expect(body.links.map((l) => l.id).sort()).toEqual(own.map((l) => l.id).sort());
    expect(body.routers.map((r) => r.id).sort()).toEqual([...new Set(own.map((l) => l.router))].sort());
    expect(body.routers.every((r) => r.province === undefined || r.province === 'hue')).toBe(true);
  });

  it("gets its own province's samples from the snapshot and history; another province's link is 403", async () => {
    const sample: LinkSample = {
      atMs: Date.now(), intervalMs: 5_000, link: 't1-hue', province: 'hue', tier: 1, dir: 'down', class: 'total', bitsPerSecond: 1e6, capacityBps: 1e9, utilization: 0.001,
    };
    t.bus.publish({ poll: { atMs: sample.atMs, device: 'hue-core-1', province: 'hue', ok: true, latencyMs: 3, varbinds: 4 }, links: [sample, { ...sample, link: 't1-ca-mau', province: 'ca-mau' }], interfaces: [] });
    const snapshot = await getJson<{ samples: LinkSample[] }>('/api/v1/live/snapshot', 'hue');
    expect(snapshot.body.samples.length).toBeGreaterThan(0);
    expect(snapshot.body.samples.every((s) => s.province === 'hue')).toBe(true);
    expect((await getJson<{ samples: LinkSample[] }>('/api/v1/live/snapshot', 'ca-mau')).body.samples.map((s) => s.link)).toContain('t1-ca-mau');

    const own = await getJson<HistoryReply>('/api/v1/history?link=t1-hue&dir=down&from=-30m', 'hue');
    expect(own.status).toBe(200);
    expect(own.body.points.length).toBeGreaterThan(0);
    const foreign = await getJson<ErrorReply>('/api/v1/history?link=t1-ca-mau&dir=down', 'hue');
    expect(foreign.status).toBe(403);
    expect(foreign.body.message).toContain('t1-ca-mau');
  });
});

describe('static ui and unknown routes', () => {
  it('serves index.html at / and for client-side routes, files by path, without a session', async () => {
    const app = t.app;
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toMatch(/text\/html/);
    expect(root.body).toContain('<title>Lanewatch</title>');
    const route = await app.inject({ method: 'GET', url: '/province/hue?tab=links' });
    expect(route.statusCode).toBe(200);
    expect(route.body).toContain('<title>Lanewatch</title>');
    const asset = await app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log("lanewatch")');
    const missingAsset = await app.inject({ method: 'GET', url: '/assets/missing.js' });
    expect(missingAsset.statusCode).toBe(404);
  });

  it('answers unknown /api paths with a JSON 404, never the ui, signed in or not', async () => {
    for (const url of ['/api/v1/nope', '/api/v2/topology', '/api']) {
      for (const res of [await t.app.inject({ method: 'GET', url }), await t.as('viewer')({ method: 'GET', url })]) {
        expect(res.statusCode, url).toBe(404);
        expect(res.json<ErrorReply>()).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }
    }
  });

  it('serves the api only when there is no built ui', async () => {
    const bare = await buildApp({ config, bus: new LiveBus(), influx, auth: t.auth, webDir: join(webDir, 'does-not-exist') });
    try {
      expect((await bare.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
      const cookie = await t.login('viewer');
      expect((await bare.inject({ method: 'GET', url: '/api/v1/topology', headers: { cookie, origin: testOrigin } })).statusCode).toBe(200);
      expect((await bare.inject({ method: 'GET', url: '/api/v1/topology' })).statusCode).toBe(401);
    } finally {
      await bare.close();
    }
  });
});
