// History of one link, direction and class from the `traffic` measurement (InfluxQL).
//
// Raw points when the range holds at most `maxPoints` of them; otherwise mean() per time
// bucket, the bucket sized so that at most `maxPoints` buckets come back (empty buckets are
// left out: a gap stays a gap). Tag values are InfluxQL string literals escaped here:
// node-influx's `escape.stringLit` escapes quotes but not backslashes, so `a\` would end the
// literal early.
import type { InfluxDB } from 'influx';
import type { Direction, TrafficClass } from '../../collector/samples.ts';

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
  if (!Number.isFinite(q.fromMs) || !Number.isFinite(q.toMs) || q.fromMs < 0) throw new RangeError('fromMs and toMs must be epoch ms');
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
 * default database is queried. Throws RangeError on a bad query, and the client's error when
 * InfluxDB fails.
 */
export async function queryLinkHistory(influx: InfluxDB, q: LinkHistoryQuery): Promise<HistoryPoint[]> {
  const maxPoints = validate(q);
  const where = whereClause(q);
  const counted = await influx.query<Record<string, unknown>>(`SELECT count("bps") AS "n" FROM "traffic" WHERE ${where}`);
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
  const rows = await influx.query<Record<string, unknown>>(sql);
  const out: HistoryPoint[] = [];
  for (const row of rows) {
    const p = toHistoryPoint(row);
    if (p) out.push(p);
  }
  return out;
}
