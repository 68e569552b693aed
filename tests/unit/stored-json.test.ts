// config/stored-json.ts: state files read back and written whole (the collector's rollup
// backfill and traffic migration progress, the server's files), on a real file system.
import { chmodSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { abandonedAfterMs } from '../../config/atomic-file.ts';
import { parseStoredJson, readResumableState, readStoredJson, writeStoredJson } from '../../config/stored-json.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { tempDirEachTest } from '../helpers/temp-dir.ts';

const dir = tempDirEachTest('stored-json');
const progressSchema = z.record(z.string(), z.number());
const nowMs = 1_800_000_000_000;

/** What a writer killed between its write and its rename leaves: a torn temporary file of its own. */
function leaveTornWrite(name: string, ageMs: number): string {
  const entry = `.${name}.4242.0b7c2f.tmp`;
  writeFileSync(join(dir(), entry), '{"raw":17000');
  const seconds = (nowMs - ageMs) / 1000;
  utimesSync(join(dir(), entry), seconds, seconds);
  return entry;
}

describe('parseStoredJson', () => {
  it.each([
    ['{"raw":1}', { data: { raw: 1 } }],
    ['{"raw":1', { reason: 'not complete JSON' }],
    ['{"raw":"one"}', { reason: 'raw: Invalid input: expected number, received string' }],
  ])('%s', (text, expected) => {
    expect(parseStoredJson(text, progressSchema)).toEqual(expected);
  });
});

describe('writeStoredJson and readStoredJson', () => {
  it('reads back what was written; no file reads as undefined', async () => {
    const path = join(dir(), 'state.json');
    expect(await readStoredJson(path, progressSchema)).toBeUndefined();
    await writeStoredJson(path, { raw: 1, rollup_5m: 2 });
    expect(readFileSync(path, 'utf8')).toBe('{"raw":1,"rollup_5m":2}\n');
    expect(await readStoredJson(path, progressSchema)).toEqual({ raw: 1, rollup_5m: 2 });
    expect(readdirSync(dir())).toEqual(['state.json']);
  });

  it('a writer that crashed mid-write leaves the previous state whole', async () => {
    const path = join(dir(), 'state.json');
    await writeStoredJson(path, { raw: 1 });
    leaveTornWrite('state.json', 0);
    expect(await readStoredJson(path, progressSchema)).toEqual({ raw: 1 });
    await writeStoredJson(path, { raw: 2 });
    expect(await readStoredJson(path, progressSchema)).toEqual({ raw: 2 });
  });

  it('writers at the same time each use a temporary file of their own: every write lands whole', async () => {
    const path = join(dir(), 'state.json');
    const values = Array.from({ length: 20 }, (_, i) => ({ raw: i, padding: 'x'.repeat(64 * 1024 + i) }));
    await Promise.all(values.map((value) => writeStoredJson(path, value)));
    const read = await readStoredJson(path, z.object({ raw: z.number(), padding: z.string() }));
    expect(read).toEqual(values[read?.raw ?? -1]);
    expect(readdirSync(dir())).toEqual(['state.json']);
  });

  it.each([
    ['cut short', '{"raw":1', 'not complete JSON'],
    ['of another shape', '{"raw":"yesterday"}', 'raw: Invalid input: expected number, received string'],
  ])('a file %s is refused with an error naming it and why', async (_name, text, reason) => {
    const path = join(dir(), 'state.json');
    writeFileSync(path, text);
    await expect(readStoredJson(path, progressSchema)).rejects.toThrow(`${path} is unusable: ${reason}`);
  });

  it.skipIf(process.getuid?.() === 0)('a file it may not read is refused with an error naming it', async () => {
    const path = join(dir(), 'state.json');
    writeFileSync(path, '{"raw":1}');
    chmodSync(path, 0o000);
    await expect(readStoredJson(path, progressSchema)).rejects.toThrow(`cannot read ${path}`);
  });

  it('a file it cannot write is refused with an error naming it', async () => {
    const path = join(dir(), 'no-such-dir', 'state.json');
    await expect(writeStoredJson(path, { raw: 1 })).rejects.toThrow(`cannot write ${path}`);
  });
});

describe('readResumableState', () => {
  it('removes what a crashed write left (once old enough that no writer can still be at it) and reads the state', async () => {
    const path = join(dir(), 'state.json');
    await writeStoredJson(path, { raw: 1 });
    leaveTornWrite('state.json', abandonedAfterMs + 1_000);
    const recent = leaveTornWrite('other.json', abandonedAfterMs + 1_000);
    const { log, lines } = captureLog('warn');
    expect(await readResumableState(path, progressSchema, { log, nowMs, what: 'test state' })).toEqual({ raw: 1 });
    expect(readdirSync(dir()).sort()).toEqual([recent, 'state.json']);
    expect(lines.map((line) => line.msg)).toEqual(['removing an unfinished write of the test state']);
  });

  it('keeps a temporary file young enough to be another writer’s, still at work', async () => {
    const path = join(dir(), 'state.json');
    const live = leaveTornWrite('state.json', 1_000);
    const { log } = captureLog('warn');
    expect(await readResumableState(path, progressSchema, { log, nowMs, what: 'test state' })).toBeUndefined();
    expect(readdirSync(dir())).toEqual([live]);
  });

  it('never throws: a corrupt file is logged, naming it, and read as absent', async () => {
    const path = join(dir(), 'state.json');
    writeFileSync(path, '{"raw":');
    const { log, lines } = captureLog('warn');
    expect(await readResumableState(path, progressSchema, { log, nowMs, what: 'test state' })).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toBe(`test state ignored: ${path} is unusable: not complete JSON`);
    expect(lines[0]?.file).toBe(path);
  });

  it('a directory not made yet is no state and no warning', async () => {
    const { log, lines } = captureLog('warn');
    expect(await readResumableState(join(dir(), 'later', 'state.json'), progressSchema, { log, nowMs, what: 'test state' })).toBeUndefined();
    expect(lines).toEqual([]);
  });
});
