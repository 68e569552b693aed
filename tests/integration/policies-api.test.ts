// The policies API through fastify's inject, on a PolicyStore in a real directory and the example
// topology: ETag/If-Match (428 without, 409 on a stale revision and nothing lost), 400 naming the
// field of an invalid document, inline validation with the diff, history, rollback, effective.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { EffectivePolicy, PolicyChange, PolicyDocument, PolicyProblem, PolicyRevision } from '../../server/policies/model.ts';
import { loadPolicySeed } from '../../server/policies/seed.ts';
import { PolicyStore } from '../../server/policies/store.ts';
import { installErrorHandler } from '../../server/routes/errors.ts';
import { policiesRoutes } from '../../server/routes/policies.ts';

interface PolicyReply {
  revision: number;
  document: PolicyDocument;
  changes?: PolicyChange[];
}

interface ErrorReply {
  statusCode: number;
  message: string;
  field?: string;
  currentRevision?: number;
  problems?: PolicyProblem[];
}

const topology = loadConfig(defaultConfigDir).topology;
const seed = loadPolicySeed(defaultConfigDir);
const log = pino({ level: 'silent' });
let dir: string;
let app: FastifyInstance;

async function build(): Promise<FastifyInstance> {
  const policies = await PolicyStore.open({ dir, seed, topology, log });
  const instance = Fastify();
  installErrorHandler(instance);
  await instance.register(policiesRoutes, { prefix: '/api/v1', policies });
  await instance.ready();
  return instance;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-policies-api-'));
  app = await build();
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

function withVideo(percent: number): PolicyDocument {
  const doc = structuredClone(seed);
  doc.provinces['thanh-hoa'] = { reservations: { video: { percent } } };
  return doc;
}

function put(body: unknown, ifMatch?: string, target: FastifyInstance = app) {
  return target.inject({
    method: 'PUT',
    url: '/api/v1/policies',
    payload: body as Record<string, unknown>,
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
  });
}

async function current(): Promise<PolicyReply> {
  return (await app.inject({ method: 'GET', url: '/api/v1/policies' })).json<PolicyReply>();
}

describe('policies API', () => {
  it('GET gives the revision in the body and as ETag', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/policies' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['etag']).toBe('"1"');
    expect(res.json()).toEqual({ revision: 1, document: seed });
  });

  it('PUT without If-Match is 428 and changes nothing', async () => {
    const res = await put({ document: withVideo(40), author: 'ky-su-an' });
    expect(res.statusCode).toBe(428);
    expect(res.json<ErrorReply>().field).toBe('if-match');
    expect((await current()).revision).toBe(1);
  });

  it('PUT with an If-Match that is not a revision is 400 naming the header', async () => {
    const res = await put({ document: withVideo(40), author: 'ky-su-an' }, '*');
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorReply>().field).toBe('if-match');
  });

  it('PUT with the current revision makes the next one; a stale one is 409 and loses nothing', async () => {
    const ok = await put({ document: withVideo(40), author: 'ky-su-an', comment: 'video for the provincial council' }, '"1"');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['etag']).toBe('"2"');
    expect(ok.json()).toEqual({
      revision: 2,
      document: withVideo(40),
      changes: [{ path: 'provinces.thanh-hoa.reservations.video', after: { percent: 40 } }],
    });

    const stale = await put({ document: withVideo(45), author: 'other-engineer' }, '"1"');
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ currentRevision: 2, message: expect.stringMatching(/revision 2/) });
    // The accepted change is intact, and the stale one left no trace.
    expect(await current()).toEqual({ revision: 2, document: withVideo(40) });
    const history = (await app.inject({ method: 'GET', url: '/api/v1/policies/history' })).json<{ revisions: PolicyRevision[] }>();
    expect(history.revisions.map((r) => r.revision)).toEqual([2, 1]);
  });

  it('two PUTs with the same If-Match at once: exactly one 200, the other 409', async () => {
    const base = (await current()).revision;
    const [a, b] = await Promise.all([
      put({ document: withVideo(31), author: 'a' }, `"${base}"`),
      put({ document: withVideo(32), author: 'b' }, `"${base}"`),
    ]);
    expect([a?.statusCode, b?.statusCode].sort()).toEqual([200, 409]);
    const winner = a?.statusCode === 200 ? withVideo(31) : withVideo(32);
    expect(await current()).toEqual({ revision: base + 1, document: winner });
  });

  it.each([
    {
      name: 'a percent above 100',
      document: () => ({ ...seed, links: { 't1-hue': { reservations: { video: { percent: 120 } } } } }),
      field: 'document.links.t1-hue.reservations.video.percent',
    },
    {
      name: 'reservations above the link capacity',
      document: () => ({ ...seed, links: { 't1-hue': { reservations: { video: { mbps: 900 } } } } }),
      field: 'document.links.t1-hue.reservations.video.mbps',
    },
    {
      name: 'an unknown province',
      document: () => ({ ...seed, provinces: { atlantis: {} } }),
      field: 'document.provinces.atlantis',
    },
    {
      name: 'a bad unit',
      document: () => ({ ...seed, links: { 't1-hue': { reservations: { docex: { gbps: 1 } } } } }),
      field: 'document.links.t1-hue.reservations.docex.gbps',
    },
    { name: 'a document that is not an object', document: () => 42, field: 'document' },
  ])('PUT with $name is 400 naming $field', async ({ document, field }) => {
    const before = await current();
    const res = await put({ document: document(), author: 'ky-su-an' }, `"${before.revision}"`);
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorReply>();
    expect(body.field).toBe(field);
    expect(body.message).toContain(field);
    expect(body.problems?.length).toBeGreaterThan(0);
    expect(await current()).toEqual(before);
  });

  it.each([
    { name: 'no author', body: { document: seed }, field: 'author' },
    { name: 'an empty author', body: { document: seed, author: '' }, field: 'author' },
    { name: 'an author of 101 characters', body: { document: seed, author: 'x'.repeat(101) }, field: 'author' },
    { name: 'no document', body: { author: 'a' }, field: 'document' },
  ])('PUT with $name is 400 naming $field', async ({ body, field }) => {
    const res = await put(body, `"${(await current()).revision}"`);
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorReply>().field).toBe(field);
  });

  it('POST validate: problems and the diff against the current revision, nothing saved', async () => {
    const before = await current();
    const good = await app.inject({ method: 'POST', url: '/api/v1/policies/validate', payload: { document: withVideo(25) } });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({
      ok: true,
      problems: [],
      changes: [{ path: 'provinces.thanh-hoa.reservations.video', before: before.document.provinces['thanh-hoa']?.reservations?.video, after: { percent: 25 } }],
    });
    const bad = await app.inject({ method: 'POST', url: '/api/v1/policies/validate', payload: { document: withVideo(85) } });
    expect(bad.json()).toMatchObject({
      ok: false,
      problems: [{ path: 'provinces.thanh-hoa.reservations.video.percent', message: expect.stringMatching(/exceed the capacity/) }],
    });
    expect(await current()).toEqual(before);
  });

  it('history is newest first without documents; one revision in full; 404 and 400', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/policies/history' });
    const { revisions } = res.json<{ revisions: Record<string, unknown>[] }>();
    expect(revisions.map((r) => r['revision'])).toEqual([3, 2, 1]);
    expect(revisions[1]).toMatchObject({ revision: 2, author: 'ky-su-an', comment: 'video for the provincial council', atMs: expect.any(Number) });
    expect(revisions.every((r) => !('document' in r))).toBe(true);

    const two = await app.inject({ method: 'GET', url: '/api/v1/policies/history/2' });
    expect(two.json<PolicyRevision>()).toMatchObject({ revision: 2, document: withVideo(40) });
    expect((await app.inject({ method: 'GET', url: '/api/v1/policies/history/99' })).statusCode).toBe(404);
    const notNumber = await app.inject({ method: 'GET', url: '/api/v1/policies/history/latest' });
    expect(notNumber.statusCode).toBe(400);
    expect(notNumber.json<ErrorReply>().field).toBe('revision');
  });

  it('POST rollback: If-Match required; a new revision equal to the old one; 404 for an unknown one', async () => {
    const missing = await app.inject({ method: 'POST', url: '/api/v1/policies/rollback', payload: { revision: 1, author: 'b' } });
    expect(missing.statusCode).toBe(428);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/policies/rollback',
      payload: { revision: 77, author: 'b' },
      headers: { 'if-match': '"3"' },
    });
    expect(unknown.statusCode).toBe(404);
    const stale = await app.inject({
      method: 'POST',
      url: '/api/v1/policies/rollback',
      payload: { revision: 1, author: 'b' },
      headers: { 'if-match': '"2"' },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json<ErrorReply>().currentRevision).toBe(3);

    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/policies/rollback',
      payload: { revision: 1, author: 'b', comment: 'back to the seed' },
      headers: { 'if-match': '"3"' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['etag']).toBe('"4"');
    expect(res.json<PolicyReply>()).toMatchObject({ revision: 4, document: seed });
    const history = (await app.inject({ method: 'GET', url: '/api/v1/policies/history' })).json<{ revisions: PolicyRevision[] }>();
    expect(history.revisions[0]).toMatchObject({ revision: 4, rollbackOf: 1, author: 'b', comment: 'back to the seed' });
  });

  it('GET effective: the policy of a link with the layer of each value; 400 for an unknown or missing link', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/policies/effective?link=t1-ha-noi' });
    expect(res.statusCode).toBe(200);
    expect(res.json<EffectivePolicy>()).toMatchObject({
      link: 't1-ha-noi',
      province: 'ha-noi',
      tier: 1,
      capacityBps: 1_000_000_000,
      reservationsBps: { docex: 200_000_000, video: 300_000_000 },
      reservedBps: 500_000_000,
      thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 },
      from: { 'reservations.docex': 'tier', 'reservations.video': 'link', 'thresholds.highUtil': 'defaults' },
    });
    const unknown = await app.inject({ method: 'GET', url: '/api/v1/policies/effective?link=t9-nowhere' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<ErrorReply>().field).toBe('link');
    const missing = await app.inject({ method: 'GET', url: '/api/v1/policies/effective' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json<ErrorReply>().field).toBe('link');
  });

  it('a restarted server serves the same revision and history', async () => {
    const before = await current();
    const beforeHistory = (await app.inject({ method: 'GET', url: '/api/v1/policies/history' })).json<unknown>();
    const again = await build();
    try {
      const res = await again.inject({ method: 'GET', url: '/api/v1/policies' });
      expect(res.headers['etag']).toBe(`"${before.revision}"`);
      expect(res.json()).toEqual(before);
      expect((await again.inject({ method: 'GET', url: '/api/v1/policies/history' })).json()).toEqual(beforeHistory);
    } finally {
      await again.close();
    }
  });
});
