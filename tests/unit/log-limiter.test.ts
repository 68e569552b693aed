import { describe, it, expect } from 'vitest';
import { LogLimiter } from '../../collector/log-limiter.ts';

describe('LogLimiter', () => {
  it('admits the first line per key, counts repeats within the window, reports them after', () => {
    let nowMs = 0;
    const limiter = new LogLimiter(1_000, () => nowMs);
    expect(limiter.admit('a')).toEqual({ suppressed: 0 });
    nowMs = 500;
    expect(limiter.admit('a')).toBeUndefined();
    expect(limiter.admit('a')).toBeUndefined();
    expect(limiter.admit('b')).toEqual({ suppressed: 0 });
    nowMs = 999;
    expect(limiter.admit('a')).toBeUndefined();
    nowMs = 1_000;
    expect(limiter.admit('a')).toEqual({ suppressed: 3 });
    nowMs = 1_200;
    expect(limiter.admit('a')).toBeUndefined();
    nowMs = 5_000;
    expect(limiter.admit('a')).toEqual({ suppressed: 1 });
  });
});
