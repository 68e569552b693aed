// The program the benchmarks measure: by default the one that is deployed, tsc's JavaScript
// (`npm run build`: scripts/build.mjs), built afresh into .tmp/bench-dist (inside the checkout,
// so that its imports resolve to this node_modules); with BENCH_RUNTIME=source the TypeScript
// sources through tsx, as a development checkout runs them. tsx's transform keeps function names
// (esbuild `keepNames`: every closure made is wrapped by a `__name` call), so the sources cost
// more per poll than the installed program.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type BenchRuntime = 'compiled' | 'source';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const compiledDir = join(repoRoot, '.tmp', 'bench-dist');

/** BENCH_RUNTIME, checked: `compiled` (default) or `source`. */
export function benchRuntime(env: NodeJS.ProcessEnv = process.env): BenchRuntime {
  const value = env.BENCH_RUNTIME ?? 'compiled';
  if (value !== 'compiled' && value !== 'source') throw new Error(`BENCH_RUNTIME is "${value}": expected compiled or source`);
  return value;
}

let built = false;

/** Builds the program into .tmp/bench-dist once per run (about a minute); throws naming the failure. */
function buildOnce(): void {
  if (built) return;
  console.log('building the program as deployed (scripts/build.mjs → .tmp/bench-dist) …');
  const res = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--out', compiledDir], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (res.status !== 0) throw new Error(`the build failed (status ${res.status}): run \`npm run build\` to see why`);
  built = true;
}

/** The command line of `lanewatch` for a child process: the compiled CLI, or bin/lanewatch.js forced to the sources. */
export function lanewatchCommand(runtime: BenchRuntime): { script: string; env: Record<string, string> } {
  if (runtime === 'source') return { script: join(repoRoot, 'bin', 'lanewatch.js'), env: { LANEWATCH_RUNTIME: 'source' } };
  buildOnce();
  return { script: join(compiledDir, 'cli', 'main.js'), env: {} };
}

/**
 * A module of the program, by its source path from the checkout's root (`collector/collector.ts`):
 * the compiled one (`.js` in .tmp/bench-dist) or the source. Typed by the caller as the source's
 * module (`typeof import('../collector/collector.ts')`): the compiled one is built from it.
 */
export async function importProgram<T>(runtime: BenchRuntime, sourcePath: string): Promise<T> {
  if (runtime === 'source') return (await import(pathToFileURL(join(repoRoot, sourcePath)).href)) as T;
  buildOnce();
  return (await import(pathToFileURL(join(compiledDir, sourcePath.replace(/\.ts$/, '.js'))).href)) as T;
}
