// The InfluxDB writer: buffers points, writes them in batches, and spools them to disk while
// InfluxDB cannot take them, so that every point taken while it was down reaches it later.
//
// One serial "pump" does all the I/O:
//   - InfluxDB reachable: live points (the buffer) are written directly in chunks of
//     `batchSize`, and the spool's backlog, oldest first, a batch at a time, in turns with them:
//     a live turn is taken when the buffer holds a batch or has waited `flushIntervalMs`, so
//     the backlog drains with whatever InfluxDB has left over the input, and live points never
//     pay the spool's disk and parsing (if every point went through the spool while it was not
//     empty, a spool that InfluxDB fell behind once could stay for good);
//   - the buffer over `maxBufferedPoints` (InfluxDB slower than the input): it goes to the
//     spool, so memory stays bounded;
//   - InfluxDB unreachable: the buffer goes to the spool; a retry loop (backoff 1 s → 30 s)
//     pings InfluxDB, (re)creates the database when needed, then restarts the pump.
// Points therefore reach InfluxDB out of time order while a backlog drains. InfluxDB 1.x takes
// them in any order (a point is its series and time; order does not matter), and the rollups of
// the replayed spans are recomputed once the spool is empty (RollupBackfill: `note` for every
// replayed batch, `replayFinished`), since the continuous queries ran before those points came.
// A write InfluxDB rejects as bad data (HTTP 400, e.g. a field type conflict) cannot succeed on
// retry: those points are logged and counted as dropped rather than blocking the spool.
// Spool appends are asynchronous and run in call order inside the spool, so handing points to
// it never blocks; points on their way to disk count as pending.
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { Settings } from '../../config/schema.ts';
import type { PollBatch } from '../samples.ts';
import { createInfluxClient, defaultInfluxRequestTimeoutMs, pingInflux } from './influx-client.ts';
import type { StorePoint } from './points.ts';
import { chunkOfPoints, PointBuffer, type PointChunk } from './point-buffer.ts';
import { InfluxLineWriter } from './influx-write.ts';
import { defaultMaxQueuedPoints, Spool, type SpoolFsync } from './spool.ts';
import { backfillStateFile, ensureRetentionAndRollups, retentionOf, RollupBackfill } from './rollups.ts';
import { TrafficShapeMigration, trafficMigrationStateFile } from './traffic-migration.ts';
import type { Registry } from 'prom-client';
import { StoreMetrics } from './metrics.ts';
import { redactUrl } from '../../config/secrets.ts';
import { backoffDelayMs } from '../../config/backoff.ts';

export interface StoreHealth {
  influxReachable: boolean;
  lastWriteOkAtMs?: number;
  lastError?: string;
  spooledPoints: number;
  spooledBytes: number;
  /** Points lost for good: over the spool's bound, not writable to disk, unreadable, rejected. */
  droppedPoints: number;
  pendingPoints: number;
  /** The spool's own accounting (absent when the spool could not be opened). */
  spool?: {
    /** Durability bound: every spool append is fdatasync'ed before it counts as spooled. */
    fsync: SpoolFsync;
    writable: boolean;
    /** Dropped as the oldest over the bound. */
    droppedPoints: number;
    /** Dropped as they came: too many points were waiting for the spool's disk. */
    queueDroppedPoints: number;
    /** Not written: disk full or I/O error. */
    lostPoints: number;
    /** Lines skipped on replay: torn by a crash or corrupt. */
    unreadableLines: number;
    lastError?: string;
  };
}

export interface InfluxStoreOptions {
  influx: Settings['influx'];
  spool: Settings['collector']['spool'];
  log: Logger;
  /** Retry backoff while InfluxDB is unreachable (default 1 s doubling to 30 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /** Timeout of one ping or write request (default 10 s). */
  requestTimeoutMs?: number;
  /** Where the store's metrics go (the process's registry); default: a private one. */
  registry?: Registry;
  /** Points waiting for the spool's disk before more are dropped (default: `spoolQueueBoundFor` the influx settings). */
  spoolMaxQueuedPoints?: number;
}

/**
 * Pure: the spool's queue bound for the store's settings. Past `maxBufferedPoints` the store
 * hands its whole buffer to the spool (that bound plus the last write, under a batch), and one
 * such hand-over may be written while the next waits: both must fit, or a disk that keeps up
 * still loses the overshoot (22 points a run at 15,000 routers with the spool's 200,000 and
 * `maxBufferedPoints` 100,000). A third one waiting means the disk is slower than the input:
 * that is dropped.
 */
export function spoolQueueBoundFor(influx: Pick<Settings['influx'], 'maxBufferedPoints' | 'batchSize'>): number {
  return Math.max(defaultMaxQueuedPoints, 2 * (influx.maxBufferedPoints + influx.batchSize));
}

/** The retention policy for raw samples, made the database's default. */
export { rawRetentionPolicy } from './rollups.ts';

export type WriteResult = 'ok' | 'rejected' | 'failed';

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message || err.name}${cause}`;
  }
  return String(err);
}

/** `dropped=N` of an InfluxDB "partial write" answer. Pure. */
export function droppedByPartialWrite(message: string): number | undefined {
  const m = /partial write:.*dropped=(\d+)/s.exec(message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** The HTTP status of a node-influx RequestError, when the error carries one. */
function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('res' in err)) return undefined;
  const res: unknown = err.res;
  if (typeof res !== 'object' || res === null || !('statusCode' in res)) return undefined;
  return typeof res.statusCode === 'number' ? res.statusCode : undefined;
}

/** What the pump sees when it chooses its next write. */
export interface PumpState {
  bufferedPoints: number;
  batchSize: number;
  /** The spool holds points (on disk or on their way). */
  backlog: boolean;
  /** The last write was the backlog's (or none yet in this pump run). */
  liveTurn: boolean;
  sinceLiveWriteMs: number;
  flushIntervalMs: number;
}

/**
 * Whether the next write is live points (else the spool's backlog, if any). Without a backlog,
 * any buffered point is written. With one, live points and the backlog take turns, and a live
 * turn waits for a full batch unless the buffer has waited a flush interval: the backlog drains
 * with full batches and what InfluxDB has left over the input, live points stay at most a
 * flush interval (and one write) late. Pure.
 */
export function liveTurnDue(s: PumpState): boolean {
  if (s.bufferedPoints === 0) return false;
  if (!s.backlog) return true;
  if (!s.liveTurn) return false;
  return s.bufferedPoints >= s.batchSize || s.sinceLiveWriteMs >= s.flushIntervalMs;
}


export class InfluxStore {
  readonly #settings: Settings['influx'];
  readonly #log: Logger;
  readonly #influx: InfluxDB;
  /** Writes the store's own line protocol (one serialisation per point). */
  readonly #writer: InfluxLineWriter;
  readonly #spool: Spool;
  readonly #spoolDir: string;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #requestTimeoutMs: number;
  readonly #metrics: StoreMetrics;
  /** Recomputes the rollups of spans replayed from the spool. */
  readonly #rollups: RollupBackfill;
  /** Copies `traffic` of the earlier shape (one point per class) into this one, once per start. */
  readonly #shapeMigration: TrafficShapeMigration;
  #migrating: Promise<void> | undefined;
  #migrated = false;
  #migrationRetryTimer: NodeJS.Timeout | undefined;

  readonly #buffer = new PointBuffer();
  #inFlightPoints = 0;
  #spoolUsable = false;
  #reachable = false;
  #databaseReady = false;
  #running = false;
  #lastWriteOkAtMs: number | undefined;
  #lastError: string | undefined;
  #rejectedPoints = 0;
  #lostPoints = 0;
  #failures = 0;

  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #pumping: Promise<void> | undefined;
  #pumpAgain = false;
  #connecting: Promise<void> | undefined;
  /** When the pump last wrote live points (or found none): a live turn is due flushIntervalMs later. */
  #liveWrittenAtMs = 0;

  constructor(opts: InfluxStoreOptions) {
    this.#settings = opts.influx;
    this.#log = opts.log;
    this.#retryInitialMs = opts.retry?.initialMs ?? 1_000;
    this.#retryMaxMs = opts.retry?.maxMs ?? 30_000;
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? defaultInfluxRequestTimeoutMs;
    this.#influx = createInfluxClient({ url: opts.influx.url, database: opts.influx.database, requestTimeoutMs: this.#requestTimeoutMs });
    this.#writer = new InfluxLineWriter({ url: opts.influx.url, database: opts.influx.database, requestTimeoutMs: this.#requestTimeoutMs });
    this.#spoolDir = opts.spool.dir;
    // Segments are sized by bytes (the spool's default); reads take a batch at a time.
    this.#spool = new Spool({
      dir: opts.spool.dir,
      maxBytes: opts.spool.maxBytes,
      log: opts.log,
      maxQueuedPoints: opts.spoolMaxQueuedPoints ?? spoolQueueBoundFor(opts.influx),
    });
    this.#shapeMigration = new TrafficShapeMigration({
      // One statement copies a window of a class of every link: minutes on a large, busy
      // database. A client per run, whose requests the stop aborts (the stop cannot wait them out).
      influx: (signal) =>
        createInfluxClient({ url: opts.influx.url, database: opts.influx.database, requestTimeoutMs: Math.max(this.#requestTimeoutMs, 600_000), signal }),
      database: opts.influx.database,
      retention: retentionOf(opts.influx),
      log: opts.log,
      stateFile: trafficMigrationStateFile(opts.spool.dir),
    });
    this.#rollups = new RollupBackfill({
      // One backfill statement reads an hour of every series: a client per run, whose requests
      // the stop aborts.
      influx: (signal) => createInfluxClient({ url: opts.influx.url, database: opts.influx.database, requestTimeoutMs: Math.max(this.#requestTimeoutMs, 120_000), signal }),
      database: opts.influx.database,
      retention: retentionOf(opts.influx),
      stateFile: backfillStateFile(opts.spool.dir),
      log: opts.log,
    });
    this.#metrics = new StoreMetrics(opts.registry, {
      health: () => this.health(),
      rejectedPoints: () => this.#rejectedPoints,
      noSpoolLostPoints: () => this.#lostPoints,
    });
  }

  /**
   * Opens the spool, creates the database and its default retention policy when absent, and
   * starts the flush timer. When InfluxDB is down it does not throw: a background loop retries.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.#spool.open();
      this.#spoolUsable = true;
    } catch (err) {
      this.#spoolUsable = false;
      this.#log.error({ err, dir: this.#spoolDir }, 'spool unusable: points are lost while influxdb is down');
    }
    this.#flushTimer = setInterval(() => this.#kick(), this.#settings.flushIntervalMs);
    this.#flushTimer.unref();
    await this.#connect();
    if (!this.#reachable) this.#scheduleRetry();
    this.#kick();
  }

  /** Takes one poll's points. Never throws. */
  write(batch: PollBatch): void {
    try {
      this.#buffer.pushBatch(batch);
      this.#afterPush();
    } catch (err) {
      this.#log.error({ err, device: batch.poll?.device }, 'store could not take a batch');
    }
  }

  /** Takes points of any measurement (the analyzer's `linkState`): same batching, spool and order. Never throws. */
  writePoints(points: readonly StorePoint[]): void {
    try {
      if (points.length === 0) return;
      this.#buffer.pushPoints(points);
      this.#afterPush();
    } catch (err) {
      this.#log.error({ err, points: points.length }, 'store could not take points');
    }
  }

  #afterPush(): void {
    // InfluxDB slower than the collector: memory stays bounded (`maxBufferedPoints`), the spool
    // takes the rest (drained in turns with the live points). While it is unreachable, a batch's
    // worth at a time goes to the spool.
    const limit = this.#reachable ? this.#settings.maxBufferedPoints : this.#settings.batchSize;
    if (this.#buffer.length > limit) this.#spoolBuffer();
    if (this.#running && this.#buffer.length >= this.#settings.batchSize) this.#kick();
  }

  /**
   * Flushes what it can (to InfluxDB, else to the spool) and stops the timers. A traffic
   * migration under way is interrupted at once (its statement abandoned), to resume at the next
   * start after the last window it finished.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    // First: its statement may run for the client's 10-minute timeout (while running is false,
    // a connection in progress starts no new run).
    await this.#stopShapeMigration();
    await this.#connecting;
    await this.#pumping;
    await this.#rollups.close();
    // Final flush: one batch straight to InfluxDB while it takes them, the rest to the spool: a
    // full buffer (maxBufferedPoints) written batch by batch to a slow InfluxDB could outlast
    // the stop's share, and what is still in memory then is lost; the spool keeps it.
    let directWrites = 0;
    while (this.#buffer.length > 0) {
      if (this.#reachable && (directWrites++ === 0 || !this.#spoolUsable)) {
        const chunk = this.#buffer.take(this.#settings.batchSize);
        const result = await this.#writeChunk(chunk);
        if (result === 'failed') this.#toSpool(chunk.storePoints());
      } else {
        this.#spoolBuffer();
      }
    }
    // Waits for every append handed to the spool (they run in order before the close).
    if (this.#spoolUsable) await this.#spool.close();
    this.#writer.close();
    const stats = this.#spoolUsable ? this.#spool.stats() : undefined;
    this.#log.info({ spooledPoints: stats?.points ?? 0, lostPoints: stats?.lostPoints ?? 0 }, 'store stopped');
  }

  health(): StoreHealth {
    const stats = this.#spoolUsable ? this.#spool.stats() : undefined;
    const spoolLost = stats ? stats.droppedPoints + stats.queueDroppedPoints + stats.lostPoints + stats.unreadableLines : 0;
    const h: StoreHealth = {
      influxReachable: this.#reachable && this.#failures === 0,
      spooledPoints: stats?.points ?? 0,
      spooledBytes: stats?.bytes ?? 0,
      droppedPoints: spoolLost + this.#rejectedPoints + this.#lostPoints,
      pendingPoints: this.#buffer.length + this.#inFlightPoints + (stats?.queuedPoints ?? 0),
    };
    if (this.#lastWriteOkAtMs !== undefined) h.lastWriteOkAtMs = this.#lastWriteOkAtMs;
    if (this.#lastError !== undefined) h.lastError = this.#lastError;
    if (stats) {
      h.spool = {
        fsync: stats.fsync,
        writable: stats.writable,
        droppedPoints: stats.droppedPoints,
        queueDroppedPoints: stats.queueDroppedPoints,
        lostPoints: stats.lostPoints,
        unreadableLines: stats.unreadableLines,
      };
      if (stats.lastError !== undefined) h.spool.lastError = stats.lastError;
    }
    return h;
  }

  // ---- connection -------------------------------------------------------------------------

  #connect(): Promise<void> {
    this.#connecting ??= this.#tryConnect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #tryConnect(): Promise<void> {
    const ping = await pingInflux(this.#settings.url, Math.min(this.#requestTimeoutMs, 5_000));
    if (!ping.reachable) {
      this.#markUnreachable(ping.error ?? 'influxdb unreachable');
      return;
    }
    if (!this.#databaseReady) {
      try {
        await this.#ensureDatabase();
        this.#databaseReady = true;
      } catch (err) {
        this.#markUnreachable(`could not prepare database: ${errorMessage(err)}`);
        return;
      }
    }
    // A ping answers without credentials and while writes still fail (overload, 401/403): only a
    // successful write resets the failure count (see writeChunk), so retries keep backing off.
    this.#reachable = true;
    this.#startShapeMigration();
  }

  /** In the background: writes go on meanwhile (in this shape); a failure is retried where it stopped, after the migration's backoff (`retryDelayMs`). */
  #startShapeMigration(): void {
    if (this.#migrated || this.#migrating || this.#migrationRetryTimer || !this.#running) return;
    this.#migrating = this.#shapeMigration
      .run()
      .then(
        () => {
          this.#migrated = true;
        },
        (err: unknown) => {
          if (!this.#running) return;
          const retryInMs = this.#shapeMigration.retryDelayMs();
          this.#log.error({ error: errorMessage(err), retryInMs }, 'traffic migration failed: resumed later');
          this.#migrationRetryTimer = setTimeout(() => {
            this.#migrationRetryTimer = undefined;
            this.#startShapeMigration();
          }, retryInMs);
          this.#migrationRetryTimer.unref();
        },
      )
      .finally(() => {
        this.#migrating = undefined;
      });
  }

  /** Ends the migration's run (it settles at once) or its wait for a retry; says so when it was not over. */
  async #stopShapeMigration(): Promise<void> {
    const unfinished = this.#migrating !== undefined || this.#migrationRetryTimer !== undefined;
    if (this.#migrationRetryTimer) clearTimeout(this.#migrationRetryTimer);
    this.#migrationRetryTimer = undefined;
    this.#shapeMigration.stop();
    await this.#migrating;
    if (unfinished && !this.#migrated) {
      this.#log.info({ copiedFrom: this.#shapeMigration.copiedFrom() }, 'traffic migration interrupted by the stop: it resumes at the next start after the last window copied');
    }
  }

  async #ensureDatabase(): Promise<void> {
    const db = this.#settings.database;
    const names = await this.#influx.getDatabaseNames();
    if (!names.includes(db)) {
      await this.#influx.createDatabase(db);
      this.#log.info({ database: db }, 'influxdb database created');
    }
    // Raw, 5-minute and 1-hour retention policies and the rollups' continuous queries.
    await ensureRetentionAndRollups(this.#influx, { database: db, retention: retentionOf(this.#settings), log: this.#log });
  }

  #markUnreachable(error: string): void {
    if (this.#failures === 0) this.#log.warn({ url: redactUrl(this.#settings.url), error }, 'influxdb unreachable, spooling');
    this.#reachable = false;
    this.#failures += 1;
    this.#lastError = error;
  }

  #scheduleRetry(): void {
    if (!this.#running || this.#retryTimer) return;
    const delayMs = backoffDelayMs({ initialMs: this.#retryInitialMs, maxMs: this.#retryMaxMs }, this.#failures);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect().then(
        () => {
          if (!this.#running) return;
          if (this.#reachable) this.#kick();
          else this.#scheduleRetry();
        },
        (err: unknown) => {
          this.#log.error({ err }, 'influxdb retry failed unexpectedly');
          this.#scheduleRetry();
        },
      );
    }, delayMs);
    this.#retryTimer.unref();
  }

  // ---- the pump ---------------------------------------------------------------------------

  #kick(): void {
    if (!this.#running) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = this.#pump()
      .catch((err: unknown) => {
        this.#log.error({ err }, 'store pump failed unexpectedly');
      })
      .finally(() => {
        this.#pumping = undefined;
        if (this.#pumpAgain) {
          this.#pumpAgain = false;
          this.#kick();
        }
      });
  }

  async #pump(): Promise<void> {
    let liveTurn = true;
    while (this.#running) {
      if (!this.#reachable) {
        this.#spoolBuffer();
        this.#scheduleRetry();
        return;
      }
      const backlog = this.#spoolUsable && !this.#spool.isEmpty();
      // The spool is replayed: recompute the rollups of what it held (in the background).
      if (!backlog) this.#rollups.replayFinished();
      const live = liveTurnDue({
        bufferedPoints: this.#buffer.length,
        batchSize: this.#settings.batchSize,
        backlog,
        liveTurn,
        sinceLiveWriteMs: Date.now() - this.#liveWrittenAtMs,
        flushIntervalMs: this.#settings.flushIntervalMs,
      });
      if (live) {
        liveTurn = false;
        this.#liveWrittenAtMs = Date.now();
        const chunk = this.#buffer.take(this.#settings.batchSize);
        const result = await this.#writeChunk(chunk);
        if (result === 'failed') {
          this.#toSpool(chunk.storePoints());
          this.#spoolBuffer();
          this.#scheduleRetry();
          return;
        }
        continue;
      }
      liveTurn = true;
      if (!backlog) {
        // Without a backlog every buffered point is a live turn: the buffer is empty here.
        this.#liveWrittenAtMs = Date.now();
        return;
      }
      const read = await this.#spool.read(this.#settings.batchSize);
      if (!read) continue;
      const result = await this.#writeChunk(chunkOfPoints(read.points));
      if (result === 'failed') {
        this.#scheduleRetry();
        return;
      }
      await this.#rollups.note(read.points); // the span is on disk before the spool forgets it
      await this.#spool.acknowledge(read);
    }
  }

  async #writeChunk(points: PointChunk): Promise<WriteResult> {
    if (points.points === 0) return 'ok';
    this.#inFlightPoints = points.points;
    const startedAtMs = Date.now();
    try {
      await this.#writer.write(points.text());
      this.#lastWriteOkAtMs = Date.now();
      this.#metrics.writeDone('ok', points.points, this.#lastWriteOkAtMs - startedAtMs);
      if (this.#failures > 0) this.#log.info({ url: redactUrl(this.#settings.url), afterFailures: this.#failures }, 'influxdb writes succeed again');
      this.#failures = 0;
      return 'ok';
    } catch (err) {
      const status = httpStatus(err);
      const message = errorMessage(err);
      if (status === 400) {
        // Bad data (field type conflict, unparsable line): retrying cannot help. A partial
        // write keeps the valid points and says how many it dropped.
        const dropped = droppedByPartialWrite(message) ?? points.points;
        this.#rejectedPoints += dropped;
        this.#metrics.writeDone('rejected', Math.max(0, points.points - dropped), Date.now() - startedAtMs);
        this.#lastError = message;
        this.#log.error({ error: message, points: points.points, dropped }, 'influxdb rejected points, dropped');
        return 'rejected';
      }
      if (status === 404) this.#databaseReady = false; // database dropped under us: recreate it
      this.#metrics.writeDone('failed', 0, Date.now() - startedAtMs);
      this.#markUnreachable(message);
      return 'failed';
    } finally {
      this.#inFlightPoints = 0;
    }
  }

  #spoolBuffer(): void {
    if (this.#buffer.length === 0) return;
    this.#toSpool(this.#buffer.takeAll().storePoints());
  }

  /**
   * Hands points to the spool without waiting: appends run in call order inside it, and what
   * it cannot write (disk full) it counts and logs itself, so the promise never rejects.
   */
  #toSpool(points: StorePoint[]): void {
    if (points.length === 0) return;
    if (!this.#spoolUsable) {
      this.#lostPoints += points.length;
      this.#log.error({ points: points.length, lostTotal: this.#lostPoints }, 'no spool: points lost');
      return;
    }
    this.#spool.append(points).catch((err: unknown) => {
      this.#log.error({ err, points: points.length }, 'spool append failed unexpectedly');
    });
  }
}
