// Closing the rollup backfill (collector/store/rollups.ts RollupBackfill) while its statement
// runs, against a stand-in InfluxDB whose backfill statements never answer (as one over an hour
// of every series on a large, busy influxd may not for the client's 2-minute timeout): close()
// returns at once, the request is aborted, the run is not counted as a failure, and the span,
// the cut window included, stays owed on disk for the next start.
// The stand-in is a fault injector for a state a real influxd cannot be put in on demand.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import { RollupBackfill, retentionOf } from '../../collector/store/rollups.ts';
import { startInfluxStandIn, type InfluxStandIn } from '../helpers/influx-stand-in.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { tempDirEachTest } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait.ts';

const hourMs = 3_600_000;
/** Well under the backfill client's 2-minute timeout, generous for a loaded machine. */
const promptCloseMs = 3_000;
const dir = tempDirEachTest('backfill-close');

let standIn: InfluxStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

function point(atMs: number): StorePoint {
  return { measurement: 'traffic', tags: { link: 'l1' }, fields: { bps: 1 }, atMs };
}

describe('closing the rollup backfill while a statement runs', () => {
  it('returns at once, aborts the request, and keeps the span owed on disk', async () => {
    const held: ServerResponse[] = [];
    let aborted = 0;
    standIn = await startInfluxStandIn(
      (req, res) => {
        req.resume();
        res.writeHead(204).end();
      },
      () => false,
      (statement, req, res) => {
        if (!/INTO/i.test(statement)) return false;
        held.push(res);
        req.socket.once('close', () => aborted++);
        return true; // never answered
      },
    );
    const url = standIn.url;
    const stateFile = join(dir(), 'backfill.json');
    const { log, lines } = captureLog('info');
    const backfill = new RollupBackfill({
      influx: (signal) => createInfluxClient({ url, database: 'lanewatch', requestTimeoutMs: 120_000, signal }),
      database: 'lanewatch',
      retention: retentionOf({}),
      stateFile,
      log,
    });
    const fromMs = Math.floor((Date.now() - 3 * hourMs) / hourMs) * hourMs;
    const owed = { traffic: { fromMs, toMs: fromMs + 90 * 60_000 } };
    await backfill.note([point(owed.traffic.fromMs), point(owed.traffic.toMs)]);
    backfill.replayFinished();
    await waitFor('a backfill statement at the stand-in', () => held.length > 0, { timeoutMs: 10_000 });

    const startedAtMs = Date.now();
    await backfill.close();
    expect(Date.now() - startedAtMs).toBeLessThan(promptCloseMs);
    await waitFor('the held requests aborted', () => aborted === held.length, { timeoutMs: 5_000 });
    expect(backfill.owed()).toEqual(owed);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual(owed);
    expect(lines.filter((l) => /backfill failed/.test(String(l.msg)))).toEqual([]);
    expect(lines.some((l) => /owed at stop/.test(String(l.msg)))).toBe(true);
  });
});
