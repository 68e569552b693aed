// Reading back what the program wrote itself (the server's users, sessions, policy revisions,
// alert state and audit log; the collector's rollup backfill and traffic migration progress): a
// file cut short by a crash or broken by hand is refused with a reason to log or show, never
// thrown from JSON.parse as a bare SyntaxError. Here, below the server and the collector.
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { abandonedAfterMs, isMissing, removeAbandonedWrites, writeFileAtomically } from './atomic-file.ts';

/** The value of a stored JSON text as `schema` reads it, or why it is unusable. Pure. */
export function parseStoredJson<T>(text: string, schema: z.ZodType<T>): { data: T } | { reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    return { reason: 'not complete JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { data: parsed.data };
  const issue = parsed.error.issues[0];
  return { reason: issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}` };
}

/**
 * The value stored in `path` as `schema` reads it; undefined when there is no such file. Throws
 * an Error naming the file, and why, when it cannot be read or holds something else: the caller
 * decides whether that stops anything (a state that can be rebuilt is logged and ignored).
 */
export async function readStoredJson<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new Error(`cannot read ${path}`, { cause: err });
  }
  const parsed = parseStoredJson(text, schema);
  if ('reason' in parsed) throw new Error(`${path} is unusable: ${parsed.reason}`);
  return parsed.data;
}

/**
 * Writes `value` as one line of JSON to `path`, atomically and durably (config/atomic-file.ts: a
 * temporary file of its own beside it, fsynced, renamed, the directory fsynced): after a crash
 * the file holds this value or the previous one. Throws naming the file when it cannot.
 */
export async function writeStoredJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomically(dirname(path), basename(path), `${JSON.stringify(value)}\n`);
}

export interface ResumableStateRead {
  log: Logger;
  nowMs: number;
  /** What the state is, for the log (`rollup backfill state`). */
  what: string;
}

/**
 * At a start, progress kept only to resume work that can be redone (the rollup backfill's owed
 * span, the traffic migration's windows): removes the temporary files a crash left of `path`
 * (those older than `abandonedAfterMs`: another process may be writing it now), then reads it.
 * Never throws: a file that cannot be read or understood is logged, naming it, and read as
 * absent (the work is redone, which costs time but loses nothing).
 */
export async function readResumableState<T>(path: string, schema: z.ZodType<T>, options: ResumableStateRead): Promise<T | undefined> {
  const { log, nowMs, what } = options;
  try {
    await removeAbandonedWrites(dirname(path), { name: basename(path), minAgeMs: abandonedAfterMs, nowMs, log, message: `removing an unfinished write of the ${what}` });
  } catch (err) {
    // No directory yet: nothing was ever written there.
    if (!isMissing(err)) log.warn({ err, file: path }, `${what}: unfinished writes not cleared`);
  }
  try {
    return await readStoredJson(path, schema);
  } catch (err) {
    log.warn({ err, file: path }, `${what} ignored: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
