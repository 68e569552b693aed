// SessionStore with a fake clock on a real directory: only token hashes on disk, idle and
// absolute expiry, lazy writes of the time of use (at most every 60 s, and on close),
// revocation, the same sessions after a restart, and a revocation by another process (the CLI)
// taking effect in the running server's store without being undone by its next write.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../api/access.ts';
import {
  hashSessionToken,
  mergeSessions,
  sessionExpired,
  sessionsFileName,
  SessionStore,
  type Session,
} from '../../server/auth/sessions.ts';

const minuteMs = 60_000;
const idleMs = 30 * minuteMs;
const maxMs = 8 * 60 * minuteMs;

let dir: string;
let clockMs: number;
const stores: SessionStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-sessions-'));
  clockMs = 1_760_000_000_000;
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(extra: { maxSessionsPerUser?: number } = {}): Promise<SessionStore> {
  const store = await SessionStore.open({ dir, idleMs, maxMs, now: () => clockMs, syncIntervalMs: 0, ...extra });
  stores.push(store);
  return store;
}

const alice: Principal = { username: 'alice', role: 'admin' };
const thanhHoa: Principal = { username: 'th.staff', role: 'province', province: 'thanh-hoa' };

function onDisk(): Session[] {
  return (JSON.parse(readFileSync(join(dir, sessionsFileName), 'utf8')) as { sessions: Session[] }).sessions;
}

describe('sessionExpired', () => {
  const session = { createdAtMs: 0, lastSeenMs: 0 };
  it.each([
    ['fresh', session, 0, false],
    ['unused just under idleMs', session, idleMs - 1, false],
    ['unused for idleMs', session, idleMs, true],
    ['used recently, well within maxMs', { createdAtMs: 0, lastSeenMs: maxMs - 2 * minuteMs }, maxMs - minuteMs, false],
    ['used recently but maxMs old', { createdAtMs: 0, lastSeenMs: maxMs - minuteMs }, maxMs, true],
  ])('%s', (_name, s, nowMs, expired) => {
    expect(sessionExpired(s, nowMs, idleMs, maxMs)).toBe(expired);
  });
});

describe('mergeSessions', () => {
  const s = (tokenHash: string, lastSeenMs: number): Session => ({
    tokenHash,
    username: 'u',
    role: 'viewer',
    createdAtMs: 0,
    lastSeenMs,
    address: '10.0.0.1',
  });
  it('keeps what the file has, minus revocations made here, with the later time of use', () => {
    const memory = new Map([
      ['a', s('a', 50)],
      ['b', s('b', 10)],
      ['gone', s('gone', 10)],
    ]);
    const merged = mergeSessions([s('a', 20), s('b', 30), s('c', 5), s('x', 5)], memory, new Set(['x']));
    expect([...merged.values()]).toEqual([s('a', 50), s('b', 30), s('c', 5)]);
  });
});

describe('SessionStore', () => {
  it('hands out a 256-bit token once and keeps only its hash, owner-only', async () => {
    const store = await open();
    const token = await store.create(thanhHoa, '10.1.2.3');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(token)).toEqual(thanhHoa);
    const text = readFileSync(join(dir, sessionsFileName), 'utf8');
    expect(text).not.toContain(token);
    expect(onDisk()).toEqual([
      {
        tokenHash: hashSessionToken(token),
        username: 'th.staff',
        role: 'province',
        province: 'thanh-hoa',
        createdAtMs: clockMs,
        lastSeenMs: clockMs,
        address: '10.1.2.3',
      },
    ]);
    expect(statSync(join(dir, sessionsFileName)).mode & 0o777).toBe(0o600);
    expect(await store.create(alice, '10.1.2.3')).not.toBe(token);
  });

  it.each([[''], ['not-a-token'], ['A'.repeat(43)], ['A'.repeat(44)], ['!'.repeat(43)]])('answers undefined for token %j', async (token) => {
    const store = await open();
    await store.create(alice, '10.0.0.1');
    expect(store.get(token)).toBeUndefined();
  });

  it('expires a session unused for idleMs; use keeps it alive until maxMs', async () => {
    const store = await open();
    const idle = await store.create(alice, '10.0.0.1');
    const used = await store.create(alice, '10.0.0.1');
    const start = clockMs;
    clockMs += idleMs - 1;
    expect(store.get(idle)).toEqual(alice);
    clockMs += idleMs;
    expect(store.get(idle)).toBeUndefined();
    // Used every 20 minutes: alive until maxMs after login, whatever its use.
    clockMs = start;
    while (clockMs + 20 * minuteMs < start + maxMs) {
      clockMs += 20 * minuteMs;
      expect(store.get(used)).toEqual(alice);
    }
    clockMs = start + maxMs;
    expect(store.get(used)).toBeUndefined();
    expect(store.list()).toEqual([]);
  });

  it('writes the time of use at most every 60 s (on sync), and on close', async () => {
    const store = await open();
    const token = await store.create(alice, '10.0.0.1');
    const createdAtMs = clockMs;
    clockMs += 30_000;
    expect(store.get(token)).toEqual(alice);
    await store.sync();
    expect(onDisk()[0]?.lastSeenMs).toBe(createdAtMs);
    clockMs += 31_000;
    expect(store.get(token)).toEqual(alice);
    await store.sync();
    expect(onDisk()[0]?.lastSeenMs).toBe(createdAtMs + 61_000);
    clockMs += 5_000;
    store.get(token);
    await store.close();
    expect(onDisk()[0]?.lastSeenMs).toBe(createdAtMs + 66_000);
    expect(store.get(token)).toBeUndefined();
  });

  it('has the same sessions after a restart, with the times of use written on close', async () => {
    const first = await open();
    const token = await first.create(thanhHoa, '10.0.0.1');
    const revoked = await first.create(alice, '10.0.0.2');
    await first.revoke(revoked);
    clockMs += idleMs - minuteMs;
    expect(first.get(token)).toEqual(thanhHoa);
    await first.close();
    // Unused for idleMs since login, but used idleMs - 1 minute after it: still alive.
    clockMs += 2 * minuteMs;
    const second = await open();
    expect(second.get(token)).toEqual(thanhHoa);
    expect(second.get(revoked)).toBeUndefined();
  });

  it('prunes expired sessions from the file', async () => {
    const store = await open();
    await store.create(alice, '10.0.0.1');
    clockMs += idleMs;
    const fresh = await store.create(thanhHoa, '10.0.0.2');
    expect(onDisk().map((s) => s.tokenHash)).toEqual([hashSessionToken(fresh)]);
  });

  it('revokes one session, or every session of a user', async () => {
    const store = await open();
    const a1 = await store.create(alice, '10.0.0.1');
    const a2 = await store.create(alice, '10.0.0.2');
    const t1 = await store.create(thanhHoa, '10.0.0.3');
    await store.revoke(a1);
    expect(store.get(a1)).toBeUndefined();
    expect(store.get(a2)).toEqual(alice);
    await store.revoke(a1);
    await store.revoke('never-issued');
    expect(await store.revokeUser('alice')).toBe(1);
    expect(await store.revokeUser('alice')).toBe(0);
    expect(store.get(a2)).toBeUndefined();
    expect(store.get(t1)).toEqual(thanhHoa);
    expect(onDisk().map((s) => s.username)).toEqual(['th.staff']);
  });

  it('ends the least recently used sessions of a user beyond maxSessionsPerUser', async () => {
    const store = await open({ maxSessionsPerUser: 2 });
    const first = await store.create(alice, '10.0.0.1');
    clockMs += 1_000;
    const second = await store.create(alice, '10.0.0.1');
    clockMs += 1_000;
    store.get(first);
    clockMs += 1_000;
    const third = await store.create(alice, '10.0.0.1');
    expect(store.get(second)).toBeUndefined();
    expect(store.get(first)).toEqual(alice);
    expect(store.get(third)).toEqual(alice);
  });

  it('takes in a revocation made by another process, and does not undo it', async () => {
    const server = await open();
    const token = await server.create(alice, '10.0.0.1');
    const other = await server.create(thanhHoa, '10.0.0.2');
    const cli = await open();
    expect(await cli.revokeUser('alice')).toBe(1);
    await cli.close();
    expect(server.get(token)).toEqual(alice);
    await server.sync();
    expect(server.get(token)).toBeUndefined();
    expect(server.get(other)).toEqual(thanhHoa);
    // The server's next write starts from the file: the session stays revoked on disk too.
    clockMs += 2 * minuteMs;
    await server.create(thanhHoa, '10.0.0.3');
    expect(onDisk().some((s) => s.tokenHash === hashSessionToken(token))).toBe(false);
    expect(onDisk()).toHaveLength(2);
  });

  it('keeps a session created by another process', async () => {
    const server = await open();
    await server.create(alice, '10.0.0.1');
    const cli = await open();
    const fromCli = await cli.create(thanhHoa, 'cli');
    await server.revokeUser('alice');
    expect(server.get(fromCli)).toEqual(thanhHoa);
  });

  it('moves a damaged sessions.json aside and starts empty', async () => {
    writeFileSync(join(dir, sessionsFileName), '{"version":1,"sessions":[{"tokenHash"');
    const store = await open();
    expect(store.list()).toEqual([]);
    expect(existsSync(join(dir, sessionsFileName))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith(`${sessionsFileName}.invalid-`))).toHaveLength(1);
    const token = await store.create(alice, '10.0.0.1');
    expect(store.get(token)).toEqual(alice);
  });

  it('refuses to create a session once closed', async () => {
    const store = await open();
    await store.close();
    await expect(store.create(alice, '10.0.0.1')).rejects.toThrow('the session store is closed');
  });
});
