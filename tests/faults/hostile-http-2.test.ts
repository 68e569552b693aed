// Hostile input, part 2 of 2: generated requests (hostile-requests.ts) to every route not in hostilePart1Routes
// (hostile-harness.ts; the other part is hostile-http-1.test.ts), each as anonymous and as a
// signed-in user of each role, through `app.inject` on the whole app with a real influxd:
// 50,000 requests here, 100,000 with the other part. Expected: no answer 5xx, no request that
// breaks inject, the app still answers and signs in afterwards, and memory flat: the V8 heap
// after a full GC at the end within 32 MiB of the heap after a full GC at the end of the
// warm-up (the first 5 % of the requests).
// LANEWATCH_HOSTILE_REQUESTS (the total of both parts) and LANEWATCH_HOSTILE_SEED override the defaults.
import { describe } from 'vitest';
import { hostileHttpPartTest, sharedHostileApp } from './hostile-harness.ts';

const app = sharedHostileApp();

describe('hostile input over HTTP, part 2', () => {
  hostileHttpPartTest(2, app);
});
