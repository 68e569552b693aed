// Fake timers for the scheduling tests: each test of the describe (or file) that calls this
// starts at `nowMs` on vitest's fake clock, and gets the real timers back after it.
import { afterEach, beforeEach, vi } from 'vitest';

/** The fake clock's start: 2023-11-14T22:13:20Z. */
export const fakeClockStartMs = 1_700_000_000_000;

export function useFakeClock(nowMs = fakeClockStartMs): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: nowMs });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
