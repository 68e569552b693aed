// `npm run build`: the program as it is installed. The server, collector, CLI and simulator are
// compiled by tsc (tsconfig.build.json: ESM JavaScript, `.ts` imports rewritten to `.js`) into
// dist/, with the source folders' other files (config/provinces.json, config/example/) beside
// them; the web UI is built by Vite into web/dist as before and copied to dist/web/dist, where
// the compiled server looks for it. dist/ then runs with the production dependencies alone
// (`npm ci --omit=dev`): see README, Deployment.
//
//   node scripts/build.mjs [--out DIR]
//
// --out DIR builds into DIR instead of dist/, and Vite writes the UI straight into DIR/web/dist
// (web/dist, which the tests and the demo serve, is left alone). The build goes to a sibling
// folder first and replaces the old one only when every step succeeded.
// Only node builtins here, plus the dev dependencies it runs (tsc, vite).
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { run, root } from './ensure.mjs';
import { buildInfoFile, sourceDirs } from '../bin/runtime.js';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outDir = resolve(values.out ?? join(root, 'dist'));
const workDir = join(dirname(outDir), `.${basename(outDir)}.building-${process.pid}`);

function fail(message) {
  rmSync(workDir, { recursive: true, force: true });
  console.error(`[build] ${message}`);
  process.exit(1);
}

function tscBin() {
  const bin = join(root, 'node_modules', '.bin', 'tsc');
  if (!existsSync(bin)) fail(`the TypeScript compiler is not installed (${relative(root, bin)}): run \`npm ci\` (the build needs the dev dependencies)`);
  return bin;
}

/** Copies every file of a source folder that tsc does not compile (JSON, YAML), keeping its path. */
function copyAssets(fromDir, toDir) {
  for (const entry of readdirSync(fromDir, { withFileTypes: true })) {
    const from = join(fromDir, entry.name);
    const to = join(toDir, entry.name);
    if (entry.isDirectory()) copyAssets(from, to);
    else if (entry.isFile() && !entry.name.endsWith('.ts')) {
      mkdirSync(toDir, { recursive: true });
      cpSync(from, to);
    }
  }
}

const startedMs = Date.now();
rmSync(workDir, { recursive: true, force: true });

console.log(`[build] compiling the server, collector, CLI and simulator: tsc -p tsconfig.build.json → ${relative(root, outDir) || outDir}`);
if (run(tscBin(), ['-p', 'tsconfig.build.json', '--outDir', workDir]) !== 0) fail('tsc reported errors (above); nothing was replaced');
for (const dir of sourceDirs) copyAssets(join(root, dir), join(workDir, dir));

const webOut = join(workDir, 'web', 'dist');
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) fail('vite is not installed: run `npm ci` (the build needs the dev dependencies)');
// Without --out, web/dist is rebuilt in place as `npm run build:web` does, then copied.
const viteOut = values.out === undefined ? join(root, 'web', 'dist') : webOut;
console.log(`[build] building the web UI: vite build → ${relative(root, viteOut) || viteOut}`);
if (run(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn', '--outDir', viteOut, '--emptyOutDir']) !== 0) {
  fail('the web UI did not build (above); nothing was replaced');
}
if (viteOut !== webOut) cpSync(viteOut, webOut, { recursive: true });

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Written last: bin/runtime.js takes its modification time as the time of the build.
writeFileSync(join(workDir, buildInfoFile), JSON.stringify({ name: pkg.name, version: pkg.version, builtAt: new Date().toISOString(), node: process.version }, null, 2) + '\n');

rmSync(outDir, { recursive: true, force: true });
renameSync(workDir, outDir);
console.log(`[build] ${relative(root, outDir) || outDir} ready in ${((Date.now() - startedMs) / 1000).toFixed(1)} s (version ${pkg.version})`);
