// Imports a `.svelte.ts` module (runes: `$state`, `$derived`) into a vitest test, as the web
// build would see it: TypeScript stripped (esbuild), runes compiled (svelte's compileModule for
// the client), written under .tmp/ (git ignores it) so vitest transforms it and `svelte/*`
// resolves from the repository, its relative imports pointed at the source files (the test and
// the module then share those modules).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import { compileModule } from 'svelte/compiler';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = join(repo, '.tmp/svelte-modules');

/** `path` from the repository root, e.g. `web/src/lib/loaded.svelte.ts`. */
export async function importSvelteModule<T>(path: string): Promise<T> {
  const source = join(repo, path);
  const typescript = await readFile(source, 'utf8');
  const { code } = await transform(typescript, { loader: 'ts', format: 'esm', target: 'es2022' });
  const compiled = compileModule(code, { filename: source, generate: 'client', dev: false }).js.code;
  const absolute = compiled.replace(/(from\s+|import\s+)(['"])(\.{1,2}\/[^'"]+)\2/g, (_match, keyword: string, quote: string, specifier: string) => {
    return `${keyword}${quote}${pathToFileURL(resolve(dirname(source), specifier)).href}${quote}`;
  });
  await mkdir(cacheDir, { recursive: true });
  const target = join(cacheDir, `${path.replaceAll('/', '__')}.${process.pid}.js`);
  await writeFile(target, absolute);
  try {
    return (await import(pathToFileURL(target).href)) as T;
  } finally {
    // Imported once and for all: nothing is left behind per test process.
    await rm(target, { force: true });
  }
}
