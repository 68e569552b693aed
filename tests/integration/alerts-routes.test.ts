// GET /api/v1/alerts and POST /api/v1/alerts/:id/ack on the whole app with a tiny config
// (inject, no port), as signed-in users: filters, newest first, the acknowledgement recorded
// as the signed-in user, 404, 409, 400 naming the field, and a province user confined to its
// own province's alerts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LanewatchConfig } from '../../config/schema.ts';
import type { AlertEpisode } from '../../server/alerts/model.ts';
import type { LinkStateChange } from '../../server/analysis/model.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { alertTestConfig, stateChange } from '../helpers/alerts-fixture.ts';

/** Three provinces (a user each), two links on one router. */
function tinyConfig(dir: string): LanewatchConfig {
  return alertTestConfig({
    dir,
    provinces: [{ id: 'hue' }, { id: 'ha-noi' }, { id: 'can-tho' }],
    links: [
      { id: 't1-hue', tier: 1, province: 'hue' },
      { id: 't1-ha-noi', tier: 1, province: 'ha-noi' },
    ],
  });
}

/** Before each test, the whole app on a tiny config of its own, fed these state changes; closed after it. */
function appForEachTest(changes: LinkStateChange[]): () => TestApp {
  let dir: string;
  let t: TestApp | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lanewatch-alert-routes-'));
    t = await startTestApp({ config: tinyConfig(dir) });
    for (const change of changes) t.alerts.onStateChange(change);
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (t === undefined) throw new Error('the app is not started: its beforeEach failed');
    return t;
  };
}

describe('alert routes', () => {
  const t = appForEachTest([
    stateChange('ok', 'warning', 1_000, { link: 't1-hue', province: 'hue' }),
    stateChange('ok', 'critical', 2_000, { link: 't1-ha-noi', province: 'ha-noi' }),
    stateChange('warning', 'ok', 3_000, { link: 't1-hue', province: 'hue' }),
    stateChange('ok', 'warning', 4_000, { link: 't1-hue', province: 'hue' }),
  ]);

  async function list(query = '', as = 'viewer'): Promise<AlertEpisode[]> {
    const res = await t().as(as)({ method: 'GET', url: `/api/v1/alerts${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { alerts: AlertEpisode[] }).alerts;
  }

  function ack(id: string, as: string, payload?: Record<string, unknown>) {
    return t().as(as)({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(id)}/ack`, ...(payload ? { payload } : {}) });
  }

  it('lists every episode newest first, with verdicts and notification records', async () => {
    const alerts = await list();
    expect(alerts.map((a) => [a.link, a.raisedAtMs, a.state])).toEqual([
      ['t1-hue', 4_000, 'open'],
      ['t1-ha-noi', 2_000, 'open'],
      ['t1-hue', 1_000, 'resolved'],
    ]);
    expect(alerts[2]).toMatchObject({ resolvedAtMs: 3_000, firstVerdict: { level: 'warning', policyRevision: 1 }, lastVerdict: { level: 'ok' }, notifications: [] });
  });

  it.each([
    ['?state=open', [4_000, 2_000]],
    ['?state=resolved', [1_000]],
    ['?state=acknowledged', []],
    ['?province=hue', [4_000, 1_000]],
    ['?province=hue&state=open', [4_000]],
    ['?province=can-tho', []],
  ])('filters %s', async (query, raised) => {
    expect((await list(query)).map((a) => a.raisedAtMs)).toEqual(raised);
  });

  it.each([
    ['?state=closed', 'state'],
    ['?province=atlantis', 'province'],
  ])('rejects %s naming the field', async (query, field) => {
    const res = await t().as('viewer')({ method: 'GET', url: `/api/v1/alerts${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, field });
  });

  it('acknowledges as the signed-in user; the first acknowledgement stands; listed as acknowledged', async () => {
    const id = (await list('?province=ha-noi'))[0]!.id;
    const res = await ack(id, 'engineer');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, state: 'acknowledged', acknowledgedBy: 'engineer' });
    const again = await ack(id, 'admin');
    expect(again.json()).toMatchObject({ acknowledgedBy: 'engineer' });
    expect((await list('?state=acknowledged')).map((a) => a.id)).toEqual([id]);
    expect(t().alerts.get(id)?.acknowledgedBy).toBe('engineer');
    // The audit log says who, and which alert.
    const audit = await t().as('admin')({ method: 'GET', url: '/api/v1/audit' });
    const acks = audit.json<{ entries: { actor: string | null; action: string; target?: string }[] }>().entries.filter((e) => e.action === 'alert-ack');
    expect(acks.map((e) => [e.actor, e.target])).toContainEqual(['engineer', id]);
  });

  it('records the signed-in user, never a name given in the body', async () => {
    const id = (await list('?state=open'))[0]!.id;
    const res = await ack(id, 'engineer', { by: 'pham.van.d' });
    // A body is not part of the route: whatever it says, the session names who acknowledged.
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ acknowledgedBy: 'engineer' });
    expect(t().alerts.get(id)?.acknowledgedBy).toBe('engineer');
  });

  it('404 for an unknown id, 409 for a resolved episode', async () => {
    const missing = await ack('nope', 'engineer');
    expect(missing.statusCode).toBe(404);
    const resolved = (await list('?state=resolved'))[0]!;
    const res = await ack(resolved.id, 'engineer');
    expect(res.statusCode).toBe(409);
    expect(t().alerts.get(resolved.id)?.acknowledgedBy).toBeUndefined();
  });

  it('a viewer may read but not acknowledge (403); nothing changes', async () => {
    const id = (await list('?state=open'))[0]!.id;
    const res = await ack(id, 'viewer');
    expect(res.statusCode).toBe(403);
    expect(t().alerts.get(id)?.state).toBe('open');
  });

  it('an acknowledgement without an Origin header is refused (403); nothing changes', async () => {
    const id = (await list('?state=open'))[0]!.id;
    const cookie = await t().login('engineer');
    const res = await t().app.inject({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(id)}/ack`, headers: { cookie } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ field: 'origin' });
    expect(t().alerts.get(id)?.state).toBe('open');
  });
});

describe('alert routes as a province user', () => {
  const t = appForEachTest([
    stateChange('ok', 'warning', 1_000, { link: 't1-hue', province: 'hue' }),
    stateChange('ok', 'critical', 2_000, { link: 't1-ha-noi', province: 'ha-noi' }),
  ]);

  it("lists its own province's alerts only; naming another province is 403", async () => {
    const res = await t().as('hue')({ method: 'GET', url: '/api/v1/alerts' });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ alerts: AlertEpisode[] }>().alerts.map((a) => a.link)).toEqual(['t1-hue']);
    const other = await t().as('hue')({ method: 'GET', url: '/api/v1/alerts?province=ha-noi' });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ statusCode: 403, message: expect.stringContaining('ha-noi') });
  });

  it("acknowledges its own alerts as itself; another province's alert is unknown to it (404)", async () => {
    const [hue, haNoi] = [t().alerts.list({ province: 'hue' })[0]!, t().alerts.list({ province: 'ha-noi' })[0]!];
    const foreign = await t().as('hue')({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(haNoi.id)}/ack` });
    expect(foreign.statusCode).toBe(404);
    expect(t().alerts.get(haNoi.id)?.state).toBe('open');
    const own = await t().as('hue')({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(hue.id)}/ack` });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ id: hue.id, state: 'acknowledged', acknowledgedBy: 'hue' });
  });
});
