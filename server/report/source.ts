// What the utilization report reads from InfluxDB (InfluxQL), in one place.
//
// Today it reads the raw `traffic` and `linkState` points: hourly means for the busy hours,
// 5-minute means for the period's 95th percentile, sums of class samples for the shares, and
// per-province worst states per poll interval for the time spent warning and critical.
// `trafficSource` is the one switch for the rollups (`rollup_1h` / `rollup_5m` means) when they
// exist: the rest of the report does not change.
import type { InfluxDB } from 'influx';
import type { Direction, ServiceClass } from '../../collector/samples.ts';
import { StorageUnavailableError, influxqlString, unavailableReason } from '../history/query-history.ts';

/** What a report is computed from: the raw samples (rollups: not yet). */
export type ReportSource = 'raw';

/** The classes the report needs hourly: the link total and the protected classes. */
export type HourlyClass = 'total' | 'docex' | 'video';

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
  /** Sum of the class's samples (bit/s) over the period. */
  sumBps: number;
}

export interface StateBucketRow {
  province: string;
  /** Intervals with a state, and those whose worst state was warning or critical. */
  observed: number;
  warning: number;
  critical: number;
}

export interface ReportData {
  source: ReportSource;
  hourly: HourlyRow[];
  p95: PercentileRow[];
  classSums: ClassSumRow[];
  states: StateBucketRow[];
}

export interface ReportDataQuery {
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  /** Only this province's links and states (a `province` user's report). */
  province?: string;
  /** The poll interval: the unit of time spent in a state. */
  stateIntervalMs: number;
}

/** The measurement and mean expression for a resolution: the switch to the rollups. */
export function trafficSource(resolution: '1h' | '5m'): { source: ReportSource; from: string; groupBy: string; mean: (field: string) => string } {
  return { source: 'raw', from: '"traffic"', groupBy: `time(${resolution})`, mean: (field) => `mean("${field}")` };
}

async function fromStorage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const reason = unavailableReason(err);
    if (reason !== undefined) throw new StorageUnavailableError(reason, { cause: err });
    throw err;
  }
}

type Row = Record<string, unknown>;

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
  return value === 'down' || value === 'up' ? value : null;
}

const hourlyClasses: ReadonlySet<string> = new Set<HourlyClass>(['total', 'docex', 'video']);
const serviceClasses: ReadonlySet<string> = new Set<ServiceClass>(['internet', 'docex', 'video', 'other']);

function timeRange(q: ReportDataQuery): string {
  return `time >= ${Math.floor(q.fromMs)}ms AND time < ${Math.floor(q.toMs)}ms`;
}

function provinceClause(q: ReportDataQuery): string {
  return q.province === undefined ? '' : ` AND "province" = ${influxqlString(q.province)}`;
}

/** The InfluxQL statements of one report (exported for the tests and the README). */
export function reportStatements(q: ReportDataQuery): { hourly: string; p95: string; classSums: string; states: string[] } {
  const where = `${timeRange(q)}${provinceClause(q)}`;
  const hourly = trafficSource('1h');
  const fine = trafficSource('5m');
  const bucketMs = Math.max(1_000, Math.round(q.stateIntervalMs));
  const worst = `SELECT max("state") AS "m" FROM "linkState" WHERE ${where} GROUP BY time(${bucketMs}ms), "province" fill(none)`;
  return {
    // Tier-1 uplinks: total and the protected classes; tier-2 links: total only.
    hourly:
      `SELECT ${hourly.mean('util')} AS "util", ${hourly.mean('bps')} AS "bps", ${hourly.mean('preBps')} AS "preBps", ` +
      `max("capacityBps") AS "capacityBps" FROM ${hourly.from} WHERE ${where} AND ` +
      `(("tier" = '1' AND ("class" = 'total' OR "class" = 'docex' OR "class" = 'video')) OR ("tier" = '2' AND "class" = 'total')) ` +
      `GROUP BY ${hourly.groupBy}, "link", "dir", "class" fill(none)`,
    p95:
      `SELECT percentile("u", 95) AS "p95" FROM (SELECT ${fine.mean('util')} AS "u" FROM ${fine.from} ` +
      `WHERE ${where} AND "class" = 'total' GROUP BY ${fine.groupBy}, "link", "dir" fill(none)) GROUP BY "link", "dir"`,
    classSums:
      `SELECT sum("bps") AS "sum" FROM "traffic" WHERE ${where} AND "tier" = '1' AND "class" != 'total' GROUP BY "link", "class"`,
    states: [
      `SELECT count("m") AS "n" FROM (${worst}) GROUP BY "province"`,
      `SELECT count("m") AS "n" FROM (${worst}) WHERE "m" = 1 GROUP BY "province"`,
      `SELECT count("m") AS "n" FROM (${worst}) WHERE "m" = 2 GROUP BY "province"`,
    ],
  };
}

function hourlyRow(row: Row): HourlyRow | undefined {
  const link = text(row['link']);
  const dir = direction(row['dir']);
  const cls = row['class'];
  const hourStartMs = timeMs(row['time']);
  if (link === null || dir === null || typeof cls !== 'string' || !hourlyClasses.has(cls) || hourStartMs === null) return undefined;
  return {
    link,
    dir,
    class: cls as HourlyClass,
    hourStartMs,
    utilization: finite(row['util']),
    bitsPerSecond: finite(row['bps']),
    offeredBitsPerSecond: finite(row['preBps']),
    capacityBps: finite(row['capacityBps']),
  };
}

function countsByProvince(rows: readonly Row[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    const province = text(row['province']);
    const n = finite(row['n']);
    if (province !== null && n !== null) out.set(province, n);
  }
  return out;
}

/**
 * Everything one report needs, read with the client's default database. Throws
 * StorageUnavailableError when InfluxDB cannot answer.
 */
export async function readReportData(influx: InfluxDB, q: ReportDataQuery): Promise<ReportData> {
  const statements = reportStatements(q);
  const query = (sql: string) => fromStorage(() => influx.query<Row>(sql));
  const [hourlyRows, p95Rows, sumRows, observedRows, warningRows, criticalRows] = await Promise.all([
    query(statements.hourly),
    query(statements.p95),
    query(statements.classSums),
    ...statements.states.map(query),
  ]);
  const hourly: HourlyRow[] = [];
  for (const row of hourlyRows) {
    const parsed = hourlyRow(row);
    if (parsed) hourly.push(parsed);
  }
  const p95: PercentileRow[] = [];
  for (const row of p95Rows) {
    const link = text(row['link']);
    const dir = direction(row['dir']);
    const utilization = finite(row['p95']);
    if (link !== null && dir !== null && utilization !== null) p95.push({ link, dir, utilization });
  }
  const classSums: ClassSumRow[] = [];
  for (const row of sumRows) {
    const link = text(row['link']);
    const cls = row['class'];
    const sumBps = finite(row['sum']);
    if (link !== null && typeof cls === 'string' && serviceClasses.has(cls) && sumBps !== null) {
      classSums.push({ link, class: cls as ServiceClass, sumBps });
    }
  }
  const observed = countsByProvince(observedRows ?? []);
  const warning = countsByProvince(warningRows ?? []);
  const critical = countsByProvince(criticalRows ?? []);
  const states: StateBucketRow[] = [...observed].map(([province, n]) => ({
    province,
    observed: n,
    warning: warning.get(province) ?? 0,
    critical: critical.get(province) ?? 0,
  }));
  return { source: trafficSource('1h').source, hourly, p95, classSums, states };
}
