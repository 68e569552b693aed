// The alert episodes on disk: one JSON file replaced atomically (write a temporary file,
// fsync, rename over, fsync the directory), so a crash mid-write leaves the previous
// version intact. Writes are serialised and coalesced: the latest state always lands.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { AlertEpisode } from './model.ts';

export const alertsFileName = 'alerts.json';
const fileVersion = 1;

const direction = z.enum(['down', 'up']);
const level = z.enum(['ok', 'warning', 'critical']);
const tier = z.union([z.literal(1), z.literal(2)]);

const verdictSchema = z.object({
  atMs: z.number(),
  link: z.string(),
  province: z.string(),
  tier,
  dir: direction,
  level,
  conditions: z.object({
    encroaching: z.boolean(),
    busy: z.boolean(),
    starved: z.boolean(),
    dropsReported: z.boolean(),
  }),
  totalBps: z.number(),
  internetBps: z.number(),
  capacityBps: z.number(),
  reservedBps: z.number(),
  encroachBps: z.number(),
  dropRatio: z.object({ docex: z.number().optional(), video: z.number().optional() }),
  policyRevision: z.number(),
});

const recordSchema = z.object({
  kind: z.enum(['raise', 'escalate', 'resolve']),
  channel: z.enum(['webhook', 'email']),
  target: z.string(),
  atMs: z.number(),
  attempts: z.number().int().min(0),
  deliveredAtMs: z.number().optional(),
  error: z.string().optional(),
  gaveUpAtMs: z.number().optional(),
});

export const episodeSchema = z.object({
  id: z.string().min(1),
  link: z.string(),
  province: z.string(),
  tier,
  dir: direction,
  level: z.enum(['warning', 'critical']),
  state: z.enum(['open', 'acknowledged', 'resolved']),
  raisedAtMs: z.number(),
  escalatedAtMs: z.number().optional(),
  acknowledgedAtMs: z.number().optional(),
  acknowledgedBy: z.string().optional(),
  resolvedAtMs: z.number().optional(),
  firstVerdict: verdictSchema,
  lastVerdict: verdictSchema,
  escalateVerdict: verdictSchema.optional(),
  notifications: z.array(recordSchema),
});

const fileSchema = z.object({ version: z.literal(fileVersion), episodes: z.array(episodeSchema) });

export type LoadResult =
  | { kind: 'loaded'; episodes: AlertEpisode[] }
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string; movedTo: string };

/** Reads the episodes; a file that does not parse is moved aside (never overwritten) and reported. */
export async function loadEpisodes(dir: string, nowMs: number): Promise<LoadResult> {
  const path = join(dir, alertsFileName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return { kind: 'missing' };
    throw new Error(`cannot read ${path}`, { cause: err });
  }
  let reason: string;
  try {
    const parsed = fileSchema.safeParse(JSON.parse(text) as unknown);
    if (parsed.success) return { kind: 'loaded', episodes: parsed.data.episodes };
    const issue = parsed.error.issues[0];
    reason = issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid';
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  }
  const movedTo = `${path}.invalid-${nowMs}`;
  await rename(path, movedTo);
  return { kind: 'invalid', reason, movedTo };
}

/** Writes `value` as JSON to `path` atomically. */
export async function writeJsonAtomic(path: string, dir: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify(value));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

interface Waiter {
  generation: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The episodes file. `save(snapshot)` resolves once a write that includes that call (the
 * snapshot is taken when a write starts) is on disk; saves during a write are coalesced
 * into the next one. One write at a time.
 */
export class EpisodeFile {
  readonly #dir: string;
  readonly #path: string;
  #latest: (() => AlertEpisode[]) | undefined;
  #requested = 0;
  #written = 0;
  #loop: Promise<void> | undefined;
  #waiters: Waiter[] = [];

  constructor(dir: string) {
    this.#dir = dir;
    this.#path = join(dir, alertsFileName);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
  }

  save(snapshot: () => AlertEpisode[]): Promise<void> {
    this.#latest = snapshot;
    const generation = ++this.#requested;
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ generation, resolve, reject }));
    this.#loop ??= this.#run();
    return done;
  }

  /** Resolves when no write is running or waiting. */
  async flush(): Promise<void> {
    while (this.#loop !== undefined) await this.#loop;
  }

  async #run(): Promise<void> {
    try {
      while (this.#written < this.#requested) {
        const generation = this.#requested;
        const snapshot = this.#latest;
        let failure: { err: unknown } | undefined;
        try {
          if (snapshot !== undefined) {
            await writeJsonAtomic(this.#path, this.#dir, { version: fileVersion, episodes: snapshot() });
          }
        } catch (err) {
          failure = { err };
        }
        this.#written = generation;
        const settled = this.#waiters.filter((w) => w.generation <= generation);
        this.#waiters = this.#waiters.filter((w) => w.generation > generation);
        for (const waiter of settled) {
          if (failure) waiter.reject(failure.err);
          else waiter.resolve();
        }
      }
    } finally {
      this.#loop = undefined;
    }
  }
}
