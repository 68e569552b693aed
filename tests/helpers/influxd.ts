// Starts a real InfluxDB 1.x (`influxd` from Debian's influxdb package) on free loopback
// ports with a temporary data dir. Used by integration and end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './ports.ts';

export interface InfluxdHandle {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the daemon (SIGTERM) and waits for it to exit; the data dir is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  start(): Promise<void>;
  /** Stops it and removes the data dir. */
  destroy(): Promise<void>;
  log(): string;
}

function config(dir: string, httpPort: number, bindPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${bindPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[coordinator]
[retention]
[shard-precreation]
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[continuous_queries]
  enabled = true
  log-enabled = false
`;
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(500) });
    return res.status === 204;
  } catch {
    return false;
  }
}

export async function startInfluxd(): Promise<InfluxdHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-influx-'));
  for (const sub of ['meta', 'data', 'wal']) mkdirSync(join(dir, sub));
  const port = await freeTcpPort();
  const bindPort = await freeTcpPort();
  const confPath = join(dir, 'influxdb.conf');
  const logPath = join(dir, 'influxd.log');
  writeFileSync(confPath, config(dir, port, bindPort));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const { openSync } = await import('node:fs');
    const out = openSync(logPath, 'a');
    child = spawn('influxd', ['run', '-config', confPath], { stdio: ['ignore', out, out] });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (await ping(url)) return;
      const done = await Promise.race([exited, new Promise((r) => setTimeout(() => r('wait'), 100))]);
      if (done !== 'wait') throw new Error(`influxd exited (${String(done)}):\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    }
    throw new Error(`influxd did not answer on ${url} within 20 s`);
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    url,
    port,
    dataDir: dir,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => readFileSync(logPath, 'utf8'),
  };
}
