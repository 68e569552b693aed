// ClassBaselines: a plan's class readings by slot, numbers packed, bigints beside.
import { describe, expect, it } from 'vitest';
import { ClassBaselines } from '../../collector/qos/baselines.ts';
import type { ClassReading } from '../../collector/qos/counters.ts';

const scratch = (): ClassReading => ({ atMs: 0, sysUpTimeCs: undefined, postOctets: 0, preOctets: undefined, dropOctets: undefined });

describe('ClassBaselines', () => {
  it('gives back what was set, absent counters and clock as undefined; other slots empty', () => {
    const b = new ClassBaselines(3);
    b.set(1, { atMs: 1_700_000_000_123, sysUpTimeCs: 4_000, postOctets: 2 ** 53 - 1, preOctets: undefined, dropOctets: 0 });
    expect(b.get(1, scratch())).toEqual({ atMs: 1_700_000_000_123, sysUpTimeCs: 4_000, postOctets: 2 ** 53 - 1, preOctets: undefined, dropOctets: 0 });
    b.set(2, { atMs: 5, sysUpTimeCs: undefined, postOctets: 7, preOctets: 8, dropOctets: undefined });
    expect(b.get(2, scratch())).toEqual({ atMs: 5, sysUpTimeCs: undefined, postOctets: 7, preOctets: 8, dropOctets: undefined });
    expect(b.get(0, scratch())).toBeUndefined();
    expect([b.has(0), b.has(1), b.has(2)]).toEqual([false, true, true]);
  });

  it('keeps a bigint counter exact, and a number again after it', () => {
    const b = new ClassBaselines(1);
    const big = 2n ** 64n - 1n;
    const reading: ClassReading = { atMs: 1, sysUpTimeCs: 2, postOctets: big, preOctets: 3, dropOctets: undefined };
    b.set(0, reading);
    reading.atMs = 99; // the caller's object is copied
    expect(b.get(0, scratch())).toEqual({ atMs: 1, sysUpTimeCs: 2, postOctets: big, preOctets: 3, dropOctets: undefined });
    b.set(0, { atMs: 3, sysUpTimeCs: 4, postOctets: 5, preOctets: undefined, dropOctets: undefined });
    expect(b.get(0, scratch())?.postOctets).toBe(5);
  });

  it('delete, clear and copyFrom', () => {
    const a = new ClassBaselines(2);
    a.set(0, { atMs: 1, sysUpTimeCs: 1, postOctets: 10, preOctets: 11, dropOctets: 12 });
    a.set(1, { atMs: 1, sysUpTimeCs: 1, postOctets: 2n ** 60n, preOctets: undefined, dropOctets: undefined });
    const b = new ClassBaselines(3);
    b.copyFrom(a, 1, 0);
    b.copyFrom(a, 0, 2);
    expect(b.get(0, scratch())?.postOctets).toBe(2n ** 60n);
    expect(b.get(2, scratch())).toEqual({ atMs: 1, sysUpTimeCs: 1, postOctets: 10, preOctets: 11, dropOctets: 12 });
    expect(b.has(1)).toBe(false);
    b.delete(2);
    expect(b.has(2)).toBe(false);
    b.clear();
    expect(b.has(0)).toBe(false);
  });
});
