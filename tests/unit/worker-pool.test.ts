// config/worker-pool.ts: at most `limit` jobs in flight, results in item order, a failure
// stops the rest and is thrown once the jobs in flight settled.
import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../config/worker-pool.ts';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `count` jobs of varied length; records the most in flight at once and the order of starts. */
async function measure(count: number, limit: number): Promise<{ results: number[]; peak: number; starts: number[] }> {
  let running = 0;
  let peak = 0;
  const starts: number[] = [];
  const results = await mapBounded(
    Array.from({ length: count }, (_, k) => k),
    limit,
    async (item, index) => {
      expect(index).toBe(item);
      starts.push(item);
      running += 1;
      peak = Math.max(peak, running);
      await tick((item * 7) % 5);
      running -= 1;
      return item * 10;
    },
  );
  return { results, peak, starts };
}

describe('mapBounded', () => {
  it.each([
    [10, 3, 3],
    [10, 1, 1],
    [3, 8, 3],
    [0, 4, 0],
    [50, 16, 16],
  ])('%i jobs at most %i at once: %i in flight at the peak, results in item order, started in order', async (count, limit, peak) => {
    const run = await measure(count, limit);
    expect(run.peak).toBe(peak);
    expect(run.results).toEqual(Array.from({ length: count }, (_, k) => k * 10));
    expect(run.starts).toEqual(Array.from({ length: count }, (_, k) => k));
  });

  it('after a failure starts nothing more, lets the jobs in flight finish, then throws the first failure', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const err = await mapBounded([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      started.push(item);
      if (item === 1) throw new Error('job 1 failed');
      await tick(20);
      if (item === 0) throw new Error('job 0 failed later');
      finished.push(item);
      return item;
    }).then(() => undefined, (e: unknown) => e);
    expect(err).toEqual(new Error('job 1 failed'));
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([]);
  });

  it('a job that throws instead of rejecting is a failure: nothing more starts', async () => {
    const started: number[] = [];
    const err = await mapBounded([0, 1, 2, 3], 2, (item) => {
      started.push(item);
      if (item === 0) throw new Error('job 0 threw');
      return tick(5).then(() => item);
    }).then(() => undefined, (e: unknown) => e);
    expect(err).toEqual(new Error('job 0 threw'));
    expect(started).toEqual([0]);
  });

  it('a list of one job: its result, its failure (rejected or thrown)', async () => {
    expect(await mapBounded(['a'], 4, async (item, index) => `${item}${index}`)).toEqual(['a0']);
    await expect(mapBounded(['a'], 4, async () => Promise.reject(new Error('rejected')))).rejects.toThrow('rejected');
    await expect(
      mapBounded(['a'], 4, () => {
        throw new Error('thrown');
      }),
    ).rejects.toThrow('thrown');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %d', async (limit) => {
    await expect(mapBounded([1], limit, async (item) => item)).rejects.toThrow(`mapBounded: limit must be a positive integer, got ${limit}`);
  });
});
