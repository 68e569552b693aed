// Installs what the two README commands need, or says exactly what to run.
// Only node builtins here: this runs before `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

export function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function onPath(bin) {
  if (bin.startsWith('/')) return existsSync(bin);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, bin)));
}

/** `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('[setup] installing npm packages: npm ci');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) {
    console.error('[setup] npm ci failed; fix the error above and run it again');
    process.exit(1);
  }
}

/** Debian packages by a binary each provides. */
export const debian = {
  influxdb: '/usr/bin/influxd',
  snmpd: '/usr/sbin/snmpd',
  snmp: 'snmpbulkwalk',
  snmpsim: 'snmpsimd',
  chromium: '/usr/bin/chromium',
};

/**
 * Installs missing Debian packages with apt-get when running as root and
 * LANEWATCH_NO_APT is not set; otherwise prints the exact command and exits.
 */
export function ensureDebianPackages(names) {
  const missing = names.filter((name) => !onPath(debian[name]));
  if (missing.length === 0) return;
  const cmd = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || process.env.LANEWATCH_NO_APT || !onPath('apt-get')) {
    console.error(`[setup] missing Debian packages: ${missing.join(', ')}. Install them with:\n\n  sudo apt-get update && sudo ${cmd}\n`);
    process.exit(1);
  }
  console.log(`[setup] installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0 || run('apt-get', cmd.split(' ').slice(1), { env }) !== 0) {
    console.error(`[setup] apt-get failed; run it yourself:\n\n  apt-get update && ${cmd}\n`);
    process.exit(1);
  }
}

export function buildWeb() {
  console.log('[setup] building the web UI: vite build');
  if (run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']) !== 0) {
    console.error('[setup] the web UI did not build');
    process.exit(1);
  }
}
