// History of links from the `traffic` measurement (InfluxQL): one or several links,
// directions and classes in one query (one series per link and direction, a class's values in
// its own fields), from the source history-plan.ts picks: raw samples as
// stored, raw samples per step (mean, max, 95th percentile), or a rollup per step (the mean of
// the bucket means, the highest bucket max, the highest bucket 95th percentile), with the
// not-yet-rolled tail from raw samples. Empty steps are left out: a gap stays a gap.
//
// Tag values are InfluxQL string literals escaped here: node-influx's `escape.stringLit`
// escapes quotes but not backslashes, so `a\` would end the literal early.
import type { InfluxDB } from 'influx';
import { directions, historyLimits, trafficClasses, type Direction, type HistoryPoint, type HistorySeries, type TrafficClass } from '../../api/schemas.ts';
import { trafficField } from '../../collector/store/points.ts';
import { influxqlDuration, influxqlIdentifier, retentionOf, rollupField, type Aggregate, type RetentionDays } from '../../collector/store/rollups.ts';
import { defaultSettings } from '../../config/schema.ts';
import { planHistory, type HistoryPlan, type HistorySource } from './history-plan.ts';
import { fromStorage } from './storage-errors.ts';
import { maxTimeMs, minTimeMs } from './time-param.ts';

export { pingInflux } from '../../collector/store/influx-client.ts';
export { StorageUnavailableError, storageRetryAfterSeconds, unavailableReason } from './storage-errors.ts';
export type { HistoryPoint, HistorySeries };

export interface HistoryQuery {
  links: readonly string[];
  dirs: readonly Direction[];
  classes: readonly TrafficClass[];
  fromMs: number;
  toMs: number;
  /** Most points per series (default 1500; fewer when many series share the total bound). */
  maxPoints?: number;
  /** The step asked for (ms); the answer's step may be coarser. */
  stepMs?: number;
  /** Default Date.now(): retention and the not-yet-rolled tail are counted from it. */
  nowMs?: number;
  /** Default: the settings' defaults. */
  retention?: RetentionDays;
  /** The collector's poll interval (default: the setting's default). */
  rawIntervalMs?: number;
}

export interface HistoryResult {
  source: HistorySource;
  /** 0: samples as stored. */
  stepMs: number;
  /** One per link × direction × class, in that order (links outermost). */
  series: HistorySeries[];
}

const knownDirections: ReadonlySet<string> = new Set(directions);
const knownClasses: ReadonlySet<string> = new Set(trafficClasses);

/** An InfluxQL single-quoted string literal holding exactly `value`. Pure. */
export function influxqlString(value: string): string {
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '');
  return `'${body}'`;
}

/** Pure: the points per series a query may return: its own bound, shared out under the total one. */
export function pointsPerSeries(maxPoints: number, seriesCount: number): number {
  return Math.max(2, Math.min(maxPoints, Math.floor(historyLimits.totalPoints / Math.max(1, seriesCount))));
}

function validate(q: HistoryQuery): number {
  if (q.links.length === 0 || q.links.length > historyLimits.links) throw new RangeError(`links: from 1 to ${historyLimits.links}, not ${q.links.length}`);
  for (const link of q.links) {
    if (typeof link !== 'string' || link.length === 0 || link.length > 256) throw new RangeError('each link must be a non-empty string');
  }
  if (q.dirs.length === 0) throw new RangeError('dirs: at least one');
  for (const dir of q.dirs) if (!knownDirections.has(dir)) throw new RangeError(`dir must be ${directions.join(' or ')}, not ${String(dir)}`);
  if (q.classes.length === 0) throw new RangeError('classes: at least one');
  for (const cls of q.classes) if (!knownClasses.has(cls)) throw new RangeError(`unknown class ${String(cls)}`);
  const seriesCount = q.links.length * q.dirs.length * q.classes.length;
  if (seriesCount > historyLimits.series) throw new RangeError(`at most ${historyLimits.series} series (links × dirs × classes), not ${seriesCount}`);
  if (!Number.isFinite(q.fromMs) || !Number.isFinite(q.toMs)) throw new RangeError('fromMs and toMs must be epoch ms');
  if (q.fromMs < minTimeMs || q.toMs > maxTimeMs) {
    throw new RangeError(`fromMs and toMs must lie within ${new Date(minTimeMs).toISOString()} – ${new Date(maxTimeMs).toISOString()}`);
  }
  if (q.fromMs >= q.toMs) throw new RangeError('fromMs is not before toMs');
  const maxPoints = q.maxPoints ?? historyLimits.defaultMaxPoints;
  if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > 100_000) throw new RangeError('maxPoints must be an integer from 2 to 100000');
  if (q.stepMs !== undefined && (!Number.isInteger(q.stepMs) || q.stepMs < 1)) throw new RangeError('stepMs must be a positive integer');
  return pointsPerSeries(maxPoints, seriesCount);
}

const q = influxqlIdentifier;

function anyOf(tag: string, values: readonly string[]): string {
  const alternatives = values.map((v) => `${q(tag)} = ${influxqlString(v)}`);
  return alternatives.length === 1 ? (alternatives[0] ?? '') : `(${alternatives.join(' OR ')})`;
}

/** Its links and directions: a `traffic` point holds every class of one link and direction. */
function seriesFilter(query: HistoryQuery): string {
  return [anyOf('link', query.links), anyOf('dir', query.dirs)].join(' AND ');
}

const bySeries = 'GROUP BY "link", "dir"';

/** The column a query names for one value of one class: `bps_video`, `bpsMax_video`… */
function column(name: 'bps' | 'bpsMax' | 'bpsP95' | 'util' | 'dropBps', cls: TrafficClass): string {
  return `${name}_${cls}`;
}

/** Each class's columns, as `columnsOf(cls)` writes them. */
function perClass(query: HistoryQuery, columnsOf: (cls: TrafficClass) => string[]): string {
  return query.classes.flatMap(columnsOf).join(', ');
}

/** Samples as stored (the database's default policy: raw), at most `limit` per series. */
function storedSql(query: HistoryQuery, limit: number): string {
  const columns = perClass(query, (cls) => [
    `${q(trafficField('bps', cls))} AS ${q(column('bps', cls))}`,
    `${q(trafficField('util', cls))} AS ${q(column('util', cls))}`,
    `${q(trafficField('dropBps', cls))} AS ${q(column('dropBps', cls))}`,
  ]);
  return (
    `SELECT ${columns} FROM "traffic" WHERE ${seriesFilter(query)} ` +
    `AND time >= ${Math.floor(query.fromMs)}ms AND time <= ${Math.floor(query.toMs)}ms ${bySeries} ORDER BY time ASC LIMIT ${limit}`
  );
}

/** Raw samples per step over [fromMs, toMs]. */
function rawStepsSql(query: HistoryQuery, fromMs: number, toMs: number, stepMs: number): string {
  const columns = perClass(query, (cls) => {
    const bps = q(trafficField('bps', cls));
    return [
      `mean(${bps}) AS ${q(column('bps', cls))}`,
      `max(${bps}) AS ${q(column('bpsMax', cls))}`,
      `percentile(${bps}, 95) AS ${q(column('bpsP95', cls))}`,
      `mean(${q(trafficField('util', cls))}) AS ${q(column('util', cls))}`,
      `mean(${q(trafficField('dropBps', cls))}) AS ${q(column('dropBps', cls))}`,
    ];
  });
  return (
    `SELECT ${columns} FROM "traffic" WHERE ${seriesFilter(query)} AND time >= ${Math.floor(fromMs)}ms AND time <= ${Math.floor(toMs)}ms ` +
    `GROUP BY time(${influxqlDuration(stepMs)}), "link", "dir" fill(none)`
  );
}

/** Rollup buckets per step over [fromMs, beforeMs). */
function rollupStepsSql(query: HistoryQuery, retentionPolicy: string, fromMs: number, beforeMs: number, stepMs: number): string {
  const columns = perClass(query, (cls) => {
    const field = (quantity: 'bps' | 'util' | 'dropBps', aggregate: Aggregate) => q(rollupField(trafficField(quantity, cls), aggregate));
    return [
      `mean(${field('bps', 'mean')}) AS ${q(column('bps', cls))}`,
      `max(${field('bps', 'max')}) AS ${q(column('bpsMax', cls))}`,
      `max(${field('bps', 'p95')}) AS ${q(column('bpsP95', cls))}`,
      `mean(${field('util', 'mean')}) AS ${q(column('util', cls))}`,
      `mean(${field('dropBps', 'mean')}) AS ${q(column('dropBps', cls))}`,
    ];
  });
  return (
    `SELECT ${columns} FROM ${q(retentionPolicy)}."traffic" WHERE ${seriesFilter(query)} AND time >= ${Math.floor(fromMs)}ms AND time < ${Math.floor(beforeMs)}ms ` +
    `GROUP BY time(${influxqlDuration(stepMs)}), "link", "dir" fill(none)`
  );
}

function seriesKey(link: string, dir: string, cls: string): string {
  return `${link}\u0000${dir}\u0000${cls}`;
}

function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

interface RawSeries {
  tags?: Record<string, string>;
  columns?: string[];
  values?: unknown[][];
}

/** Points of each series a query answered, by series key. */
type Rows = Map<string, HistoryPoint[]>;

/** Pure: one class's point of one row of an answer; undefined when the class has no rate there (a gap). */
export function rowToPoint(columns: readonly string[], row: readonly unknown[], aggregated: boolean, cls: TrafficClass): HistoryPoint | undefined {
  const at = (name: string): unknown => row[columns.indexOf(name)];
  const atMs = finiteOrUndefined(at('time'));
  const bitsPerSecond = finiteOrUndefined(at(column('bps', cls)));
  if (atMs === undefined || bitsPerSecond === undefined) return undefined;
  const point: HistoryPoint = { atMs, bitsPerSecond, utilization: finiteOrUndefined(at(column('util', cls))) ?? null };
  const drop = finiteOrUndefined(at(column('dropBps', cls)));
  if (drop !== undefined) point.dropBitsPerSecond = drop;
  if (aggregated) {
    const max = finiteOrUndefined(at(column('bpsMax', cls)));
    const p95 = finiteOrUndefined(at(column('bpsP95', cls)));
    if (max !== undefined) point.maxBitsPerSecond = max;
    if (p95 !== undefined) point.p95BitsPerSecond = p95;
  }
  return point;
}

/** Runs a read; an unavailable InfluxDB is a StorageUnavailableError, a refusal an Error with InfluxDB's words. */
async function read(influx: InfluxDB, sql: string, aggregated: boolean, classes: readonly TrafficClass[], into: Rows): Promise<void> {
  const body = await fromStorage(() => influx.queryRaw(sql, { precision: 'ms' }));
  const results: unknown = typeof body === 'object' && body !== null && 'results' in body ? body.results : undefined;
  const first: unknown = Array.isArray(results) ? results[0] : undefined;
  if (typeof first !== 'object' || first === null) return;
  if ('error' in first && typeof first.error === 'string') throw new Error(`influxdb refused a history query: ${first.error}`);
  const series: unknown = 'series' in first ? first.series : undefined;
  if (!Array.isArray(series)) return;
  for (const s of series as RawSeries[]) {
    const tags = s.tags ?? {};
    for (const cls of classes) {
      const key = seriesKey(tags['link'] ?? '', tags['dir'] ?? '', cls);
      const points = into.get(key) ?? [];
      for (const row of s.values ?? []) {
        const p = rowToPoint(s.columns ?? [], row, aggregated, cls);
        if (p) points.push(p);
      }
      into.set(key, points);
    }
  }
}

function isMissingPolicy(err: unknown): boolean {
  return err instanceof Error && /retention policy not found/i.test(err.message);
}

async function readPlan(influx: InfluxDB, query: HistoryQuery, plan: HistoryPlan, perSeries: number): Promise<{ plan: HistoryPlan; rows: Rows }> {
  const rows: Rows = new Map();
  if (plan.stepMs === 0) {
    await read(influx, storedSql(query, perSeries + 1), false, query.classes, rows);
    // Denser than the poll interval promised: per step after all.
    if (![...rows.values()].some((points) => points.length > perSeries)) return { plan, rows };
    const stepped: HistoryPlan = { source: 'raw', stepMs: plan.minStepMs, minStepMs: plan.minStepMs };
    return readPlan(influx, query, stepped, perSeries);
  }
  if (!plan.rollup) {
    await read(influx, rawStepsSql(query, query.fromMs, query.toMs, plan.stepMs), true, query.classes, rows);
    return { plan, rows };
  }
  const { retentionPolicy, bucketMs } = plan.rollup;
  const rollupFromMs = Math.floor(query.fromMs / bucketMs) * bucketMs;
  const rollupBeforeMs = plan.rawTailFromMs ?? Math.floor(query.toMs) + 1;
  try {
    await read(influx, rollupStepsSql(query, retentionPolicy, rollupFromMs, rollupBeforeMs, plan.stepMs), true, query.classes, rows);
  } catch (err) {
    // A database the store has not migrated yet (no rollup policies): raw samples per step.
    if (!isMissingPolicy(err)) throw err;
    return readPlan(influx, query, { source: 'raw', stepMs: plan.stepMs, minStepMs: plan.minStepMs }, perSeries);
  }
  if (plan.rawTailFromMs !== undefined) await read(influx, rawStepsSql(query, plan.rawTailFromMs, query.toMs, plan.stepMs), true, query.classes, rows);
  return { plan, rows };
}

/**
 * The history of every link × direction × class of `query` over [fromMs, toMs], each series
 * oldest first (empty when it has no points). The client's default database is queried.
 * Throws RangeError on a bad query, StorageUnavailableError when InfluxDB cannot answer, and
 * an Error with InfluxDB's message when it refuses the query.
 */
export async function queryHistory(influx: InfluxDB, query: HistoryQuery): Promise<HistoryResult> {
  const perSeries = validate(query);
  const plan = planHistory({
    fromMs: query.fromMs,
    toMs: query.toMs,
    nowMs: query.nowMs ?? Date.now(),
    maxPoints: perSeries,
    ...(query.stepMs !== undefined ? { stepMs: query.stepMs } : {}),
    retention: query.retention ?? retentionOf({}),
    rawIntervalMs: query.rawIntervalMs ?? defaultSettings().collector.intervalMs,
  });
  const answered = await readPlan(influx, query, plan, perSeries);
  const series: HistorySeries[] = [];
  for (const link of query.links) {
    for (const dir of query.dirs) {
      for (const cls of query.classes) {
        const points = answered.rows.get(seriesKey(link, dir, cls)) ?? [];
        points.sort((a, b) => a.atMs - b.atMs);
        series.push({ link, dir, class: cls, points });
      }
    }
  }
  return { source: answered.plan.source, stepMs: answered.plan.stepMs, series };
}
