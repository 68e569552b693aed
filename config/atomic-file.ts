// Files replaced whole (the server's users, sessions, policy revisions and alert snapshot; the
// collector's rollup backfill and traffic migration progress): a reader, or a restart after a
// crash, finds the previous version or the new one, never a part. Here, below the server and
// the collector (which never imports from server/), beside the other shared foundations.
// The text goes to a temporary file beside the target (`.<name>.<pid>.<uuid>.tmp`, created
// exclusively), is fsynced, renamed over the target, and the directory is fsynced so that the
// rename itself survives a crash. A crash before the rename leaves only the temporary file,
// which `removeAbandonedWrites` clears at the next start (backups skip `*.tmp` too).
import { randomUUID } from 'node:crypto';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { errorCode } from './error-code.ts';

/** Which version of a file was read or written: a rename by anyone gives a new inode. */
export interface FileIdentity {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/** Whether `err` says the file is not there (ENOENT). */
export function isMissing(err: unknown): boolean {
  return errorCode(err) === 'ENOENT';
}

/** The identity of `path` now, or undefined when there is no such file. */
export async function fileIdentity(path: string): Promise<FileIdentity | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return { ino: s.ino, size: s.size, mtimeNs: s.mtimeNs };
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new Error(`cannot stat ${path}`, { cause: err });
  }
}

/** The text of `path` and the identity of exactly that version, or undefined when there is no file. */
export async function readFileVersion(path: string): Promise<{ text: string; identity: FileIdentity } | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new Error(`cannot open ${path}`, { cause: err });
  }
  try {
    const s = await handle.stat({ bigint: true });
    const text = await handle.readFile('utf8');
    return { text, identity: { ino: s.ino, size: s.size, mtimeNs: s.mtimeNs } };
  } finally {
    await handle.close();
  }
}

/**
 * Pure: whether a failed fsync of a directory means only that its file system cannot sync
 * directories (fsync(2): EINVAL; some network and FUSE file systems: ENOTSUP), not that the
 * entries were lost: the rename is done, and there is nothing more to ask of that disk.
 */
export function isDirSyncUnsupported(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'EINVAL' || code === 'ENOTSUP';
}

/** Flushes a directory's entries (a rename, a new file) to disk, where its file system can. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    if (!isDirSyncUnsupported(err)) throw new Error(`cannot sync the directory ${dir}`, { cause: err });
  } finally {
    await handle.close();
  }
}

/** Removes `path`; no such file is not an error (a state that is over may never have been written). */
export async function removeFileIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (!isMissing(err)) throw new Error(`cannot remove ${path}`, { cause: err });
  }
}

const temporarySuffix = '.tmp';

/** Whether `entry` is a temporary file `writeFileAtomically` made for `name` (for any name when omitted). */
export function isTemporaryFile(entry: string, name?: string): boolean {
  return entry.startsWith(name === undefined ? '.' : `.${name}.`) && entry.endsWith(temporarySuffix);
}

export interface AtomicWriteOptions {
  /** The new file's permissions (default 0o666, less the umask); 0o600 for secrets. */
  mode?: number;
}

/**
 * Writes `name` in `dir` so that it is either the previous version or the new one, never
 * partial; returns the identity of the new version. Throws naming the file when it cannot.
 */
export async function writeFileAtomically(dir: string, name: string, text: string, options: AtomicWriteOptions = {}): Promise<FileIdentity> {
  const tmp = join(dir, `.${name}.${process.pid}.${randomUUID()}${temporarySuffix}`);
  let identity: FileIdentity;
  try {
    const handle = await open(tmp, 'wx', options.mode ?? 0o666);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
      const s = await handle.stat({ bigint: true });
      identity = { ino: s.ino, size: s.size, mtimeNs: s.mtimeNs };
    } finally {
      await handle.close();
    }
    await rename(tmp, join(dir, name));
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`cannot write ${join(dir, name)}`, { cause });
  }
  await syncDir(dir);
  return identity;
}

/**
 * A temporary file this old was left by a crash: a live writer renames its own within
 * milliseconds. The age to wait where another process may be writing the same file (the CLI
 * beside the server).
 */
export const abandonedAfterMs = 60_000;

export interface AbandonedWrites {
  /** Only the temporary files of this name (default: of every file in `dir`). */
  name?: string;
  /** Only those at least this old (default 0: all; `abandonedAfterMs` where another process may be writing). */
  minAgeMs?: number;
  nowMs: number;
  log: Logger;
  /** The warning logged per file removed. */
  message?: string;
}

/** Removes the temporary files a crash left behind in `dir`; returns how many. */
export async function removeAbandonedWrites(dir: string, options: AbandonedWrites): Promise<number> {
  const minAgeMs = options.minAgeMs ?? 0;
  let removed = 0;
  for (const entry of await readdir(dir)) {
    if (!isTemporaryFile(entry, options.name)) continue;
    const path = join(dir, entry);
    if (minAgeMs > 0) {
      const s = await stat(path).catch(() => undefined);
      if (s === undefined || options.nowMs - s.mtimeMs < minAgeMs) continue;
    }
    options.log.warn({ file: path }, options.message ?? 'removing an unfinished write');
    await unlink(path).catch(() => undefined);
    removed += 1;
  }
  return removed;
}
