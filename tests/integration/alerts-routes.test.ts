// GET /api/v1/alerts and POST /api/v1/alerts/:id/ack on a real AlertBook (inject, no port).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settingsSchema, topologySchema, type LanewatchConfig } from '../../config/schema.ts';
import type { LinkStateChange, StateLevel } from '../../server/analysis/model.ts';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import type { AlertEpisode } from '../../server/alerts/model.ts';
import { Notifier } from '../../server/notify/notifier.ts';
import { installErrorHandler } from '../../server/routes/errors.ts';
import { alertRoutes } from '../../server/routes/alerts.ts';

const log = pino({ level: 'silent' });

function change(link: string, province: string, from: StateLevel, to: StateLevel, atMs: number): LinkStateChange {
  return {
    atMs,
    link,
    province,
    tier: 1,
    dir: 'down',
    from,
    to,
    verdict: {
      atMs,
      link,
      province,
      tier: 1,
      dir: 'down',
      level: to,
      conditions: { encroaching: to !== 'ok', busy: to !== 'ok', starved: false, dropsReported: false },
      totalBps: 900e6,
      internetBps: 750e6,
      capacityBps: 1e9,
      reservedBps: 300e6,
      encroachBps: 50e6,
      dropRatio: {},
      policyRevision: 2,
    },
  };
}

describe('alert routes', () => {
  let dir: string;
  let book: AlertBook;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lanewatch-alert-routes-'));
    const topology = topologySchema.parse({
      provinces: [{ id: 'hue' }, { id: 'ha-noi' }, { id: 'can-tho' }],
      routers: [{ id: 'core-hn', address: '127.0.0.1:161', snmp: { version: '2c', community: 'public' } }],
      links: [
        { id: 't1-hue', tier: 1, province: 'hue', router: 'core-hn', ifName: 'ge-0/0/1' },
        { id: 't1-ha-noi', tier: 1, province: 'ha-noi', router: 'core-hn', ifName: 'ge-0/0/2' },
      ],
    });
    const config: LanewatchConfig = { dir, settings: settingsSchema.parse({}), topology, provinces: new Map(), classRules: [] };
    book = await AlertBook.open({ dir, config, notifier: new Notifier({ notify: config.settings.notify, log }), log });
    book.onStateChange(change('t1-hue', 'hue', 'ok', 'warning', 1_000));
    book.onStateChange(change('t1-ha-noi', 'ha-noi', 'ok', 'critical', 2_000));
    book.onStateChange(change('t1-hue', 'hue', 'warning', 'ok', 3_000));
    book.onStateChange(change('t1-hue', 'hue', 'ok', 'warning', 4_000));
    app = Fastify();
    installErrorHandler(app);
    await app.register(alertRoutes, { prefix: '/api/v1', book, provinceIds: new Set(topology.provinces.map((p) => p.id)) });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    await book.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function list(query = ''): Promise<AlertEpisode[]> {
    const res = await app.inject({ method: 'GET', url: `/api/v1/alerts${query}` });
    expect(res.statusCode).toBe(200);
    return (res.json() as { alerts: AlertEpisode[] }).alerts;
  }

  it('lists every episode newest first, with verdicts and notification records', async () => {
    const alerts = await list();
    expect(alerts.map((a) => [a.link, a.raisedAtMs, a.state])).toEqual([
      ['t1-hue', 4_000, 'open'],
      ['t1-ha-noi', 2_000, 'open'],
      ['t1-hue', 1_000, 'resolved'],
    ]);
    expect(alerts[2]).toMatchObject({ resolvedAtMs: 3_000, firstVerdict: { level: 'warning', policyRevision: 2 }, lastVerdict: { level: 'ok' }, notifications: [] });
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
    const res = await app.inject({ method: 'GET', url: `/api/v1/alerts${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, field });
  });

  it('acknowledges by whom; the first acknowledgement stands; listed as acknowledged', async () => {
    const id = (await list('?province=ha-noi'))[0]!.id;
    const res = await app.inject({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(id)}/ack`, payload: { by: 'pham.van.d' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, state: 'acknowledged', acknowledgedBy: 'pham.van.d' });
    const again = await app.inject({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(id)}/ack`, payload: { by: 'someone.else' } });
    expect(again.json()).toMatchObject({ acknowledgedBy: 'pham.van.d' });
    expect((await list('?state=acknowledged')).map((a) => a.id)).toEqual([id]);
    expect(book.get(id)?.acknowledgedBy).toBe('pham.van.d');
  });

  it('404 for an unknown id, 409 for a resolved episode', async () => {
    const missing = await app.inject({ method: 'POST', url: '/api/v1/alerts/nope/ack', payload: { by: 'a' } });
    expect(missing.statusCode).toBe(404);
    const resolved = (await list('?state=resolved'))[0]!;
    const res = await app.inject({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(resolved.id)}/ack`, payload: { by: 'a' } });
    expect(res.statusCode).toBe(409);
    expect(book.get(resolved.id)?.acknowledgedBy).toBeUndefined();
  });

  it.each([
    [{}, 'by'],
    [{ by: '' }, 'by'],
    [{ by: '   ' }, 'by'],
    [{ by: 'x'.repeat(101) }, 'by'],
  ])('rejects ack body %j naming the field', async (payload, field) => {
    const id = (await list('?state=open'))[0]!.id;
    const res = await app.inject({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(id)}/ack`, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field });
    expect(book.get(id)?.state).toBe('open');
  });
});
