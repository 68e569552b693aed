// Which program bin/lanewatch.js runs (bin/runtime.js): the compiled dist/ or the TypeScript
// sources through tsx, as a table over every combination that matters, and the two file-system
// facts it is chosen from, on real temporary trees.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildInfoFile, builtAtMs, chooseRuntime, newestSourceMs, sourceDirs, watchedDirs, type RuntimeFacts } from '../../bin/runtime.js';

const builtMs = 1_800_000_000_000;

describe('chooseRuntime', () => {
  const cases: { name: string; facts: RuntimeFacts; kind: 'compiled' | 'source' | 'none'; message?: RegExp }[] = [
    { name: 'installed copy: build, no sources, no tsx', facts: { mode: undefined, compiledBuiltAtMs: builtMs, newestSourceMs: undefined, tsxInstalled: false }, kind: 'compiled' },
    { name: 'checkout with a fresh build', facts: { mode: undefined, compiledBuiltAtMs: builtMs, newestSourceMs: builtMs - 1, tsxInstalled: true }, kind: 'compiled' },
    { name: 'build from the same instant as the newest source', facts: { mode: '', compiledBuiltAtMs: builtMs, newestSourceMs: builtMs, tsxInstalled: true }, kind: 'compiled' },
    { name: 'checkout whose sources changed after the build', facts: { mode: undefined, compiledBuiltAtMs: builtMs, newestSourceMs: builtMs + 1, tsxInstalled: true }, kind: 'source' },
    { name: 'checkout without a build', facts: { mode: 'auto', compiledBuiltAtMs: undefined, newestSourceMs: builtMs, tsxInstalled: true }, kind: 'source' },
    {
      name: 'stale build and no tsx: the old build, with a warning',
      facts: { mode: undefined, compiledBuiltAtMs: builtMs, newestSourceMs: builtMs + 1, tsxInstalled: false },
      kind: 'compiled',
      message: /dist\/ is older than the sources and tsx.*not installed.*npm run build/,
    },
    {
      name: 'no build and no tsx',
      facts: { mode: undefined, compiledBuiltAtMs: undefined, newestSourceMs: builtMs, tsxInstalled: false },
      kind: 'none',
      message: /no compiled program \(dist\/cli\/main\.js\).*npm run build.*tsx.*is not installed/,
    },
    {
      name: 'neither a build nor sources',
      facts: { mode: undefined, compiledBuiltAtMs: undefined, newestSourceMs: undefined, tsxInstalled: true },
      kind: 'none',
      message: /neither a build nor sources/,
    },
    { name: 'forced compiled over newer sources', facts: { mode: 'compiled', compiledBuiltAtMs: builtMs, newestSourceMs: builtMs + 1, tsxInstalled: true }, kind: 'compiled' },
    {
      name: 'forced compiled without a build',
      facts: { mode: 'compiled', compiledBuiltAtMs: undefined, newestSourceMs: builtMs, tsxInstalled: true },
      kind: 'none',
      message: /LANEWATCH_RUNTIME=compiled but no compiled program/,
    },
    { name: 'forced source over a fresh build', facts: { mode: 'source', compiledBuiltAtMs: builtMs, newestSourceMs: builtMs - 1, tsxInstalled: true }, kind: 'source' },
    {
      name: 'forced source without tsx',
      facts: { mode: 'source', compiledBuiltAtMs: builtMs, newestSourceMs: builtMs - 1, tsxInstalled: false },
      kind: 'none',
      message: /LANEWATCH_RUNTIME=source but tsx/,
    },
    {
      name: 'forced source in an installed copy',
      facts: { mode: 'source', compiledBuiltAtMs: builtMs, newestSourceMs: undefined, tsxInstalled: true },
      kind: 'none',
      message: /no TypeScript sources/,
    },
    {
      name: 'an unknown mode is named',
      facts: { mode: 'fast', compiledBuiltAtMs: builtMs, newestSourceMs: undefined, tsxInstalled: true },
      kind: 'none',
      message: /LANEWATCH_RUNTIME is "fast": expected one of auto, compiled, source/,
    },
  ];
  it.each(cases)('$name → $kind', ({ facts, kind, message }) => {
    const choice = chooseRuntime(facts);
    expect(choice.kind).toBe(kind);
    const text = choice.error ?? choice.warning;
    expect(text !== undefined).toBe(message !== undefined);
    expect(text ?? '').toMatch(message ?? /^$/);
  });
});

describe('build and source times', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lanewatch-runtime-choice-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function file(path: string, atMs: number): void {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, '');
    utimesSync(full, atMs / 1000, atMs / 1000);
  }

  it('builtAtMs is the build-info time, and undefined unless both it and dist/cli/main.js exist', () => {
    expect(builtAtMs(join(dir, 'dist'))).toBeUndefined();
    file('dist/cli/main.js', builtMs - 5_000);
    expect(builtAtMs(join(dir, 'dist'))).toBeUndefined();
    file(`dist/${buildInfoFile}`, builtMs);
    expect(builtAtMs(join(dir, 'dist'))).toBe(builtMs);
    rmSync(join(dir, 'dist', 'cli', 'main.js'));
    expect(builtAtMs(join(dir, 'dist'))).toBeUndefined();
  });

  it('newestSourceMs is undefined without cli/main.ts, else the newest file of every watched folder', () => {
    expect(newestSourceMs(dir)).toBeUndefined();
    file('cli/main.ts', builtMs - 10_000);
    expect(newestSourceMs(dir)).toBe(builtMs - 10_000);
    // Each watched folder counts, at any depth, whatever the file's kind.
    watchedDirs.forEach((folder, i) => {
      const atMs = builtMs + (i + 1) * 1_000;
      file(`${folder}/deep/er/file-${i}.yaml`, atMs);
      expect(newestSourceMs(dir), folder).toBe(atMs);
    });
    // What is not a source: other folders, the web checker's cache, node_modules anywhere.
    const newest = builtMs + watchedDirs.length * 1_000;
    for (const path of ['tests/x.test.ts', 'dist/cli/main.js', 'web/.svelte-check/cache.json', 'server/node_modules/x/index.js']) {
      file(path, newest + 60_000);
      expect(newestSourceMs(dir), path).toBe(newest);
    }
  });

  it('the compiled folders are the ones tsconfig.build.json includes, and the web UI is watched too', () => {
    const text = readFileSync(new URL('../../tsconfig.build.json', import.meta.url), 'utf8');
    const include = /"include":\s*(\[[^\]]*\])/.exec(text)?.[1];
    expect(JSON.parse(include ?? '[]')).toEqual([...sourceDirs]);
    expect([...watchedDirs]).toEqual([...sourceDirs, 'web']);
  });
});
