// Province scoping at every door: a province user (bac-ninh) asking for Thanh Hóa's links,
// alerts or province through REST paths and query parameters gets 403/404, never data; its
// lists carry its own province only. The WebSocket's scoping is tested in server-live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollBatch, LinkSample } from '../../collector/samples.ts';
import { stateChange } from '../helpers/alerts-fixture.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const mine = 'bac-ninh';
const other = 'thanh-hoa';
const myUplink = 't1-bac-ninh';
const otherUplink = 't1-thanh-hoa';

let t: TestApp;
let asProvince: ReturnType<TestApp['as']>;
let asViewer: ReturnType<TestApp['as']>;

function sample(link: string, province: string, atMs: number): LinkSample {
  return { atMs, intervalMs: 5_000, link, province, tier: 1, dir: 'down', class: 'total', bitsPerSecond: 1e8, capacityBps: 1e9, utilization: 0.1 };
}


beforeAll(async () => {
  t = await startTestApp();
  asProvince = t.as(mine);
  asViewer = t.as('viewer');
  const atMs = Date.now();
  const batch = (link: string, province: string): PollBatch => ({
    poll: { atMs, device: `${province}-core-1`, province, ok: true, latencyMs: 1, varbinds: 10 },
    links: [sample(link, province, atMs)],
    interfaces: [],
  });
  t.bus.publish(batch(myUplink, mine));
  t.bus.publish(batch(otherUplink, other));
  t.alerts.onStateChange(stateChange('ok', 'warning', atMs, { link: myUplink, province: mine }));
  t.alerts.onStateChange(stateChange('ok', 'warning', atMs, { link: otherUplink, province: other }));
});
afterAll(async () => {
  await t?.close();
});

describe('lists carry the province user’s own province only', () => {
  it('topology: its province, its links, the routers that carry them', async () => {
    const body = (await asProvince({ method: 'GET', url: '/api/v1/topology' })).json() as {
      provinces: { id: string }[];
      links: { province: string }[];
      routers: { id: string; province?: string }[];
    };
    expect(body.provinces.map((p) => p.id)).toEqual([mine]);
    expect(body.links.length).toBeGreaterThan(1);
    expect(body.links.every((l) => l.province === mine)).toBe(true);
    expect(body.routers.every((r) => r.province === undefined || r.province === mine)).toBe(true);
    const national = (await asViewer({ method: 'GET', url: '/api/v1/topology' })).json() as { provinces: unknown[] };
    expect(national.provinces).toHaveLength(34);
  });

  it('snapshot: its samples only', async () => {
    const body = (await asProvince({ method: 'GET', url: '/api/v1/live/snapshot' })).json() as { samples: LinkSample[] };
    expect(body.samples.map((s) => s.link)).toEqual([myUplink]);
    const national = (await asViewer({ method: 'GET', url: '/api/v1/live/snapshot' })).json() as { samples: LinkSample[] };
    expect(new Set(national.samples.map((s) => s.link))).toEqual(new Set([myUplink, otherUplink]));
  });

  it('states: its links and its province, no national figures', async () => {
    const body = (await asProvince({ method: 'GET', url: '/api/v1/states' })).json() as {
      links: { province: string }[];
      provinces: { province: string }[];
    };
    expect(body.links.every((l) => l.province === mine)).toBe(true);
    expect(body.provinces.map((p) => p.province)).toEqual([mine]);
    const national = (await asViewer({ method: 'GET', url: '/api/v1/states' })).json() as { provinces: unknown[] };
    expect(national.provinces).toHaveLength(34);
  });

  it('alerts: its episodes only', async () => {
    const body = (await asProvince({ method: 'GET', url: '/api/v1/alerts' })).json() as { alerts: { province: string }[] };
    expect(body.alerts.map((a) => a.province)).toEqual([mine]);
    const national = (await asViewer({ method: 'GET', url: '/api/v1/alerts' })).json() as { alerts: { province: string }[] };
    expect(new Set(national.alerts.map((a) => a.province))).toEqual(new Set([mine, other]));
  });

  it('drift: its links only', async () => {
    const body = (await asProvince({ method: 'GET', url: '/api/v1/drift' })).json() as { links: { link: string }[] };
    expect(body.links.length).toBeGreaterThan(0);
    expect(body.links.every((row) => t.config.topology.links.find((l) => l.id === row.link)?.province === mine)).toBe(true);
  });
});

describe('another province through paths and query parameters: 403 or 404, never data', () => {
  const attempts: [string, string][] = [
    ['history of its uplink', `/api/v1/history?link=${otherUplink}&dir=down`],
    ['qos of its link', `/api/v1/qos?link=${otherUplink}`],
    ['qos of its router', `/api/v1/qos?device=${other}-core-1`],
    ['drift of its link', `/api/v1/drift?link=${otherUplink}`],
    ['effective policy of its link', `/api/v1/policies/effective?link=${otherUplink}`],
    ['alerts of its province', `/api/v1/alerts?province=${other}`],
    ['the whole policy document', '/api/v1/policies'],
    ['the policy history', '/api/v1/policies/history'],
  ];
  it.each(attempts)('%s', async (_what, url) => {
    const res = await asProvince({ method: 'GET', url });
    expect([403, 404]).toContain(res.statusCode);
    expect(res.body).not.toContain('"points"');
    expect(res.body).not.toContain('"alerts"');
    expect(res.json()).toMatchObject({ statusCode: res.statusCode, message: expect.any(String) });
  });

  it('its own link works through the same doors', async () => {
    for (const url of [`/api/v1/qos?link=${myUplink}`, `/api/v1/drift?link=${myUplink}`, `/api/v1/policies/effective?link=${myUplink}`]) {
      const res = await asProvince({ method: 'GET', url });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
  });

  it('acknowledging another province’s alert is 404; its own is recorded under its name', async () => {
    const all = (await asViewer({ method: 'GET', url: '/api/v1/alerts' })).json() as { alerts: { id: string; province: string }[] };
    const theirs = all.alerts.find((a) => a.province === other)!;
    const ours = all.alerts.find((a) => a.province === mine)!;
    const refused = await asProvince({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(theirs.id)}/ack` });
    expect(refused.statusCode).toBe(404);
    const after = (await asViewer({ method: 'GET', url: '/api/v1/alerts' })).json() as { alerts: { id: string; state: string }[] };
    expect(after.alerts.find((a) => a.id === theirs.id)?.state).toBe('open');
    const accepted = await asProvince({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(ours.id)}/ack` });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: mine });
  });

  it('ids that reach InfluxQL stay validated against the topology (400 naming the field)', async () => {
    const res = await asViewer({ method: 'GET', url: `/api/v1/history?link=${encodeURIComponent("x' OR 1=1 --")}&dir=down` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'link' });
    const badClass = await asViewer({ method: 'GET', url: `/api/v1/history?link=${myUplink}&dir=down&class=${encodeURIComponent('total" OR 1=1')}` });
    expect(badClass.statusCode).toBe(400);
    expect(badClass.json()).toMatchObject({ field: 'class' });
  });
});

describe('refusals name their field', () => {
  it('a scope refusal and an unknown body key carry `field`', async () => {
    const scoped = await asProvince({ method: 'GET', url: `/api/v1/history?link=${otherUplink}&dir=down` });
    expect(scoped.json()).toMatchObject({ statusCode: 403, field: 'link' });
    const engineer = t.as('engineer');
    const current = await engineer({ method: 'GET', url: '/api/v1/policies' });
    const res = await engineer({
      method: 'PUT',
      url: '/api/v1/policies',
      headers: { 'if-match': current.headers['etag'] as string },
      payload: { document: (current.json() as { document: unknown }).document, author: 'someone else' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'author' });
  });
});
