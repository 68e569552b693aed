// Starts the whole system the way a user does: a real influxd, `lanewatch simulate` and
// `lanewatch run` as child processes on a temporary copy of the example config, every
// address moved to free loopback ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { defaultConfigDir } from '../../config/load.ts';
import { startInfluxd, type InfluxdHandle } from './influxd.ts';
import { freeTcpPort, freeUdpPort } from './ports.ts';

const cli = fileURLToPath(new URL('../../bin/lanewatch.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface SystemHandle {
  url: string;
  influx: InfluxdHandle;
  configDir: string;
  intervalMs: number;
  linkIds: string[];
  /** Text the processes logged so far, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

interface TopologyFile {
  provinces: { id: string; contacts?: { email?: string[]; webhook?: string[] } }[];
  routers: { address: string }[];
  links: { id: string }[];
}

export interface SystemOptions {
  intervalMs?: number;
  /** A scenario (YAML text) for `lanewatch simulate --scenario`. */
  scenario?: string;
  /** Province id → contacts for alert notifications. */
  contacts?: Record<string, { email?: string[]; webhook?: string[] }>;
  /** Extra top-level settings (e.g. `notify`), merged over the test defaults. */
  settings?: Record<string, unknown>;
}

export async function writeTestConfig(
  dir: string,
  influxUrl: string,
  intervalMs: number,
  httpPort: number,
  opts: Pick<SystemOptions, 'contacts' | 'settings'> = {},
): Promise<string[]> {
  const topology = parse(readFileSync(join(defaultConfigDir, 'topology.yaml'), 'utf8')) as TopologyFile;
  for (const router of topology.routers) router.address = `127.0.0.1:${await freeUdpPort()}`;
  for (const province of topology.provinces) {
    const contacts = opts.contacts?.[province.id];
    if (contacts) province.contacts = contacts;
  }
  writeFileSync(join(dir, 'topology.yaml'), stringify(topology));
  for (const file of ['classes.yaml', 'policies.yaml']) {
    if (existsSync(join(defaultConfigDir, file))) copyFileSync(join(defaultConfigDir, file), join(dir, file));
  }
  // The simulated routers' QoS styles and queues, as in the demo (simulator only; ids unchanged).
  copyFileSync(join(defaultConfigDir, 'simulation.yaml'), join(dir, 'simulation.yaml'));
  writeFileSync(
    join(dir, 'settings.yaml'),
    stringify({
      influx: { url: influxUrl, database: 'lanewatch', flushIntervalMs: 200 },
      collector: { intervalMs, timeoutMs: 800, retries: 0, spool: { dir: join(dir, 'spool') } },
      server: { host: '127.0.0.1', port: httpPort },
      state: { dir: join(dir, 'state') },
      ...opts.settings,
    }),
  );
  return topology.links.map((l) => l.id);
}

function startCli(args: string[], logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [cli, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', out, out],
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '' },
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
  await exited;
  clearTimeout(timer);
}

interface Health {
  status: string;
  collector: { devices: number; devicesUp: number } | null;
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return (await res.json()) as T;
}

export async function startSystem(opts: SystemOptions = {}): Promise<SystemHandle> {
  const intervalMs = opts.intervalMs ?? 1_000;
  const influx = await startInfluxd();
  const configDir = mkdtempSync(join(tmpdir(), 'lanewatch-system-'));
  const httpPort = await freeTcpPort();
  const linkIds = await writeTestConfig(configDir, influx.url, intervalMs, httpPort, opts);
  const logFile = join(configDir, 'system.log');
  const simulateArgs = ['simulate', '--config', configDir];
  if (opts.scenario !== undefined) {
    writeFileSync(join(configDir, 'scenario.yaml'), opts.scenario);
    simulateArgs.push('--scenario', join(configDir, 'scenario.yaml'));
  }
  const simulator = startCli(simulateArgs, logFile);
  const app = startCli(['run', '--config', configDir], logFile);
  const url = `http://127.0.0.1:${httpPort}`;
  const logs = () => readFileSync(logFile, 'utf8');
  const stop = async () => {
    await stopChild(app);
    await stopChild(simulator);
    await influx.destroy();
    rmSync(configDir, { recursive: true, force: true });
  };
  // Ready when every simulated router answers the collector.
  const deadline = Date.now() + 40_000;
  for (;;) {
    try {
      const health = await getJson<Health>(`${url}/api/v1/health`);
      if (health.collector && health.collector.devices > 0 && health.collector.devicesUp === health.collector.devices) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || app.exitCode !== null || simulator.exitCode !== null) {
      const text = logs();
      await stop();
      throw new Error(`the system did not become healthy:\n${text.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, influx, configDir, intervalMs, linkIds, logs, stop };
}
