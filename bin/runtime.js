// Which program `bin/lanewatch.js` runs: the compiled JavaScript in dist/ (what an installed
// Lanewatch runs, with no TypeScript loader), or the TypeScript sources through tsx (a
// development checkout without a build, or whose build is older than its sources).
// Node builtins only: this runs before anything else is known to be installed.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The source folders compiled into dist/ (tsconfig.build.json `include`); the build copies their other files. */
export const sourceDirs = ['api', 'config', 'collector', 'server', 'cli', 'simulator'];

/**
 * What a build is checked against in a development checkout: the compiled folders and the web UI
 * (its sources, and web/dist, which `npm test` and `npm run demo` rebuild: the copy in dist/web/dist
 * is then older, so the sources run and serve the fresh one).
 */
export const watchedDirs = [...sourceDirs, 'web'];
const unwatchedNames = new Set(['node_modules', '.svelte-check']);

/** Written last by scripts/build.mjs: its modification time is when that build finished. */
export const buildInfoFile = 'build-info.json';

/** Values of LANEWATCH_RUNTIME that force a choice; unset (or `auto`) chooses by the rules below. */
export const runtimeModes = ['auto', 'compiled', 'source'];

/**
 * Pure: what to run.
 * - `compiled` when dist/ holds a build and either there are no sources (an installed copy) or
 *   the build is not older than the newest source file;
 * - `source` (tsx) when the build is missing or stale and tsx is installed;
 * - a stale build without tsx still runs, with a warning naming what is stale;
 * - `none` (an error naming what to do) when there is neither a build nor tsx.
 * `mode` (LANEWATCH_RUNTIME) forces `compiled` or `source` when that one is available.
 *
 * @param {{
 *   mode: string | undefined,
 *   compiledBuiltAtMs: number | undefined,
 *   newestSourceMs: number | undefined,
 *   tsxInstalled: boolean,
 * }} facts compiledBuiltAtMs: when dist/ was built (undefined: no build); newestSourceMs: the
 *   newest source file's modification time (undefined: no sources, e.g. an installed copy).
 * @returns {{ kind: 'compiled' | 'source' | 'none', warning?: string, error?: string }}
 */
export function chooseRuntime({ mode, compiledBuiltAtMs, newestSourceMs, tsxInstalled }) {
  const wanted = mode === undefined || mode === '' ? 'auto' : mode;
  if (!runtimeModes.includes(wanted)) {
    return { kind: 'none', error: `LANEWATCH_RUNTIME is "${wanted}": expected one of ${runtimeModes.join(', ')}` };
  }
  const built = compiledBuiltAtMs !== undefined;
  const hasSources = newestSourceMs !== undefined;
  const notBuilt = 'no compiled program (dist/cli/main.js): build it with `npm run build` (needs the dev dependencies: `npm ci`)';
  const noTsx = 'tsx, which runs the TypeScript sources, is not installed (it is a dev dependency: `npm ci`)';
  if (wanted === 'compiled') return built ? { kind: 'compiled' } : { kind: 'none', error: `LANEWATCH_RUNTIME=compiled but ${notBuilt}` };
  if (wanted === 'source') {
    if (!hasSources) return { kind: 'none', error: 'LANEWATCH_RUNTIME=source but there are no TypeScript sources (cli/main.ts) in this copy' };
    return tsxInstalled ? { kind: 'source' } : { kind: 'none', error: `LANEWATCH_RUNTIME=source but ${noTsx}` };
  }
  const stale = built && hasSources && newestSourceMs > compiledBuiltAtMs;
  if (built && !stale) return { kind: 'compiled' };
  if (hasSources && tsxInstalled) return { kind: 'source' };
  if (stale) {
    return {
      kind: 'compiled',
      warning: `dist/ is older than the sources and ${noTsx}: running the old build; rebuild it with \`npm run build\``,
    };
  }
  return { kind: 'none', error: hasSources ? `${notBuilt}, and ${noTsx}` : `${notBuilt}; this copy has neither a build nor sources` };
}

/** When dist/ was built (the build-info file's mtime), or undefined when there is no complete build. */
export function builtAtMs(distDir) {
  try {
    statSync(join(distDir, 'cli', 'main.js'));
    return statSync(join(distDir, buildInfoFile)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest modification time of any file under the watched folders; undefined when cli/main.ts is absent. */
export function newestSourceMs(rootDir) {
  try {
    statSync(join(rootDir, 'cli', 'main.ts'));
  } catch {
    return undefined;
  }
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (unwatchedNames.has(entry.name)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of watchedDirs) walk(join(rootDir, dir));
  return newest;
}
