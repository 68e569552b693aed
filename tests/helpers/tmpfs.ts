// A small tmpfs for the tests of a full disk (needs root: mount -t tmpfs). Where mounting is
// refused a test fails with the reason, unless CI_NO_TMPFS is set: then it is skipped, saying why.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, type TestContext } from 'vitest';

export interface SharedTmpfs {
  /** A temporary directory around the mount point (for files that must not fill up). */
  root: string;
  /** The mount point. */
  dir: string;
  /** Fails the test (or, with CI_NO_TMPFS, skips it) when the tmpfs could not be mounted. */
  require(ctx: TestContext): void;
  /** Mounts it again with another size, keeping its files. */
  resize(size: string): void;
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A tmpfs of `size` (e.g. `2m`) at `<root>/<name>` for a test file: mounted before its tests,
 * unmounted and removed after them.
 */
export function sharedTmpfs(name: string, size: string): SharedTmpfs {
  const root = mkdtempSync(join(tmpdir(), `lanewatch-${name}-full-`));
  const dir = join(root, name);
  let mounted = false;
  let refusal = '';
  beforeAll(() => {
    mkdirSync(dir);
    try {
      run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
      mounted = true;
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      refusal = (stderr || (err instanceof Error ? err.message : String(err))).split('\n')[0] ?? '';
    }
  });
  afterAll(() => {
    if (mounted) {
      try {
        run('umount', [dir]);
      } catch {
        run('umount', ['-l', dir]); // busy: detach now, freed when the last file closes
      }
    }
    rmSync(root, { recursive: true, force: true });
  });
  return {
    root,
    dir,
    require(ctx) {
      if (mounted) return;
      const why = `a tmpfs could not be mounted at ${dir} (${refusal}): this test needs root (mount -t tmpfs)`;
      if (process.env.CI_NO_TMPFS) ctx.skip(`${why}; skipped because CI_NO_TMPFS is set`);
      throw new Error(`${why}. Set CI_NO_TMPFS=1 to skip it where mounting is not allowed.`);
    },
    resize(newSize) {
      run('mount', ['-t', 'tmpfs', '-o', `remount,size=${newSize}`, 'tmpfs', dir]);
    },
  };
}
