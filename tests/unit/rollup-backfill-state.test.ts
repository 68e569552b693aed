// The rollup backfill's state file (config/stored-json.ts): the span still owed, written whole
// at every change, read back at the next start; a crash mid-write or a corrupt file costs at
// most that span, never the process. No InfluxDB: noting points does not query it.
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abandonedAfterMs } from '../../config/atomic-file.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import { backfillStateFile, RollupBackfill, retentionOf } from '../../collector/store/rollups.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { tempDirEachTest } from '../helpers/temp-dir.ts';

const dir = tempDirEachTest('rollup-state');
const nowMs = 1_800_000_000_000;

function backfill(stateFile: string, log = captureLog('info').log): RollupBackfill {
  return new RollupBackfill({
    // Never reached: these tests only note points.
    influx: createInfluxClient({ url: 'http://127.0.0.1:9', database: 'lw_unit', requestTimeoutMs: 1_000 }),
    database: 'lw_unit',
    retention: retentionOf({}),
    stateFile,
    log,
    nowMs: () => nowMs,
  });
}

function point(measurement: StorePoint['measurement'], atMs: number): StorePoint {
  return { measurement, tags: { link: 'l1' }, fields: { state: 0 }, atMs };
}

describe('the rollup backfill state file', () => {
  it('lies beside the spool directory', () => {
    expect(backfillStateFile('/var/lib/lanewatch/spool')).toBe('/var/lib/lanewatch/spool.rollup-backfill.json');
  });

  it('holds the owed span after each note, and the next start owes it', async () => {
    const stateFile = join(dir(), 'state.json');
    const first = backfill(stateFile);
    await first.note([point('traffic', nowMs - 7_200_000), point('poll', nowMs - 9e9), point('traffic', nowMs - 3_600_000)]);
    const owed = { traffic: { fromMs: nowMs - 7_200_000, toMs: nowMs - 3_600_000 } };
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual(owed);
    expect(readdirSync(dir())).toEqual(['state.json']);
    const second = backfill(stateFile);
    await second.note([]);
    expect(second.owed()).toEqual(owed);
  });

  it('after a crash mid-write (a torn temporary file left), the next start owes the last span written and clears the leftover', async () => {
    const stateFile = join(dir(), 'state.json');
    await backfill(stateFile).note([point('linkState', nowMs - 3_600_000)]);
    const torn = join(dir(), '.state.json.4242.0b7c2f.tmp');
    writeFileSync(torn, '{"linkState":{"fromMs":1');
    const seconds = (nowMs - abandonedAfterMs - 1_000) / 1000;
    utimesSync(torn, seconds, seconds);
    const { log, lines } = captureLog('info');
    const next = backfill(stateFile, log);
    await next.note([]);
    expect(next.owed()).toEqual({ linkState: { fromMs: nowMs - 3_600_000, toMs: nowMs - 3_600_000 } });
    expect(readdirSync(dir())).toEqual(['state.json']);
    expect(lines.filter((line) => line.level === 40).map((line) => line.msg)).toEqual(['removing an unfinished write of the rollup backfill state']);
  });

  it.each([
    ['cut short', '{"traffic":{"fromMs":1', 'not complete JSON'],
    ['of another shape', '{"traffic":{"fromMs":"today","toMs":2}}', 'traffic.fromMs: Invalid input: expected number, received string'],
  ])('a file %s is logged naming it and ignored; the next note replaces it', async (_name, text, reason) => {
    const stateFile = join(dir(), 'state.json');
    writeFileSync(stateFile, text);
    const { log, lines } = captureLog('info');
    const run = backfill(stateFile, log);
    await run.note([point('traffic', nowMs - 60_000)]);
    expect(lines.filter((line) => line.level === 40).map((line) => [line.msg, line.file])).toEqual([
      [`rollup backfill state ignored: ${stateFile} is unusable: ${reason}`, stateFile],
    ]);
    const owed = { traffic: { fromMs: nowMs - 60_000, toMs: nowMs - 60_000 } };
    expect(run.owed()).toEqual(owed);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual(owed);
  });

  it('a state it cannot save is logged naming the file; note() does not throw', async () => {
    const stateFile = join(dir(), 'no-such-dir', 'state.json');
    const { log, lines } = captureLog('info');
    await backfill(stateFile, log).note([point('traffic', nowMs)]);
    const errors = lines.filter((line) => line.level === 50);
    expect(errors.map((line) => [line.msg, line.file])).toEqual([['rollup backfill state not saved', stateFile]]);
  });
});
