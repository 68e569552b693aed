// Exponential backoff between attempts: one formula for every retry loop (alert deliveries,
// the InfluxDB store and the rollup backfill, the browser's live stream). Pure; here, below
// every part that retries, beside the settings that give its bounds (`notify.retry`).

/** Bounds of a backoff: the first wait, and the longest. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * The wait after `failures` consecutive failed attempts: initialMs × 2^(failures − 1), at most
 * maxMs (a count below 1 waits initialMs).
 */
export function backoffDelayMs(backoff: Backoff, failures: number): number {
  const exponent = Math.min(Math.max(0, failures - 1), 40);
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
}

/**
 * A share of `delayMs` from half to all of it, by `random` in [0, 1]: clients that failed
 * together (a server restart) do not all come back at the same moment.
 */
export function jitteredDelayMs(delayMs: number, random: number): number {
  return Math.round(delayMs * (0.5 + 0.5 * random));
}

/** Whether another attempt is allowed after `attempts` failed ones. */
export function mayRetry(policy: { maxAttempts: number }, attempts: number): boolean {
  return attempts < policy.maxAttempts;
}
