// Where the tests' data files live: tests/fixtures/ of this repository, and nowhere else.
// tests/fixtures/README.md says where each file comes from and under which licence.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const repoDir = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The absolute path of a fixture file or directory, given its path below tests/fixtures/.
 * Throws when it is missing, naming it: a test that needs a fixture fails, never skips.
 */
export function fixturePath(...segments: string[]): string {
  const path = join(fixturesDir, ...segments);
  if (!existsSync(path)) {
    throw new Error(`missing test fixture ${relative(repoDir, path)} (tests/fixtures/README.md lists what belongs there)`);
  }
  return path;
}
