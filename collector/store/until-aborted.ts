// Background InfluxDB work a stop abandons (the traffic migration, the rollup backfill): one
// statement may run for minutes, and a stop cannot wait it out. The work's client aborts its
// requests on the same signal (createInfluxClient's `signal`); this race settles the caller at
// once even where the client would leave a cut response pending.

/**
 * `work`, or a rejection with `stopped()` as soon as `signal` fires, whichever comes first.
 * What `work` does later is ignored.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, stopped: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(stopped());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
