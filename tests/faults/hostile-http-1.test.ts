// Hostile input, part 1 of 2: generated requests (hostile-requests.ts) to the routes of hostilePart1Routes
// (hostile-harness.ts; the other part is hostile-http-2.test.ts), each as anonymous and as a
// signed-in user of each role, through `app.inject` on the whole app with a real influxd:
// 50,000 requests here, 100,000 with the other part. Expected: no answer 5xx, no request that
// breaks inject, the app still answers and signs in afterwards, and memory flat: the V8 heap
// after a full GC at the end within 32 MiB of the heap after a full GC at the end of the
// warm-up (the first 5 % of the requests).
// LANEWATCH_HOSTILE_REQUESTS (the total of both parts) and LANEWATCH_HOSTILE_SEED override the defaults.
import { describe, expect, it } from 'vitest';
import { routes } from '../../api/routes.ts';
import { hostileHttpPartTest, hostilePart, hostilePart1Routes, sharedHostileApp } from './hostile-harness.ts';

const app = sharedHostileApp();

describe('hostile input over HTTP, part 1', () => {
  it('the two parts cover every route of the table once', () => {
    const names = [...hostilePart(1), ...hostilePart(2)].map(([name]) => name).sort();
    expect(names).toEqual(Object.keys(routes).sort());
    expect(hostilePart(1).map(([name]) => name).sort()).toEqual([...hostilePart1Routes].sort());
  });

  hostileHttpPartTest(1, app);
});
