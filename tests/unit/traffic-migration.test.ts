// The traffic migration's progress file (config/stored-json.ts: written whole, read back or
// refused naming the file) and its waits between failed runs (config/backoff.ts), against a
// loopback HTTP server answering as InfluxDB would for a database holding earlier-shape
// series with no points left (so a run reads its progress, copies nothing and finishes).
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonedAfterMs } from '../../config/atomic-file.ts';
import { backoffDelayMs } from '../../config/backoff.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { retentionOf } from '../../collector/store/rollups.ts';
import { migrationRetry, TrafficShapeMigration, trafficMigrationStateFile } from '../../collector/store/traffic-migration.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { tempDirEachTest } from '../helpers/temp-dir.ts';

const dir = tempDirEachTest('migration');
const database = 'lw_unit';
/** Whether the fake InfluxDB answers (else every statement gets a 500). */
let answering = true;
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const q = new URLSearchParams(body).get('q') ?? new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
      res.setHeader('content-type', 'application/json');
      if (!answering) {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: 'influxdb is down' }));
        return;
      }
      const found = q.startsWith('SHOW SERIES') ? [{ columns: ['key'], values: [['traffic,class=video,dir=up,link=l1']] }] : undefined;
      res.end(JSON.stringify({ results: [{ statement_id: 0, ...(found ? { series: found } : {}) }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

function migration(stateFile: string, log = captureLog('info').log, nowMs = Date.now): TrafficShapeMigration {
  return new TrafficShapeMigration({ influx: createInfluxClient({ url, database, requestTimeoutMs: 5_000 }), database, retention: retentionOf({}), log, stateFile, nowMs });
}

/** With InfluxDB failing, `runs` runs of `migration` (each must fail): the retry delay after each. */
async function delaysAfterFailedRuns(migration: TrafficShapeMigration, runs: number): Promise<number[]> {
  answering = false;
  try {
    const delays: number[] = [];
    for (let i = 0; i < runs; i++) {
      await expect(migration.run()).rejects.toThrow();
      delays.push(migration.retryDelayMs());
    }
    return delays;
  } finally {
    answering = true;
  }
}

describe('waits between failed runs', () => {
  it('follow config/backoff.ts from migrationRetry: 5 s doubling to 10 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((failures) => backoffDelayMs(migrationRetry, failures) / 1000)).toEqual([5, 10, 20, 40, 80, 160, 320, 600, 600]);
  });

  it('grow with each run that fails in a row, and start over after one that finishes', async () => {
    const run = migration(join(dir(), 'state.json'));
    expect(run.retryDelayMs()).toBe(migrationRetry.initialMs);
    expect(await delaysAfterFailedRuns(run, 4)).toEqual([1, 2, 3, 4].map((failures) => backoffDelayMs(migrationRetry, failures)));
    expect((await run.run()).migrated).toBe(true);
    expect(run.retryDelayMs()).toBe(migrationRetry.initialMs);
  });

  it('take the bounds given', async () => {
    const run = new TrafficShapeMigration({
      influx: createInfluxClient({ url, database, requestTimeoutMs: 5_000 }),
      database,
      retention: retentionOf({}),
      log: captureLog('info').log,
      retry: { initialMs: 100, maxMs: 250 },
    });
    expect(await delaysAfterFailedRuns(run, 3)).toEqual([100, 200, 250]);
  });
});

describe('the progress file', () => {
  it('lies beside the spool directory', () => {
    expect(trafficMigrationStateFile('/var/lib/lanewatch/spool')).toBe('/var/lib/lanewatch/spool.traffic-migration.json');
  });

  it('a corrupt file is logged naming it, the migration starts from the newest window and removes the file once done', async () => {
    const stateFile = join(dir(), 'state.json');
    writeFileSync(stateFile, '{"raw":17000000');
    const { log, lines } = captureLog('info');
    expect((await migration(stateFile, log).run()).migrated).toBe(true);
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings.map((line) => [line.msg, line.file])).toEqual([
      [`traffic migration state ignored: ${stateFile} is unusable: not complete JSON`, stateFile],
    ]);
    expect(lines.some((line) => line.msg === 'traffic migration resumed where it stopped')).toBe(false);
    expect(readdirSync(dir())).toEqual([]);
  });

  it('after a crash mid-write (a torn temporary file left), resumes from the last progress written and clears the leftover', async () => {
    const stateFile = join(dir(), 'state.json');
    writeFileSync(stateFile, JSON.stringify({ raw: 1_700_000_000_000, rollup_5m: 1_690_000_000_000, other: 5 }));
    const nowMs = 1_800_000_000_000;
    const torn = join(dir(), '.state.json.4242.0b7c2f.tmp');
    writeFileSync(torn, '{"raw":17');
    const seconds = (nowMs - abandonedAfterMs - 1_000) / 1000;
    utimesSync(torn, seconds, seconds);
    const { log, lines } = captureLog('info');
    await migration(stateFile, log, () => nowMs).run();
    expect(lines.find((line) => line.msg === 'traffic migration resumed where it stopped')?.progress).toEqual({ raw: 1_700_000_000_000, rollup_5m: 1_690_000_000_000 });
    expect(lines.filter((line) => line.level === 40).map((line) => line.msg)).toEqual(['removing an unfinished write of the traffic migration state']);
    expect(readdirSync(dir())).toEqual([]);
  });
});
