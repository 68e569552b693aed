// The policies API on the whole app (inject, the example config, a PolicyStore in the test
// app's state dir), as signed-in users: ETag/If-Match (428 without, 409 on a stale revision
// and nothing lost), 400 naming the field of an invalid document, inline validation with the
// diff, paged history, rollback, effective; who saved a revision is the signed-in user; a save
// without a change writes nothing; viewers and requests without an Origin change nothing.
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { defaultConfigDir } from '../../config/load.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { buildApp } from '../../server/app.ts';
import type { EffectivePolicy, PolicyChange, PolicyDocument, PolicyProblem, PolicyRevision } from '../../server/policies/model.ts';
import { loadPolicySeed } from '../../server/policies/seed.ts';
import { PolicyStore } from '../../server/policies/store.ts';
import { startTestApp, testOrigin, type TestApp } from '../helpers/app.ts';

interface PolicyReply {
  revision: number;
  document: PolicyDocument;
  changes?: PolicyChange[];
  unchanged?: boolean;
}

interface ErrorReply {
  statusCode: number;
  message: string;
  field?: string;
  currentRevision?: number;
  problems?: PolicyProblem[];
}

type RevisionSummary = Omit<PolicyRevision, 'document'>;

interface HistoryReply {
  revisions: RevisionSummary[];
  nextBeforeRevision?: number;
}

/** The example config's seed: what the test app starts from (revision 1). */
const seed = loadPolicySeed(defaultConfigDir);
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

function withVideo(percent: number): PolicyDocument {
  const doc = structuredClone(seed);
  doc.provinces['thanh-hoa'] = { reservations: { video: { percent } } };
  return doc;
}

function put(body: unknown, ifMatch?: string, as = 'engineer'): Promise<LightMyRequestResponse> {
  return t.as(as)({
    method: 'PUT',
    url: '/api/v1/policies',
    payload: body as Record<string, unknown>,
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
  });
}

function rollback(payload: Record<string, unknown>, ifMatch?: string, as = 'engineer'): Promise<LightMyRequestResponse> {
  return t.as(as)({ method: 'POST', url: '/api/v1/policies/rollback', payload, headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } });
}

function get(url: string, as = 'viewer'): Promise<LightMyRequestResponse> {
  return t.as(as)({ method: 'GET', url });
}

async function current(): Promise<PolicyReply> {
  return (await get('/api/v1/policies')).json<PolicyReply>();
}

async function history(query = ''): Promise<HistoryReply> {
  const res = await get(`/api/v1/policies/history${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<HistoryReply>();
}

describe('policies API', () => {
  it('GET gives the revision in the body and as ETag', async () => {
    const res = await get('/api/v1/policies');
    expect(res.statusCode).toBe(200);
    expect(res.headers['etag']).toBe('"1"');
    expect(res.json()).toEqual({ revision: 1, document: seed });
  });

  it('PUT without If-Match is 428 and changes nothing', async () => {
    const res = await put({ document: withVideo(40) });
    expect(res.statusCode).toBe(428);
    expect(res.json<ErrorReply>().field).toBe('if-match');
    expect((await current()).revision).toBe(1);
  });

  it('PUT with an If-Match that is not a revision is 400 naming the header', async () => {
    const res = await put({ document: withVideo(40) }, '*');
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorReply>().field).toBe('if-match');
  });

  it("a viewer's PUT is 403 and changes nothing", async () => {
    const res = await put({ document: withVideo(40) }, '"1"', 'viewer');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ statusCode: 403, error: 'Forbidden', message: expect.stringContaining('viewer') });
    expect(await current()).toEqual({ revision: 1, document: seed });
  });

  it('a PUT without an Origin header is 403 and changes nothing', async () => {
    const cookie = await t.login('engineer');
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/policies',
      payload: { document: withVideo(40) },
      headers: { cookie, 'if-match': '"1"' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ statusCode: 403, field: 'origin' });
    // Another site's origin is refused the same way.
    const foreign = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/policies',
      payload: { document: withVideo(40) },
      headers: { cookie, 'if-match': '"1"', origin: 'https://evil.example' },
    });
    expect(foreign.statusCode).toBe(403);
    expect(await current()).toEqual({ revision: 1, document: seed });
  });

  it('PUT with the current revision makes the next one, recorded as the signed-in engineer; a stale one is 409 and loses nothing', async () => {
    const ok = await put({ document: withVideo(40), comment: 'video for the provincial council' }, '"1"');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers['etag']).toBe('"2"');
    expect(ok.json()).toEqual({
      revision: 2,
      document: withVideo(40),
      changes: [{ path: 'provinces.thanh-hoa.reservations.video', after: { percent: 40 } }],
    });
    const saved = (await get('/api/v1/policies/history/2')).json<PolicyRevision>();
    expect(saved).toMatchObject({ revision: 2, author: 'engineer', comment: 'video for the provincial council' });

    const stale = await put({ document: withVideo(45) }, '"1"', 'admin');
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ currentRevision: 2, message: expect.stringMatching(/revision 2/) });
    // The accepted change is intact, and the stale one left no trace.
    expect(await current()).toEqual({ revision: 2, document: withVideo(40) });
    expect((await history()).revisions.map((r) => r.revision)).toEqual([2, 1]);
    // The audit log names who saved which revision.
    const audit = (await get('/api/v1/audit', 'admin')).json<{ entries: { actor: string | null; action: string; target?: string }[] }>();
    expect(audit.entries.filter((e) => e.action === 'policy-save').map((e) => [e.actor, e.target])).toEqual([['engineer', '2']]);
  });

  it('a save without a change answers unchanged, writes no revision and keeps the ETag', async () => {
    const before = await current();
    const beforeHistory = await history();
    const res = await put({ document: before.document, comment: 'nothing really' }, `"${before.revision}"`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['etag']).toBe(`"${before.revision}"`);
    expect(res.json()).toEqual({ revision: before.revision, document: before.document, changes: [], unchanged: true });
    expect(await current()).toEqual(before);
    expect(await history()).toEqual(beforeHistory);
    // Nothing saved, nothing audited.
    const audit = (await get('/api/v1/audit', 'admin')).json<{ entries: { action: string }[] }>();
    expect(audit.entries.filter((e) => e.action === 'policy-save')).toHaveLength(1);
  });

  it('two PUTs with the same If-Match at once: exactly one 200, the other 409', async () => {
    const base = (await current()).revision;
    const [a, b] = await Promise.all([put({ document: withVideo(31) }, `"${base}"`, 'engineer'), put({ document: withVideo(32) }, `"${base}"`, 'admin')]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const [winner, author] = a.statusCode === 200 ? [withVideo(31), 'engineer'] : [withVideo(32), 'admin'];
    expect(await current()).toEqual({ revision: base + 1, document: winner });
    expect((await history('?limit=1')).revisions[0]).toMatchObject({ revision: base + 1, author });
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
    const res = await put({ document: document() }, `"${before.revision}"`);
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorReply>();
    expect(body.field).toBe(field);
    expect(body.message).toContain(field);
    expect(body.problems?.length).toBeGreaterThan(0);
    expect(await current()).toEqual(before);
  });

  it.each([
    { name: 'no document', body: { comment: 'empty' }, mentions: 'document' },
    // The signed-in user is the author: a body cannot name one.
    { name: 'an author', body: { document: withVideo(50), author: 'ky-su-an' }, mentions: 'author' },
    { name: 'a comment of 1001 characters', body: { document: withVideo(50), comment: 'x'.repeat(1001) }, mentions: 'comment' },
  ])('PUT with $name is 400 saying so and changes nothing', async ({ body, mentions }) => {
    const before = await current();
    const res = await put(body, `"${before.revision}"`);
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorReply>().message).toContain(mentions);
    expect(await current()).toEqual(before);
  });

  it('POST validate: problems and the diff against the current revision, nothing saved', async () => {
    const before = await current();
    const validate = (document: unknown) => t.as('engineer')({ method: 'POST', url: '/api/v1/policies/validate', payload: { document } });
    const good = await validate(withVideo(25));
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({
      ok: true,
      problems: [],
      changes: [{ path: 'provinces.thanh-hoa.reservations.video', before: before.document.provinces['thanh-hoa']?.reservations?.video, after: { percent: 25 } }],
    });
    const bad = await validate(withVideo(85));
    expect(bad.json()).toMatchObject({
      ok: false,
      problems: [{ path: 'provinces.thanh-hoa.reservations.video.percent', message: expect.stringMatching(/exceed the capacity/) }],
    });
    expect(await current()).toEqual(before);
  });

  it('history is newest first without documents, paged; one revision in full; 404 and 400', async () => {
    const { revisions } = await history();
    expect(revisions.map((r) => r.revision)).toEqual([3, 2, 1]);
    expect(revisions[1]).toMatchObject({ revision: 2, author: 'engineer', comment: 'video for the provincial council', atMs: expect.any(Number) });
    expect(revisions.every((r) => !('document' in r))).toBe(true);

    // Pages: `limit` newest first, then from `nextBeforeRevision`; the last page has no next.
    const first = await history('?limit=2');
    expect(first.revisions.map((r) => r.revision)).toEqual([3, 2]);
    expect(first.nextBeforeRevision).toBe(2);
    const second = await history(`?limit=2&beforeRevision=${first.nextBeforeRevision}`);
    expect(second.revisions.map((r) => r.revision)).toEqual([1]);
    expect(second.nextBeforeRevision).toBeUndefined();
    for (const query of ['?limit=0', '?limit=201', '?beforeRevision=0', '?limit=ten']) {
      const res = await get(`/api/v1/policies/history${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json<ErrorReply>().field, query).toBe(query.slice(1, query.indexOf('=')));
    }

    const two = await get('/api/v1/policies/history/2');
    expect(two.json<PolicyRevision>()).toMatchObject({ revision: 2, document: withVideo(40) });
    expect((await get('/api/v1/policies/history/99')).statusCode).toBe(404);
    const notNumber = await get('/api/v1/policies/history/latest');
    expect(notNumber.statusCode).toBe(400);
    expect(notNumber.json<ErrorReply>().field).toBe('revision');
  });

  it('POST rollback: If-Match required; a new revision equal to the old one, recorded as the signed-in user; 404 for an unknown one', async () => {
    const missing = await rollback({ revision: 1 });
    expect(missing.statusCode).toBe(428);
    const unknown = await rollback({ revision: 77 }, '"3"');
    expect(unknown.statusCode).toBe(404);
    const stale = await rollback({ revision: 1 }, '"2"');
    expect(stale.statusCode).toBe(409);
    expect(stale.json<ErrorReply>().currentRevision).toBe(3);
    const byViewer = await rollback({ revision: 1 }, '"3"', 'viewer');
    expect(byViewer.statusCode).toBe(403);
    const withAuthor = await rollback({ revision: 1, author: 'b' }, '"3"');
    expect(withAuthor.statusCode).toBe(400);
    expect((await current()).revision).toBe(3);

    const res = await rollback({ revision: 1, comment: 'back to the seed' }, '"3"', 'admin');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['etag']).toBe('"4"');
    expect(res.json<PolicyReply>()).toMatchObject({ revision: 4, document: seed });
    expect((await history()).revisions[0]).toMatchObject({ revision: 4, rollbackOf: 1, author: 'admin', comment: 'back to the seed' });

    // Rolling back to what is already in force writes nothing.
    const again = await rollback({ revision: 1 }, '"4"');
    expect(again.statusCode).toBe(200);
    expect(again.json<PolicyReply>()).toMatchObject({ revision: 4, unchanged: true, changes: [] });
    expect((await history()).revisions.map((r) => r.revision)).toEqual([4, 3, 2, 1]);
  });

  it('GET effective: the policy of a link with the layer of each value; 400 for an unknown or missing link', async () => {
    const res = await get('/api/v1/policies/effective?link=t1-ha-noi');
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
    const unknown = await get('/api/v1/policies/effective?link=t9-nowhere');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<ErrorReply>().field).toBe('link');
    const missing = await get('/api/v1/policies/effective');
    expect(missing.statusCode).toBe(400);
    expect(missing.json<ErrorReply>().field).toBe('link');
  });

  it("a province user reads its own links' effective policy only, and not the whole policy", async () => {
    expect((await get('/api/v1/policies/effective?link=t1-ha-noi', 'ha-noi')).statusCode).toBe(200);
    const foreign = await get('/api/v1/policies/effective?link=t1-hue', 'ha-noi');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json<ErrorReply>().message).toContain('t1-hue');
    expect((await get('/api/v1/policies', 'ha-noi')).statusCode).toBe(403);
    expect((await get('/api/v1/policies/history', 'ha-noi')).statusCode).toBe(403);
  });

  it('a restarted server serves the same revision and history', async () => {
    const before = await current();
    const beforeHistory = await history();
    // A second server on the same state dir: its PolicyStore reads what the first one wrote.
    const policies = await PolicyStore.open({ dir: join(t.stateDir, 'policies'), seed, topology: t.config.topology, log: pino({ level: 'silent' }) });
    const again = await buildApp({
      config: t.config,
      bus: new LiveBus(),
      influx: createInfluxClient({ ...t.config.settings.influx, url: 'http://127.0.0.1:9' }),
      auth: t.auth,
      policies,
    });
    try {
      const cookie = await t.login('viewer');
      const inject = (url: string) => again.inject({ method: 'GET', url, headers: { cookie, origin: testOrigin } });
      const res = await inject('/api/v1/policies');
      expect(res.headers['etag']).toBe(`"${before.revision}"`);
      expect(res.json()).toEqual(before);
      expect((await inject('/api/v1/policies/history')).json()).toEqual(beforeHistory);
    } finally {
      await again.close();
    }
  });
});
