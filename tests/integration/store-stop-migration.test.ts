// A stop during the traffic migration (collector/store/traffic-migration.ts) against a stand-in
// InfluxDB holding earlier-shape raw `traffic` whose copy statements for one window never
// answer, as a statement on a large, busy influxd may not for the client's 10-minute timeout:
// the store's stop returns at once, its request is aborted, the progress saved is that of the
// windows whose statements all answered, the stop is logged once, and a second store on the
// same spool directory resumes with the window that was cut and finishes.
// The stand-in is a fault injector for a state a real influxd cannot be put in on demand.
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { trafficClasses } from '../../api/schemas.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { backfillWindows, retentionOf } from '../../collector/store/rollups.ts';
import {
  shapeCopySelect,
  shapePolicies,
  TrafficMigrationStopped,
  TrafficShapeMigration,
  trafficMigrationStateFile,
} from '../../collector/store/traffic-migration.ts';
import { startInfluxStandIn, type InfluxStandIn } from '../helpers/influx-stand-in.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { createTestStore } from '../helpers/store.ts';
import { tempDirEachTest } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait.ts';

const database = 'lanewatch';
const hourMs = 3_600_000;
const raw = shapePolicies.find((p) => !p.rollup);
if (!raw) throw new Error('no raw policy in shapePolicies');
/** Earlier-shape raw points over 25 minutes two hours ago: three windows, copied newest first. */
const spanFromMs = Math.floor((Date.now() - 2 * hourMs) / hourMs) * hourMs;
const span = { fromMs: spanFromMs, toMs: spanFromMs + 25 * 60_000 };
const windows = backfillWindows(span, raw.windowMs).reverse();
/** Well under the migration client's 10-minute timeout, generous for a loaded machine. */
const promptStopMs = 3_000;

const dir = tempDirEachTest('stop-migration');
let standIn: InfluxStandIn;
/** Copy statements of the window starting here are held, never answered. */
let hangFromMs: number | undefined;
/** Held copy requests, and how many of them the client closed before an answer. */
let held: ServerResponse[] = [];
let abortedRequests = 0;
/** The window (its start) of each copy statement answered. */
let copiedFromMs: number[] = [];
/** Whether `DROP SERIES` of the earlier shape came (it then holds none). */
let dropped = false;

function answer(res: ServerResponse, result: object): true {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ results: [{ statement_id: 0, ...result }] }));
  return true;
}

/** The window and class a copy statement is for, when it is one of raw's. */
function copyOf(statement: string): { fromMs: number } | undefined {
  if (!raw) return undefined;
  return windows.find((w) => trafficClasses.some((cls) => shapeCopySelect(database, raw, cls, w) === statement));
}

beforeAll(async () => {
  standIn = await startInfluxStandIn(
    (req, res) => {
      req.resume();
      res.writeHead(204).end();
    },
    () => false,
    (statement, _req, res) => {
      if (statement.startsWith('SHOW SERIES FROM "traffic"')) {
        return answer(res, dropped ? {} : { series: [{ name: 'traffic', columns: ['key'], values: [['traffic,class=total,dir=down,link=m1']] }] });
      }
      const bound = /^SELECT (first|last)\(.*\) FROM "raw"\."traffic"/.exec(statement);
      if (bound) return answer(res, { series: [{ name: 'traffic', columns: ['time', bound[1]], values: [[bound[1] === 'first' ? span.fromMs : span.toMs, 1]] }] });
      if (/^SELECT (first|last)\(/.test(statement)) return answer(res, {}); // the rollups hold none
      const window = copyOf(statement);
      if (window && window.fromMs === hangFromMs) {
        held.push(res);
        res.on('close', () => {
          if (!res.writableFinished) abortedRequests += 1;
        });
        return true;
      }
      if (window) {
        copiedFromMs.push(window.fromMs);
        return answer(res, { series: [{ name: 'result', columns: ['time', 'written'], values: [[0, 10]] }] });
      }
      if (statement.startsWith('DROP SERIES FROM "traffic"')) {
        dropped = true;
        return answer(res, {});
      }
      return false;
    },
  );
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await standIn.close();
});
beforeEach(() => {
  hangFromMs = undefined;
  held = [];
  abortedRequests = 0;
  copiedFromMs = [];
  dropped = false;
});

describe('a stop while a traffic migration statement runs', () => {
  it('returns at once, aborts the statement, keeps the windows finished and resumes at the next start', async () => {
    const [newest, cut, oldest] = windows;
    if (!newest || !cut || !oldest || windows.length !== 3) throw new Error(`expected three windows, got ${windows.length}`);
    hangFromMs = cut.fromMs;
    const spoolDir = join(dir(), 'spool');
    const stateFile = trafficMigrationStateFile(spoolDir);
    const first = captureLog('info');
    const stopped = createTestStore({ influx: { url: standIn.url, database }, spool: { dir: spoolDir }, log: first.log });
    await stopped.store.start();
    await waitFor('the second window to be under way', () => held.length === trafficClasses.length, { context: () => JSON.stringify(first.lines.slice(-5)) });

    const stopStartedAtMs = Date.now();
    await stopped.store.stop();
    expect(Date.now() - stopStartedAtMs).toBeLessThan(promptStopMs);
    // The requests themselves were ended, not left open until their timeout.
    await waitFor('the held copy requests to be closed by the store', () => abortedRequests === trafficClasses.length, { timeoutMs: promptStopMs });
    // Done: the newest window only (its statements all answered); the cut one is not counted.
    expect(copiedFromMs).toEqual(trafficClasses.map(() => newest.fromMs));
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ raw: newest.fromMs });
    const interrupted = first.lines.filter((l) => /^traffic migration interrupted by the stop/.test(l.msg));
    expect(interrupted.map((l) => l['copiedFrom'])).toEqual([{ raw: new Date(newest.fromMs).toISOString() }]);
    expect(first.lines.filter((l) => /migration failed/.test(l.msg))).toEqual([]);
    expect(dropped).toBe(false);

    hangFromMs = undefined;
    copiedFromMs = [];
    const second = captureLog('info');
    const resumed = createTestStore({ influx: { url: standIn.url, database }, spool: { dir: spoolDir }, log: second.log });
    await resumed.store.start();
    try {
      await waitFor('the resumed migration to finish', () => second.lines.some((l) => l.msg === 'traffic migrated: the earlier shape dropped'), {
        context: () => JSON.stringify(second.lines.slice(-5)),
      });
    } finally {
      await resumed.store.stop();
    }
    expect(second.lines.find((l) => l.msg === 'traffic migration resumed where it stopped')?.['progress']).toEqual({ raw: newest.fromMs });
    // The cut window copied again from its start, then the older one; the newest not again.
    expect(copiedFromMs).toEqual([...trafficClasses.map(() => cut.fromMs), ...trafficClasses.map(() => oldest.fromMs)]);
    expect(dropped).toBe(true);
    expect(existsSync(stateFile)).toBe(false);
    expect(second.lines.filter((l) => /^traffic migration interrupted/.test(l.msg))).toEqual([]);
  }, 30_000);

  it('ends a run on a client without an abort signal too: rejected as stopped, not counted as a failure', async () => {
    const [newest] = windows;
    if (!newest) throw new Error('no window');
    hangFromMs = newest.fromMs;
    const { log } = captureLog('info');
    const migration = new TrafficShapeMigration({ influx: createInfluxClient({ url: standIn.url, database, requestTimeoutMs: 600_000 }), database, retention: retentionOf({}), log });
    const delayBeforeMs = migration.retryDelayMs();
    const running = migration.run();
    await waitFor('the first window to be under way', () => held.length === trafficClasses.length);
    const stopStartedAtMs = Date.now();
    migration.stop();
    await expect(running).rejects.toBeInstanceOf(TrafficMigrationStopped);
    expect(Date.now() - stopStartedAtMs).toBeLessThan(promptStopMs);
    expect(migration.retryDelayMs()).toBe(delayBeforeMs);
    for (const res of held) res.destroy(); // this client's requests stay open: ended here
  });
});
