// Lanewatch as it is installed: `npm run build` output (dist/) plus bin/, package.json and the
// lock file copied to a temporary directory, `npm ci --omit=dev` there (production
// dependencies only: no tsx, TypeScript or esbuild), then the real program from that copy:
// --version, check-config, a user added, `lanewatch run` answering health (InfluxDB down:
// degraded), serving the UI and signing in; the state directory backed up by
// deploy/backup-state.sh while it runs, restored into a fresh directory, and a second run on the
// restored state knowing the same user, policy revision and audit trail.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, freeUdpPort } from '../helpers/ports.ts';
import type { Health } from '../../api/schemas.ts';
import { waitFor } from '../helpers/wait.ts';
import { loginTo } from '../helpers/system.ts';

const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { version: string };
const password = 'runtime-test-password-1';
/** Bounds: the build (tsc + vite), the install from the registry (or npm's cache), a start. */
const buildTimeoutMs = 180_000;
const installTimeoutMs = 240_000;
const startTimeoutMs = 30_000;

let work: string;
let appDir: string;
let installOutput = '';
const running: ChildProcess[] = [];

/** This process's environment without what would change how node finds or loads the program. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['LANEWATCH_RUNTIME', 'NODE_PATH', 'NODE_OPTIONS']) delete env[name];
  return env;
}

function runSync(cmd: string, args: string[], opts: { cwd: string; timeoutMs: number; input?: string }): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs, input: opts.input ?? '', env: childEnv() });
  if (result.error) throw new Error(`${cmd} ${args.join(' ')} failed to run`, { cause: result.error });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `node bin/lanewatch.js …args` in the installed copy, from the working directory the units use. */
function lanewatch(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return runSync(process.execPath, [join(appDir, 'bin', 'lanewatch.js'), ...args], { cwd: work, timeoutMs: 30_000, ...(input !== undefined ? { input } : {}) });
}

/** The name of every package installed under a node_modules folder, nested ones included. */
function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  const visit = (packageDir: string) => {
    const manifest = join(packageDir, 'package.json');
    if (existsSync(manifest)) names.push((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name ?? packageDir);
    if (existsSync(join(packageDir, 'node_modules'))) names.push(...installedPackages(join(packageDir, 'node_modules')));
  };
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(path, { withFileTypes: true })) if (scoped.isDirectory()) visit(join(path, scoped.name));
    } else {
      visit(path);
    }
  }
  return names;
}

interface Instance {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** Writes a config directory from deploy/etc/lanewatch with its paths under `base`. */
async function writeConfig(base: string, stateDir: string): Promise<string> {
  const dir = join(base, 'etc');
  mkdirSync(dir, { recursive: true });
  const example = join(appDir, 'deploy', 'etc', 'lanewatch');
  for (const file of ['policies.yaml', 'environment']) cpSync(join(example, file), join(dir, file));
  const topology = parse(readFileSync(join(example, 'topology.yaml'), 'utf8')) as { routers: { address: string }[] };
  for (const router of topology.routers) router.address = `127.0.0.1:${await freeUdpPort()}`;
  writeFileSync(join(dir, 'topology.yaml'), stringify(topology));
  const settings = parse(readFileSync(join(example, 'settings.yaml'), 'utf8')) as {
    influx: { url: string };
    collector: { intervalMs: number; spool: { dir: string } };
    state: { dir: string };
    server: { port: number };
  };
  // Nothing listens there: InfluxDB is down, the store spools.
  settings.influx.url = `http://127.0.0.1:${await freeTcpPort()}`;
  settings.collector.intervalMs = 2_000;
  settings.collector.spool.dir = join(base, 'spool');
  settings.state.dir = stateDir;
  settings.server.port = await freeTcpPort();
  writeFileSync(join(dir, 'settings.yaml'), stringify(settings));
  return dir;
}

async function startRun(configDir: string): Promise<Instance> {
  const settings = parse(readFileSync(join(configDir, 'settings.yaml'), 'utf8')) as { server: { port: number } };
  const url = `http://127.0.0.1:${settings.server.port}`;
  const child = spawn(process.execPath, [join(appDir, 'bin', 'lanewatch.js'), 'run', '--config', configDir], {
    cwd: work,
    env: childEnv({ LOG_LEVEL: 'info', PORT: '' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await waitFor('lanewatch run to answer /api/v1/health', async () => (await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1_000) })).status === 200, {
    timeoutMs: startTimeoutMs,
    intervalMs: 100,
    failIf: () => (child.exitCode === null ? undefined : `lanewatch run exited with ${child.exitCode}`),
    context: () => output,
  });
  return { url, child, output: () => output };
}

/** SIGTERM, and the exit code (or signal) it ends with. */
async function stop(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | string | null>((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  child.kill('SIGTERM');
  return exited;
}

async function getJson<T>(url: string, cookie: string): Promise<T> {
  const res = await fetch(url, { headers: { cookie } });
  expect(res.status, url).toBe(200);
  return (await res.json()) as T;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lanewatch-runtime-'));
  appDir = join(work, 'app');
  // The build as a release carries it; the checkout's own dist/ and web/dist are left alone.
  const build = runSync(process.execPath, [join(repoDir, 'scripts', 'build.mjs'), '--out', join(appDir, 'dist')], { cwd: repoDir, timeoutMs: buildTimeoutMs });
  expect(build.status, build.stdout + build.stderr).toBe(0);
  for (const path of ['bin', 'package.json', 'package-lock.json', 'deploy']) cpSync(join(repoDir, path), join(appDir, path), { recursive: true });
  const install = runSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: appDir, timeoutMs: installTimeoutMs });
  installOutput = install.stdout + install.stderr;
  expect(install.status, installOutput).toBe(0);
}, buildTimeoutMs + installTimeoutMs);

afterAll(async () => {
  for (const child of running) await stop(child);
  rmSync(work, { recursive: true, force: true });
});

describe('the installed program', () => {
  it('has no TypeScript loader or compiler among its packages, and npm printed no engine warning', () => {
    // Nothing above the copy can lend it packages (module resolution walks up from the file).
    for (let dir = dirname(appDir); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
    expect(existsSync(join(appDir, 'node_modules', 'fastify'))).toBe(true);
    const packages = installedPackages(join(appDir, 'node_modules'));
    expect(packages).toEqual(expect.arrayContaining(['fastify', 'net-snmp', 'influx', 'pino', 'yaml', 'zod']));
    expect(packages.filter((name) => /^(tsx|typescript|esbuild|vite|vitest|@esbuild\/.*|@typescript\/.*)$/.test(name))).toEqual([]);
    expect(installOutput).not.toMatch(/EBADENGINE/);
    // Nor for the whole tree, dev dependencies included (a dry run reads the lock file and checks engines).
    const full = runSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: appDir, timeoutMs: installTimeoutMs });
    expect(full.status, full.stderr).toBe(0);
    expect(full.stdout + full.stderr).not.toMatch(/EBADENGINE/);
    // No sources in the copy: bin/lanewatch.js can only run dist/.
    expect(existsSync(join(appDir, 'cli'))).toBe(false);
    expect(existsSync(join(appDir, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(appDir, 'dist', 'web', 'dist', 'index.html'))).toBe(true);
  });

  it('--version prints the package version', () => {
    const result = lanewatch(['--version']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${pkg.version}\n`);
    expect(result.status).toBe(0);
  });

  it('check-config validates the embedded example and the deployment example', () => {
    const embedded = lanewatch(['check-config']);
    expect(embedded.stdout, embedded.stderr).toMatch(/dist\/config\/example: valid — 34 provinces, 36 routers, 245 links/);
    expect(embedded.status).toBe(0);
    const deployed = lanewatch(['check-config', join(appDir, 'deploy', 'etc', 'lanewatch')]);
    expect(deployed.stdout, deployed.stderr).toMatch(/valid — 1 provinces, 1 routers, 1 links/);
    expect(deployed.status).toBe(0);
  });

  it('runs `lanewatch run`: health answers (InfluxDB down: degraded), the UI is served, a user signs in and saves a policy; the state is backed up while it runs, restored, and known to a second run', async () => {
    const first = join(work, 'first');
    const configDir = await writeConfig(first, join(first, 'state'));
    const added = lanewatch(['user', 'add', 'admin', '--role', 'admin', '--config', configDir], `${password}\n`);
    expect(added.status, added.stdout + added.stderr).toBe(0);

    const instance = await startRun(configDir);
    const health = (await (await fetch(`${instance.url}/api/v1/health`)).json()) as Health;
    expect(health.status).toBe('degraded');
    expect(health.influx.reachable).toBe(false);
    expect(health.collector?.devices).toBe(1);
    const page = await fetch(`${instance.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="app"><\/div>/);

    const cookie = await loginTo(instance.url, 'admin', password);
    expect(await getJson<{ username: string; role: string }>(`${instance.url}/api/v1/me`, cookie)).toMatchObject({ username: 'admin', role: 'admin' });
    const policies = await getJson<{ revision: number; document: { defaults: { thresholds: { highUtil: number } } } }>(`${instance.url}/api/v1/policies`, cookie);
    policies.document.defaults.thresholds.highUtil = 0.85;
    const saved = await fetch(`${instance.url}/api/v1/policies`, {
      method: 'PUT',
      headers: { cookie, origin: instance.url, 'content-type': 'application/json', 'if-match': `"${policies.revision}"` },
      body: JSON.stringify({ document: policies.document, comment: 'runtime test' }),
    });
    expect(saved.status, await saved.clone().text()).toBe(200);
    const savedRevision = ((await saved.json()) as { revision: number }).revision;
    expect(savedRevision).toBe(policies.revision + 1);
    const audit = await getJson<{ entries: { seq: number; action: string }[] }>(`${instance.url}/api/v1/audit`, cookie);
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['user-add', 'login', 'policy-save']));

    // The backup, taken while the program runs.
    const archive = join(work, 'state-backup.tar.gz');
    const backup = runSync(join(appDir, 'deploy', 'backup-state.sh'), [join(first, 'state'), archive], { cwd: work, timeoutMs: 30_000 });
    expect(backup.status, backup.stderr).toBe(0);

    expect(await stop(instance.child), instance.output()).toBe(0);
    expect(instance.output()).not.toMatch(/ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION|Cannot find module/);

    // Restored into a fresh directory, as after losing the disk.
    const second = join(work, 'second');
    mkdirSync(second, { recursive: true });
    const untar = runSync('tar', ['-C', second, '-xzpf', archive], { cwd: work, timeoutMs: 30_000 });
    expect(untar.status, untar.stderr).toBe(0);
    for (const file of ['auth/users.json', 'auth/sessions.json', 'auth/audit.jsonl']) expect(existsSync(join(second, 'state', file)), file).toBe(true);
    const restored = await startRun(await writeConfig(second, join(second, 'state')));
    const cookieAgain = await loginTo(restored.url, 'admin', password);
    const policiesAgain = await getJson<{ revision: number; document: { defaults: { thresholds: { highUtil: number } } } }>(`${restored.url}/api/v1/policies`, cookieAgain);
    expect(policiesAgain.revision).toBe(savedRevision);
    expect(policiesAgain.document.defaults.thresholds.highUtil).toBe(0.85);
    const auditAgain = await getJson<{ entries: { seq: number; action: string }[] }>(`${restored.url}/api/v1/audit`, cookieAgain);
    const before = new Set(audit.entries.map((e) => `${e.seq} ${e.action}`));
    expect(auditAgain.entries.filter((e) => before.has(`${e.seq} ${e.action}`))).toHaveLength(before.size);
    expect(await stop(restored.child), restored.output()).toBe(0);
  }, 120_000);

  it('without dist/ and without tsx, says what is missing and what to run', () => {
    const dist = join(appDir, 'dist');
    renameSync(dist, `${dist}.aside`);
    try {
      const result = lanewatch(['--version']);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^lanewatch: cannot start: no compiled program \(dist\/cli\/main\.js\): build it with `npm run build`.*neither a build nor sources/);
    } finally {
      renameSync(`${dist}.aside`, dist);
    }
  });
});
