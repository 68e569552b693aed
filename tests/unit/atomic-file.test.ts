// config/atomic-file.ts: the one writer of the files replaced whole (users, sessions, policy
// revisions, the alert snapshot, the collector's state files), on a real file system.
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  abandonedAfterMs,
  fileIdentity,
  isDirSyncUnsupported,
  isTemporaryFile,
  readFileVersion,
  removeAbandonedWrites,
  removeFileIfPresent,
  sameFile,
  syncDir,
  writeFileAtomically,
} from '../../config/atomic-file.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { tempDirEachTest } from '../helpers/temp-dir.ts';

const dir = tempDirEachTest('atomic');

describe('isTemporaryFile', () => {
  it.each([
    ['.users.json.123.0b7c.tmp', 'users.json', true],
    ['.users.json.123.0b7c.tmp', undefined, true],
    ['.sessions.json.123.0b7c.tmp', 'users.json', false],
    ['users.json', 'users.json', false],
    ['users.json.tmp', 'users.json', false],
    ['.revision-000003.json.4242.0d9e.tmp', undefined, true],
    ['revision-000003.json', undefined, false],
  ] as const)('%s of %s: %s', (entry, name, expected) => {
    expect(isTemporaryFile(entry, name)).toBe(expected);
  });
});

describe('writeFileAtomically', () => {
  it.each([
    ['a secret (0o600)', { mode: 0o600 }, 0o600],
    ['the default (0o666 less the umask)', {}, 0o666 & ~process.umask()],
  ])('writes the whole text with %s and leaves no temporary file', async (_name, options, mode) => {
    const identity = await writeFileAtomically(dir(), 'state.json', '{"a":1}\n', options);
    expect(readFileSync(join(dir(), 'state.json'), 'utf8')).toBe('{"a":1}\n');
    expect(statSync(join(dir(), 'state.json')).mode & 0o777).toBe(mode);
    expect(readdirSync(dir())).toEqual(['state.json']);
    expect(sameFile(identity, await fileIdentity(join(dir(), 'state.json')))).toBe(true);
  });

  it('replaces the previous version: a new identity, the new text', async () => {
    const first = await writeFileAtomically(dir(), 'state.json', 'one');
    const second = await writeFileAtomically(dir(), 'state.json', 'two');
    expect(sameFile(first, second)).toBe(false);
    expect(await readFileVersion(join(dir(), 'state.json'))).toEqual({ text: 'two', identity: second });
  });

  it('names the file it could not write, and leaves nothing behind', async () => {
    const missing = join(dir(), 'no-such-dir');
    const err = await writeFileAtomically(missing, 'state.json', 'x').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`cannot write ${join(missing, 'state.json')}`);
    expect(readdirSync(dir())).toEqual([]);
  });

  it('reads a missing file as undefined', async () => {
    expect(await readFileVersion(join(dir(), 'none.json'))).toBeUndefined();
    expect(await fileIdentity(join(dir(), 'none.json'))).toBeUndefined();
  });
});

describe('removeAbandonedWrites', () => {
  const nowMs = 1_800_000_000_000;
  function leave(entry: string, ageMs: number): void {
    writeFileSync(join(dir(), entry), 'torn');
    const seconds = (nowMs - ageMs) / 1000;
    utimesSync(join(dir(), entry), seconds, seconds);
  }

  it('removes the temporary files of one name older than the age, logging each; keeps the rest', async () => {
    leave('.users.json.1.a.tmp', abandonedAfterMs + 1_000);
    leave('.users.json.2.b.tmp', 1_000);
    leave('.sessions.json.3.c.tmp', abandonedAfterMs + 1_000);
    leave('users.json', abandonedAfterMs + 1_000);
    const { log, lines } = captureLog('warn');
    const removed = await removeAbandonedWrites(dir(), { name: 'users.json', minAgeMs: abandonedAfterMs, nowMs, log });
    expect(removed).toBe(1);
    expect(readdirSync(dir()).sort()).toEqual(['.sessions.json.3.c.tmp', '.users.json.2.b.tmp', 'users.json']);
    expect(lines.map((line) => line.msg)).toEqual(['removing an unfinished write']);
  });

  it('without a name or an age: every temporary file, with the caller’s message', async () => {
    leave('.revision-000001.json.1.a.tmp', 0);
    leave('.revision-000002.json.2.b.tmp', 0);
    leave('revision-000001.json', 0);
    const { log, lines } = captureLog('warn');
    expect(await removeAbandonedWrites(dir(), { nowMs, log, message: 'ignoring an unfinished policy write' })).toBe(2);
    expect(readdirSync(dir())).toEqual(['revision-000001.json']);
    expect(lines.map((line) => line.msg)).toEqual(['ignoring an unfinished policy write', 'ignoring an unfinished policy write']);
  });
});

describe('syncDir', () => {
  function errnoError(code: string): Error {
    return Object.assign(new Error(`${code}: fsync`), { code });
  }

  it.each([
    ['EINVAL', true],
    ['ENOTSUP', true],
    ['EIO', false],
    ['ENOSPC', false],
  ])('a directory fsync failing with %s means the file system cannot sync directories: %s', (code, expected) => {
    expect(isDirSyncUnsupported(errnoError(code))).toBe(expected);
  });

  it('is not fooled by an error without a code', () => {
    expect(isDirSyncUnsupported(new Error('EINVAL'))).toBe(false);
  });

  it('syncs a directory, and names one it cannot open', async () => {
    await syncDir(dir());
    await expect(syncDir(join(dir(), 'none'))).rejects.toThrow(/ENOENT/);
  });
});

describe('removeFileIfPresent', () => {
  it('removes the file; a missing one is not an error; a directory is refused naming it', async () => {
    writeFileSync(join(dir(), 'state.json'), '{}');
    await removeFileIfPresent(join(dir(), 'state.json'));
    expect(readdirSync(dir())).toEqual([]);
    await removeFileIfPresent(join(dir(), 'state.json'));
    await expect(removeFileIfPresent(dir())).rejects.toThrow(`cannot remove ${dir()}`);
  });
});
