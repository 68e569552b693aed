// The route × role matrix, generated from the route table: every route fastify registered has
// an access rule; anonymous requests get 401 and roles outside the rule 403 (the usual error
// body); roles inside it get through the guard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyone, roles, type Role } from '../../api/access.ts';
import { contractUrl, routes, type RouteContract, type RouteName } from '../../api/routes.ts';
import { startTestApp, testOrigin, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** A concrete URL for a table path: parameters filled with harmless values. */
function concreteUrl(contract: RouteContract): string {
  return contractUrl(contract).replace(':id', 'no-such-alert').replace(':revision', '1').replace(':username', 'nobody-here');
}

const entries = Object.entries(routes) as [RouteName, RouteContract][];
/** Users of each role in the test app (a province user for the role `province`). */
const userOf: Record<Role, string> = { admin: 'admin', engineer: 'engineer', viewer: 'viewer', province: 'bac-ninh' };

describe('registered routes', () => {
  it('every route fastify registered has an access rule', () => {
    const rules = t.app.routeRules();
    expect(rules.length).toBeGreaterThan(entries.length);
    const without = rules.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`);
    expect(without).toEqual([]);
  });

  it('every API route registered is in the route table, and every table entry is registered', () => {
    // API routes, and the table's routes at the root (GET /metrics).
    const rootUrls = new Set(entries.filter(([, c]) => c.root).map(([, c]) => contractUrl(c)));
    const rules = t.app.routeRules().filter((r) => (r.url.startsWith('/api') || rootUrls.has(r.url)) && r.method !== 'HEAD');
    const table = new Set(entries.map(([, c]) => `${c.method} ${contractUrl(c)}`));
    const registered = new Set(rules.map((r) => `${r.method} ${r.url}`));
    expect([...registered].filter((key) => !table.has(key))).toEqual([]);
    expect([...table].filter((key) => !registered.has(key))).toEqual([]);
    for (const rule of rules) {
      const [, contract] = entries.find(([, c]) => `${c.method} ${contractUrl(c)}` === `${rule.method} ${rule.url}`)!;
      expect(rule.access, `${rule.method} ${rule.url}`).toEqual(contract.access);
    }
  });
});

/** Routes open without a session, and routes behind the session guard with the roles they allow. */
const openEntries = entries.filter(([, contract]) => contract.access.roles === anyone);
const guardedEntries = entries.flatMap(([name, contract]) =>
  contract.access.roles === anyone ? [] : [[name, contract, contract.access.roles] as const],
);

describe('the table', () => {
  it('has routes open without a session and routes behind the guard, and nothing else', () => {
    expect(openEntries.length).toBeGreaterThan(0);
    expect(guardedEntries.length).toBeGreaterThan(0);
    expect(openEntries.length + guardedEntries.length).toBe(entries.length);
  });
});

describe.each(openEntries)('%s', (_name, contract) => {
  const url = concreteUrl(contract);
  const method = contract.method;

  it('is open without a session', async () => {
    const res = await t.app.inject({ method, url, headers: { origin: testOrigin } });
    expect(res.statusCode, res.body).not.toBe(401);
    expect(res.statusCode, res.body).not.toBe(403);
  });
});

describe.each(guardedEntries)('%s', (_name, contract, allowed) => {
  const url = concreteUrl(contract);
  const method = contract.method;

  it('answers 401 without a session, as the usual error body', async () => {
    const res = await t.app.inject({ method, url, headers: { origin: testOrigin } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining('sign in') });
  });

  it('answers 401 for a made-up session cookie', async () => {
    const res = await t.app.inject({ method, url, headers: { origin: testOrigin, cookie: 'lanewatch_session=forged-token' } });
    expect(res.statusCode).toBe(401);
  });

  it.each(roles.filter((role) => allowed.includes(role)))('role %s gets through the guard', async (role) => {
    const res = await t.as(userOf[role])({ method, url });
    expect([401, 403], `${role} ${method} ${url}: ${res.body}`).not.toContain(res.statusCode);
  });

  it.each(roles.filter((role) => !allowed.includes(role)))('role %s is refused with 403', async (role) => {
    const res = await t.as(userOf[role])({ method, url });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json()).toMatchObject({ statusCode: 403, error: 'Forbidden', message: expect.stringContaining(role) });
  });
});
