// AuditLog on a real directory: numbered records on disk before `record` resolves, pages newest
// first (from memory and, beyond it, from the file), numbering that goes on after a restart and
// after another process's records, and a torn last line skipped with a warning.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from 'pino';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import {
  auditActions,
  auditEntryProblem,
  auditFileName,
  AuditLog,
  pageOf,
  parseAuditLine,
  type AuditEntry,
  type NewAuditEntry,
} from '../../server/auth/audit.ts';

let dir: string;
let clockMs: number;
let logLines: LogLine[];
let log: Logger;
const logs: AuditLog[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-audit-'));
  clockMs = 1_760_000_000_000;
  ({ log, lines: logLines } = captureLog());
});

afterEach(async () => {
  for (const audit of logs.splice(0)) await audit.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(keepInMemory?: number): Promise<AuditLog> {
  const audit = await AuditLog.open({ dir, log, now: () => clockMs, ...(keepInMemory === undefined ? {} : { keepInMemory }) });
  logs.push(audit);
  return audit;
}

const login = (actor: string): NewAuditEntry => ({ actor, address: '10.0.0.1', action: 'login' });

function fileLines(): string[] {
  return readFileSync(join(dir, auditFileName), 'utf8').split('\n').filter((l) => l !== '');
}

async function allPages(audit: AuditLog, limit: number): Promise<number[][]> {
  const pages: number[][] = [];
  let beforeSeq: number | undefined;
  for (;;) {
    const page = await audit.page(beforeSeq === undefined ? { limit } : { beforeSeq, limit });
    pages.push(page.entries.map((e) => e.seq));
    if (page.nextBeforeSeq === undefined) return pages;
    beforeSeq = page.nextBeforeSeq;
  }
}

describe('audit records', () => {
  it('lists every action once', () => {
    expect(new Set(auditActions).size).toBe(auditActions.length);
    expect(auditActions).toContain('login-failed');
  });

  it.each([
    [{ actor: null, address: 'cli', action: 'user-add', target: 'alice', details: { role: 'admin' } }],
    [{ actor: 'alice', address: '10.0.0.1', action: 'policy-save', details: { revision: 3, ok: true, note: null } }],
  ])('accepts %j', (entry) => {
    expect(auditEntryProblem(entry as NewAuditEntry)).toBeUndefined();
  });

  it.each([
    [{ actor: 'alice', address: '10.0.0.1', action: 'hack' }, /action/],
    [{ actor: 7, address: '10.0.0.1', action: 'login' }, /actor/],
    [{ actor: null, action: 'login' }, /address/],
    [{ actor: null, address: 'x', action: 'login', details: { nested: { a: 1 } } }, /details\.nested/],
    [{ actor: null, address: 'x', action: 'login', extra: 1 }, /unrecognized|extra/i],
  ])('refuses %j', (entry, problem) => {
    expect(auditEntryProblem(entry as NewAuditEntry)).toMatch(problem);
  });

  it.each([['{"seq":1,"atMs":5,"actor":null,"address":"cli","action":"logout"}', true], ['{"seq":1,"atMs":5', false], ['', false], ['[]', false], ['{"seq":0,"atMs":5,"actor":null,"address":"cli","action":"logout"}', false]])(
    'parses %j: %s',
    (line, ok) => {
      expect(parseAuditLine(line) !== undefined).toBe(ok);
    },
  );

  it('pages an ascending list newest first', () => {
    const entries = [1, 2, 3, 4, 5].map((seq): AuditEntry => ({ seq, atMs: seq, actor: null, address: 'x', action: 'login' }));
    const seqs = (p: { entries: AuditEntry[] }) => p.entries.map((e) => e.seq);
    expect(seqs(pageOf(entries, Infinity, 2, false))).toEqual([5, 4]);
    expect(pageOf(entries, Infinity, 2, false).nextBeforeSeq).toBe(4);
    expect(pageOf(entries, 3, 5, false)).toEqual({ entries: [entries[1], entries[0]] });
    expect(pageOf(entries, 3, 5, true).nextBeforeSeq).toBe(1);
    expect(pageOf(entries, 1, 5, false)).toEqual({ entries: [] });
  });
});

describe('AuditLog', () => {
  it('numbers records and has each on disk, owner-only, when record resolves', async () => {
    const audit = await open();
    const first = await audit.record(login('alice'));
    expect(first).toEqual({ seq: 1, atMs: clockMs, actor: 'alice', address: '10.0.0.1', action: 'login' });
    expect(fileLines()).toEqual(['{"seq":1,"atMs":1760000000000,"actor":"alice","address":"10.0.0.1","action":"login"}']);
    const second = await audit.record({ actor: null, address: 'cli', action: 'user-passwd', target: 'bob', details: { sessionsRevoked: 2 } }, 42);
    expect(second).toMatchObject({ seq: 2, atMs: 42, target: 'bob', details: { sessionsRevoked: 2 } });
    expect(fileLines()).toHaveLength(2);
    expect(statSync(join(dir, auditFileName)).mode & 0o777).toBe(0o600);
    expect(audit.lastSeq).toBe(2);
  });

  it('refuses an invalid record, naming the field, and writes nothing', async () => {
    const audit = await open();
    await expect(audit.record({ actor: 'x', address: 'y', action: 'reboot' as 'login' })).rejects.toThrow(/invalid audit record: action/);
    expect(readFileSync(join(dir, auditFileName), 'utf8')).toBe('');
  });

  it('keeps the order of concurrent records', async () => {
    const audit = await open();
    const entries = await Promise.all(Array.from({ length: 20 }, (_, i) => audit.record(login(`user-${i}`))));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(fileLines().map((l) => (JSON.parse(l) as AuditEntry).actor)).toEqual(entries.map((e) => e.actor));
  });

  it('pages newest first, from memory and beyond it from the file, the same way', async () => {
    const small = await open(5);
    for (let i = 0; i < 23; i++) await small.record(login(`user-${i}`));
    const expected = [
      [23, 22, 21, 20, 19, 18, 17],
      [16, 15, 14, 13, 12, 11, 10],
      [9, 8, 7, 6, 5, 4, 3],
      [2, 1],
    ];
    expect(await allPages(small, 7)).toEqual(expected);
    const large = await open();
    expect(await allPages(large, 7)).toEqual(expected);
    expect(await allPages(small, 3)).toEqual(await allPages(large, 3));
    expect((await small.page({ beforeSeq: 4, limit: 10 })).entries.map((e) => e.actor)).toEqual(['user-2', 'user-1', 'user-0']);
    expect(await small.page({ beforeSeq: 1, limit: 10 })).toEqual({ entries: [] });
    expect(await allPages(small, 23)).toEqual([Array.from({ length: 23 }, (_, i) => 23 - i)]);
  });

  it.each([
    [{ limit: 0 }, /limit must be an integer from 1 to 1000, got 0/],
    [{ limit: 1_001 }, /limit must be an integer from 1 to 1000/],
    [{ limit: 2.5 }, /limit must be an integer/],
    [{ limit: 10, beforeSeq: 0 }, /beforeSeq must be a positive integer, got 0/],
  ])('refuses page options %j', async (options, message) => {
    const audit = await open();
    await expect(audit.page(options)).rejects.toThrow(message);
  });

  it('goes on numbering after a restart', async () => {
    const first = await open();
    await first.record(login('alice'));
    await first.record(login('bob'));
    await first.close();
    const second = await open();
    expect(second.lastSeq).toBe(2);
    expect(await second.record(login('carol'))).toMatchObject({ seq: 3 });
    expect((await second.page({ limit: 10 })).entries.map((e) => e.actor)).toEqual(['carol', 'bob', 'alice']);
  });

  it('skips a torn last line with a warning and starts the next record on a fresh line', async () => {
    const first = await open();
    await first.record(login('alice'));
    await first.record(login('bob'));
    await first.close();
    const path = join(dir, auditFileName);
    const intactBytes = statSync(path).size;
    appendFileSync(path, '{"seq":3,"atMs":17600000');
    const second = await open();
    expect(logLines).toContainEqual(expect.objectContaining({ level: 40, msg: 'skipping a torn last audit record (a write was interrupted)', atByte: intactBytes }));
    expect(second.lastSeq).toBe(2);
    expect(await second.record(login('carol'))).toMatchObject({ seq: 3 });
    await second.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[2]).toBe('{"seq":3,"atMs":17600000');
    expect(parseAuditLine(lines[3] ?? '')).toMatchObject({ seq: 3, actor: 'carol' });
    // The torn bytes stay (the log is never rewritten); later opens skip them and read the rest.
    logLines.length = 0;
    const third = await open();
    expect(logLines).toContainEqual(expect.objectContaining({ level: 40, msg: 'skipping an unreadable audit record' }));
    expect((await third.page({ limit: 10 })).entries.map((e) => e.seq)).toEqual([3, 2, 1]);
  });

  it('reads back a file of many 64 KiB chunks, lines and multi-byte letters split across them', async () => {
    const first = await open();
    const note = 'Thanh Hoá: tăng băng thông '.repeat(300);
    for (let i = 0; i < 60; i++) await first.record({ actor: 'ky-su', address: '10.0.0.1', action: 'policy-save', target: String(i), details: { note } });
    await first.close();
    expect(statSync(join(dir, auditFileName)).size).toBeGreaterThan(4 * 64 * 1024);
    const second = await open(10);
    expect(second.lastSeq).toBe(60);
    const pages = await allPages(second, 25);
    expect(pages.flat()).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i));
    const oldest = await second.page({ beforeSeq: 2, limit: 1 });
    expect(oldest.entries[0]?.details?.note).toBe(note);
    expect(logLines.filter((l) => l.level >= 40)).toEqual([]);
  });

  it('opens a file that is nothing but a torn line', async () => {
    writeFileSync(join(dir, auditFileName), '{"se');
    const audit = await open();
    expect(audit.lastSeq).toBe(0);
    expect(await audit.record(login('alice'))).toMatchObject({ seq: 1 });
    expect(fileLines()).toHaveLength(2);
  });

  it('goes on from the records another process appended (the CLI beside the server)', async () => {
    const server = await open();
    const cli = await open();
    await server.record(login('alice'));
    expect(await cli.record({ actor: null, address: 'cli', action: 'user-remove', target: 'bob' })).toMatchObject({ seq: 2 });
    expect(await server.record(login('carol'))).toMatchObject({ seq: 3 });
    expect((await server.page({ limit: 10 })).entries.map((e) => e.seq)).toEqual([3, 2, 1]);
    expect((await cli.page({ limit: 10 })).entries.map((e) => e.action)).toEqual(['login', 'user-remove', 'login']);
  });

  it('refuses records once closed', async () => {
    const audit = await open();
    await audit.close();
    await expect(audit.record(login('alice'))).rejects.toThrow(/is closed/);
  });
});
