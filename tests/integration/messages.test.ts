// Error bodies and policy problems carry a code and its params (api/messages.ts) beside the
// English message, through the whole app as `lanewatch run` builds it: schema refusals,
// handler refusals, access, policies (problems and their wrapper), alerts, users, the
// request as a whole. Every answer's params must fit its code in the catalog.
import { describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { messageCatalog, paramsMatch, type MessageCode } from '../../api/messages.ts';
import { historyLimits, type ErrorReply } from '../../api/schemas.ts';
import type { PolicyDocument, PolicyProblem } from '../../server/policies/model.ts';
import { startTestApp, testOrigin } from '../helpers/app.ts';
import { shared } from '../helpers/shared.ts';

const t = shared('the app', () => startTestApp());

type Caller = 'anonymous' | 'anonymous-no-origin' | 'viewer' | 'engineer' | 'admin' | 'thanh-hoa';

/** As the caller, with this server's Origin (`anonymous-no-origin`: without any). */
function send(caller: Caller, request: InjectOptions): Promise<LightMyRequestResponse> {
  if (caller === 'anonymous-no-origin') return t().app.inject(request);
  if (caller === 'anonymous') return t().app.inject({ ...request, headers: { origin: testOrigin, ...request.headers } });
  return t().as(caller)(request);
}

/** The body as an error, after checking it is one: a known code whose params fit the catalog. */
function errorOf(res: LightMyRequestResponse): ErrorReply {
  const body = res.json<ErrorReply>();
  expect(Object.keys(messageCatalog)).toContain(body.code);
  expect(paramsMatch(body.code, body.params), JSON.stringify(body)).toBe(true);
  expect(body.message.length).toBeGreaterThan(0);
  expect(body.statusCode).toBe(res.statusCode);
  return body;
}

interface Case {
  name: string;
  caller: Caller;
  request: InjectOptions;
  status: number;
  code: MessageCode;
  params: Record<string, string | number>;
  field?: string;
}

const history = '/api/v1/history';

const cases: Case[] = [
  // Schema refusals (fastify-type-provider-zod issues).
  { name: 'a missing query parameter', caller: 'viewer', request: { method: 'GET', url: `${history}?dir=down` }, status: 400, code: 'required', params: { field: 'link' }, field: 'link' },
  { name: 'a value outside its list', caller: 'viewer', request: { method: 'GET', url: `${history}?link=t1-hue&dir=sideways` }, status: 400, code: 'invalid-value', params: { field: 'dir', expected: 'down, up' }, field: 'dir' },
  { name: 'a parameter repeated too often', caller: 'viewer', request: { method: 'GET', url: `${history}?link=t1-hue&dir=down&dir=up&dir=down` }, status: 400, code: 'too-many-values', params: { field: 'dir', maximum: 2 }, field: 'dir' },
  { name: 'a number above its maximum', caller: 'viewer', request: { method: 'GET', url: `${history}?link=t1-hue&dir=down&maxPoints=99999999` }, status: 400, code: 'too-big', params: { field: 'maxPoints', maximum: historyLimits.maxPoints }, field: 'maxPoints' },
  { name: 'a number below its minimum', caller: 'viewer', request: { method: 'GET', url: '/api/v1/policies/history?limit=0' }, status: 400, code: 'too-small', params: { field: 'limit', minimum: 1 }, field: 'limit' },
  { name: 'a key a strict body does not know', caller: 'anonymous', request: { method: 'POST', url: '/api/v1/auth/login', payload: { username: 'viewer', password: 'x', remember: true } }, status: 400, code: 'unknown-key', params: { field: 'remember' }, field: 'remember' },
  { name: 'a text shorter than its minimum', caller: 'admin', request: { method: 'PUT', url: '/api/v1/users/viewer/password', payload: { password: 'short' } }, status: 400, code: 'too-short', params: { field: 'password', minimum: 8 }, field: 'password' },
  { name: 'a user name against its pattern', caller: 'admin', request: { method: 'POST', url: '/api/v1/users', payload: { username: 'Not Valid', role: 'viewer', password: 'long enough pw' } }, status: 400, code: 'invalid-field', params: { field: 'username' }, field: 'username' },
  { name: 'a value of the wrong type', caller: 'engineer', request: { method: 'POST', url: '/api/v1/policies/rollback', headers: { 'if-match': '"1"' }, payload: { revision: 'one' } }, status: 400, code: 'invalid-value', params: { field: 'revision', expected: 'number' }, field: 'revision' },
  // Handler refusals.
  { name: 'an unknown link', caller: 'viewer', request: { method: 'GET', url: `${history}?link=t1-atlantis&dir=down` }, status: 400, code: 'unknown-link', params: { field: 'link', link: 't1-atlantis' }, field: 'link' },
  { name: 'a time that is none', caller: 'viewer', request: { method: 'GET', url: `${history}?link=t1-hue&dir=down&from=yesterday` }, status: 400, code: 'invalid-time', params: { field: 'from', value: 'yesterday' }, field: 'from' },
  { name: 'a range backwards', caller: 'viewer', request: { method: 'GET', url: `${history}?link=t1-hue&dir=down&from=2026-11-27T06:00:00Z&to=2026-11-27T05:00:00Z` }, status: 400, code: 'range-backwards', params: { field: 'from', from: '2026-11-27T06:00:00.000Z', to: '2026-11-27T05:00:00.000Z' }, field: 'from' },
  { name: 'a step that is none', caller: 'viewer', request: { method: 'GET', url: `${history}?link=t1-hue&dir=down&step=often` }, status: 400, code: 'invalid-step', params: { field: 'step', value: 'often' }, field: 'step' },
  // A pattern is no expectation a reader can use: the English message says YYYY-MM.
  { name: 'a report month that is none', caller: 'viewer', request: { method: 'GET', url: '/api/v1/report/utilization?month=2026-13' }, status: 400, code: 'invalid-field', params: { field: 'month' }, field: 'month' },
  { name: 'a report by month and range at once', caller: 'viewer', request: { method: 'GET', url: '/api/v1/report/utilization?month=2026-10&from=2026-10-01' }, status: 400, code: 'month-with-range', params: { field: 'month' }, field: 'month' },
  { name: 'a report longer than a quarter', caller: 'viewer', request: { method: 'GET', url: '/api/v1/report/utilization?from=2026-01-01&to=2026-06-30' }, status: 400, code: 'range-too-long', params: { field: 'to', maxDays: 93 }, field: 'to' },
  { name: 'an unknown province', caller: 'viewer', request: { method: 'GET', url: '/api/v1/alerts?province=atlantis' }, status: 400, code: 'unknown-province', params: { field: 'province', province: 'atlantis' }, field: 'province' },
  { name: 'an unknown alert', caller: 'engineer', request: { method: 'POST', url: '/api/v1/alerts/nope/ack', payload: {} }, status: 404, code: 'alert-not-found', params: { id: 'nope' } },
  { name: 'an unknown revision', caller: 'viewer', request: { method: 'GET', url: '/api/v1/policies/history/999' }, status: 404, code: 'revision-not-found', params: { revision: 999 }, field: 'revision' },
  // Access.
  { name: 'no session', caller: 'anonymous', request: { method: 'GET', url: '/api/v1/topology' }, status: 401, code: 'sign-in-required', params: {} },
  { name: 'a role outside the rule', caller: 'viewer', request: { method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': '"1"' }, payload: { document: {} } }, status: 403, code: 'role-forbidden', params: { role: 'viewer', method: 'PUT', path: '/api/v1/policies' } },
  { name: "another province's link", caller: 'thanh-hoa', request: { method: 'GET', url: `${history}?link=t1-hue&dir=down` }, status: 403, code: 'not-your-link', params: { field: 'link', link: 't1-hue' }, field: 'link' },
  { name: "another province's alerts", caller: 'thanh-hoa', request: { method: 'GET', url: '/api/v1/alerts?province=hue' }, status: 403, code: 'not-your-province', params: { field: 'province', province: 'hue' }, field: 'province' },
  { name: 'a state change without Origin', caller: 'anonymous-no-origin', request: { method: 'POST', url: '/api/v1/auth/logout' }, status: 403, code: 'origin-required', params: { origin: 'http://localhost:80' }, field: 'origin' },
  { name: 'a foreign Origin', caller: 'anonymous', request: { method: 'POST', url: '/api/v1/auth/logout', headers: { origin: 'http://evil.example' } }, status: 403, code: 'origin-refused', params: { origin: 'http://evil.example' }, field: 'origin' },
  { name: 'a Host not allowed', caller: 'anonymous', request: { method: 'GET', url: '/api/v1/health', headers: { host: 'rebound.example' } }, status: 421, code: 'host-not-allowed', params: { host: 'rebound.example' }, field: 'host' },
  { name: 'a wrong password', caller: 'anonymous', request: { method: 'POST', url: '/api/v1/auth/login', payload: { username: 'viewer', password: 'not the password' } }, status: 401, code: 'wrong-credentials', params: {} },
  // Policies.
  { name: 'a save without If-Match', caller: 'engineer', request: { method: 'PUT', url: '/api/v1/policies', payload: { document: {} } }, status: 428, code: 'if-match-required', params: {}, field: 'if-match' },
  { name: 'an If-Match that is no revision', caller: 'engineer', request: { method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': 'latest' }, payload: { document: {} } }, status: 400, code: 'if-match-invalid', params: {}, field: 'if-match' },
  // Users.
  { name: 'a user that exists', caller: 'admin', request: { method: 'POST', url: '/api/v1/users', payload: { username: 'viewer', role: 'viewer', password: 'long enough pw' } }, status: 409, code: 'user-exists', params: { username: 'viewer' }, field: 'username' },
  { name: 'a province user without a province', caller: 'admin', request: { method: 'POST', url: '/api/v1/users', payload: { username: 'lonely', role: 'province', password: 'long enough pw' } }, status: 400, code: 'province-required', params: { username: 'lonely' }, field: 'province' },
  { name: 'a viewer with a province', caller: 'admin', request: { method: 'POST', url: '/api/v1/users', payload: { username: 'mixed', role: 'viewer', province: 'hue', password: 'long enough pw' } }, status: 400, code: 'province-not-allowed', params: { username: 'mixed', role: 'viewer' }, field: 'province' },
  { name: 'removing oneself', caller: 'admin', request: { method: 'DELETE', url: '/api/v1/users/admin' }, status: 409, code: 'cannot-remove-self', params: {}, field: 'username' },
  { name: 'an unknown user', caller: 'admin', request: { method: 'DELETE', url: '/api/v1/users/nobody' }, status: 404, code: 'user-not-found', params: { username: 'nobody' }, field: 'username' },
  // The request as a whole.
  { name: 'no such route', caller: 'viewer', request: { method: 'GET', url: '/api/v1/nothing-here' }, status: 404, code: 'no-route', params: { method: 'GET', path: '/api/v1/nothing-here' } },
  { name: 'a body that is no JSON', caller: 'engineer', request: { method: 'POST', url: '/api/v1/policies/validate', headers: { 'content-type': 'application/json' }, payload: '{"document": ' }, status: 400, code: 'invalid-json', params: {} },
  { name: 'a body of a type no route reads', caller: 'engineer', request: { method: 'POST', url: '/api/v1/policies/validate', headers: { 'content-type': 'application/xml' }, payload: '<document/>' }, status: 415, code: 'unsupported-media-type', params: { contentType: 'application/xml' } },
  { name: 'a path parameter longer than the router reads', caller: 'viewer', request: { method: 'GET', url: `/api/v1/policies/history/${'9'.repeat(1000)}` }, status: 414, code: 'url-too-long', params: {} },
  { name: 'a URL with a broken escape', caller: 'viewer', request: { method: 'GET', url: '/api/v1/policies/history/%E0%A4%A' }, status: 400, code: 'invalid-url', params: {} },
  { name: 'the live stream without Upgrade', caller: 'viewer', request: { method: 'GET', url: '/api/v1/live' }, status: 426, code: 'websocket-required', params: {} },
];

describe('error bodies carry a code and its params beside the English message', () => {
  it.each(cases)('$name → $status $code', async ({ caller, request, status, code, params, field }) => {
    const res = await send(caller, request);
    expect(res.statusCode, res.body).toBe(status);
    const body = errorOf(res);
    expect(body.code).toBe(code);
    expect(body.params).toEqual(params);
    expect(body.field).toBe(field);
  });

  it('the cases cover a third of the catalog or more', () => {
    const covered = new Set(cases.map((c) => c.code));
    expect(covered.size).toBeGreaterThan(Object.keys(messageCatalog).length / 3);
  });
});

describe('policy problems carry their own codes', () => {
  async function current(): Promise<{ revision: number; document: PolicyDocument }> {
    return (await t().as('engineer')({ method: 'GET', url: '/api/v1/policies' })).json();
  }

  async function problemsOf(document: unknown): Promise<PolicyProblem[]> {
    const res = await t().as('engineer')({ method: 'POST', url: '/api/v1/policies/validate', payload: { document } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ ok: boolean; problems: PolicyProblem[] }>();
    expect(body.ok).toBe(false);
    for (const problem of body.problems) {
      expect(paramsMatch(problem.code, problem.params), JSON.stringify(problem)).toBe(true);
      expect(problem.message.length).toBeGreaterThan(0);
    }
    return body.problems;
  }

  it.each([
    {
      name: 'reservations over a link capacity',
      edit: (d: PolicyDocument): unknown => ({ ...d, links: { ...d.links, 't1-hue': { reservations: { docex: { mbps: 400 }, video: { mbps: 700 } } } } }),
      path: 'links.t1-hue.reservations.video.mbps',
      code: 'over-capacity',
      params: { link: 't1-hue', docexMbps: 400, videoMbps: 700, reservedMbps: 1100, capacityMbps: 1000 },
    },
    {
      name: 'an unknown link',
      edit: (d: PolicyDocument): unknown => ({ ...d, links: { ...d.links, 't1-atlantis': {} } }),
      path: 'links.t1-atlantis',
      code: 'unknown-link',
      params: { field: 'links.t1-atlantis', link: 't1-atlantis' },
    },
    {
      name: 'an unknown province',
      edit: (d: PolicyDocument): unknown => ({ ...d, provinces: { ...d.provinces, atlantis: {} } }),
      path: 'provinces.atlantis',
      code: 'unknown-province',
      params: { field: 'provinces.atlantis', province: 'atlantis' },
    },
    {
      name: 'a threshold above its maximum',
      edit: (d: PolicyDocument): unknown => ({ ...d, defaults: { ...d.defaults, thresholds: { ...d.defaults.thresholds, highUtil: 2 } } }),
      path: 'defaults.thresholds.highUtil',
      code: 'too-big',
      params: { field: 'defaults.thresholds.highUtil', maximum: 1.5 },
    },
    {
      name: 'a threshold that must be above 0',
      edit: (d: PolicyDocument): unknown => ({ ...d, defaults: { ...d.defaults, thresholds: { ...d.defaults.thresholds, dropRatio: 0 } } }),
      path: 'defaults.thresholds.dropRatio',
      code: 'not-above',
      params: { field: 'defaults.thresholds.dropRatio', minimum: 0 },
    },
    {
      name: 'a sample count that is no integer',
      edit: (d: PolicyDocument): unknown => ({ ...d, defaults: { ...d.defaults, thresholds: { ...d.defaults.thresholds, raiseAfter: 2.5 } } }),
      path: 'defaults.thresholds.raiseAfter',
      code: 'not-integer',
      params: { field: 'defaults.thresholds.raiseAfter' },
    },
    {
      name: 'a unit the schema does not know',
      edit: (d: PolicyDocument): unknown => ({ ...d, links: { 't1-hue': { reservations: { docex: { gbps: 1 } } } } }),
      path: 'links.t1-hue.reservations.docex.gbps',
      code: 'unknown-key',
      params: { field: 'links.t1-hue.reservations.docex.gbps' },
    },
    {
      name: 'an amount in both units',
      edit: (d: PolicyDocument): unknown => ({ ...d, links: { 't1-hue': { reservations: { docex: { mbps: 10, percent: 5 } } } } }),
      path: 'links.t1-hue.reservations.docex',
      code: 'amount-both',
      params: { field: 'links.t1-hue.reservations.docex' },
    },
    {
      name: 'an amount in no unit',
      edit: (d: PolicyDocument): unknown => ({ ...d, links: { 't1-hue': { reservations: { docex: {} } } } }),
      path: 'links.t1-hue.reservations.docex',
      code: 'amount-missing',
      params: { field: 'links.t1-hue.reservations.docex' },
    },
    {
      name: 'critUtil below highUtil in one layer',
      edit: (d: PolicyDocument): unknown => ({ ...d, provinces: { hue: { thresholds: { highUtil: 0.9, critUtil: 0.85 } } } }),
      path: 'provinces.hue.thresholds.critUtil',
      code: 'crit-below-high',
      params: { field: 'provinces.hue.thresholds.critUtil', highUtil: 0.9 },
    },
    {
      name: 'an effective highUtil above critUtil',
      edit: (d: PolicyDocument): unknown => ({ ...d, links: { 't1-hue': { thresholds: { highUtil: 0.99 } } } }),
      path: 'links.t1-hue.thresholds.highUtil',
      code: 'high-above-crit',
      params: { link: 't1-hue', highUtil: 0.99, critUtil: 0.95 },
    },
    {
      name: 'a missing layer',
      edit: (d: PolicyDocument): unknown => ({ tiers: d.tiers }),
      path: 'defaults',
      code: 'required',
      params: { field: 'defaults' },
    },
  ])('$name → $code at $path', async ({ edit, path, code, params }) => {
    const problems = await problemsOf(edit((await current()).document));
    const problem = problems.find((p) => p.path === path);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem?.code).toBe(code);
    expect(problem?.params).toEqual(params);
  });

  it('one problem on many links is said once, with the count of the others', async () => {
    const { document } = await current();
    const problems = await problemsOf({ ...document, tiers: { ...document.tiers, '2': { reservations: { docex: { percent: 60 }, video: { percent: 50 } } } } });
    const problem = problems.find((p) => p.path === 'tiers.2.reservations.docex.percent');
    expect(problem?.code).toBe('over-capacity');
    expect(problem?.otherLinks).toBeGreaterThan(100);
    expect(problem?.message).toMatch(new RegExp(`and ${problem?.otherLinks ?? -1} other links`));
  });

  it('a refused save is policy-invalid with the count, its problems coded too; a stale one policy-conflict', async () => {
    const { revision, document } = await current();
    const bad = { ...document, links: { ...document.links, 't1-atlantis': {}, 't1-nowhere': {} } };
    const res = await t().as('engineer')({ method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': `"${revision}"` }, payload: { document: bad } });
    expect(res.statusCode).toBe(400);
    const body = errorOf(res) as ErrorReply & { problems: PolicyProblem[] };
    expect(body.code).toBe('policy-invalid');
    expect(body.params).toEqual({ count: 2 });
    expect(body.problems.map((p) => p.code)).toEqual(['unknown-link', 'unknown-link']);

    // A save makes a new revision; one based on the revision before is stale.
    const saved = await t().as('engineer')({
      method: 'PUT',
      url: '/api/v1/policies',
      headers: { 'if-match': `"${revision}"` },
      payload: { document: { ...document, links: { ...document.links, 't1-hue': { reservations: { video: { percent: 31 } } } } } },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const stale = await t().as('engineer')({ method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': `"${revision}"` }, payload: { document } });
    expect(stale.statusCode).toBe(409);
    expect(errorOf(stale)).toMatchObject({ code: 'policy-conflict', params: { currentRevision: revision + 1 } });
  });
});
