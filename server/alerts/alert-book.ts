// The alert book: one episode per link and direction from the moment it leaves `ok` until it
// is back, kept on disk across restarts (state-file.ts: a journal of changes and a snapshot),
// with its notifications. Each (episode, kind, channel, target) is recorded in the episode,
// and that version of the episode is on disk, before it is handed to the notifier; it is
// marked when delivered, so it is sent once; undelivered ones are resumed after a restart.
// A change that could not be written sends nothing: it is logged, written again on the next
// resume round, and its notifications go out only once it is on disk.
import type { Logger } from 'pino';
import type { LanewatchConfig, Contacts } from '../../config/schema.ts';
import type { LinkStateChange } from '../analysis/model.ts';
import type { DeliveryOutcome, DeliveryTarget, Notifier } from '../notify/notifier.ts';
import type { AlertEpisode, NotificationKind, NotificationRecord } from './model.ts';
import { acknowledge, activeKey, filterEpisodes, isPending, notificationPayload, stepEpisode, type EpisodeFilter } from './episodes.ts';
import { AlertJournal } from './state-file.ts';
import type { Registry } from 'prom-client';
import { registerAlertMetrics } from './metrics.ts';

export interface AlertBookOptions {
  /** Where `alerts.json` and its journal live (`settings.state.dir`). */
  dir: string;
  config: LanewatchConfig;
  /** The book stops it in `stop()` (deliveries in flight are recorded before the last write). */
  notifier: Notifier;
  /** The caller names the component (`log.child({ component })`); the book adds none. */
  log: Logger;
  now?: () => number;
  /** Resolved episodes kept (the oldest beyond this are dropped once their notifications settled). */
  keepResolved?: number;
  /**
   * How often pending notifications the notifier could not take (queue full) are offered
   * again, and changes that could not be written are written again.
   */
  resumeIntervalMs?: number;
  /** Where the book's metrics go (the process's registry); default: a private one. */
  registry?: Registry;
}

/** The book's bounds unless its options say otherwise (not settings: tests shorten them). */
const alertBookDefaults = { keepResolved: 10_000, resumeIntervalMs: 30_000 } as const;

type RecordOutcome = { ok: true } | { ok: false; err: unknown };

export class AlertBook {
  readonly #log: Logger;
  readonly #notifier: Notifier;
  readonly #now: () => number;
  readonly #journal: AlertJournal;
  readonly #keepResolved: number;
  readonly #contacts: Map<string, Contacts>;
  /** By id, in insertion order. */
  readonly #episodes = new Map<string, AlertEpisode>();
  /** activeKey(link, dir) → id of the episode not resolved. */
  readonly #active = new Map<string, string>();
  /** The latest version of each episode known to be on disk. */
  readonly #recorded = new Map<string, AlertEpisode>();
  /** The latest write of each episode still in progress. */
  readonly #writing = new Map<string, { episode: AlertEpisode; done: Promise<RecordOutcome> }>();
  #resumeTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  private constructor(options: AlertBookOptions, journal: AlertJournal, episodes: AlertEpisode[]) {
    this.#log = options.log;
    this.#notifier = options.notifier;
    this.#now = options.now ?? Date.now;
    this.#journal = journal;
    this.#keepResolved = options.keepResolved ?? alertBookDefaults.keepResolved;
    this.#contacts = new Map(
      options.config.topology.provinces.flatMap((p) => (p.contacts ? [[p.id, p.contacts] as const] : [])),
    );
    for (const episode of episodes) {
      this.#episodes.set(episode.id, episode);
      this.#recorded.set(episode.id, episode);
      if (episode.state !== 'resolved') this.#active.set(activeKey(episode.link, episode.dir), episode.id);
    }
    registerAlertMetrics(options.registry, () => this.#episodes.values());
  }

  /** Loads the episodes kept in `dir` and resumes their undelivered notifications. Throws when `dir` cannot be written. */
  static async open(options: AlertBookOptions): Promise<AlertBook> {
    const log = options.log;
    const { journal, episodes, report } = await AlertJournal.open({
      dir: options.dir,
      log,
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
    if (report.snapshot === 'invalid') {
      log.error({ reason: report.invalidReason, movedTo: report.movedTo }, 'alerts file unreadable, moved aside; starting from the journal alone');
    }
    if (report.skippedLines.length > 0) {
      log.warn({ lines: report.skippedLines, tornTail: report.tornTail }, 'alert journal lines unreadable, skipped');
    }
    if (report.migrated) log.info({ episodes: episodes.length }, 'alerts file migrated to snapshot and journal');
    const book = new AlertBook(options, journal, episodes);
    book.#resumePending();
    const intervalMs = options.resumeIntervalMs ?? alertBookDefaults.resumeIntervalMs;
    book.#resumeTimer = setInterval(() => book.#resumePending(), intervalMs);
    book.#resumeTimer.unref();
    return book;
  }

  /** Feeds one state change from the analyzer. Never throws. */
  onStateChange(change: LinkStateChange): void {
    if (this.#stopped) return;
    try {
      const key = activeKey(change.link, change.dir);
      const activeId = this.#active.get(key);
      const active = activeId === undefined ? undefined : this.#episodes.get(activeId);
      const step = stepEpisode(active, change, () => this.#newId(change));
      if (step === undefined) return;
      let episode = step.episode;
      if (step.kind !== undefined) {
        const targets = this.#notifier.targets(this.#contacts.get(episode.province));
        episode = { ...episode, notifications: [...episode.notifications, ...this.#records(step.kind, targets)] };
      }
      this.#episodes.set(episode.id, episode);
      if (episode.state === 'resolved') this.#active.delete(key);
      else this.#active.set(key, episode.id);
      const kind = step.kind;
      if (kind !== undefined) this.#log.info({ episode: episode.id, kind, level: episode.level }, 'alert episode changed');
      // On disk first, sent after: a crash between the two resumes the notification instead of losing it.
      void this.#record(episode).then((outcome) => {
        if (outcome.ok) {
          if (kind !== undefined) this.#sendPending(episode);
        } else {
          this.#log.error(
            { err: outcome.err, episode: episode.id, ...(kind !== undefined ? { kind } : {}) },
            kind !== undefined ? 'alert episode not recorded, its notification is held until it is' : 'alert episode not recorded',
          );
        }
      });
      if (kind !== undefined) this.#prune();
    } catch (err) {
      this.#log.error({ err, link: change.link, dir: change.dir }, 'state change not recorded');
    }
  }

  list(filter: EpisodeFilter = {}): AlertEpisode[] {
    return filterEpisodes(this.#episodes.values(), filter);
  }

  get(id: string): AlertEpisode | undefined {
    return this.#episodes.get(id);
  }

  /**
   * Acknowledges an open episode (the first acknowledgement stands); resolved ones cannot be.
   * Resolves once the acknowledgement is on disk; rejects when it could not be written.
   */
  async ack(id: string, by: string): Promise<AlertEpisode | 'not-found' | 'resolved'> {
    const episode = this.#episodes.get(id);
    if (episode === undefined) return 'not-found';
    const acked = acknowledge(episode, by, this.#now());
    if (acked === 'resolved') return acked;
    if (acked !== episode) {
      this.#episodes.set(id, acked);
      this.#log.info({ episode: id, by }, 'alert acknowledged');
    }
    // A repeated acknowledgement also waits: the first one may not be on disk yet.
    const outcome = await this.#durable(acked);
    if (!outcome.ok) throw new Error(`acknowledgement of alert ${id} not recorded`, { cause: outcome.err });
    return acked;
  }

  /** Waits until every change so far has been written (or failed to be). */
  async flush(): Promise<void> {
    await this.#journal.flush();
  }

  /** Stops the notifier (its deliveries in flight are recorded) and writes the last state. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#resumeTimer !== undefined) clearInterval(this.#resumeTimer);
    await this.#notifier.stop();
    // Changes that never got on disk get a last chance.
    for (const episode of this.#episodes.values()) {
      if (this.#recorded.get(episode.id) !== episode && this.#writing.get(episode.id)?.episode !== episode) void this.#record(episode);
    }
    await this.#journal.close();
  }

  #newId(change: LinkStateChange): string {
    const base = `${change.link}.${change.dir}.${change.atMs}`;
    let id = base;
    for (let n = 2; this.#episodes.has(id); n += 1) id = `${base}.${n}`;
    return id;
  }

  #records(kind: NotificationKind, targets: DeliveryTarget[]): NotificationRecord[] {
    const atMs = this.#now();
    return targets.map(({ channel, target }) => ({ kind, channel, target, atMs, attempts: 0 }));
  }

  /** Writes this version of the episode; never rejects. */
  #record(episode: AlertEpisode): Promise<RecordOutcome> {
    const id = episode.id;
    const done = this.#journal.put(episode).then(
      (): RecordOutcome => {
        if (this.#episodes.has(id)) this.#recorded.set(id, episode);
        return { ok: true };
      },
      (err: unknown): RecordOutcome => ({ ok: false, err }),
    );
    const entry = { episode, done };
    this.#writing.set(id, entry);
    void done.then(() => {
      if (this.#writing.get(id) === entry) this.#writing.delete(id);
    });
    return done;
  }

  /** Resolves once `episode` (this version or a later one) is on disk, writing it again when its write failed. */
  #durable(episode: AlertEpisode): Promise<RecordOutcome> {
    if (this.#recorded.get(episode.id) === episode) return Promise.resolve({ ok: true });
    const writing = this.#writing.get(episode.id);
    if (writing?.episode === episode) return writing.done;
    return this.#record(this.#episodes.get(episode.id) ?? episode);
  }

  /**
   * Hands the pending notifications of the episode to the notifier: those of its current
   * version (delivery state is kept there) that `onDisk`, a version on disk, also holds.
   */
  #sendPending(onDisk: AlertEpisode): void {
    if (this.#stopped) return;
    const episode = this.#episodes.get(onDisk.id);
    if (episode === undefined) return;
    const sameRecord = (a: NotificationRecord, b: NotificationRecord): boolean =>
      a.kind === b.kind && a.channel === b.channel && a.target === b.target;
    for (const record of episode.notifications) {
      if (!isPending(record) || !onDisk.notifications.some((r) => sameRecord(r, record))) continue;
      const payload = notificationPayload(episode, record.kind, record.channel, record.target);
      const queued = this.#notifier.enqueue({
        channel: record.channel,
        target: record.target,
        payload,
        attemptsBefore: record.attempts,
        report: (outcome) => this.#onOutcome(episode.id, record.kind, record.channel, record.target, outcome),
      });
      if (!queued) this.#log.warn({ episode: episode.id, kind: record.kind, channel: record.channel }, 'notification queue full, will offer again');
    }
  }

  /** Writes again the changes whose write failed, then offers every pending notification that is on disk. */
  #resumePending(): void {
    if (this.#stopped) return;
    const retries: Promise<{ id: string; outcome: RecordOutcome }>[] = [];
    for (const episode of this.#episodes.values()) {
      const onDisk = this.#recorded.get(episode.id);
      if (onDisk !== episode && this.#writing.get(episode.id) === undefined) {
        retries.push(
          this.#record(episode).then((outcome) => {
            if (outcome.ok) {
              this.#log.info({ episode: episode.id }, 'alert episode recorded on a later attempt');
              this.#sendPending(episode);
            }
            return { id: episode.id, outcome };
          }),
        );
      }
      if (onDisk !== undefined && onDisk.notifications.some(isPending)) this.#sendPending(onDisk);
    }
    if (retries.length === 0) return;
    // One line per round, not one per episode, while the disk stays unwritable.
    void Promise.all(retries).then((results) => {
      const failed = results.filter((r) => !r.outcome.ok);
      const first = failed[0];
      if (first === undefined || first.outcome.ok) return;
      this.#log.error(
        { err: first.outcome.err, count: failed.length, episodes: failed.slice(0, 10).map((r) => r.id) },
        'alert episodes still not recorded',
      );
    });
  }

  #onOutcome(
    episodeId: string,
    kind: NotificationKind,
    channel: NotificationRecord['channel'],
    target: string,
    outcome: DeliveryOutcome,
  ): void {
    const episode = this.#episodes.get(episodeId);
    if (episode === undefined) return;
    const notifications = episode.notifications.map((record): NotificationRecord => {
      if (record.kind !== kind || record.channel !== channel || record.target !== target) return record;
      const next: NotificationRecord = { ...record, attempts: outcome.attempts, atMs: outcome.atMs };
      if (outcome.type === 'delivered') {
        next.deliveredAtMs = outcome.atMs;
        delete next.error;
      } else if (outcome.type === 'failed') {
        next.error = outcome.error;
        if (outcome.final) next.gaveUpAtMs = outcome.atMs;
      }
      return next;
    });
    const updated = { ...episode, notifications };
    this.#episodes.set(episodeId, updated);
    // Written in the background: the record itself was on disk before the first attempt; if
    // this write is lost the worst case is one more attempt after a restart.
    void this.#record(updated).then((result) => {
      if (!result.ok) this.#log.warn({ err: result.err, episode: episodeId, kind, channel }, 'notification outcome not recorded');
    });
  }

  /** Drops the oldest resolved episodes beyond `keepResolved` whose notifications settled. */
  #prune(): void {
    const resolved = [...this.#episodes.values()].filter((e) => e.state === 'resolved');
    let excess = resolved.length - this.#keepResolved;
    if (excess <= 0) return;
    resolved.sort((a, b) => (a.resolvedAtMs ?? 0) - (b.resolvedAtMs ?? 0));
    for (const episode of resolved) {
      if (excess <= 0) break;
      if (episode.notifications.some(isPending)) continue;
      this.#episodes.delete(episode.id);
      this.#recorded.delete(episode.id);
      this.#writing.delete(episode.id);
      void this.#journal.drop(episode.id).catch((err: unknown) => {
        this.#log.warn({ err, episode: episode.id }, 'dropped alert episode not recorded as dropped');
      });
      excess -= 1;
    }
  }
}
