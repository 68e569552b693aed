// Exponential backoff between delivery attempts (pure).

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** Delay before attempt `attempt + 1` after `attempt` failed ones: initial × 2^(attempt−1), capped. */
export function backoffDelayMs(policy: RetryPolicy, failedAttempts: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exponent, 40));
}

/** Whether another attempt is allowed after `attempts` failed ones. */
export function mayRetry(policy: RetryPolicy, attempts: number): boolean {
  return attempts < policy.maxAttempts;
}
