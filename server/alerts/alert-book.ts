// The alert book: one episode per link and direction from the moment it leaves `ok` until it
// is back, kept on disk across restarts, with its notifications. Each (episode, kind,
// channel, target) is recorded in the episode before it is handed to the notifier and
// marked when delivered, so it is sent once; undelivered ones are resumed after a restart.
import type { Logger } from 'pino';
import type { LanewatchConfig, Contacts } from '../../config/schema.ts';
import type { LinkStateChange } from '../analysis/model.ts';
import type { DeliveryOutcome, DeliveryTarget, Notifier } from '../notify/notifier.ts';
import type { AlertEpisode, NotificationKind, NotificationRecord } from './model.ts';
import { acknowledge, activeKey, filterEpisodes, isPending, notificationPayload, stepEpisode, type EpisodeFilter } from './episodes.ts';
import { EpisodeFile, loadEpisodes } from './state-file.ts';

export interface AlertBookOptions {
  /** Where `alerts.json` lives (`settings.state.dir`). */
  dir: string;
  config: LanewatchConfig;
  /** The book stops it in `stop()` (deliveries in flight are recorded before the last write). */
  notifier: Notifier;
  log: Logger;
  now?: () => number;
  /** Resolved episodes kept (the oldest beyond this are dropped once their notifications settled; default 10,000). */
  keepResolved?: number;
  /** How often pending notifications the notifier could not take (queue full) are offered again (default 30 s). */
  resumeIntervalMs?: number;
}

export class AlertBook {
  readonly #log: Logger;
  readonly #notifier: Notifier;
  readonly #now: () => number;
  readonly #file: EpisodeFile;
  readonly #keepResolved: number;
  readonly #contacts: Map<string, Contacts>;
  /** By id, in insertion order. */
  readonly #episodes = new Map<string, AlertEpisode>();
  /** activeKey(link, dir) → id of the episode not resolved. */
  readonly #active = new Map<string, string>();
  #resumeTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  private constructor(options: AlertBookOptions, episodes: AlertEpisode[]) {
    this.#log = options.log.child({ component: 'alerts' });
    this.#notifier = options.notifier;
    this.#now = options.now ?? Date.now;
    this.#file = new EpisodeFile(options.dir);
    this.#keepResolved = options.keepResolved ?? 10_000;
    this.#contacts = new Map(
      options.config.topology.provinces.flatMap((p) => (p.contacts ? [[p.id, p.contacts] as const] : [])),
    );
    for (const episode of episodes) {
      this.#episodes.set(episode.id, episode);
      if (episode.state !== 'resolved') this.#active.set(activeKey(episode.link, episode.dir), episode.id);
    }
  }

  /** Loads the episodes kept in `dir` and resumes their undelivered notifications. */
  static async open(options: AlertBookOptions): Promise<AlertBook> {
    const now = options.now ?? Date.now;
    const file = new EpisodeFile(options.dir);
    await file.ensureDir();
    const loaded = await loadEpisodes(options.dir, now());
    if (loaded.kind === 'invalid') {
      options.log.error({ reason: loaded.reason, movedTo: loaded.movedTo }, 'alerts file unreadable, moved aside; starting empty');
    }
    const book = new AlertBook(options, loaded.kind === 'loaded' ? loaded.episodes : []);
    book.#resumePending();
    const intervalMs = options.resumeIntervalMs ?? 30_000;
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
      if (step.kind !== undefined) {
        this.#log.info({ episode: episode.id, kind: step.kind, level: episode.level }, 'alert episode changed');
        this.#prune();
      }
      const kind = step.kind;
      // Recorded first, sent after: a crash between the two resumes the notification instead of losing it.
      void this.#save().then(() => {
        if (kind !== undefined) this.#sendPending(episode.id, kind);
      });
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

  /** Acknowledges an open episode (the first acknowledgement stands); resolved ones cannot be. */
  ack(id: string, by: string): AlertEpisode | 'not-found' | 'resolved' {
    const episode = this.#episodes.get(id);
    if (episode === undefined) return 'not-found';
    const acked = acknowledge(episode, by, this.#now());
    if (acked === 'resolved' || acked === episode) return acked;
    this.#episodes.set(id, acked);
    this.#log.info({ episode: id, by }, 'alert acknowledged');
    void this.#save();
    return acked;
  }

  /** Waits until everything so far is on disk. */
  async flush(): Promise<void> {
    await this.#file.flush();
  }

  /** Stops the notifier (its deliveries in flight are recorded) and writes the last state. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#resumeTimer !== undefined) clearInterval(this.#resumeTimer);
    await this.#notifier.stop();
    await this.#save();
    await this.#file.flush();
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

  #save(): Promise<void> {
    return this.#file.save(() => [...this.#episodes.values()]).catch((err: unknown) => {
      this.#log.error({ err }, 'alerts not written');
    });
  }

  /** Hands the episode's pending notifications of `kind` (all kinds when absent) to the notifier. */
  #sendPending(episodeId: string, kind?: NotificationKind): void {
    if (this.#stopped) return;
    const episode = this.#episodes.get(episodeId);
    if (episode === undefined) return;
    for (const record of episode.notifications) {
      if (!isPending(record) || (kind !== undefined && record.kind !== kind)) continue;
      const payload = notificationPayload(episode, record.kind, record.channel, record.target);
      const queued = this.#notifier.enqueue({
        channel: record.channel,
        target: record.target,
        payload,
        attemptsBefore: record.attempts,
        report: (outcome) => this.#onOutcome(episodeId, record.kind, record.channel, record.target, outcome),
      });
      if (!queued) this.#log.warn({ delivery: payload.deliveryId }, 'notification queue full, will offer again');
    }
  }

  #resumePending(): void {
    for (const episode of this.#episodes.values()) {
      if (episode.notifications.some(isPending)) this.#sendPending(episode.id);
    }
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
    this.#episodes.set(episodeId, { ...episode, notifications });
    // Written in the background: the record itself was on disk before the first attempt.
    void this.#save();
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
      excess -= 1;
    }
  }
}
