// config/backoff.ts: the one backoff formula (alert deliveries, the browser's live stream), as tables.
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, jitteredDelayMs, mayRetry } from '../../config/backoff.ts';

describe('backoffDelayMs', () => {
  const notify = { initialMs: 1_000, maxMs: 60_000 };
  const live = { initialMs: 500, maxMs: 15_000 };
  it.each([
    ['deliveries', notify, 1, 1_000],
    ['deliveries', notify, 2, 2_000],
    ['deliveries', notify, 3, 4_000],
    ['deliveries', notify, 6, 32_000],
    ['deliveries', notify, 7, 60_000],
    ['deliveries', notify, 50, 60_000],
    ['deliveries', notify, 0, 1_000],
    ['the live stream', live, 1, 500],
    ['the live stream', live, 2, 1_000],
    ['the live stream', live, 4, 4_000],
    ['the live stream', live, 6, 15_000],
    ['the live stream', live, 10_000, 15_000],
  ])('%s: after %j, %i failures wait %i ms', (_what, backoff, failures, delayMs) => {
    expect(backoffDelayMs(backoff, failures)).toBe(delayMs);
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
