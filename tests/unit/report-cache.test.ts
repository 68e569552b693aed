import { describe, expect, it } from 'vitest';
import { ReportCache } from '../../server/report/cache.ts';

function clock(startMs = 0) {
  let nowMs = startMs;
  return { nowMs: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe('ReportCache', () => {
  it('computes once within the TTL, again after it', async () => {
    const c = clock();
    const cache = new ReportCache<number>({ ttlMs: 1_000, maxEntries: 4, nowMs: c.nowMs });
    let runs = 0;
    const compute = async () => ++runs;
    expect(await cache.get('a', compute)).toBe(1);
    c.advance(999);
    expect(await cache.get('a', compute)).toBe(1);
    c.advance(1);
    expect(await cache.get('a', compute)).toBe(2);
  });

  it('identical requests in flight share one computation', async () => {
    const cache = new ReportCache<string>({ ttlMs: 1_000, maxEntries: 4 });
    let runs = 0;
    let release: (value: string) => void = () => {};
    const compute = () => {
      runs += 1;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const first = cache.get('k', compute);
    const second = cache.get('k', compute);
    release('done');
    expect(await Promise.all([first, second])).toEqual(['done', 'done']);
    expect(runs).toBe(1);
  });

  it('a failure is not kept', async () => {
    const cache = new ReportCache<number>({ ttlMs: 60_000, maxEntries: 4 });
    await expect(cache.get('k', () => Promise.reject(new Error('influxdb down')))).rejects.toThrow('influxdb down');
    expect(await cache.get('k', async () => 7)).toBe(7);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const cache = new ReportCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('c', async () => 'c1');
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
    expect(await cache.get('c', async () => 'c2')).toBe('c1');
  });
});
