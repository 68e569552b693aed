// Retention and rollups in InfluxDB: raw samples in the `raw` retention policy (the database's
// default), 5-minute rollups in `rollup_5m` and 1-hour rollups in `rollup_1h`, each kept for
// its own number of days (`influx.retention`). Continuous queries fill the rollups from the raw
// samples with `RESAMPLE EVERY … FOR …`, so points that arrive a little late are folded in;
// points replayed from the spool after an outage are folded in by a backfill that runs the
// same SELECT … INTO over the replayed span (RollupBackfill).
//
// This file sits in collector/store, not server/history: the store creates the policies and
// queries at start and runs the backfill when its spool replays, and the server reads the
// same definitions (names, fields) for history; data flows server → collector, never back.
//
// Rollups keep the raw series' tags (`GROUP BY *`) and add none, so each rollup has exactly
// the raw measurement's series. Fields are `<field>_<aggregate>`: mean, max and the 95th
// percentile (InfluxDB's nearest rank) of the raw samples inside the bucket, and `samples`,
// how many there were. Both levels are computed from the raw samples (never the 1 h from the
// 5 min), so each level's 95th percentile is exact for its bucket.
import { resolve } from 'node:path';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import { z } from 'zod';
import { defaultRetentionDays, type Settings } from '../../config/schema.ts';
import { trafficClasses } from '../../api/schemas.ts';
import { trafficField, type Measurement, type StorePoint, type TrafficQuantity } from './points.ts';
import { backoffDelayMs } from '../../config/backoff.ts';
import { removeFileIfPresent } from '../../config/atomic-file.ts';
import { readResumableState, writeStoredJson } from '../../config/stored-json.ts';
import { untilAborted } from './until-aborted.ts';

// ---- Retention ------------------------------------------------------------------------------

export interface RetentionDays {
  rawDays: number;
  fiveMinuteDays: number;
  hourDays: number;
}

/** Pure: the retention in days, `retentionDays` read as the old name of `retention.rawDays`. */
export function retentionOf(influx: Pick<Settings['influx'], 'retentionDays' | 'retention'>): RetentionDays {
  return {
    rawDays: influx.retention?.rawDays ?? influx.retentionDays ?? defaultRetentionDays.rawDays,
    fiveMinuteDays: influx.retention?.fiveMinuteDays ?? defaultRetentionDays.fiveMinuteDays,
    hourDays: influx.retention?.hourDays ?? defaultRetentionDays.hourDays,
  };
}

/** The retention policy of raw samples, made the database's default (writes name no policy). */
export const rawRetentionPolicy = 'raw';

export const dayMs = 86_400_000;

// ---- Levels and measurements ------------------------------------------------------------------

export type RollupLevelName = '5m' | '1h';

export interface RollupLevel {
  name: RollupLevelName;
  retentionPolicy: string;
  bucketMs: number;
  /** RESAMPLE EVERY: how often the continuous query runs. */
  resampleEveryMs: number;
  /** RESAMPLE FOR: how far back each run recomputes, so late points are folded in. */
  resampleForMs: number;
  retentionDays(retention: RetentionDays): number;
}

/** Finest first. */
export const rollupLevels: readonly RollupLevel[] = [
  {
    name: '5m',
    retentionPolicy: 'rollup_5m',
    bucketMs: 300_000,
    resampleEveryMs: 300_000,
    resampleForMs: 900_000,
    retentionDays: (r) => r.fiveMinuteDays,
  },
  {
    name: '1h',
    retentionPolicy: 'rollup_1h',
    bucketMs: 3_600_000,
    resampleEveryMs: 3_600_000,
    resampleForMs: 7_200_000,
    retentionDays: (r) => r.hourDays,
  },
];

export type Aggregate = 'mean' | 'max' | 'p95' | 'share';

/** The rollup field holding `aggregate` of the raw field `field`. */
export function rollupField(field: string, aggregate: Aggregate): string {
  return `${field}_${aggregate}`;
}

/** The rollup field counting the raw samples of the bucket. */
export const samplesField = 'samples';

export type RolledMeasurement = Extract<Measurement, 'traffic' | 'linkState'>;

export interface RollupDefinition {
  measurement: RolledMeasurement;
  /** Raw field → what the rollup keeps of it. */
  fields: readonly { field: string; aggregates: readonly Aggregate[] }[];
  /** The field whose count is `samples`. */
  countOf: string;
  /**
   * Derived 0/1 fields computed per raw sample by a subquery (InfluxQL cannot aggregate an
   * expression): name → expression over the raw fields. Their `share` is their mean.
   */
  derived?: Readonly<Record<string, string>>;
}

/** What a rollup keeps of each `traffic` quantity, per class (`capacityBps`: the link's, on total). */
const trafficAggregates: readonly { quantity: TrafficQuantity; aggregates: readonly Aggregate[]; classes: 'all' | 'service' | 'total' }[] = [
  { quantity: 'bps', aggregates: ['mean', 'max', 'p95'], classes: 'all' },
  { quantity: 'util', aggregates: ['mean', 'max', 'p95'], classes: 'all' },
  { quantity: 'dropBps', aggregates: ['mean', 'max'], classes: 'all' },
  { quantity: 'preBps', aggregates: ['mean', 'max'], classes: 'service' },
  { quantity: 'reservedBps', aggregates: ['mean'], classes: 'service' },
  { quantity: 'capacityBps', aggregates: ['max'], classes: 'total' },
];

/** Pure: the rollup's fields of `traffic`, class by class (`bps_video_mean`…). */
export function trafficRollupFields(): { field: string; aggregates: readonly Aggregate[] }[] {
  const out: { field: string; aggregates: readonly Aggregate[] }[] = [];
  for (const cls of trafficClasses) {
    for (const { quantity, aggregates, classes } of trafficAggregates) {
      if (classes === 'total' ? cls !== 'total' : classes === 'service' && cls === 'total') continue;
      out.push({ field: trafficField(quantity, cls), aggregates });
    }
  }
  return out;
}

export const rollupDefinitions: readonly RollupDefinition[] = [
  {
    measurement: 'traffic',
    countOf: trafficField('bps', 'total'),
    fields: trafficRollupFields(),
  },
  {
    // state: 0 ok, 1 warning, 2 critical (server/analysis/analyzer.ts `stateValue`). The shares
    // come from `state` alone, so linkState points written before the rollups existed roll up too.
    measurement: 'linkState',
    countOf: 'state',
    derived: { warning: 'ceil("state" / 2)', critical: 'floor("state" / 2)' },
    fields: [
      { field: 'state', aggregates: ['mean', 'max'] },
      { field: 'warning', aggregates: ['share'] },
      { field: 'critical', aggregates: ['share'] },
      { field: 'encroachBps', aggregates: ['mean', 'max'] },
    ],
  },
];

export const rolledMeasurements: ReadonlySet<string> = new Set(rollupDefinitions.map((d) => d.measurement));

// ---- InfluxQL text (pure) ---------------------------------------------------------------------

/** A double-quoted InfluxQL identifier. */
export function influxqlIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const q = influxqlIdentifier;

/** Pure: a duration as InfluxDB prints it (the largest unit that divides it: w, d, h, m, s, ms). */
export function influxqlDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`a duration must be a positive whole number of ms, not ${ms}`);
  const units: [number, string][] = [
    [7 * dayMs, 'w'],
    [dayMs, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
  ];
  for (const [unitMs, unit] of units) if (ms % unitMs === 0) return `${ms / unitMs}${unit}`;
  return `${ms}ms`;
}

/** Pure: a retention duration as SHOW RETENTION POLICIES prints it (`720h0m0s`). */
export function retentionDurationText(days: number): string {
  return `${days * 24}h0m0s`;
}

function aggregateExpression(field: string, aggregate: Aggregate): string {
  switch (aggregate) {
    case 'mean':
    case 'share':
      return `mean(${q(field)})`;
    case 'max':
      return `max(${q(field)})`;
    case 'p95':
      return `percentile(${q(field)}, 95)`;
  }
}

function rawSource(database: string, measurement: string): string {
  return `${q(database)}.${q(rawRetentionPolicy)}.${q(measurement)}`;
}

function timeRange(range: { fromMs: number; toMs: number } | undefined): string {
  return range ? ` WHERE time >= ${Math.floor(range.fromMs)}ms AND time < ${Math.floor(range.toMs)}ms` : '';
}

/**
 * Pure: the SELECT … INTO of one rollup level: the continuous query's body, and over
 * [fromMs, toMs) the backfill's statement. `range` bounds must be bucket-aligned.
 */
export function rollupSelect(database: string, level: RollupLevel, def: RollupDefinition, range?: { fromMs: number; toMs: number }): string {
  const columns: string[] = [];
  for (const { field, aggregates } of def.fields) {
    for (const aggregate of aggregates) columns.push(`${aggregateExpression(field, aggregate)} AS ${q(rollupField(field, aggregate))}`);
  }
  columns.push(`count(${q(def.countOf)}) AS ${q(samplesField)}`);
  let source = rawSource(database, def.measurement);
  if (def.derived) {
    const inner = def.fields
      .map(({ field }) => field)
      .map((field) => (def.derived?.[field] !== undefined ? `${def.derived[field]} AS ${q(field)}` : q(field)));
    source = `(SELECT ${inner.join(', ')} FROM ${source}${timeRange(range)} GROUP BY *)`;
  }
  const into = `${q(database)}.${q(level.retentionPolicy)}.${q(def.measurement)}`;
  return `SELECT ${columns.join(', ')} INTO ${into} FROM ${source}${timeRange(range)} GROUP BY time(${influxqlDuration(level.bucketMs)}), *`;
}

export function continuousQueryName(level: RollupLevel, def: RollupDefinition): string {
  return `${def.measurement}_${level.name}`;
}

/** Pure: the CREATE CONTINUOUS QUERY statement of one rollup level and measurement. */
export function continuousQueryText(database: string, level: RollupLevel, def: RollupDefinition): string {
  return (
    `CREATE CONTINUOUS QUERY ${q(continuousQueryName(level, def))} ON ${q(database)} ` +
    `RESAMPLE EVERY ${influxqlDuration(level.resampleEveryMs)} FOR ${influxqlDuration(level.resampleForMs)} ` +
    `BEGIN ${rollupSelect(database, level, def)} END`
  );
}

/**
 * Pure: InfluxQL text compared as InfluxDB shows it back (SHOW CONTINUOUS QUERIES): quotes
 * dropped around plain identifiers, runs of white space as one space.
 */
export function normaliseInfluxql(text: string): string {
  return text
    .replace(/"([A-Za-z_][A-Za-z0-9_]*)"/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---- Running InfluxQL -------------------------------------------------------------------------

interface RawResult {
  error?: string;
  series?: { name?: string; columns?: string[]; values?: unknown[][] }[];
}

/** Runs one statement (POST: it may write) and throws an Error with InfluxDB's message when it fails. */
export async function runInfluxql(influx: InfluxDB, text: string, database?: string, precision?: 'ms'): Promise<RawResult> {
  const body: unknown = await influx.queryRaw(text, { method: 'POST', ...(database !== undefined ? { database } : {}), ...(precision !== undefined ? { precision } : {}) });
  const results = typeof body === 'object' && body !== null && 'results' in body && Array.isArray(body.results) ? (body.results as RawResult[]) : [];
  const first = results[0] ?? {};
  if (typeof first.error === 'string') throw new Error(`influxdb refused "${text.slice(0, 120)}…": ${first.error}`);
  return first;
}

// ---- Migration at start -----------------------------------------------------------------------

export type PolicyAction = 'created' | 'altered' | 'unchanged';
export type QueryAction = 'created' | 'recreated' | 'unchanged';

export interface RollupMigration {
  policies: { name: string; duration: string; action: PolicyAction }[];
  continuousQueries: { name: string; action: QueryAction }[];
}

export interface WantedPolicy {
  name: string;
  days: number;
  isDefault: boolean;
}

/** Pure: the retention policies Lanewatch keeps (raw is the default). */
export function wantedPolicies(retention: RetentionDays): WantedPolicy[] {
  return [
    { name: rawRetentionPolicy, days: retention.rawDays, isDefault: true },
    ...rollupLevels.map((level) => ({ name: level.retentionPolicy, days: level.retentionDays(retention), isDefault: false })),
  ];
}

/** Pure: what to do with a policy, given what SHOW RETENTION POLICIES lists. */
export function policyAction(wanted: WantedPolicy, existing: { duration: string; default: boolean } | undefined): PolicyAction {
  if (!existing) return 'created';
  if (existing.duration !== retentionDurationText(wanted.days)) return 'altered';
  if (wanted.isDefault && !existing.default) return 'altered';
  return 'unchanged';
}

/** Pure: what to do with a continuous query, given the text SHOW CONTINUOUS QUERIES has for its name. */
export function queryAction(wantedText: string, shownText: string | undefined): QueryAction {
  if (shownText === undefined) return 'created';
  return normaliseInfluxql(shownText) === normaliseInfluxql(wantedText) ? 'unchanged' : 'recreated';
}

/** name → query text of the database's continuous queries. */
async function showContinuousQueries(influx: InfluxDB, database: string): Promise<Map<string, string>> {
  const result = await runInfluxql(influx, 'SHOW CONTINUOUS QUERIES');
  const shown = new Map<string, string>();
  for (const series of result.series ?? []) {
    if (series.name !== database) continue;
    const nameAt = series.columns?.indexOf('name') ?? -1;
    const queryAt = series.columns?.indexOf('query') ?? -1;
    for (const row of series.values ?? []) {
      const name = row[nameAt];
      const text = row[queryAt];
      if (typeof name === 'string' && typeof text === 'string') shown.set(name, text);
    }
  }
  return shown;
}

/**
 * Creates or migrates, idempotently: the raw, 5-minute and 1-hour retention policies (a
 * changed duration alters the policy; raw stays the default) and one continuous query per
 * level and rolled measurement (one whose text differs from the wanted one is dropped and
 * created again). The database must exist. Throws on any InfluxDB failure.
 */
export async function ensureRetentionAndRollups(
  influx: InfluxDB,
  opts: { database: string; retention: RetentionDays; log: Logger },
): Promise<RollupMigration> {
  const { database, log } = opts;
  const migration: RollupMigration = { policies: [], continuousQueries: [] };
  const existing = await influx.showRetentionPolicies(database);
  for (const wanted of wantedPolicies(opts.retention)) {
    const found = existing.find((p) => p.name === wanted.name);
    const action = policyAction(wanted, found);
    const duration = `${wanted.days}d`;
    const rp = { database, duration, replication: 1, isDefault: wanted.isDefault };
    if (action === 'created') await influx.createRetentionPolicy(wanted.name, rp);
    if (action === 'altered') await influx.alterRetentionPolicy(wanted.name, rp);
    if (action !== 'unchanged') {
      log.info({ database, policy: wanted.name, duration, was: found?.duration }, `influxdb retention policy ${action}`);
    }
    migration.policies.push({ name: wanted.name, duration: retentionDurationText(wanted.days), action });
  }
  const shown = await showContinuousQueries(influx, database);
  for (const level of rollupLevels) {
    for (const def of rollupDefinitions) {
      const name = continuousQueryName(level, def);
      const text = continuousQueryText(database, level, def);
      const action = queryAction(text, shown.get(name));
      if (action === 'recreated') await runInfluxql(influx, `DROP CONTINUOUS QUERY ${q(name)} ON ${q(database)}`);
      if (action !== 'unchanged') {
        await runInfluxql(influx, text);
        log.info({ database, continuousQuery: name }, `influxdb continuous query ${action}`);
      }
      migration.continuousQueries.push({ name, action });
    }
  }
  return migration;
}

// ---- Backfill ---------------------------------------------------------------------------------

export interface Span {
  fromMs: number;
  /** Inclusive: the newest point's time. */
  toMs: number;
}

/** Pure: the two spans as one (the smallest span holding both). */
export function widen(span: Span | undefined, atMs: number): Span {
  return span ? { fromMs: Math.min(span.fromMs, atMs), toMs: Math.max(span.toMs, atMs) } : { fromMs: atMs, toMs: atMs };
}

/**
 * Pure: the hour-aligned windows [fromMs, toMs) that cover `span` (every 5-minute and 1-hour
 * bucket holding one of its points), oldest first, leaving out windows that end before
 * `notBeforeMs` (data InfluxDB no longer keeps).
 */
export function backfillWindows(span: Span, windowMs: number, notBeforeMs = -Infinity): { fromMs: number; toMs: number }[] {
  const out: { fromMs: number; toMs: number }[] = [];
  const first = Math.floor(span.fromMs / windowMs) * windowMs;
  for (let fromMs = first; fromMs <= span.toMs; fromMs += windowMs) {
    if (fromMs + windowMs <= notBeforeMs) continue;
    out.push({ fromMs, toMs: fromMs + windowMs });
  }
  return out;
}

/** Runs the rollup statements of every level over one window [fromMs, toMs); the points each wrote. */
export async function backfillWindow(
  influx: InfluxDB,
  opts: { database: string; retention: RetentionDays; measurement: RolledMeasurement; window: { fromMs: number; toMs: number }; nowMs: number },
): Promise<Record<RollupLevelName, number>> {
  const def = rollupDefinitions.find((d) => d.measurement === opts.measurement);
  const written: Record<RollupLevelName, number> = { '5m': 0, '1h': 0 };
  if (!def) return written;
  for (const level of rollupLevels) {
    // A bucket older than the rollup's retention would be refused (partial write): skip it.
    if (opts.window.toMs <= opts.nowMs - level.retentionDays(opts.retention) * dayMs) continue;
    const result = await runInfluxql(influx, rollupSelect(opts.database, level, def, opts.window), opts.database);
    const row = result.series?.[0]?.values?.[0];
    const n = row?.[1];
    written[level.name] += typeof n === 'number' ? n : 0;
  }
  return written;
}

/**
 * Where a store keeps the span it still owes: beside its spool directory (`<dir>.rollup-backfill.json`),
 * not in it, so the spool's directory holds its segments only.
 */
export function backfillStateFile(spoolDir: string): string {
  return `${resolve(spoolDir)}.rollup-backfill.json`;
}

export interface RollupBackfillOptions {
  /**
   * A client whose requests may take long (one window reads an hour of every series); or,
   * better, one made for each run whose every request `signal` aborts (`createInfluxClient`'s
   * `signal`), fired by `close()`: InfluxDB then ends the statement too. Either way a close ends
   * the run at once.
   */
  influx: InfluxDB | ((signal: AbortSignal) => InfluxDB);
  database: string;
  retention: RetentionDays;
  /** Where the span still to roll up is kept, so a restart resumes it (`backfillStateFile`). */
  stateFile: string;
  log: Logger;
  /** Span of one backfill statement (default 1 h; a multiple of 1 h). */
  windowMs?: number;
  /** Backoff between failed attempts (default 1 s doubling to 60 s). */
  retry?: { initialMs?: number; maxMs?: number };
  nowMs?: () => number;
}

type Spans = Partial<Record<RolledMeasurement, Span>>;

/** The backfill's state file: measurement → the span still owed (spans of other names are ignored). */
const storedSpansSchema = z.record(z.string(), z.object({ fromMs: z.number(), toMs: z.number() }));

/**
 * Recomputes the rollups of points replayed from the spool. The store calls `note()` with
 * every chunk it replayed (before the spool forgets it: the span is on disk first) and
 * `replayFinished()` once the spool is empty; the backfill then runs in the background, one
 * hour-window at a time, and the span it still owes survives a restart. Failures are logged
 * and retried with backoff on the next `replayFinished()`.
 */
/** A backfill run ended by `close()`. */
class RollupBackfillClosed extends Error {
  constructor() {
    super('rollup backfill closed: the window resumes at the next start');
    this.name = 'RollupBackfillClosed';
  }
}

export class RollupBackfill {
  readonly #opts: RollupBackfillOptions;
  readonly #windowMs: number;
  readonly #nowMs: () => number;
  /** Owed and not being worked on. */
  #pending: Spans = {};
  /** Being worked on by the current run. */
  #working: Spans = {};
  #loaded: Promise<void> | undefined;
  #running: Promise<void> | undefined;
  #failures = 0;
  #notBeforeMs = 0;
  #closed = false;
  /** The run under way: `close()` fires it. */
  #abort: AbortController | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(opts: RollupBackfillOptions) {
    this.#opts = opts;
    this.#windowMs = opts.windowMs ?? 3_600_000;
    if (this.#windowMs % 3_600_000 !== 0) throw new RangeError(`backfill windowMs must be a multiple of 1 h, not ${this.#windowMs}`);
    this.#nowMs = opts.nowMs ?? Date.now;
  }

  /** Spans still owed (pending or in progress), by measurement. */
  owed(): Spans {
    const out: Spans = { ...this.#pending };
    for (const [m, span] of Object.entries(this.#working) as [RolledMeasurement, Span][]) {
      const p = out[m];
      out[m] = p ? { fromMs: Math.min(p.fromMs, span.fromMs), toMs: Math.max(p.toMs, span.toMs) } : span;
    }
    return out;
  }

  /** Widens the owed span by the replayed points' times and saves it. Never throws. */
  async note(points: readonly StorePoint[]): Promise<void> {
    try {
      await this.#load();
      let changed = false;
      for (const p of points) {
        if (!rolledMeasurements.has(p.measurement) || !Number.isFinite(p.atMs)) continue;
        const m = p.measurement as RolledMeasurement;
        const before = this.#pending[m];
        const after = widen(before, p.atMs);
        if (!before || after.fromMs !== before.fromMs || after.toMs !== before.toMs) {
          this.#pending[m] = after;
          changed = true;
        }
      }
      if (changed) await this.#save();
    } catch (err) {
      this.#opts.log.error({ err }, 'rollup backfill: could not note replayed points');
    }
  }

  /** Starts a backfill in the background when something is owed and no backoff holds it. */
  replayFinished(): void {
    if (this.#closed || this.#running) return;
    if (this.#nowMs() < this.#notBeforeMs) return;
    this.#running = this.#runOnce()
      .catch((err: unknown) => {
        this.#opts.log.error({ err }, 'rollup backfill failed unexpectedly');
      })
      .finally(() => {
        this.#running = undefined;
      });
  }

  /** Resolves when the backfill running now (if any) is over. */
  async idle(): Promise<void> {
    await this.#running;
  }

  /**
   * Ends the running backfill at once (its statement abandoned: one may take the client's
   * 2-minute timeout) and waits for it to save; what is still owed, the cut window included,
   * stays on disk for the next start (or the next `replayFinished()`).
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort?.abort();
    await this.#running;
    await this.#saving;
    this.#closed = false;
    const owed = this.owed();
    if (Object.keys(owed).length > 0) this.#opts.log.warn({ owed }, 'rollup backfill owed at stop: resumed at the next start');
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      const stored = await readResumableState(this.#opts.stateFile, storedSpansSchema, { log: this.#opts.log, nowMs: this.#nowMs(), what: 'rollup backfill state' });
      for (const [m, span] of Object.entries(stored ?? {})) {
        if (!rolledMeasurements.has(m)) continue;
        const p = this.#pending[m as RolledMeasurement];
        this.#pending[m as RolledMeasurement] = p ? widen(widen(p, span.fromMs), span.toMs) : { fromMs: span.fromMs, toMs: span.toMs };
      }
      if (Object.keys(this.#pending).length > 0) this.#opts.log.info({ owed: this.#pending }, 'rollup backfill resumed from the last run');
    })();
    return this.#loaded;
  }

  /** Writes what is owed (config/stored-json.ts: atomic and durable); removes the file when nothing is. Serialised. */
  #save(): Promise<void> {
    const owed = this.owed();
    const file = this.#opts.stateFile;
    const next = this.#saving.then(() => (Object.keys(owed).length === 0 ? removeFileIfPresent(file) : writeStoredJson(file, owed)));
    this.#saving = next.catch((err: unknown) => {
      this.#opts.log.error({ err, file }, 'rollup backfill state not saved');
    });
    return this.#saving;
  }

  async #runOnce(): Promise<void> {
    await this.#load();
    const measurements = Object.keys(this.#pending) as RolledMeasurement[];
    if (measurements.length === 0) return;
    this.#working = this.#pending;
    this.#pending = {};
    const nowMs = this.#nowMs();
    const notBeforeMs = nowMs - this.#opts.retention.rawDays * dayMs;
    const startedAtMs = Date.now();
    const written: Record<RollupLevelName, number> = { '5m': 0, '1h': 0 };
    let windows = 0;
    const abort = new AbortController();
    this.#abort = abort;
    const { influx } = this.#opts;
    const client = typeof influx === 'function' ? influx(abort.signal) : influx;
    try {
      for (const m of measurements) {
        const span = this.#working[m];
        if (!span) continue;
        for (const window of backfillWindows(span, this.#windowMs, notBeforeMs)) {
          if (this.#closed) return;
          const w = await untilAborted(
            backfillWindow(client, { database: this.#opts.database, retention: this.#opts.retention, measurement: m, window, nowMs }),
            abort.signal,
            () => new RollupBackfillClosed(),
          );
          written['5m'] += w['5m'];
          written['1h'] += w['1h'];
          windows += 1;
          // Done up to the window's end: what is left is owed.
          if (window.toMs > span.toMs) delete this.#working[m];
          else this.#working[m] = { fromMs: window.toMs, toMs: span.toMs };
          await this.#save();
        }
        delete this.#working[m];
      }
      this.#failures = 0;
      this.#notBeforeMs = 0;
      await this.#save();
      this.#opts.log.info({ measurements, windows, written, tookMs: Date.now() - startedAtMs }, 'rollups of replayed points recomputed');
    } catch (err) {
      // Cut by close(): not a failure (no backoff); the window is owed again below.
      if (abort.signal.aborted) return;
      this.#failures += 1;
      const delayMs = backoffDelayMs({ initialMs: this.#opts.retry?.initialMs ?? 1_000, maxMs: this.#opts.retry?.maxMs ?? 60_000 }, this.#failures);
      this.#notBeforeMs = this.#nowMs() + delayMs;
      this.#opts.log.warn({ err, failures: this.#failures, retryInMs: delayMs }, 'rollup backfill failed, retried later');
    } finally {
      if (this.#abort === abort) this.#abort = undefined;
      // What the run did not finish is owed again.
      for (const [m, span] of Object.entries(this.#working) as [RolledMeasurement, Span][]) {
        const p = this.#pending[m];
        this.#pending[m] = p ? { fromMs: Math.min(p.fromMs, span.fromMs), toMs: Math.max(p.toMs, span.toMs) } : span;
      }
      this.#working = {};
      await this.#save();
    }
  }
}
