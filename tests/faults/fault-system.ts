// The whole system for fault tests, as tests/helpers/system.ts starts it (a real influxd,
// `lanewatch simulate` and `lanewatch run` as child processes on a copy of the example config),
// with `lanewatch run` in the test's hands: killed with any signal and started again on the
// same config, spool and state. Also: the points InfluxDB holds and the points a spool holds
// on disk, as comparable keys.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfluxDB } from 'influx';
import { startInfluxd, type InfluxdHandle } from '../helpers/influxd.ts';
import { addSystemUsers, getJson, loginTo, writeTestConfig } from '../helpers/system.ts';
import { freeTcpPort } from '../helpers/ports.ts';

const cli = fileURLToPath(new URL('../../bin/lanewatch.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Health {
  status: 'ok' | 'degraded';
  influx: { reachable: boolean; spooledPoints?: number; droppedPoints?: number; pendingPoints?: number };
  collector: { running: boolean; devices: number; devicesUp: number } | null;
}

export interface FaultSystem {
  url: string;
  influx: InfluxdHandle;
  configDir: string;
  spoolDir: string;
  intervalMs: number;
  linkIds: string[];
  /** The running `lanewatch run`, if any. */
  readonly run: ChildProcess | undefined;
  /** Starts `lanewatch run` and waits until every simulated router answers it. */
  startRun(): Promise<void>;
  /** Sends `signal` to `lanewatch run` and waits for it to exit. */
  killRun(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  health(): Promise<Health>;
  /** GET a path as a signed-in admin; the text. */
  getText(path: string): Promise<string>;
  logs(): string;
  stop(): Promise<void>;
}

export interface FaultSystemOptions {
  intervalMs?: number;
  /** Points per InfluxDB write (default the settings' default). */
  influxBatchSize?: number;
  /** Extra top-level settings merged over the test defaults. */
  settings?: Record<string, unknown>;
}

function startCli(args: string[], logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [cli, ...args], { cwd: repoRoot, stdio: ['ignore', out, out], env: { ...process.env, LOG_LEVEL: 'info', PORT: '' } });
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!child) return { code: null, signal: null };
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

export async function waitFor<T>(what: string, withinMs: number, probe: () => Promise<T | undefined>, logs: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}\n${logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startFaultSystem(opts: FaultSystemOptions = {}): Promise<FaultSystem> {
  const intervalMs = opts.intervalMs ?? 1_000;
  const influx = await startInfluxd();
  const configDir = mkdtempSync(join(tmpdir(), 'lanewatch-faults-'));
  const httpPort = await freeTcpPort();
  const settings: Record<string, unknown> = { ...opts.settings };
  if (opts.influxBatchSize !== undefined) settings['influx'] = { url: influx.url, database: 'lanewatch', flushIntervalMs: 200, batchSize: opts.influxBatchSize };
  const linkIds = await writeTestConfig(configDir, influx.url, intervalMs, httpPort, { settings });
  await addSystemUsers(configDir);
  const logFile = join(configDir, 'system.log');
  const logs = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const simulator = startCli(['simulate', '--config', configDir], logFile);
  const url = `http://127.0.0.1:${httpPort}`;
  let run: ChildProcess | undefined;
  let cookie: string | undefined;

  const health = (): Promise<Health> => getJson<Health>(`${url}/api/v1/health`);
  const system: FaultSystem = {
    url,
    influx,
    configDir,
    spoolDir: join(configDir, 'spool'),
    intervalMs,
    linkIds,
    get run() {
      return run;
    },
    async startRun() {
      run = startCli(['run', '--config', configDir], logFile);
      cookie = undefined;
      const started = run;
      await waitFor('lanewatch run to poll every router', 60_000, async () => {
        if (started.exitCode !== null) throw new Error(`lanewatch run exited with ${started.exitCode}`);
        const h = await health();
        return h.collector && h.collector.devices > 0 && h.collector.devicesUp === h.collector.devices ? h : undefined;
      }, logs);
    },
    async killRun(signal) {
      const result = await stopChild(run, signal);
      run = undefined;
      return result;
    },
    health,
    async getText(path) {
      cookie ??= await loginTo(url, 'admin');
      const res = await fetch(`${url}${path}`, { headers: { cookie, origin: url }, signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return res.text();
    },
    logs,
    async stop() {
      await stopChild(run);
      await stopChild(simulator);
      await influx.destroy();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
  try {
    await system.startRun();
  } catch (err) {
    await system.stop();
    throw err;
  }
  return system;
}

// ---- points as comparable keys ------------------------------------------------------------------

/** `measurement|tag=value,…|atMs`: one point of one series at one time (what InfluxDB keeps once). */
export function pointKey(measurement: string, tags: Record<string, string>, atMs: number): string {
  const tagText = Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');
  return `${measurement}|${tagText}|${atMs}`;
}

/** The tags of each measurement (collector/store/points.ts and the analyzer's linkState). */
export const measurementTags: Record<string, readonly string[]> = {
  traffic: ['link', 'province', 'tier', 'dir', 'class'],
  iface: ['device', 'ifName', 'province'],
  poll: ['device', 'province'],
  linkState: ['link', 'province', 'tier', 'dir'],
};

/** Every point InfluxDB holds at or before `untilMs`, as keys (with `GROUP BY *`: tags as given). */
export async function influxPointKeys(url: string, untilMs: number): Promise<Set<string>> {
  const db = new InfluxDB(`${url}/lanewatch`);
  const keys = new Set<string>();
  for (const measurement of Object.keys(measurementTags)) {
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM "${measurement}" WHERE time <= ${Math.floor(untilMs)}ms GROUP BY *`, { precision: 'ms' });
    for (const row of rows) {
      const tags: Record<string, string> = {};
      for (const tag of measurementTags[measurement]!) {
        const value = row[tag];
        if (typeof value === 'string' && value !== '') tags[tag] = value;
      }
      const time = (row['time'] as { getTime(): number }).getTime();
      keys.add(pointKey(measurement, tags, time));
    }
  }
  return keys;
}

export interface SpoolOnDisk {
  /** Points in whole lines of every segment, acknowledged or not. */
  keys: Set<string>;
  /** Whole lines in all, and those a sidecar says were delivered. */
  lines: number;
  ackedLines: number;
  /** A last line cut by the kill (not a point; never acknowledged). */
  tornLines: number;
  segments: number;
}

/** What a spool directory holds after a crash, read straight from its files. */
export function spoolOnDisk(dir: string): SpoolOnDisk {
  const out: SpoolOnDisk = { keys: new Set(), lines: 0, ackedLines: 0, tornLines: 0, segments: 0 };
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).filter((n) => /^seg-\d+\.jsonl$/.test(n))) {
    out.segments += 1;
    const text = readFileSync(join(dir, name), 'utf8');
    const lines = text.split('\n');
    const last = lines.pop();
    if (last !== undefined && last !== '') out.tornLines += 1;
    for (const line of lines) {
      if (!line) continue;
      const p = JSON.parse(line) as { measurement: string; tags: Record<string, string>; atMs: number };
      out.keys.add(pointKey(p.measurement, p.tags, p.atMs));
      out.lines += 1;
    }
    const sidecar = join(dir, name.replace(/\.jsonl$/, '.count'));
    if (existsSync(sidecar)) out.ackedLines += (JSON.parse(readFileSync(sidecar, 'utf8')) as { ackedLines?: number }).ackedLines ?? 0;
  }
  return out;
}

/** A value of a Prometheus text exposition (summed over its labels); 0 when absent. */
export function metricValue(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) sum += Number(m[3]);
  }
  return sum;
}
