// InfluxDB being down, slow or failing (5xx) is a StorageUnavailableError, so the API answers
// 503 with Retry-After instead of 500; a query InfluxDB refuses stays what it was (a bug).
import { RequestError, ServiceNotAvailableError } from 'influx/lib/src/pool.js';
import { errorCode } from '../../config/error-code.ts';

/** What a client is told to wait (Retry-After) when InfluxDB cannot answer. */
export const storageRetryAfterSeconds = 10;

/**
 * InfluxDB could not answer: refused or reset connection, timeout, or a 5xx from influxd. The
 * message never holds InfluxDB's address or credentials; `cause` keeps the client's error for
 * the logs.
 */
export class StorageUnavailableError extends Error {
  readonly retryAfterSeconds: number;
  constructor(reason: string, options: { cause: unknown; retryAfterSeconds?: number }) {
    super(`InfluxDB is unreachable (${reason})`, { cause: options.cause });
    this.name = 'StorageUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds ?? storageRetryAfterSeconds;
  }
}

/** Socket errors that mean InfluxDB is not there (or not reachable) right now. */
const unreachableCodes: ReadonlyMap<string, string> = new Map([
  ['ECONNREFUSED', 'connection refused'],
  ['ECONNRESET', 'connection reset'],
  ['ECONNABORTED', 'connection aborted'],
  ['EPIPE', 'connection closed'],
  ['ETIMEDOUT', 'timed out'],
  ['EHOSTUNREACH', 'host unreachable'],
  ['ENETUNREACH', 'network unreachable'],
  ['EHOSTDOWN', 'host down'],
  ['EAI_AGAIN', 'name lookup failed'],
  ['ENOTFOUND', 'name lookup failed'],
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Pure: why `err` (from node-influx) means InfluxDB is unavailable, or undefined when it is
 * some other failure (a bad query stays a bug, answered 500). node-influx reports timeouts,
 * 5xx answers and "No host available" as ServiceNotAvailableError, and socket errors as
 * they come (an AggregateError when every address of a name failed).
 */
export function unavailableReason(err: unknown, depth = 0): string | undefined {
  if (!isRecord(err) || depth > 3) return undefined;
  const code = errorCode(err);
  if (code !== undefined) {
    const reason = unreachableCodes.get(code);
    if (reason !== undefined) return reason;
  }
  if (err instanceof ServiceNotAvailableError) {
    return /timed out/i.test(err.message) ? 'timed out' : err.message === 'No host available' ? 'no host available' : 'server error';
  }
  if (err instanceof RequestError && (err.res.statusCode ?? 0) >= 500) return `answered ${err.res.statusCode}`;
  const inner = err['errors'];
  if (Array.isArray(inner)) {
    for (const e of inner) {
      const reason = unavailableReason(e, depth + 1);
      if (reason !== undefined) return reason;
    }
  }
  return unavailableReason(err['cause'], depth + 1);
}

/** Runs one InfluxDB call; an unavailable InfluxDB becomes a StorageUnavailableError. */
export async function fromStorage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const reason = unavailableReason(err);
    if (reason !== undefined) throw new StorageUnavailableError(reason, { cause: err });
    throw err;
  }
}
