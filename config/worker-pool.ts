// A bounded worker pool: a list of jobs run with at most `limit` in flight, so a large list
// (every device of a round, every router of a check) never becomes a burst. Pure control
// flow, no I/O of its own; here, below every part that needs one. It runs on every poll (a
// router's class-counter requests), so it keeps no worker promises: one promise for the whole
// list, one callback pair per job, and none of that for a list of one job.

/**
 * Runs `run` on every item, at most `limit` at once, starting them in order; resolves with
 * the results in item order. After a failure (a rejection, or a throw of `run` itself) no
 * further item is started, and the first failure is thrown once the calls in flight have
 * settled (nothing keeps running behind it).
 */
export function mapBounded<T, R>(items: readonly T[], limit: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) return Promise.reject(new RangeError(`mapBounded: limit must be a positive integer, got ${limit}`));
  const count = items.length;
  if (count === 0) return Promise.resolve([]);
  if (count === 1) {
    try {
      return run(items[0] as T, 0).then((result) => [result]);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  const results = new Array<R>(count);
  return new Promise<R[]>((resolve, reject) => {
    let next = 0;
    let running = 0;
    let failure: { err: unknown } | undefined;
    const settled = (): void => {
      running--;
      if (failure === undefined && next < count) start();
      else if (running === 0) {
        if (failure === undefined) resolve(results);
        else reject(failure.err);
      }
    };
    const failed = (err: unknown): void => {
      failure ??= { err };
      settled();
    };
    const start = (): void => {
      const index = next++;
      running++;
      let job: Promise<R>;
      try {
        job = run(items[index] as T, index);
      } catch (err) {
        failed(err);
        return;
      }
      job.then((result) => {
        results[index] = result;
        settled();
      }, failed);
    };
    for (let k = Math.min(limit, count); k > 0 && failure === undefined; k--) start();
  });
}
