// The harness of the hostile-input tests (hostile-http-*.test.ts, hostile-websocket.test.ts):
// the whole app (tests/helpers/app.ts) with a real influxd behind the history, report and
// backtest routes, a signed-in user of each role, a runner that sends generated requests
// (hostile-requests.ts) through `app.inject` and counts the answers, and the test both HTTP
// parts run. Memory is measured as the
// V8 heap after a full GC (`gc` exposed at run time with v8.setFlagsFromString('--expose-gc')).
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { pino } from 'pino';
import type { InfluxDB } from 'influx';
import { roles, type Role } from '../../api/access.ts';
import { contractUrl, routes, type RouteContract } from '../../api/routes.ts';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { sessionCookieName } from '../../server/auth/guard.ts';
import { startTestApp, testOrigin, type TestApp } from '../helpers/app.ts';
import { startInfluxd, type InfluxdHandle } from '../helpers/influxd.ts';
import { shared } from '../helpers/shared.ts';
import { hostileRequests, type Domain, type HostileRequest, type Principal } from './hostile-requests.ts';

setFlagsFromString('--expose-gc');
/** A full garbage collection. */
export const gc = runInNewContext('gc') as () => void;

/** The V8 heap in use after a full GC. */
export function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

export interface HostileApp {
  t: TestApp;
  handle: InfluxdHandle;
  influx: InfluxDB;
  domain: Domain;
  /** `anonymous` and one signed-in user per role. */
  principals: Principal[];
  /** Error log lines of the app (a 5xx logs its stack). */
  errorLines: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The user of each role the requests are sent as. */
export const userOf: Record<Role, string> = { admin: 'admin', engineer: 'engineer', viewer: 'viewer', province: 'thanh-hoa' };

export async function startHostileApp(): Promise<HostileApp> {
  const errorLines: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (!text) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        if (typeof line['level'] === 'number' && line['level'] >= 50) errorLines.push(line);
      }
      done();
    },
  });
  const handle = await startInfluxd();
  const config = loadConfig(defaultConfigDir, { env: { LANEWATCH_INFLUX_URL: handle.url } });
  const influx = createInfluxClient(config.settings.influx);
  await influx.createDatabase(config.settings.influx.database);
  // A little traffic for the history and report queries to find.
  const nowMs = Date.now();
  await influx.writePoints(
    config.topology.links.slice(0, 20).flatMap((l, k) =>
      Array.from({ length: 10 }, (_, i) => ({
        measurement: 'traffic',
        tags: { link: l.id, province: l.province, tier: String(l.tier), dir: 'down' },
        fields: { bps_total: 1e6 * (k + i), util_total: 0.01, capacityBps_total: 1e9 },
        timestamp: nowMs - i * 60_000,
      })),
    ),
    { precision: 'ms' },
  );
  const t = await startTestApp({ config, influx, logger: pino({ level: 'error' }, logStream) });
  const principals: Principal[] = [{ name: 'anonymous' }];
  for (const role of roles) principals.push({ name: userOf[role], cookie: await t.login(userOf[role]) });
  const policy = (await t.as('engineer')({ method: 'GET', url: '/api/v1/policies' })).json<{ document: unknown }>();
  const domain: Domain = {
    policyDocument: policy.document,
    strings: [
      ...config.topology.links.slice(0, 8).map((l) => l.id),
      ...config.topology.provinces.slice(0, 6).map((p) => p.id),
      'thanh-hoa', 't1-thanh-hoa', 'down', 'up', 'total', 'video', 'internet', 'docex', 'other',
      '-1h', '-30d', '-400d', 'now', '-1m', new Date(nowMs - 3_600_000).toISOString(), '2025-06', '1', '2', '50',
      'busyhour', 'p95', 'csv', 'json', 'true', 'false', 'open', 'acknowledged', 'resolved',
    ],
  };
  // Logging out revokes a session, and a user keeps a bounded number of sessions: the generated
  // logouts of a signed-in role use throwaway sessions of their own user, never the principals'.
  for (const role of roles) {
    await t.auth.users.upsert({ username: `logout-${role}`, role, password: 'logout-password-1', ...(role === 'province' ? { province: 'thanh-hoa' } : {}) });
  }
  return {
    t,
    handle,
    influx,
    domain,
    principals,
    errorLines,
    close: async () => {
      await t.close();
      await handle.destroy();
    },
  };
}

/** For a hostile test file: one hostile app, started before its tests and closed after them. */
export function sharedHostileApp(): () => HostileApp {
  return shared('the hostile app', startHostileApp, 60_000);
}

/**
 * The routes of part 1 (hostile-http-1.test.ts), chosen so that both parts take about the same
 * time (the report, topology and backtest routes cost the most per request); part 2 takes every
 * other route of the table, so a route added later is covered without a change here.
 */
export const hostilePart1Routes: readonly string[] = [
  'report', 'topology', 'userPassword', 'policiesBacktest', 'me', 'health', 'states', 'snapshot', 'policies', 'policiesHistory',
];

/** The table's routes of one part. */
export function hostilePart(part: 1 | 2): [string, RouteContract][] {
  return (Object.entries(routes) as [string, RouteContract][]).filter(([name]) => hostilePart1Routes.includes(name) === (part === 1));
}

export interface HostileFailure {
  route: string;
  principal: string;
  request: HostileRequest;
  status: number | string;
  body: string;
}

export interface HostileRun {
  sent: number;
  elapsedMs: number;
  statuses: Map<number, number>;
  /** Answers per route and status, e.g. `login 429`. */
  byRoute: Map<string, number>;
  /** Wall time per route (ms), requests overlapping. */
  routeMs: Map<string, number>;
  failures: HostileFailure[];
  heapAfterWarmUpBytes: number;
  heapAtEndBytes: number;
}

/** Runs `jobs` with at most `limit` at once. */
async function pool<T>(jobs: readonly T[], limit: number, run: (job: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await run(jobs[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/**
 * Sends `perCombination` generated requests for every route × principal, `concurrency` at a
 * time; the heap is measured after the first `warmUpFraction` of them and at the end.
 */
export async function runHostileHttp(
  app: HostileApp,
  entries: readonly (readonly [string, RouteContract])[],
  opts: { perCombination: number; seed: number; concurrency?: number; warmUpFraction?: number },
): Promise<HostileRun> {
  const { t, principals, domain } = app;
  const protectedUsers = principals.map((p) => p.name);
  const total = opts.perCombination * entries.length * principals.length;
  const warmUp = Math.floor((opts.warmUpFraction ?? 0.05) * total);
  const statuses = new Map<number, number>();
  const byRoute = new Map<string, number>();
  const routeMs = new Map<string, number>();
  const failures: HostileFailure[] = [];
  let sent = 0;
  let heapAfterWarmUpBytes: number | undefined;
  const startedMs = Date.now();

  const send = async (route: string, principal: Principal, request: HostileRequest): Promise<void> => {
    let headers = request.headers;
    if (route === 'logout' && principal.cookie !== undefined) {
      const role = roles.find((r) => userOf[r] === principal.name)!;
      const token = await t.auth.sessions.create({ username: `logout-${role}`, role, ...(role === 'province' ? { province: 'thanh-hoa' } : {}) }, '127.0.0.1');
      headers = { ...headers, cookie: `${sessionCookieName}=${token}` };
    }
    const requestStartedMs = performance.now();
    try {
      const res = await t.app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers,
        remoteAddress: request.remoteAddress,
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      byRoute.set(`${route} ${res.statusCode}`, (byRoute.get(`${route} ${res.statusCode}`) ?? 0) + 1);
      if (res.statusCode >= 500) failures.push({ route, principal: principal.name, request, status: res.statusCode, body: res.body.slice(0, 300) });
    } catch (err) {
      failures.push({ route, principal: principal.name, request, status: 'inject rejected', body: err instanceof Error ? err.message : String(err) });
    }
    sent += 1;
    routeMs.set(route, (routeMs.get(route) ?? 0) + performance.now() - requestStartedMs);
    if (heapAfterWarmUpBytes === undefined && sent >= warmUp) heapAfterWarmUpBytes = heapAfterGc();
  };

  let combination = 0;
  for (const [name, contract] of entries) {
    for (const principal of principals) {
      combination += 1;
      const arbitrary = hostileRequests(contract, contractUrl(contract), principal, domain, testOrigin).filter(
        (r) => !protectedUsers.some((u) => r.url.includes(`/users/${u}`)),
      );
      const requests = fc.sample(arbitrary, { seed: opts.seed + combination, numRuns: opts.perCombination });
      await pool(requests, opts.concurrency ?? 8, (r) => send(name, principal, r));
    }
  }
  return { sent, elapsedMs: Date.now() - startedMs, statuses, byRoute, routeMs, failures, heapAfterWarmUpBytes: heapAfterWarmUpBytes ?? 0, heapAtEndBytes: heapAfterGc() };
}

function describeRequest(r: HostileRequest): string {
  const payload = r.payload === undefined ? '' : typeof r.payload === 'string' ? r.payload.slice(0, 300) : `<${r.payload.length} bytes ${r.payload.subarray(0, 40).toString('hex')}>`;
  return `${r.method} ${r.url.slice(0, 300)} headers=${JSON.stringify(r.headers).slice(0, 300)} payload=${payload} (${r.note})`;
}

/** The first failures with their request and the error log line (stack) that names their URL. */
export function failureReport(app: HostileApp, run: HostileRun): string[] {
  return run.failures.slice(0, 10).map((f) => {
    const line = app.errorLines.find((l) => JSON.stringify(l).includes(f.request.url.slice(0, 60)));
    return `${f.route} as ${f.principal}: ${f.status} ${f.body}\n  ${describeRequest(f.request)}\n  ${line ? JSON.stringify(line['err'] ?? line).slice(0, 1_500) : 'no error log line'}`;
  });
}

export function summary(run: HostileRun): string {
  const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
  return JSON.stringify({
    sent: run.sent,
    elapsedMs: run.elapsedMs,
    statuses: Object.fromEntries([...run.statuses].sort((a, b) => a[0] - b[0])),
    byRoute: Object.fromEntries([...run.byRoute].sort()),
    routeMs: Object.fromEntries([...run.routeMs].map(([r, ms]) => [r, Math.round(ms)])),
    heapAfterWarmUpMiB: mib(run.heapAfterWarmUpBytes),
    heapAtEndMiB: mib(run.heapAtEndBytes),
  });
}

/** LANEWATCH_HOSTILE_REQUESTS: the requests of both parts together. */
const totalRequests = Number(process.env.LANEWATCH_HOSTILE_REQUESTS ?? 100_000);
/** LANEWATCH_HOSTILE_SEED: each part adds its own offset, so the parts send different requests. */
export const hostileSeed = Number(process.env.LANEWATCH_HOSTILE_SEED ?? 20_260_601);
const heapGrowthBoundBytes = 32 * 1024 * 1024;

/**
 * The test of one HTTP part: half of the requests to its routes, then no answer 5xx, no request
 * that broke inject, the app still answers and signs in, and the heap after a full GC at the end
 * within 32 MiB of the heap after the warm-up.
 */
export function hostileHttpPartTest(part: 1 | 2, app: () => HostileApp): void {
  const entries = hostilePart(part);
  it(`generated requests to ${entries.map(([n]) => n).join(', ')}: no 5xx, no crash, memory flat`, async () => {
    const perCombination = Math.ceil(totalRequests / 2 / (entries.length * app().principals.length));
    const run = await runHostileHttp(app(), entries, { perCombination, seed: hostileSeed + part * 1000 });
    console.log(`[hostile input part ${part}] ${summary(run)}`);

    // Still standing: health answers, a user signs in and reads.
    const { t } = app();
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    const cookie = await t.login('viewer');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/topology', headers: { cookie } })).statusCode).toBe(200);

    expect(failureReport(app(), run), `${run.failures.length} answers 5xx or requests that broke inject`).toEqual([]);
    expect(run.sent).toBeGreaterThanOrEqual(Math.floor(totalRequests / 2) - entries.length * app().principals.length);
    expect(run.heapAfterWarmUpBytes).toBeGreaterThan(0);
    expect(run.heapAtEndBytes - run.heapAfterWarmUpBytes).toBeLessThanOrEqual(heapGrowthBoundBytes);
  }, 900_000);
}
