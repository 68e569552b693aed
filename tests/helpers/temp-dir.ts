// A temporary directory for each test of a file, on the real file system.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach } from 'vitest';

/**
 * Makes a new directory `lanewatch-<name>-…` before each test of the file and removes it after
 * that test. The returned function gives the running test's directory.
 */
export function tempDirEachTest(name: string): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    const made = mkdtempSync(join(tmpdir(), `lanewatch-${name}-`));
    dir = made;
    return () => {
      rmSync(made, { recursive: true, force: true });
      dir = undefined;
    };
  });
  return () => {
    if (dir === undefined) throw new Error(`the ${name} temporary directory exists only while a test runs`);
    return dir;
  };
}
