// What the utilization report reads from InfluxDB (InfluxQL), in one place.
//
// Sources (collector/store/rollups.ts): the hourly means come from the 1-hour rollup
// (`rollup_1h`: util_total_mean, bps_total_mean, bps_video_mean, preBps_video_mean…,
// capacityBps_total_max; one point per link and direction, each class's values in its fields), with the hour or two not
// rolled up yet from raw samples; the 95th percentiles from the 5-minute rollup's means
// (`rollup_5m`: util_mean; the 1-hour one past its retention); the class shares from the hourly
// means. A database without the rollup policies, or a period entirely in the not-yet-rolled
// tail, is read from raw samples the same way (hourly and 5-minute means computed by InfluxDB).
// Link states (time warning and critical) come from raw `linkState` points, the worst state
// over the province's links per poll interval, while raw retention still holds the period.
// `planReport` picks the sources (pure); `readReportData` runs the statements.
import type { InfluxDB } from 'influx';
import { directions, protectedClasses, serviceClasses, type Direction, type ProtectedClass, type ServiceClass, type TrafficClass } from '../../api/schemas.ts';
import { trafficField, type TrafficQuantity } from '../../collector/store/points.ts';
import { dayMs, rollupField, type RetentionDays } from '../../collector/store/rollups.ts';
import { planHistory } from '../history/history-plan.ts';
import { influxqlString } from '../history/query-history.ts';
import { fromStorage } from '../history/storage-errors.ts';
import { bandEdgesPermille } from './bands.ts';
import { percentileRank } from './stats.ts';

/** What a report's traffic figures were computed from. */
export type ReportSource = 'raw' | 'rollup';

/** The classes the report needs hourly: the link total and the protected classes. */
export type HourlyClass = 'total' | ProtectedClass;

export interface HourlyRow {
  link: string;
  dir: Direction;
  class: HourlyClass;
  hourStartMs: number;
  utilization: number | null;
  bitsPerSecond: number | null;
  /** Pre-policy (offered) rate where the router reports it. */
  offeredBitsPerSecond: number | null;
  capacityBps: number | null;
}

export interface PercentileRow {
  link: string;
  dir: Direction;
  /** 95th percentile of the 5-minute mean utilizations. */
  utilization: number;
}

export interface ClassSumRow {
  link: string;
  class: ServiceClass;
  /** Sum of the class's hourly mean rates over the period (proportional to its bits). */
  sumBps: number;
}

export interface StateBucketRow {
  /** A province with at least one state recorded in the period. */
  province: string;
  /** Poll intervals whose worst state over the province's links was warning, critical. */
  warning: number;
  critical: number;
}

/** A tier-2 link on the p95 basis: has it data, and its p95 when that is 80 % or over. */
export interface Tier2PercentileRow {
  link: string;
  dir: Direction;
  samples: number;
  /** Set only when the p95 is in the band "80 % and over" (the others need no figure). */
  over80?: number;
}

export interface ReportData {
  source: ReportSource;
  hourly: HourlyRow[];
  p95: PercentileRow[];
  /** On the p95 basis only: the tier-2 links' sample counts and p95s at 80 % or over. */
  tier2P95: Tier2PercentileRow[];
  classSums: ClassSumRow[];
  /** Null when raw retention no longer holds the period's start (states unknown, not zero). */
  states: StateBucketRow[] | null;
}

export interface ReportDataQuery {
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  /** Only this province's links and states (a `province` user's report). */
  province?: string;
  /** The poll interval: the unit of time spent in a state. */
  stateIntervalMs: number;
  nowMs: number;
  retention: RetentionDays;
}

const hourMs = 3_600_000;
const fiveMinutesMs = 300_000;

/** Where one kind of aggregate comes from: a rollup policy up to `rawFromMs`, raw samples from there. */
export interface SourceSpan {
  /** The rollup's retention policy and bucket; undefined: raw samples only. */
  rollup?: string;
  bucketMs?: number;
  /** Raw samples from here to the period's end (the period's end: none; its start: raw only). */
  rawFromMs: number;
}

export interface ReportPlan {
  source: ReportSource;
  hourly: SourceSpan;
  /** The 5-minute means the percentiles are taken over (the 1-hour rollup once the 5-minute one expired). */
  fine: SourceSpan;
  states: boolean;
}

/** Pure: the sources of a report over [fromMs, toMs). */
export function planReport(q: Pick<ReportDataQuery, 'fromMs' | 'toMs' | 'nowMs' | 'retention' | 'stateIntervalMs'>): ReportPlan {
  const span = (stepMs: number): SourceSpan => {
    const plan = planHistory({
      fromMs: q.fromMs,
      toMs: q.toMs - 1,
      nowMs: q.nowMs,
      maxPoints: Number.MAX_SAFE_INTEGER,
      stepMs,
      retention: q.retention,
      rawIntervalMs: q.stateIntervalMs,
    });
    if (!plan.rollup) return { rawFromMs: q.fromMs };
    return { rollup: plan.rollup.retentionPolicy, bucketMs: plan.rollup.bucketMs, rawFromMs: Math.min(q.toMs, plan.rawTailFromMs ?? q.toMs) };
  };
  const hourly = span(hourMs);
  return {
    source: hourly.rollup === undefined ? 'raw' : 'rollup',
    hourly,
    fine: span(fiveMinutesMs),
    states: q.fromMs >= q.nowMs - q.retention.rawDays * dayMs,
  };
}

/** Pure: a plan that reads raw samples only (a database whose rollup policies are missing). */
export function rawPlan(plan: ReportPlan, fromMs: number): ReportPlan {
  return { ...plan, source: 'raw', hourly: { rawFromMs: fromMs }, fine: { rawFromMs: fromMs } };
}

/**
 * A utilization just under the lowest one banded "80 % and over" (79.95 % rounds up to 80.0 %):
 * links whose p95 reaches it are candidates, and bandOf decides on their exact p95.
 */
export const over80FromUtilization = (bandEdgesPermille.high - 0.6) / 1000;

function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${Math.floor(fromMs)}ms AND time < ${Math.floor(toMs)}ms`;
}

function provinceClause(q: Pick<ReportDataQuery, 'province'>): string {
  return q.province === undefined ? '' : ` AND "province" = ${influxqlString(q.province)}`;
}

const q = (name: string) => `"${name}"`;

interface Part {
  rollup?: string;
  bucketMs?: number;
  fromMs: number;
  toMs: number;
}

/** One quantity of one class, named in the answer as its raw field (`bps_video`). */
interface Selected {
  quantity: TrafficQuantity;
  cls: TrafficClass;
  aggregate: 'mean' | 'max';
}

/** Each of `classes`' `quantities` (the rollup's `aggregate` of it). */
function selected(classes: readonly TrafficClass[], quantities: readonly TrafficQuantity[], aggregate: (quantity: TrafficQuantity) => 'mean' | 'max' = () => 'mean'): Selected[] {
  return classes.flatMap((cls) => quantities.map((quantity) => ({ quantity, cls, aggregate: aggregate(quantity) })));
}

/**
 * Hourly means of `select` over one part of the period: the 1-hour rollup's points as stored
 * (aggregating them again costs InfluxDB 1.6 four times as long), a finer rollup's buckets
 * averaged per hour, or raw samples averaged per hour.
 */
function hourlySelect(part: Part, selection: readonly Selected[], where: string, groupBy: string): string {
  const select = selection.map(({ quantity, cls, aggregate }) => ({ field: trafficField(quantity, cls), as: trafficField(quantity, cls), aggregate }));
  const range = `WHERE ${timeRange(part.fromMs, part.toMs)}${where}`;
  if (part.rollup !== undefined && part.bucketMs === hourMs) {
    const columns = select.map(({ field, as, aggregate }) => `${q(rollupField(field, aggregate))} AS ${q(as)}`);
    return `SELECT ${columns.join(', ')} FROM ${q(part.rollup)}.${q('traffic')} ${range} GROUP BY ${groupBy}`;
  }
  const columns = select.map(({ field, as, aggregate }) =>
    part.rollup === undefined ? `${aggregate}(${q(field)}) AS ${q(as)}` : `${aggregate}(${q(rollupField(field, aggregate))}) AS ${q(as)}`,
  );
  const from = part.rollup === undefined ? q('traffic') : `${q(part.rollup)}.${q('traffic')}`;
  return `SELECT ${columns.join(', ')} FROM ${from} ${range} GROUP BY time(1h), ${groupBy} fill(none)`;
}

/** Each service class's sum of its hourly mean rates (proportional to its bits) over one part of the period. */
function classSumSelect(part: Part, where: string): string {
  const range = `WHERE ${timeRange(part.fromMs, part.toMs)}${where}`;
  const fields = serviceClasses.map((cls) => trafficField('bps', cls));
  if (part.rollup !== undefined && part.bucketMs === hourMs) {
    const sums = fields.map((field) => `sum(${q(rollupField(field, 'mean'))}) AS ${q(field)}`);
    return `SELECT ${sums.join(', ')} FROM ${q(part.rollup)}.${q('traffic')} ${range} GROUP BY "link"`;
  }
  const sums = fields.map((field) => `sum(${q(field)}) AS ${q(field)}`);
  return `SELECT ${sums.join(', ')} FROM (${hourlySelect(part, selected(serviceClasses, ['bps']), where, '"link", "dir"')}) GROUP BY "link"`;
}

/** The 5-minute mean utilizations of one tier's totals, as a FROM source with its WHERE. */
function fineSource(span: SourceSpan, q0: ReportDataQuery, tier: '1' | '2'): { from: string; where: string; toMs: number } {
  const tags = `"tier" = '${tier}'${provinceClause(q0)}`;
  const field = rollupField(trafficField('util', 'total'), 'mean');
  if (span.rollup !== undefined) {
    // The not-yet-rolled tail (minutes) is left out of the percentiles.
    return {
      from: `${q(span.rollup)}.${q('traffic')}`,
      where: `${timeRange(q0.fromMs, span.rawFromMs)} AND ${tags}`,
      toMs: span.rawFromMs,
    };
  }
  const inner =
    `SELECT mean(${q(trafficField('util', 'total'))}) AS ${q(field)} FROM "traffic" WHERE ${timeRange(q0.fromMs, q0.toMs)} AND ${tags} ` +
    `GROUP BY time(5m), "link", "dir" fill(none)`;
  return { from: `(${inner})`, where: timeRange(q0.fromMs, q0.toMs), toMs: q0.toMs };
}

/** What each statement reads (exported for the tests and the README). */
export interface ReportStatements {
  /** Tier-1 uplinks: hourly means of the total (rollup part, raw tail). */
  uplinkHourly: string[];
  /** Tier-1 uplinks: hourly means of the protected classes (sent and offered). */
  classHourly: string[];
  /** Tier-1 uplinks: the 95th percentile of the 5-minute means, per direction. */
  uplinkP95: string;
  /** Busy-hour basis: tier-2 hourly means. P95 basis: tier-2 counts of 5-minute means, all and at 80 % or over. */
  tier2: string[];
  classSums: string[];
  /** Provinces with any state recorded, then intervals whose worst state was warning, critical; none without raw states. */
  states: string[];
}

/**
 * The InfluxQL of one report. Each statement names one tier and class set and only the fields
 * it needs, with no OR between tag sets: on InfluxDB 1.6 every extra field read and every OR
 * costs a scan.
 */
export function reportStatements(q0: ReportDataQuery, plan: ReportPlan, basis: 'busyhour' | 'p95'): ReportStatements {
  const province = provinceClause(q0);
  const parts: Part[] = [
    ...(plan.hourly.rollup !== undefined && plan.hourly.rawFromMs > q0.fromMs
      ? [{ rollup: plan.hourly.rollup, bucketMs: plan.hourly.bucketMs ?? hourMs, fromMs: q0.fromMs, toMs: plan.hourly.rawFromMs }]
      : []),
    ...(plan.hourly.rawFromMs < q0.toMs ? [{ fromMs: plan.hourly.rawFromMs, toMs: q0.toMs }] : []),
  ];
  const tier1 = ` AND "tier" = '1'${province}`;
  const fine1 = fineSource(plan.fine, q0, '1');
  const fine2 = fineSource(plan.fine, q0, '2');
  const util = q(rollupField(trafficField('util', 'total'), 'mean'));
  const bucketMs = Math.max(1_000, Math.round(q0.stateIntervalMs));
  const stateWhere = `${timeRange(q0.fromMs, q0.toMs)}${province}`;
  // Only the intervals with a warning or critical sample: several times faster than every state's max.
  const worst = (level: 1 | 2) =>
    `SELECT count("m") AS "n" FROM (SELECT max("state") AS "m" FROM "linkState" WHERE ${stateWhere} AND "state" >= 1 ` +
    `GROUP BY time(${bucketMs}ms), "province" fill(none)) WHERE "m" = ${level} GROUP BY "province"`;
  return {
    uplinkHourly: parts.map((part) =>
      hourlySelect(
        part,
        selected(['total'], ['util', 'bps', 'capacityBps'], (quantity) => (quantity === 'capacityBps' ? 'max' : 'mean')),
        tier1,
        '"link", "dir"',
      ),
    ),
    classHourly: parts.map((part) =>
      hourlySelect(part, selected(protectedClasses, ['bps', 'preBps']), tier1, '"link", "dir"'),
    ),
    uplinkP95: `SELECT percentile(${util}, 95) AS "p95" FROM ${fine1.from} WHERE ${fine1.where} GROUP BY "link", "dir"`,
    tier2:
      basis === 'busyhour'
        ? parts.map((part) =>
            hourlySelect(part, selected(['total'], ['util']), ` AND "tier" = '2'${province}`, '"link", "dir"'),
          )
        : [
            `SELECT count(${util}) AS "n" FROM ${fine2.from} WHERE ${fine2.where} GROUP BY "link", "dir"`,
            `SELECT count(${util}) AS "n" FROM ${fine2.from} WHERE ${fine2.where} AND ${util} >= ${over80FromUtilization} GROUP BY "link", "dir"`,
          ],
    classSums: parts.map((part) => classSumSelect(part, tier1)),
    states: plan.states
      ? [`SELECT last("state") AS "n" FROM "linkState" WHERE ${stateWhere} GROUP BY "province"`, worst(1), worst(2)]
      : [],
  };
}

/** The exact p95 of the tier-2 links whose counts put it at 80 % or over. */
function tier2PercentileStatement(q0: ReportDataQuery, plan: ReportPlan, links: readonly string[]): string {
  const fine2 = fineSource(plan.fine, q0, '2');
  const util = q(rollupField(trafficField('util', 'total'), 'mean'));
  const only = links.map((link) => `"link" = ${influxqlString(link)}`).join(' OR ');
  return `SELECT percentile(${util}, 95) AS "p95" FROM ${fine2.from} WHERE ${fine2.where} AND (${only}) GROUP BY "link", "dir"`;
}

type Row = Record<string, unknown>;

/**
 * Runs one statement and returns its rows, each with its series' tags (times as epoch ms).
 * Raw answers with epoch ms: node-influx's own rows parse every time into a date, which costs
 * more than InfluxDB's answer on a month of hourly points. Throws StorageUnavailableError when
 * InfluxDB cannot answer, and an Error with InfluxDB's message when it refuses the statement.
 */
async function run(influx: InfluxDB, sql: string): Promise<Row[]> {
  const body: unknown = await fromStorage(() => influx.queryRaw(sql, { precision: 'ms' }));
  const results: unknown = typeof body === 'object' && body !== null && 'results' in body ? body.results : undefined;
  const first: unknown = Array.isArray(results) ? results[0] : undefined;
  if (typeof first !== 'object' || first === null) return [];
  if ('error' in first && typeof first.error === 'string') throw new Error(`influxdb refused a report query: ${first.error}`);
  const series: unknown = 'series' in first ? first.series : undefined;
  if (!Array.isArray(series)) return [];
  const rows: Row[] = [];
  for (const item of series as { tags?: Record<string, string>; columns?: string[]; values?: unknown[][] }[]) {
    const columns = item.columns ?? [];
    for (const values of item.values ?? []) {
      const row: Row = { ...item.tags };
      columns.forEach((column, i) => {
        row[column] = values[i];
      });
      rows.push(row);
    }
  }
  return rows;
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function timeMs(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return finite(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function direction(value: unknown): Direction | null {
  return directions.find((dir) => dir === value) ?? null;
}


/** The rows of `classes` in an hourly answer (a class's columns named by its fields); a class without a value in a row is left out. */
function hourlyRows(rows: readonly Row[], classes: readonly HourlyClass[]): HourlyRow[] {
  const out: HourlyRow[] = [];
  for (const row of rows) {
    const link = text(row['link']);
    const dir = direction(row['dir']);
    const hourStartMs = timeMs(row['time']);
    if (link === null || dir === null || hourStartMs === null) continue;
    for (const cls of classes) {
      const utilization = finite(row[trafficField('util', cls)]);
      const bitsPerSecond = finite(row[trafficField('bps', cls)]);
      const offeredBitsPerSecond = finite(row[trafficField('preBps', cls)]);
      const capacityBps = finite(row[trafficField('capacityBps', cls)]);
      if (utilization === null && bitsPerSecond === null && offeredBitsPerSecond === null && capacityBps === null) continue;
      out.push({ link, dir, class: cls, hourStartMs, utilization, bitsPerSecond, offeredBitsPerSecond, capacityBps });
    }
  }
  return out;
}

function percentileRows(rows: readonly Row[]): PercentileRow[] {
  const out: PercentileRow[] = [];
  for (const row of rows) {
    const link = text(row['link']);
    const dir = direction(row['dir']);
    const utilization = finite(row['p95']);
    if (link !== null && dir !== null && utilization !== null) out.push({ link, dir, utilization });
  }
  return out;
}

function countsBy(rows: readonly Row[], key: (row: Row) => string | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    const k = key(row);
    const n = finite(row['n']);
    if (k !== null && n !== null) out.set(k, n);
  }
  return out;
}

const linkDirKey = (row: Row): string | null => {
  const link = text(row['link']);
  const dir = direction(row['dir']);
  return link === null || dir === null ? null : `${link}\u0000${dir}`;
};

/**
 * Pure: whether the 95th percentile of `samples` values is at or above a threshold when `atOrAbove`
 * of them are: sorted ascending, those fill the top ranks, so the p95's rank must be among them.
 */
export function percentileReaches(samples: number, atOrAbove: number): boolean {
  if (samples <= 0 || atOrAbove <= 0) return false;
  return percentileRank(samples, 95) >= samples - atOrAbove + 1;
}

function isMissingPolicy(err: unknown): boolean {
  return err instanceof Error && /retention policy not found/i.test(err.message);
}

async function readPlanned(influx: InfluxDB, q0: ReportDataQuery, plan: ReportPlan, basis: 'busyhour' | 'p95'): Promise<ReportData> {
  const st = reportStatements(q0, plan, basis);
  const all = (sqls: readonly string[]) => Promise.all(sqls.map((sql) => run(influx, sql))).then((parts) => parts.flat());
  const [uplinkHourly, classHourly, uplinkP95, tier2, sums, states] = await Promise.all([
    all(st.uplinkHourly),
    all(st.classHourly),
    run(influx, st.uplinkP95),
    Promise.all(st.tier2.map((sql) => run(influx, sql))),
    all(st.classSums),
    Promise.all(st.states.map((sql) => run(influx, sql))),
  ]);
  const hourly = [...hourlyRows(uplinkHourly, ['total']), ...hourlyRows(classHourly, protectedClasses), ...(basis === 'busyhour' ? hourlyRows(tier2.flat(), ['total']) : [])];
  const tier2P95: Tier2PercentileRow[] = [];
  if (basis === 'p95') {
    const samples = countsBy(tier2[0] ?? [], linkDirKey);
    const high = countsBy(tier2[1] ?? [], linkDirKey);
    const candidates = new Set<string>();
    for (const [key, n] of samples) if (percentileReaches(n, high.get(key) ?? 0)) candidates.add(key.split('\u0000')[0] ?? '');
    const exact = new Map<string, number>();
    if (candidates.size > 0) {
      for (const row of percentileRows(await run(influx, tier2PercentileStatement(q0, plan, [...candidates])))) {
        exact.set(`${row.link}\u0000${row.dir}`, row.utilization);
      }
    }
    for (const [key, n] of samples) {
      const [link = '', dir = 'down'] = key.split('\u0000');
      const row: Tier2PercentileRow = { link, dir: dir === 'up' ? 'up' : 'down', samples: n };
      const p95 = exact.get(key);
      if (p95 !== undefined && p95 >= over80FromUtilization) row.over80 = p95;
      tier2P95.push(row);
    }
  }
  const classSums = new Map<string, ClassSumRow>();
  for (const row of sums) {
    const link = text(row['link']);
    if (link === null) continue;
    for (const cls of serviceClasses) {
      const bps = finite(row[trafficField('bps', cls)]);
      if (bps === null) continue;
      const key = `${link}\u0000${cls}`;
      const entry = classSums.get(key) ?? { link, class: cls, sumBps: 0 };
      entry.sumBps += bps;
      classSums.set(key, entry);
    }
  }
  let stateRows: StateBucketRow[] | null = null;
  if (plan.states) {
    const byProvince = (row: Row) => text(row['province']);
    const warning = countsBy(states[1] ?? [], byProvince);
    const critical = countsBy(states[2] ?? [], byProvince);
    stateRows = [];
    for (const row of states[0] ?? []) {
      const province = text(row['province']);
      if (province !== null) stateRows.push({ province, warning: warning.get(province) ?? 0, critical: critical.get(province) ?? 0 });
    }
  }
  return { source: plan.source, hourly, p95: percentileRows(uplinkP95), tier2P95, classSums: [...classSums.values()], states: stateRows };
}

/**
 * Everything one report needs (tier-2 links on `basis` only), read with the client's default
 * database. A database without the rollup policies is read from raw samples. Throws
 * StorageUnavailableError when InfluxDB cannot answer.
 */
export async function readReportData(influx: InfluxDB, q0: ReportDataQuery, basis: 'busyhour' | 'p95'): Promise<ReportData> {
  const plan = planReport(q0);
  try {
    return await readPlanned(influx, q0, plan, basis);
  } catch (err) {
    if (plan.source === 'raw' || !isMissingPolicy(err)) throw err;
    return readPlanned(influx, q0, rawPlan(plan, q0.fromMs), basis);
  }
}
