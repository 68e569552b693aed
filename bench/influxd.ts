// An influxd for a benchmark: the tests' daemon (tests/helpers/influxd.ts: free loopback ports,
// a temporary data dir) with the `[data]` limits a run needs, its PID (the benchmarks read its
// CPU from /proc) and those limits as the report states them. Its log can be kept past its data
// dir (BENCH_KEEP=1: the log tells why a write was slow or refused).
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InfluxdDataSettings } from '../scripts/influxd-config.mjs';
import { startInfluxd } from '../tests/helpers/influxd.ts';

/** The `[data]` settings a run needs (InfluxDB's defaults where left out). */
export type BenchInfluxdOptions = InfluxdDataSettings;

export interface BenchInfluxd {
  url: string;
  pid: number;
  dataDir: string;
  /** The `[data]` settings it runs with, for the report. */
  data: Required<BenchInfluxdOptions>;
  /** Stops it and removes its data dir; with `keepLogIn`, first copies its log (influxd.log) into that directory. */
  stop(opts?: { keepLogIn?: string }): Promise<void>;
}

export async function startBenchInfluxd(opts: BenchInfluxdOptions = {}): Promise<BenchInfluxd> {
  const data: Required<BenchInfluxdOptions> = {
    maxSeriesPerDatabase: opts.maxSeriesPerDatabase ?? 1_000_000,
    maxValuesPerTag: opts.maxValuesPerTag ?? 100_000,
    indexVersion: opts.indexVersion ?? 'inmem',
  };
  const influxd = await startInfluxd({ data });
  const stop = async (opts: { keepLogIn?: string } = {}): Promise<void> => {
    await influxd.stop();
    const log = join(influxd.dataDir, 'influxd.log');
    if (opts.keepLogIn !== undefined && existsSync(log)) copyFileSync(log, join(opts.keepLogIn, 'influxd.log'));
    await influxd.destroy();
  };
  return { url: influxd.url, pid: influxd.pid() ?? 0, dataDir: influxd.dataDir, data, stop };
}
