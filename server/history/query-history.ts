// History of one link, direction and class from the `traffic` measurement (InfluxQL).
//
// Raw points when the range holds at most `maxPoints` of them; otherwise mean() per time
// bucket, the bucket sized so that at most `maxPoints` buckets come back (empty buckets are
// left out: a gap stays a gap). Tag values are InfluxQL string literals escaped here:
// node-influx's `escape.stringLit` escapes quotes but not backslashes, so `a\` would end the
// literal early. InfluxDB being down, slow or failing (5xx) is a StorageUnavailableError, so
// the API answers 503 with Retry-After instead of 500.
import type { InfluxDB } from 'influx';
import { RequestError, ServiceNotAvailableError } from 'influx/lib/src/pool.js';
import type { Direction, TrafficClass } from '../../collector/samples.ts';
import { maxTimeMs, minTimeMs } from './time-param.ts';

export { pingInflux } from '../../collector/store/influx-client.ts';

export interface HistoryPoint {
  atMs: number;
  bitsPerSecond: number;
  utilization: number | null;
  dropBitsPerSecond?: number;
}

export interface LinkHistoryQuery {
  link: string;
  dir: Direction;
  class: TrafficClass;
  fromMs: number;
  toMs: number;
  /** Most points returned (default 1000). */
  maxPoints?: number;
}

export const defaultMaxPoints = 1_000;

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
  const code = err['code'];
  if (typeof code === 'string') {
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
async function fromStorage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const reason = unavailableReason(err);
    if (reason !== undefined) throw new StorageUnavailableError(reason, { cause: err });
    throw err;
  }
}

const directions: ReadonlySet<string> = new Set<Direction>(['down', 'up']);
const classes: ReadonlySet<string> = new Set<TrafficClass>(['total', 'internet', 'docex', 'video', 'other']);

/** An InfluxQL single-quoted string literal holding exactly `value`. Pure. */
export function influxqlString(value: string): string {
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '');
  return `'${body}'`;
}

/**
 * The bucket (ms) that splits [fromMs, toMs] (both inclusive) into at most maxPoints
 * buckets aligned on fromMs. Pure.
 */
export function bucketMsFor(fromMs: number, toMs: number, maxPoints: number): number {
  const spanMs = toMs - fromMs + 1;
  return Math.max(1, Math.ceil(spanMs / Math.max(1, maxPoints)));
}

function whereClause(q: LinkHistoryQuery): string {
  return [
    `"link" = ${influxqlString(q.link)}`,
    `"dir" = ${influxqlString(q.dir)}`,
    `"class" = ${influxqlString(q.class)}`,
    `time >= ${Math.floor(q.fromMs)}ms`,
    `time <= ${Math.floor(q.toMs)}ms`,
  ].join(' AND ');
}

function validate(q: LinkHistoryQuery): number {
  if (typeof q.link !== 'string' || q.link.length === 0 || q.link.length > 256) throw new RangeError('link must be a non-empty string');
  if (!directions.has(q.dir)) throw new RangeError(`dir must be down or up, not ${String(q.dir)}`);
  if (!classes.has(q.class)) throw new RangeError(`unknown class ${String(q.class)}`);
  if (!Number.isFinite(q.fromMs) || !Number.isFinite(q.toMs)) throw new RangeError('fromMs and toMs must be epoch ms');
  if (q.fromMs < minTimeMs || q.toMs > maxTimeMs) {
    throw new RangeError(`fromMs and toMs must lie within ${new Date(minTimeMs).toISOString()} – ${new Date(maxTimeMs).toISOString()}`);
  }
  if (q.fromMs > q.toMs) throw new RangeError('fromMs is after toMs');
  const maxPoints = q.maxPoints ?? defaultMaxPoints;
  if (!Number.isInteger(maxPoints) || maxPoints < 1 || maxPoints > 100_000) throw new RangeError('maxPoints must be an integer from 1 to 100000');
  return maxPoints;
}

function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function timeMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return finiteOrUndefined(value);
}

function toHistoryPoint(row: Record<string, unknown>): HistoryPoint | undefined {
  const atMs = timeMs(row.time);
  const bitsPerSecond = finiteOrUndefined(row.bps);
  if (atMs === undefined || bitsPerSecond === undefined) return undefined;
  const point: HistoryPoint = { atMs, bitsPerSecond, utilization: finiteOrUndefined(row.util) ?? null };
  const drop = finiteOrUndefined(row.dropBps);
  if (drop !== undefined) point.dropBitsPerSecond = drop;
  return point;
}

/**
 * The history of one link/direction/class over [fromMs, toMs], oldest first. The client's
 * default database is queried. Throws RangeError on a bad query, StorageUnavailableError when
 * InfluxDB cannot answer, and the client's error for any other failure.
 */
export async function queryLinkHistory(influx: InfluxDB, q: LinkHistoryQuery): Promise<HistoryPoint[]> {
  const maxPoints = validate(q);
  const where = whereClause(q);
  const counted = await fromStorage(() => influx.query<Record<string, unknown>>(`SELECT count("bps") AS "n" FROM "traffic" WHERE ${where}`));
  const n = finiteOrUndefined(counted[0]?.n) ?? 0;
  if (n === 0) return [];
  let sql: string;
  if (n <= maxPoints) {
    sql = `SELECT "bps", "util", "dropBps" FROM "traffic" WHERE ${where} ORDER BY time ASC LIMIT ${maxPoints}`;
  } else {
    const bucketMs = bucketMsFor(q.fromMs, q.toMs, maxPoints);
    const offsetMs = Math.floor(q.fromMs) % bucketMs;
    sql =
      `SELECT mean("bps") AS "bps", mean("util") AS "util", mean("dropBps") AS "dropBps" FROM "traffic" ` +
      `WHERE ${where} GROUP BY time(${bucketMs}ms, ${offsetMs}ms) fill(none) ORDER BY time ASC LIMIT ${maxPoints}`;
  }
  const rows = await fromStorage(() => influx.query<Record<string, unknown>>(sql));
  const out: HistoryPoint[] = [];
  for (const row of rows) {
    const p = toHistoryPoint(row);
    if (p) out.push(p);
  }
  return out;
}
