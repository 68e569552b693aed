#!/usr/bin/env node
// Entry point of `lanewatch` (npx lanewatch, npm run lanewatch, the systemd units): runs the
// compiled program in dist/ (`npm run build`), or in a development checkout without an
// up-to-date build, the TypeScript sources through tsx. See bin/runtime.js for the rules;
// LANEWATCH_RUNTIME=compiled|source forces one.
import { fileURLToPath } from 'node:url';
import { builtAtMs, chooseRuntime, newestSourceMs } from './runtime.js';

const rootDir = fileURLToPath(new URL('..', import.meta.url));

function tsxInstalled() {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

const choice = chooseRuntime({
  mode: process.env.LANEWATCH_RUNTIME,
  compiledBuiltAtMs: builtAtMs(fileURLToPath(new URL('../dist/', import.meta.url))),
  newestSourceMs: newestSourceMs(rootDir),
  tsxInstalled: tsxInstalled(),
});

if (choice.kind === 'none') {
  process.stderr.write(`lanewatch: cannot start: ${choice.error}\n`);
  process.exit(1);
}
if (choice.warning) process.stderr.write(`lanewatch: ${choice.warning}\n`);
if (choice.kind === 'compiled') {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
