// An influxd for a benchmark: free loopback ports, a temporary data dir, its PID (the benchmarks
// read its CPU from /proc), and the limits a run needs written into its config (the config itself
// is scripts/influxd-config.mjs, as for the tests and the demo). The tests' helper
// (tests/helpers/influxd.ts) starts the same daemon with the defaults and no PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { influxdAnswers, influxdConfig, influxdSubdirs, type InfluxdDataSettings } from '../scripts/influxd-config.mjs';
import { freeTcpPort } from '../tests/helpers/ports.ts';

/** The `[data]` settings a run needs (InfluxDB's defaults where left out). */
export type BenchInfluxdOptions = InfluxdDataSettings;

export interface BenchInfluxd {
  url: string;
  pid: number;
  dataDir: string;
  /** The `[data]` settings it runs with, for the report. */
  data: Required<BenchInfluxdOptions>;
  stop(): Promise<void>;
}

export async function startBenchInfluxd(opts: BenchInfluxdOptions = {}): Promise<BenchInfluxd> {
  const data: Required<BenchInfluxdOptions> = {
    maxSeriesPerDatabase: opts.maxSeriesPerDatabase ?? 1_000_000,
    maxValuesPerTag: opts.maxValuesPerTag ?? 100_000,
    indexVersion: opts.indexVersion ?? 'inmem',
  };
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-bench-influx-'));
  for (const sub of influxdSubdirs) mkdirSync(join(dir, sub));
  const [httpPort, bindPort] = [await freeTcpPort(), await freeTcpPort()];
  const confPath = join(dir, 'influxdb.conf');
  const logPath = join(dir, 'influxd.log');
  writeFileSync(confPath, influxdConfig({ dir, httpPort, bindPort, data }));
  const out = openSync(logPath, 'a');
  const child: ChildProcess = spawn('influxd', ['run', '-config', confPath], { stdio: ['ignore', out, out] });
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`influxd exited (${child.exitCode}):\n${readFileSync(logPath, 'utf8').slice(-2_000)}`);
    if (await influxdAnswers(url)) break;
    if (Date.now() > deadline) throw new Error(`influxd did not answer on ${url} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid ?? 0,
    dataDir: dir,
    data,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
