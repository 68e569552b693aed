// Hostile input, part 2 of 2: generated requests (hostile-requests.ts) to every route not in hostilePart1Routes
// (hostile-harness.ts; the other part is hostile-http-1.test.ts), each as anonymous and as a
// signed-in user of each role, through `app.inject` on the whole app with a real influxd:
// 50,000 requests here, 100,000 with the other part. Expected: no answer 5xx, no request that
// breaks inject, the app still answers and signs in afterwards, and memory flat: the V8 heap
// after a full GC at the end within 32 MiB of the heap after a full GC at the end of the
// warm-up (the first 5 % of the requests).
// LANEWATCH_HOSTILE_REQUESTS (the total of both parts) and LANEWATCH_HOSTILE_SEED override the defaults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureReport, hostilePart, runHostileHttp, startHostileApp, summary, type HostileApp } from './hostile-harness.ts';

const totalRequests = Number(process.env.LANEWATCH_HOSTILE_REQUESTS ?? 100_000);
const seed = Number(process.env.LANEWATCH_HOSTILE_SEED ?? 20_260_601) + 2000;
const heapGrowthBoundBytes = 32 * 1024 * 1024;
const entries = hostilePart(2);

let app: HostileApp;
beforeAll(async () => {
  app = await startHostileApp();
}, 60_000);
afterAll(async () => {
  await app?.close();
});

describe('hostile input over HTTP, part 2', () => {
  it(`generated requests to ${entries.map(([n]) => n).join(', ')}: no 5xx, no crash, memory flat`, async () => {
    const perCombination = Math.ceil(totalRequests / 2 / (entries.length * app.principals.length));
    const run = await runHostileHttp(app, entries, { perCombination, seed });
    console.log(`[hostile input part 2] ${summary(run)}`);

    // Still standing: health answers, a user signs in and reads.
    expect((await app.t.app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    const cookie = await app.t.login('viewer');
    expect((await app.t.app.inject({ method: 'GET', url: '/api/v1/topology', headers: { cookie } })).statusCode).toBe(200);

    expect(failureReport(app, run), `${run.failures.length} answers 5xx or requests that broke inject`).toEqual([]);
    expect(run.sent).toBeGreaterThanOrEqual(Math.floor(totalRequests / 2) - entries.length * app.principals.length);
    expect(run.heapAfterWarmUpBytes).toBeGreaterThan(0);
    expect(run.heapAtEndBytes - run.heapAfterWarmUpBytes).toBeLessThanOrEqual(heapGrowthBoundBytes);
  }, 900_000);
});
