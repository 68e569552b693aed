// config/backoff.ts: the one backoff formula (alert deliveries, the browser's live stream), as tables.
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, jitteredDelayMs, mayRetry } from '../../config/backoff.ts';

describe('backoffDelayMs', () => {
  it.each([
    { what: 'deliveries', backoff: { initialMs: 1_000, maxMs: 60_000 }, delayMsAfter: { 0: 1_000, 1: 1_000, 2: 2_000, 3: 4_000, 6: 32_000, 7: 60_000, 50: 60_000 } },
    { what: 'the live stream', backoff: { initialMs: 500, maxMs: 15_000 }, delayMsAfter: { 1: 500, 2: 1_000, 4: 4_000, 6: 15_000, 10_000: 15_000 } },
  ])('$what: after $backoff, the wait by failures is $delayMsAfter', ({ backoff, delayMsAfter }) => {
    const waited = Object.fromEntries(Object.keys(delayMsAfter).map((failures) => [failures, backoffDelayMs(backoff, Number(failures))]));
    expect(waited).toEqual(delayMsAfter);
  });
});

describe('jitteredDelayMs', () => {
  it.each([
    [1_000, 1, 1_000],
    [1_000, 0, 500],
    [1_000, 0.5, 750],
    [15_000, 0.999, 14_993],
    [3, 0.5, 2],
  ])('%i ms with random %d waits %i ms', (delayMs, random, waitMs) => {
    expect(jitteredDelayMs(delayMs, random)).toBe(waitMs);
  });
});

describe('mayRetry', () => {
  const policy = { initialMs: 1_000, maxMs: 60_000, maxAttempts: 8 };
  it.each([
    [0, true],
    [1, true],
    [7, true],
    [8, false],
    [9, false],
  ])('after %i attempts may retry: %s', (attempts, allowed) => {
    expect(mayRetry(policy, attempts)).toBe(allowed);
  });
});
