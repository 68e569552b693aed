// `traffic` written by earlier versions, one point per link, direction and class (tag `class`,
// fields `bps`, `util`… and in the rollups `bps_mean`…), copied into this version's shape: one
// point per link and direction, the classes as fields (`bps_video`, `bps_video_mean`…).
//
// The store runs it in the background at every start. It costs one small query when there is
// nothing to do (no series with a `class` tag). Otherwise, for each policy (`rollup_1h`,
// `rollup_5m`, then `raw`: the cheapest first, so long ranges come back first) and each window
// from the newest to the oldest, one `SELECT … INTO` per class writes the window's points in
// this shape, beside the old ones (the field names differ, so no reader of one shape sees the
// other's rows); then the rollups of the raw data's newest hour are recomputed (its buckets
// hold both shapes' points, each rolled up apart) and, only when every window is copied, the
// old series are dropped. Every statement is idempotent (a point written again with the same
// values changes nothing); the oldest window copied per policy is kept beside the spool, so a
// migration stopped half way (a restart, InfluxDB down, a failure) resumes there. Until it is
// over, history older than the upgrade comes back as the migration reaches it, newest first.
// A failed run is retried by the store after `retryDelayMs()`: config/backoff.ts, from
// `migrationRetry`'s first wait doubling to its longest.
// `stop()` ends a run at once, whatever statement it waits for (one may take the client's
// 10-minute timeout): the run's client aborts its requests (the store's makes a client per run
// for that: InfluxDB ends a query whose connection closed) and the run rejects with
// `TrafficMigrationStopped`; the progress saved is that of the last window whose statements all
// answered, so the next run copies the window that was cut again (idempotent).
import { resolve } from 'node:path';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import { z } from 'zod';
import { backoffDelayMs, type Backoff } from '../../config/backoff.ts';
import { removeFileIfPresent } from '../../config/atomic-file.ts';
import { readResumableState, writeStoredJson } from '../../config/stored-json.ts';
import { trafficClasses, type TrafficClass } from '../../api/schemas.ts';
import { trafficField, trafficQuantities, type TrafficQuantity } from './points.ts';
import { untilAborted } from './until-aborted.ts';
import {
  backfillWindows,
  backfillWindow,
  influxqlIdentifier as q,
  rawRetentionPolicy,
  rollupField,
  rollupLevels,
  runInfluxql,
  samplesField,
  trafficRollupFields,
  type RetentionDays,
} from './rollups.ts';

/** A policy holding earlier-shape `traffic`, and the window of one copy statement. */
export interface ShapePolicy {
  retentionPolicy: string;
  /** Raw samples, or a rollup (its fields carry an aggregate). */
  rollup: boolean;
  windowMs: number;
}

/**
 * In migration order: the rollups first (fewest points), raw last. A window's statement copies
 * one class: on the national network (3,355 links, 10 s polls) some 400,000 raw points or 80,000
 * rollup rows, well inside the client's timeout at the few thousand points a second one
 * statement copies.
 */
export const shapePolicies: readonly ShapePolicy[] = [
  { retentionPolicy: rollupLevels[1]?.retentionPolicy ?? 'rollup_1h', rollup: true, windowMs: 12 * 3_600_000 },
  { retentionPolicy: rollupLevels[0]?.retentionPolicy ?? 'rollup_5m', rollup: true, windowMs: 3_600_000 },
  { retentionPolicy: rawRetentionPolicy, rollup: false, windowMs: 600_000 },
];

/** The tags a `traffic` point of this shape has (the earlier shape's, without `class`). */
const linkTags = ['link', 'province', 'tier', 'dir'];

/** Pure: earlier field → this shape's field, for one class and policy. */
export function shapeFieldMap(cls: TrafficClass, rollup: boolean): [string, string][] {
  const out: [string, string][] = [];
  if (!rollup) {
    // The link's capacity, the same on each class: held once (each class writes the same value).
    for (const quantity of trafficQuantities) out.push([quantity, trafficField(quantity, quantity === 'capacityBps' ? 'total' : cls)]);
    return out;
  }
  const suffix = `_${cls}`;
  for (const { field, aggregates } of trafficRollupFields()) {
    if (!field.endsWith(suffix)) continue;
    const quantity = field.slice(0, -suffix.length) as TrafficQuantity;
    for (const aggregate of aggregates) out.push([rollupField(quantity, aggregate), rollupField(field, aggregate)]);
  }
  if (cls === 'total') out.push([samplesField, samplesField]);
  return out;
}

/** Pure: the statement copying one class's earlier-shape points of one policy over [fromMs, toMs). */
export function shapeCopySelect(database: string, policy: ShapePolicy, cls: TrafficClass, window: { fromMs: number; toMs: number }): string {
  const columns = shapeFieldMap(cls, policy.rollup).map(([from, to]) => `${q(from)} AS ${q(to)}`);
  const source = `${q(database)}.${q(policy.retentionPolicy)}.${q('traffic')}`;
  return (
    `SELECT ${columns.join(', ')} INTO ${source} FROM ${source} ` +
    `WHERE "class" = '${cls}' AND time >= ${Math.floor(window.fromMs)}ms AND time < ${Math.floor(window.toMs)}ms ` +
    `GROUP BY ${linkTags.map((t) => q(t)).join(', ')}`
  );
}

/** Series of the earlier shape: every one has a `class` tag. */
const earlierShape = `"class" =~ /.+/`;

export interface ShapeMigrationResult {
  /** False when there was nothing of the earlier shape. */
  migrated: boolean;
  /** Points written, by policy. */
  written: Record<string, number>;
  statements: number;
}

function firstNumber(result: { series?: { values?: unknown[][] }[] }, column = 1): number | undefined {
  const v = result.series?.[0]?.values?.[0]?.[column];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Runs one statement on the migration's database (`runInfluxql`), ended by a stop. */
type Influxql = (text: string, precision?: 'ms') => ReturnType<typeof runInfluxql>;

/** The times of the oldest and newest earlier-shape point of one policy, or undefined when it holds none. */
async function earlierSpan(influxql: Influxql, policy: ShapePolicy): Promise<{ fromMs: number; toMs: number } | undefined> {
  const field = q(policy.rollup ? samplesField : 'bps');
  const source = `${q(policy.retentionPolicy)}.${q('traffic')}`;
  const first = await influxql(`SELECT first(${field}) FROM ${source} WHERE ${earlierShape}`, 'ms');
  const last = await influxql(`SELECT last(${field}) FROM ${source} WHERE ${earlierShape}`, 'ms');
  const fromMs = firstNumber(first, 0);
  const toMs = firstNumber(last, 0);
  return fromMs === undefined || toMs === undefined ? undefined : { fromMs, toMs };
}

export interface TrafficShapeMigrationOptions {
  /**
   * A client whose requests may take long (one statement copies a window of every link); or,
   * better, one made for each run whose every request `signal` aborts (`createInfluxClient`'s
   * `signal`), fired by `stop()`: InfluxDB then ends the statement too, and no request is left
   * open until its timeout. Either way a stop ends the run at once.
   */
  influx: InfluxDB | ((signal: AbortSignal) => InfluxDB);
  database: string;
  retention: RetentionDays;
  log: Logger;
  /**
   * Where the progress is kept (`trafficMigrationStateFile`): per policy, the start of the
   * oldest window copied (every newer window is copied too), so a restart resumes there.
   * Without it a stopped migration starts again from the newest window.
   */
  stateFile?: string;
  /** Waits between failed runs (default `migrationRetry`). */
  retry?: Partial<Backoff>;
  nowMs?: () => number;
}

/**
 * Between failed runs: soon after a passing failure (a restart of InfluxDB), and at most every
 * 10 minutes while it keeps failing, since one failed statement may have loaded InfluxDB for
 * up to the client's timeout (10 min) before it failed.
 */
export const migrationRetry: Backoff = { initialMs: 5_000, maxMs: 600_000 };

/** Beside the spool directory, as the rollup backfill's state is. */
export function trafficMigrationStateFile(spoolDir: string): string {
  return `${resolve(spoolDir)}.traffic-migration.json`;
}

/** Policy → the start of the oldest window copied. */
type Progress = Record<string, number>;

/** The progress file: policy → the start of the oldest window copied (times of other names are ignored). */
const storedProgressSchema = z.record(z.string(), z.number());

/** Windows between two progress lines in the log. */
const logEveryWindows = 500;

/** A run ended by `stop()`: not a failure; the next run resumes after the windows copied. */
export class TrafficMigrationStopped extends Error {
  constructor() {
    super('traffic migration stopped: it resumes at the next start');
    this.name = 'TrafficMigrationStopped';
  }
}

/**
 * Runs the migration once (see the top of this file). `stop()` ends a run at once (it rejects
 * with `TrafficMigrationStopped`); a later `run()` resumes after the windows copied (with a
 * state file). Throws on an InfluxDB failure.
 */
export class TrafficShapeMigration {
  readonly #opts: TrafficShapeMigrationOptions;
  readonly #retry: Backoff;
  /** The run under way: `stop()` fires it. */
  #abort: AbortController | undefined;
  /** What the state file holds: policy → the start of the oldest window copied. */
  #saved: Progress = {};
  /** Runs failed in a row since the last that finished. */
  #failures = 0;

  constructor(opts: TrafficShapeMigrationOptions) {
    this.#opts = opts;
    this.#retry = { initialMs: opts.retry?.initialMs ?? migrationRetry.initialMs, maxMs: opts.retry?.maxMs ?? migrationRetry.maxMs };
  }

  /** Ends the run under way, if any, at once: it rejects with `TrafficMigrationStopped` (its requests aborted, with a client per run). */
  stop(): void {
    this.#abort?.abort();
  }

  /** Policy → the start (ISO time) of the oldest window copied, as saved: where the next run resumes. */
  copiedFrom(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.#saved).map(([policy, fromMs]) => [policy, new Date(fromMs).toISOString()]));
  }

  /** The wait before the next run, after the runs that failed in a row (config/backoff.ts). */
  retryDelayMs(): number {
    return backoffDelayMs(this.#retry, this.#failures);
  }

  /**
   * Runs the migration once; a failure counts towards `retryDelayMs()`, a run that finishes
   * resets it, a stopped one (`TrafficMigrationStopped`) does neither.
   */
  async run(): Promise<ShapeMigrationResult> {
    const abort = new AbortController();
    this.#abort = abort;
    try {
      const { influx } = this.#opts;
      const result = await this.#runOnce(typeof influx === 'function' ? influx(abort.signal) : influx, abort.signal);
      this.#failures = 0;
      return result;
    } catch (err) {
      // An aborted request fails with its own error: the stop is the cause.
      if (abort.signal.aborted) throw err instanceof TrafficMigrationStopped ? err : new TrafficMigrationStopped();
      this.#failures += 1;
      throw err;
    } finally {
      if (this.#abort === abort) this.#abort = undefined;
    }
  }

  async #runOnce(client: InfluxDB, signal: AbortSignal): Promise<ShapeMigrationResult> {
    const { database, log } = this.#opts;
    // Every InfluxDB request of the run: ended by the stop. The state file's writes are not
    // (they are short, and atomic either way).
    const influxql = (text: string, precision?: 'ms') => untilAborted(runInfluxql(client, text, database, precision), signal, () => new TrafficMigrationStopped());
    const result: ShapeMigrationResult = { migrated: false, written: {}, statements: 0 };
    const found = await influxql(`SHOW SERIES FROM "traffic" WHERE ${earlierShape} LIMIT 1`);
    if ((found.series?.[0]?.values?.length ?? 0) === 0) return result;
    result.migrated = true;
    const startedAtMs = Date.now();
    log.info({ database }, 'traffic of the earlier shape (one point per class) found: copying it into one point per link and direction');
    const progress = await this.#load();
    let rawSpan: { fromMs: number; toMs: number } | undefined;
    for (const policy of shapePolicies) {
      const span = await earlierSpan(influxql, policy);
      if (!span) continue;
      if (!policy.rollup) rawSpan = span;
      const copiedFromMs = progress[policy.retentionPolicy] ?? Infinity;
      const windows = backfillWindows(span, policy.windowMs)
        .filter((w) => w.fromMs < copiedFromMs)
        .reverse();
      let written = 0;
      for (const [k, window] of windows.entries()) {
        if (signal.aborted) throw new TrafficMigrationStopped();
        // The classes of a window at once: InfluxDB runs each statement on one core.
        const counts = await Promise.all(trafficClasses.map((cls) => influxql(shapeCopySelect(database, policy, cls, window))));
        for (const count of counts) written += firstNumber(count) ?? 0;
        result.statements += counts.length;
        progress[policy.retentionPolicy] = window.fromMs;
        await this.#save(progress);
        if ((k + 1) % logEveryWindows === 0) {
          log.info({ database, policy: policy.retentionPolicy, copiedFrom: new Date(window.fromMs).toISOString(), windowsLeft: windows.length - k - 1, written }, 'traffic migration under way');
        }
      }
      result.written[policy.retentionPolicy] = written;
      log.info({ database, policy: policy.retentionPolicy, windows: windows.length, written }, 'traffic of the earlier shape copied');
    }
    if (rawSpan) {
      // The buckets around the upgrade hold points of both shapes: rolled up again from the raw
      // points, all of this shape now.
      const nowMs = (this.#opts.nowMs ?? Date.now)();
      const hourMs = 3_600_000;
      const lastHour = Math.floor(rawSpan.toMs / hourMs) * hourMs;
      const window = { fromMs: lastHour, toMs: lastHour + hourMs };
      await untilAborted(backfillWindow(client, { database, retention: this.#opts.retention, measurement: 'traffic', window, nowMs }), signal, () => new TrafficMigrationStopped());
    }
    if (signal.aborted) throw new TrafficMigrationStopped();
    await influxql(`DROP SERIES FROM "traffic" WHERE ${earlierShape}`);
    await this.#save(undefined);
    log.info({ database, written: result.written, statements: result.statements, tookMs: Date.now() - startedAtMs }, 'traffic migrated: the earlier shape dropped');
    return result;
  }

  async #load(): Promise<Progress> {
    const file = this.#opts.stateFile;
    if (file === undefined) return {};
    const stored = await readResumableState(file, storedProgressSchema, {
      log: this.#opts.log,
      nowMs: (this.#opts.nowMs ?? Date.now)(),
      what: 'traffic migration state',
    });
    const progress: Progress = {};
    for (const { retentionPolicy } of shapePolicies) {
      const fromMs = stored?.[retentionPolicy];
      if (fromMs !== undefined) progress[retentionPolicy] = fromMs;
    }
    if (Object.keys(progress).length > 0) this.#opts.log.info({ progress }, 'traffic migration resumed where it stopped');
    this.#saved = { ...progress };
    return progress;
  }

  /** Written atomically and durably (config/stored-json.ts); removed when the migration is over (`undefined`). */
  async #save(progress: Progress | undefined): Promise<void> {
    const file = this.#opts.stateFile;
    if (file === undefined) return;
    if (progress === undefined) await removeFileIfPresent(file);
    else await writeStoredJson(file, progress);
    this.#saved = { ...progress };
  }
}
