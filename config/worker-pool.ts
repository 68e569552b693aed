// A bounded worker pool: a list of jobs run with at most `limit` in flight, so a large list
// (every device of a round, every router of a check) never becomes a burst. Pure control
// flow, no I/O of its own; here, below every part that needs one.

/**
 * Runs `run` on every item, at most `limit` at once, starting them in order; resolves with
 * the results in item order. After a rejection no further item is started, and the first
 * rejection is thrown once the calls in flight have settled (nothing keeps running behind it).
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapBounded: limit must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await run(items[index] as T, index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.err;
  return results;
}
