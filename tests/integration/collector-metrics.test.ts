// `lanewatch collector` (the collector alone, as deployed beside a server elsewhere) serves its
// own GET /metrics on metrics.collectorListen: the real program (bin/lanewatch.js from the
// sources) polls a real snmpd and writes to a real influxd; its polls, points written and the
// process metrics are scraped from 127.0.0.1; a client bound to 127.0.0.2 (not in allowFrom) is
// refused; no secret of the configuration is in the exposition; and a port another process holds
// stops it at start with one log line naming the setting, exit 1, no stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnmpd, type SnmpdHandle } from '../helpers/snmpd.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { freeTcpPort } from '../helpers/ports.ts';
import { stopChild } from '../helpers/child-process.ts';
import { waitFor, waitForValue } from '../helpers/wait.ts';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../helpers/prometheus-text.ts';
import { runCommand } from '../helpers/cli-output.ts';
import { collectorCommand } from '../../cli/commands/run.ts';
import { checkConfigCommand } from '../../cli/commands/check-config.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'bin', 'lanewatch.js');
const community = 'lw-collector-metrics-ro';
const influxPassword = 'influx-secret-for-metrics-test';

const influxd = sharedInfluxd();
let snmpd: SnmpdHandle;
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  snmpd = await startSnmpd({ community });
}, 30_000);

afterAll(async () => {
  for (const child of children) await stopChild(child);
  await snmpd?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A config directory: one router (the snmpd), its `lo` as a link, the collector's listener at `metricsPort`. */
function configDir(metricsPort: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-collector-metrics-'));
  dirs.push(dir);
  const url = new URL(influxd.url);
  url.username = 'lanewatch';
  url.password = influxPassword;
  writeFileSync(
    join(dir, 'settings.yaml'),
    stringify({
      influx: { url: url.toString(), database: 'collector_metrics', flushIntervalMs: 200 },
      collector: { intervalMs: 1_000, timeoutMs: 800, retries: 0, spool: { dir: join(dir, 'spool') } },
      state: { dir: join(dir, 'state') },
      metrics: { allowFrom: ['127.0.0.1'], collectorListen: { host: '127.0.0.1', port: metricsPort } },
    }),
  );
  writeFileSync(
    join(dir, 'topology.yaml'),
    `provinces: [{ id: ha-noi }]
routers:
  - { id: core-1, province: ha-noi, address: "${snmpd.target}", snmp: { version: "2c", community: ${community} } }
links:
  - { id: t1-lo, tier: 1, province: ha-noi, router: core-1, ifName: lo, capacityBps: 100000000000 }
`,
  );
  return dir;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `lanewatch collector --config DIR` from the sources, its stdout and stderr kept. */
function startCollector(dir: string): Running {
  const child = spawn(process.execPath, [cli, 'collector', '--config', dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LANEWATCH_RUNTIME: 'source', LOG_LEVEL: 'info', PORT: '', LANEWATCH_INFLUX_URL: '' },
  });
  children.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** GET over HTTP from a chosen local address (fetch cannot bind one). */
function getFrom(localAddress: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} from ${localAddress} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('lanewatch collector: its own /metrics', () => {
  let running: Running;
  let base: string;

  beforeAll(async () => {
    const port = await freeTcpPort();
    base = `http://127.0.0.1:${port}`;
    running = startCollector(configDir(port));
  });

  afterAll(async () => {
    await stopChild(running.child);
  });

  /** Scrapes until `check` holds (the collector is starting and polling once a second). */
  function scrapeUntil(what: string, check: (m: Map<string, MetricFamily>) => boolean): Promise<Map<string, MetricFamily>> {
    return waitForValue(
      what,
      async () => {
        const res = await getFrom('127.0.0.1', `${base}/metrics`);
        if (res.status !== 200) return undefined;
        const families = parsePrometheusText(res.body);
        return check(families) ? families : undefined;
      },
      {
        timeoutMs: 40_000,
        intervalMs: 250,
        failIf: () => (running.child.exitCode === null ? undefined : `lanewatch collector exited with ${running.child.exitCode}`),
        context: () => running.output().slice(-3000),
      },
    );
  }

  it('from 127.0.0.1: polls counted, points written to influxd, process metrics there', async () => {
    const families = await scrapeUntil(
      'a poll and a write in /metrics',
      (m) => sampleValue(m, 'lanewatch_collector_polls_total') > 0 && sampleValue(m, 'lanewatch_store_points_written_total') > 0,
    );
    expect(families.get('lanewatch_collector_polls_total')?.type).toBe('counter');
    expect(sampleValue(families, 'lanewatch_collector_devices', { state: 'up' })).toBe(1);
    expect(families.get('lanewatch_collector_polls_late_total')?.type).toBe('counter');
    expect(sampleValue(families, 'lanewatch_collector_polls_late_total')).toBe(0);
    expect(sampleValue(families, 'lanewatch_store_influx_reachable')).toBe(1);
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
    // The server's parts are not in this process.
    expect(families.has('lanewatch_live_clients')).toBe(false);
    const log = running.output();
    expect(log).toMatch(/"msg":"metrics listening"/);
  }, 60_000);

  it('carries no secret of the configuration (SNMP community, InfluxDB password)', async () => {
    const res = await getFrom('127.0.0.1', `${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.body).not.toContain(community);
    expect(res.body).not.toContain(influxPassword);
    expect(res.body).not.toContain(snmpd.target);
  });

  it('from 127.0.0.2 (not in allowFrom): 403 naming the setting, no metrics', async () => {
    const res = await getFrom('127.0.0.2', `${base}/metrics`);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'metrics-address', params: { address: '127.0.0.2' } });
    expect(res.body).toMatch(/not in metrics\.allowFrom; add it to metrics\.allowFrom/);
    expect(res.body).not.toContain('lanewatch_collector');
  });

  it('GET /healthz answers while it runs', async () => {
    const res = await getFrom('127.0.0.2', `${base}/healthz`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });

  it('SIGTERM stops it cleanly (exit 0) and closes the listener', async () => {
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    await expect(getFrom('127.0.0.1', `${base}/metrics`)).rejects.toThrow(/ECONNREFUSED/);
  }, 30_000);
});

describe('lanewatch collector: metrics.collectorListen.port taken', () => {
  let holder: Server;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  });

  it('exits 1 with one error line naming the setting and the address, no stack', async () => {
    const address = holder.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const run = startCollector(configDir(address.port));
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
    const code = await run.exited;
    clearTimeout(timer);
    expect(code, run.output()).toBe(1);
    const lines = run
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; [key: string]: unknown });
    const errors = lines.filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      msg: `metrics.collectorListen: cannot listen on 127.0.0.1:${address.port}: the port is already in use by another process; stop it or set another metrics.collectorListen.port in settings.yaml`,
      setting: 'metrics.collectorListen',
      address: `127.0.0.1:${address.port}`,
      code: 'EADDRINUSE',
    });
    expect(run.output()).not.toMatch(/\n\s+at /);
    expect(errors[0]).not.toHaveProperty('err');
    // The store it had started was stopped on the way out; nothing was polled.
    expect(lines.some((l) => l.msg === 'store stopped')).toBe(true);
    expect(lines.some((l) => l.msg === 'collector started')).toBe(false);
  }, 40_000);
});

describe('--help and check-config', () => {
  it('lanewatch collector --help names the listener, its setting and default, and allowFrom', async () => {
    const child = spawn(process.execPath, [cli, 'collector', '--help'], { cwd: repoRoot, env: { ...process.env, LANEWATCH_RUNTIME: 'source' } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('GET /metrics');
    expect(out).toContain('GET /healthz');
    expect(out).toContain('metrics.collectorListen (default 127.0.0.1:9464)');
    expect(out).toContain('metrics.allowFrom');
    expect(collectorCommand.usage).toBe(out.trimEnd());
  }, 30_000);

  it('check-config --json shows the effective metrics.collectorListen', async () => {
    const dir = configDir(19_464);
    const run = await runCommand(checkConfigCommand, [dir, '--json']);
    expect(run.code, run.err).toBe(0);
    const printed = JSON.parse(run.out) as { settings: { metrics: unknown } };
    expect(printed.settings.metrics).toEqual({ allowFrom: ['127.0.0.1'], collectorListen: { host: '127.0.0.1', port: 19_464 } });
  });

  it('check-config names a bad metrics.collectorListen.port', async () => {
    const dir = configDir(19_464);
    writeFileSync(join(dir, 'settings.yaml'), 'metrics:\n  collectorListen:\n    port: 70000\n');
    const run = await runCommand(checkConfigCommand, [dir]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/settings\.yaml:3 metrics\.collectorListen\.port: /);
  });
});
