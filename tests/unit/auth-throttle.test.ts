// LoginThrottle with a fake clock: per-user and per-address limits in fixed windows, the
// retry delay, a success clearing the user's count only, and the bound on remembered keys.
import { beforeEach, describe, expect, it } from 'vitest';
import { LoginThrottle, refusalMs, type LoginThrottleOptions } from '../../server/auth/throttle.ts';

const windowMs = 15 * 60_000;
let clockMs: number;

beforeEach(() => {
  clockMs = 1_760_000_000_000;
});

function throttle(options: Partial<LoginThrottleOptions> = {}): LoginThrottle {
  return new LoginThrottle({ maxFailuresPerUser: 3, maxFailuresPerAddress: 5, windowMs, now: () => clockMs, ...options });
}

function fail(t: LoginThrottle, times: number, username: string, address: string): void {
  for (let i = 0; i < times; i++) t.recordFailure(username, address);
}

describe('refusalMs', () => {
  it.each([
    ['no window', undefined, 0],
    ['below the limit', { startMs: 0, failures: 2 }, 0],
    ['at the limit, at the start', { startMs: 0, failures: 3 }, windowMs],
    ['at the limit, halfway', { startMs: -windowMs / 2, failures: 3 }, windowMs / 2],
    ['over the limit, window ended', { startMs: -windowMs, failures: 9 }, 0],
  ])('%s', (_name, window, expected) => {
    expect(refusalMs(window, 3, windowMs, 0)).toBe(expected);
  });
});

describe('LoginThrottle', () => {
  it('allows a fresh user and address', () => {
    expect(throttle().check('alice', '10.0.0.1')).toEqual({ allowed: true });
  });

  it('refuses a user after maxFailuresPerUser failures, from any address, until the window ends', () => {
    const t = throttle();
    fail(t, 2, 'alice', '10.0.0.1');
    expect(t.check('alice', '10.0.0.1')).toEqual({ allowed: true });
    clockMs += 60_000;
    t.recordFailure('alice', '10.0.0.2');
    expect(t.check('alice', '10.0.0.3')).toEqual({ allowed: false, retryAfterMs: windowMs - 60_000 });
    expect(t.check('bob', '10.0.0.3')).toEqual({ allowed: true });
    clockMs += windowMs - 60_000 - 1;
    expect(t.check('alice', '10.0.0.9')).toEqual({ allowed: false, retryAfterMs: 1 });
    clockMs += 1;
    expect(t.check('alice', '10.0.0.9')).toEqual({ allowed: true });
  });

  it('refuses an address after maxFailuresPerAddress failures, whatever the user name', () => {
    const t = throttle();
    ['a', 'b', 'c', 'd', 'e'].forEach((name) => t.recordFailure(name, '10.0.0.1'));
    expect(t.check('someone-else', '10.0.0.1')).toEqual({ allowed: false, retryAfterMs: windowMs });
    expect(t.check('someone-else', '10.0.0.2')).toEqual({ allowed: true });
  });

  it('answers the longer of the two delays when both are over', () => {
    const t = throttle();
    fail(t, 3, 'alice', '10.0.0.9');
    clockMs += 5 * 60_000;
    fail(t, 5, 'bob', '10.0.0.1');
    // The address's window started 5 minutes after the user's.
    expect(t.check('alice', '10.0.0.1')).toEqual({ allowed: false, retryAfterMs: windowMs });
    expect(t.check('alice', '10.0.0.2')).toEqual({ allowed: false, retryAfterMs: windowMs - 5 * 60_000 });
  });

  it('uses fixed windows: failures after the window count from a new one', () => {
    const t = throttle();
    fail(t, 2, 'alice', '10.0.0.1');
    clockMs += windowMs;
    fail(t, 2, 'alice', '10.0.0.1');
    expect(t.check('alice', '10.0.0.1')).toEqual({ allowed: true });
    t.recordFailure('alice', '10.0.0.1');
    expect(t.check('alice', '10.0.0.1')).toEqual({ allowed: false, retryAfterMs: windowMs });
  });

  it('a success clears the user only, not the address', () => {
    const t = throttle();
    fail(t, 2, 'alice', '10.0.0.1');
    fail(t, 2, 'bob', '10.0.0.1');
    t.recordSuccess('alice', '10.0.0.1');
    fail(t, 2, 'alice', '10.0.0.1');
    expect(t.check('alice', '10.0.0.2')).toEqual({ allowed: true });
    // The address has 6 failures: a good password for alice does not reset it.
    expect(t.check('carol', '10.0.0.1')).toMatchObject({ allowed: false });
  });

  it('treats user names without regard to case or surrounding spaces', () => {
    const t = throttle();
    t.recordFailure('Alice', '10.0.0.1');
    t.recordFailure(' alice ', '10.0.0.2');
    t.recordFailure('ALICE', '10.0.0.3');
    expect(t.check('alice', '10.0.0.4')).toMatchObject({ allowed: false });
  });

  it('keeps at most maxKeys keys, forgetting the oldest window first', () => {
    const t = throttle({ maxKeys: 4, maxFailuresPerUser: 1 });
    t.recordFailure('u1', '10.0.0.1');
    clockMs += 1;
    t.recordFailure('u2', '10.0.0.1');
    expect(t.size).toBe(3);
    clockMs += 1;
    t.recordFailure('u3', '10.0.0.2');
    expect(t.size).toBe(4);
    // u1's window is the oldest: forgotten, so u1 may try again; u2 and u3 may not.
    expect(t.check('u1', '10.9.9.9')).toEqual({ allowed: true });
    expect(t.check('u2', '10.9.9.9')).toMatchObject({ allowed: false });
    expect(t.check('u3', '10.9.9.9')).toMatchObject({ allowed: false });
    for (let i = 0; i < 1_000; i++) t.recordFailure(`x${i}`, `192.0.2.${i % 250}`);
    expect(t.size).toBe(4);
  });

  it('forgets ended windows as it meets them', () => {
    const t = throttle();
    fail(t, 3, 'alice', '10.0.0.1');
    expect(t.size).toBe(2);
    clockMs += windowMs;
    t.check('alice', '10.0.0.1');
    expect(t.size).toBe(0);
  });

  it.each([
    [{ maxFailuresPerUser: 0 }, /maxFailuresPerUser must be a positive integer, got 0/],
    [{ maxFailuresPerAddress: 1.5 }, /maxFailuresPerAddress must be a positive integer, got 1.5/],
    [{ windowMs: -1 }, /windowMs must be a positive integer/],
    [{ maxKeys: 0 }, /maxKeys must be a positive integer/],
  ])('refuses options %j', (options, message) => {
    expect(() => throttle(options)).toThrow(message);
  });
});
