// The alert episodes on disk: a snapshot (`alerts.json`, replaced atomically by
// config/atomic-file.ts: tmp file, fsync, rename, fsync of the directory) and a journal
// (`alerts.journal.jsonl`) of the changes made since, one JSON line per change (the episode as
// it now stands, or its removal), numbered.
//
// A change is durable once its line is fsynced: `put()` resolves then, and rejects when the
// write failed. Lines that arrive while a write is running go into the next one (group
// commit: no added delay, at most `maxBatchLines` lines per fsync), so a change waits for at
// most the write in progress and its own.
//
// Compaction writes the live state as a new snapshot, numbered with the last change it holds,
// then empties the journal: at open, at close, and when the journal outgrows
// `compactFactor` × the live state (and `compactMinBytes`). Loading replays the journal lines
// numbered after the snapshot (a crash between the two steps of a compaction replays
// nothing twice); a torn last line, which a crash in the middle of an append leaves, is
// skipped. A version 1 `alerts.json` (the whole state rewritten on every change) loads as a
// snapshot and the compaction at open migrates it.
import { mkdir, open, readdir, readFile, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { alertSchema } from '../../api/schemas.ts';
import { isMissing, removeAbandonedWrites, syncDir, writeFileAtomically } from '../../config/atomic-file.ts';
import { parseStoredJson } from '../../config/stored-json.ts';
import type { AlertEpisode } from './model.ts';

export const alertsFileName = 'alerts.json';
export const journalFileName = 'alerts.journal.jsonl';
const snapshotVersion = 2;

/** Journal lines written with one fsync, at most. */
const maxBatchLines = 256;
/** The journal is compacted when it is larger than this many times the live state… */
const defaultCompactFactor = 4;
/** …and larger than this (a small state is not rewritten every few changes). */
const defaultCompactMinBytes = 1024 * 1024;

/**
 * An episode as the API shows it (api/schemas.ts `alertSchema`: the same shape, one source),
 * with a non-empty id.
 */
const episodeSchema = alertSchema.extend({ id: z.string().min(1) });

const seqSchema = z.number().int().min(1);

const snapshotSchema = z.union([
  z.object({ version: z.literal(1), episodes: z.array(episodeSchema) }),
  z.object({ version: z.literal(snapshotVersion), seq: z.number().int().min(0), episodes: z.array(episodeSchema) }),
]);

const lineSchema = z.union([
  z.object({ seq: seqSchema, op: z.literal('put'), episode: episodeSchema }),
  z.object({ seq: seqSchema, op: z.literal('drop'), id: z.string().min(1) }),
]);

/** What loading found, for the log. */
export interface LoadReport {
  snapshot: 'loaded' | 'missing' | 'invalid';
  /** The snapshot was a version 1 file (migrated by the compaction at open). */
  migrated: boolean;
  /** Where an unreadable snapshot was moved (never overwritten). */
  movedTo?: string;
  invalidReason?: string;
  /** Journal lines applied (those numbered after the snapshot). */
  replayed: number;
  /** Journal lines that did not parse, by line number (1-based); the last one when `tornTail`. */
  skippedLines: number[];
  /** The journal ended in a line cut short (a crash mid-append): skipped. */
  tornTail: boolean;
}

interface LoadedState {
  episodes: Map<string, AlertEpisode>;
  seq: number;
  report: LoadReport;
  /** The journal's size; undefined when there was none. */
  journalBytes: number | undefined;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new Error(`cannot read ${path}`, { cause: err });
  }
}

/** Reads the snapshot and replays the journal after it. An unreadable snapshot is moved aside. */
export async function loadAlertState(dir: string, nowMs: number): Promise<LoadedState> {
  const report: LoadReport = { snapshot: 'missing', migrated: false, replayed: 0, skippedLines: [], tornTail: false };
  const episodes = new Map<string, AlertEpisode>();
  let seq = 0;

  const snapshotPath = join(dir, alertsFileName);
  const snapshotText = await readOptional(snapshotPath);
  if (snapshotText !== undefined) {
    const parsed = parseStoredJson(snapshotText, snapshotSchema);
    if ('data' in parsed) {
      for (const episode of parsed.data.episodes) episodes.set(episode.id, episode);
      if (parsed.data.version === snapshotVersion) seq = parsed.data.seq;
      report.snapshot = 'loaded';
      report.migrated = parsed.data.version === 1;
    } else {
      const movedTo = `${snapshotPath}.invalid-${nowMs}`;
      await rename(snapshotPath, movedTo);
      report.snapshot = 'invalid';
      report.movedTo = movedTo;
      report.invalidReason = parsed.reason;
    }
  }

  const journalFound = await readOptional(join(dir, journalFileName));
  const journalText = journalFound ?? '';
  const lines = journalText.split('\n');
  // The text after the last newline: empty after a complete append, a fragment after a torn one.
  const tail = lines.pop() ?? '';
  if (tail.length > 0) {
    report.tornTail = true;
    report.skippedLines.push(lines.length + 1);
  }
  let maxSeq = seq;
  lines.forEach((text, index) => {
    if (text.length === 0) return;
    const parsed = parseStoredJson(text, lineSchema);
    if ('reason' in parsed) {
      report.skippedLines.push(index + 1);
      return;
    }
    const line = parsed.data;
    maxSeq = Math.max(maxSeq, line.seq);
    if (line.seq <= seq) return; // already in the snapshot
    if (line.op === 'put') episodes.set(line.episode.id, line.episode);
    else episodes.delete(line.id);
    report.replayed += 1;
  });
  report.skippedLines.sort((a, b) => a - b);
  return { episodes, seq: maxSeq, report, journalBytes: journalFound === undefined ? undefined : Buffer.byteLength(journalFound) };
}

/** Appends `text` to `path` and fsyncs it (the file is opened for each batch, and closed in every case). */
async function appendDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, 'a');
  try {
    await handle.appendFile(text, 'utf8');
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

export interface AlertJournalOptions {
  /** Where `alerts.json` and `alerts.journal.jsonl` live (created when missing). */
  dir: string;
  log: Logger;
  now?: () => number;
  compactFactor?: number;
  compactMinBytes?: number;
}

interface QueuedLine {
  seq: number;
  text: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The episodes as the journal holds them, and the writer. `put`/`drop` take effect in the
 * journal's view at once (a compaction snapshots it) and resolve once on disk.
 */
export class AlertJournal {
  readonly #dir: string;
  readonly #journalPath: string;
  readonly #log: Logger;
  readonly #compactFactor: number;
  readonly #compactMinBytes: number;
  /** The latest version of every episode handed to put(), by id. */
  readonly #live: Map<string, AlertEpisode>;
  /** The size of each episode's latest journal line: the live state's size. */
  readonly #liveBytes = new Map<string, number>();
  #liveTotalBytes = 0;
  #seq: number;
  #journalBytes = 0;
  /** A failed append may have left a fragment that could not be cut off: the next batch starts on a new line. */
  #maybeTorn = false;
  #queue: QueuedLine[] = [];
  #loop: Promise<void> | undefined;
  #closed = false;

  private constructor(options: AlertJournalOptions, state: LoadedState) {
    this.#dir = options.dir;
    this.#journalPath = join(options.dir, journalFileName);
    this.#log = options.log;
    this.#compactFactor = options.compactFactor ?? defaultCompactFactor;
    this.#compactMinBytes = options.compactMinBytes ?? defaultCompactMinBytes;
    this.#live = state.episodes;
    this.#seq = state.seq;
    for (const episode of state.episodes.values()) this.#setLiveBytes(episode.id, Buffer.byteLength(JSON.stringify(episode)));
  }

  /**
   * Loads the state and compacts it, so the journal starts empty (without a torn line) and an
   * old-format file is rewritten in the current one; a current snapshot with an empty journal
   * is left as it is. Throws when the directory cannot be written.
   */
  static async open(options: AlertJournalOptions): Promise<{ journal: AlertJournal; episodes: AlertEpisode[]; report: LoadReport }> {
    await mkdir(options.dir, { recursive: true });
    // What a crash in the middle of a snapshot write leaves: never read, removed. (Versions
    // before config/atomic-file.ts named them `alerts.json.<pid>.tmp`.)
    const nowMs = (options.now ?? Date.now)();
    await removeAbandonedWrites(options.dir, { name: alertsFileName, nowMs, log: options.log });
    for (const name of await readdir(options.dir)) {
      if (/^alerts\.json\.\d+\.tmp$/.test(name)) await rm(join(options.dir, name), { force: true });
    }
    const state = await loadAlertState(options.dir, nowMs);
    const journal = new AlertJournal(options, state);
    const clean = state.report.snapshot === 'loaded' && !state.report.migrated && state.journalBytes === 0;
    if (!clean) await journal.#compact();
    return { journal, episodes: [...state.episodes.values()], report: state.report };
  }

  /** Bytes in the journal since the last compaction. */
  get journalBytes(): number {
    return this.#journalBytes;
  }

  /** Records the episode as it now stands; resolves once that is on disk. */
  put(episode: AlertEpisode): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('alert journal closed'));
    const seq = ++this.#seq;
    const text = `${JSON.stringify({ seq, op: 'put', episode })}\n`;
    this.#live.set(episode.id, episode);
    this.#setLiveBytes(episode.id, Buffer.byteLength(text));
    return this.#enqueue(seq, text);
  }

  /** Records that the episode is gone; resolves once that is on disk. */
  drop(id: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('alert journal closed'));
    const seq = ++this.#seq;
    this.#live.delete(id);
    this.#setLiveBytes(id, undefined);
    return this.#enqueue(seq, `${JSON.stringify({ seq, op: 'drop', id })}\n`);
  }

  /** Resolves when nothing is waiting to be written. */
  async flush(): Promise<void> {
    while (this.#loop !== undefined) await this.#loop;
  }

  /** Writes what is queued, compacts (a clean stop leaves one snapshot) and refuses further changes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    try {
      await this.#compact();
    } catch (err) {
      this.#log.error({ err }, 'alert state not compacted at close; the journal keeps every change');
    }
  }

  #setLiveBytes(id: string, bytes: number | undefined): void {
    this.#liveTotalBytes -= this.#liveBytes.get(id) ?? 0;
    if (bytes === undefined) {
      this.#liveBytes.delete(id);
      return;
    }
    this.#liveBytes.set(id, bytes);
    this.#liveTotalBytes += bytes;
  }

  #enqueue(seq: number, text: string): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#queue.push({ seq, text, resolve, reject }));
    this.#loop ??= this.#run();
    return done;
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, maxBatchLines);
        await this.#append(batch);
        if (this.#journalBytes > Math.max(this.#compactMinBytes, this.#compactFactor * this.#liveTotalBytes)) {
          try {
            await this.#compact();
          } catch (err) {
            // The journal still holds every change: nothing is lost, it only grows.
            this.#log.error({ err, journalBytes: this.#journalBytes }, 'alert state not compacted');
          }
        }
      }
    } finally {
      this.#loop = undefined;
    }
  }

  async #append(batch: QueuedLine[]): Promise<void> {
    let text = batch.map((line) => line.text).join('');
    if (this.#maybeTorn) text = `\n${text}`;
    try {
      await appendDurably(this.#journalPath, text);
    } catch (err) {
      // Cut off whatever part of the batch got in, so the next line starts clean.
      try {
        await truncate(this.#journalPath, this.#journalBytes);
      } catch {
        this.#maybeTorn = true;
      }
      const failure = new Error(`alert journal not written (${batch.length} change${batch.length === 1 ? '' : 's'})`, { cause: err });
      for (const line of batch) line.reject(failure);
      return;
    }
    this.#maybeTorn = false;
    this.#journalBytes += Buffer.byteLength(text);
    for (const line of batch) line.resolve();
  }

  /** The live state as a snapshot, then an empty journal. */
  async #compact(): Promise<void> {
    const seq = this.#seq;
    const text = JSON.stringify({ version: snapshotVersion, seq, episodes: [...this.#live.values()] });
    await writeFileAtomically(this.#dir, alertsFileName, text);
    // From here the snapshot holds every change numbered up to seq: journal lines up to it are
    // skipped on load, so a crash before the journal is emptied replays nothing twice.
    const handle = await open(this.#journalPath, 'w');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDir(this.#dir);
    this.#journalBytes = 0;
    this.#maybeTorn = false;
    this.#log.debug({ seq, episodes: this.#live.size, bytes: text.length }, 'alert state compacted');
  }
}
