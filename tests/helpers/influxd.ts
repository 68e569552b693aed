// Starts a real InfluxDB 1.x (`influxd` from Debian's influxdb package) on free loopback
// ports with a temporary data dir. Used by integration and end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { influxdAnswers, influxdConfig, influxdSubdirs, type InfluxdDataSettings } from '../../scripts/influxd-config.mjs';
import { stopChild } from './child-process.ts';
import { freeTcpPort } from './ports.ts';
import { waitFor } from './wait.ts';

export interface InfluxdOptions {
  /**
   * Turns HTTP authentication on (`[http] auth-enabled`) and creates this admin user (ALL
   * PRIVILEGES) once started. /ping still answers without credentials. Default: no auth.
   */
  admin?: { username: string; password: string };
  /** `[data]` limits and index (the benchmarks'); InfluxDB's defaults where left out. */
  data?: InfluxdDataSettings;
}

export interface InfluxdHandle {
  url: string;
  port: number;
  dataDir: string;
  /** The running daemon's PID (the benchmarks read its CPU from /proc); undefined while stopped. */
  pid(): number | undefined;
  /** Stops the daemon (SIGTERM) and waits for it to exit; the data dir is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir (only after `stop()`: it would spawn a second daemon). */
  start(): Promise<void>;
  /** Starts it again if a test stopped it (and failed before starting it): for `afterEach`. */
  ensureRunning(): Promise<void>;
  /** Stops it and removes the data dir. */
  destroy(): Promise<void>;
  log(): string;
}

/** InfluxDB 1.x lets the first admin be created without credentials while auth is on and no user exists. */
async function createAdmin(url: string, admin: { username: string; password: string }): Promise<void> {
  const name = admin.username.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const password = admin.password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const body = new URLSearchParams({ q: `CREATE USER "${name}" WITH PASSWORD '${password}' WITH ALL PRIVILEGES` });
  const res = await fetch(`${url}/query`, { method: 'POST', body, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  if (res.status !== 200 || text.includes('"error"')) throw new Error(`influxd: creating the admin user failed: ${res.status} ${text}`);
}

export async function startInfluxd(options: InfluxdOptions = {}): Promise<InfluxdHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-influx-'));
  for (const sub of influxdSubdirs) mkdirSync(join(dir, sub));
  const port = await freeTcpPort();
  const bindPort = await freeTcpPort();
  const confPath = join(dir, 'influxdb.conf');
  const logPath = join(dir, 'influxd.log');
  writeFileSync(confPath, influxdConfig({ dir, httpPort: port, bindPort, authEnabled: options.admin !== undefined, ...(options.data ? { data: options.data } : {}) }));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const { openSync } = await import('node:fs');
    const out = openSync(logPath, 'a');
    const started = spawn('influxd', ['run', '-config', confPath], { stdio: ['ignore', out, out] });
    child = started;
    await waitFor(`influxd to answer on ${url}`, () => influxdAnswers(url), {
      intervalMs: 100,
      failIf: () => (started.exitCode === null ? undefined : `influxd exited (${started.exitCode})`),
      context: () => readFileSync(logPath, 'utf8').slice(-2000),
    });
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    // A large index (the benchmarks') takes a while to close.
    if (c) await stopChild(c, { killAfterMs: 10_000 });
  };

  await start();
  if (options.admin !== undefined) {
    try {
      await createAdmin(url, options.admin);
    } catch (err) {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  return {
    url,
    port,
    dataDir: dir,
    pid: () => child?.pid,
    stop,
    start,
    ensureRunning: async () => {
      if (child === undefined) await start();
    },
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => readFileSync(logPath, 'utf8'),
  };
}

/**
 * For a test file that shares one influxd: started before its tests, started again after a
 * test that stopped it (and failed before starting it), removed after them. The handle is
 * usable from the file's own `beforeAll` on (hooks run in the order they are declared).
 */
export function sharedInfluxd(options: InfluxdOptions = {}): InfluxdHandle {
  let handle: InfluxdHandle | undefined;
  const started = (): InfluxdHandle => {
    if (handle === undefined) throw new Error('influxd is not started: its beforeAll failed');
    return handle;
  };
  beforeAll(async () => {
    handle = await startInfluxd(options);
  }, 60_000);
  afterEach(async () => {
    await handle?.ensureRunning();
  });
  afterAll(async () => {
    await handle?.destroy();
  });
  return {
    get url() {
      return started().url;
    },
    get port() {
      return started().port;
    },
    get dataDir() {
      return started().dataDir;
    },
    pid: () => started().pid(),
    stop: () => started().stop(),
    start: () => started().start(),
    ensureRunning: () => started().ensureRunning(),
    destroy: () => started().destroy(),
    log: () => started().log(),
  };
}
