// UserStore on a real directory: the name, role and province rules, no hash outside the store,
// verification (unknown users cost a scrypt too), the same users after a restart, a damaged
// file refused by name and never overwritten, a crash mid-write leaving the previous file, and
// two stores (server and CLI) on one directory not undoing each other's changes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino, type Logger } from 'pino';
import { accountProblem, authDir, UserError, UserStore, usersFileName, type NewUser } from '../../server/auth/users.ts';

let dir: string;
let clockMs: number;
let logLines: { level: number; msg: string }[];
let log: Logger;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-users-'));
  clockMs = 1_760_000_000_000;
  logLines = [];
  log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line) as { level: number; msg: string }) });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const provinceIds = new Set(['ha-noi', 'thanh-hoa']);

function open(): Promise<UserStore> {
  return UserStore.open({ dir, log, provinceIds, now: () => clockMs });
}

const alice: NewUser = { username: 'alice', role: 'admin', password: 'alice-password' };
const thanhHoa: NewUser = { username: 'th.staff', role: 'province', province: 'thanh-hoa', password: 'thanh-hoa-pass' };

function usersFile(): unknown {
  return JSON.parse(readFileSync(join(dir, usersFileName), 'utf8')) as unknown;
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof UserError)) throw new Error(`expected a UserError, got ${String(err)}`);
  return err;
}

describe('accountProblem', () => {
  it.each([
    [{ username: 'a', role: 'viewer' }],
    [{ username: '0', role: 'viewer' }],
    [{ username: 'ky-su.an_2', role: 'engineer' }],
    [{ username: 'a'.repeat(64), role: 'admin' }],
    [{ username: 'hn', role: 'province', province: 'ha-noi' }],
  ])('accepts %j', (account) => {
    expect(accountProblem(account, provinceIds)).toBeUndefined();
  });

  it.each([
    [{ username: '', role: 'viewer' }, 'invalid-username', /invalid user name ""/],
    [{ username: 'Alice', role: 'viewer' }, 'invalid-username', /invalid user name "Alice": expected 1 to 64 lowercase/],
    [{ username: '-alice', role: 'viewer' }, 'invalid-username', /starting with a letter or digit/],
    [{ username: '.alice', role: 'viewer' }, 'invalid-username', /invalid user name/],
    [{ username: 'al ice', role: 'viewer' }, 'invalid-username', /invalid user name/],
    [{ username: 'a'.repeat(65), role: 'viewer' }, 'invalid-username', /invalid user name/],
    [{ username: 'thảo', role: 'viewer' }, 'invalid-username', /invalid user name/],
    [{ username: 'a', role: 'root' }, 'invalid-role', /invalid role "root": expected one of viewer, province, engineer, admin/],
    [{ username: 'a', role: 'province' }, 'invalid-province', /user "a" has role province: a province is required/],
    [{ username: 'a', role: 'province', province: '' }, 'invalid-province', /a province is required/],
    [{ username: 'a', role: 'province', province: 'atlantis' }, 'invalid-province', /unknown province "atlantis": not in the topology/],
    [{ username: 'a', role: 'viewer', province: 'ha-noi' }, 'invalid-province', /user "a" has role viewer: only role province takes a province/],
    [{ username: 'a', role: 'admin', province: 'ha-noi' }, 'invalid-province', /has role admin/],
  ])('refuses %j', (account, code, message) => {
    const problem = accountProblem(account, provinceIds);
    expect(problem?.code).toBe(code);
    expect(problem?.message).toMatch(message);
  });

  it('does not check the province against a list when none is given', () => {
    expect(accountProblem({ username: 'a', role: 'province', province: 'atlantis' })).toBeUndefined();
  });
});

describe('UserStore', () => {
  it('keeps users in <dir>/users.json, owner-only, created on first change', async () => {
    const store = await open();
    expect(store.list()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    await store.add(alice);
    expect(statSync(join(dir, usersFileName)).mode & 0o777).toBe(0o600);
    expect(authDir('/var/lib/lanewatch')).toBe('/var/lib/lanewatch/auth');
  });

  it('adds users and shows them without their hash', async () => {
    const store = await open();
    const added = await store.add(alice);
    expect(added).toEqual({ username: 'alice', role: 'admin', createdAtMs: clockMs, updatedAtMs: clockMs });
    await store.add(thanhHoa);
    expect(store.list()).toEqual([added, { username: 'th.staff', role: 'province', province: 'thanh-hoa', createdAtMs: clockMs, updatedAtMs: clockMs }]);
    expect(store.get('alice')).toEqual(added);
    expect(store.get('bob')).toBeUndefined();
    expect(JSON.stringify(store.list())).not.toMatch(/scrypt|passwordHash|alice-password/);
    const onDisk = JSON.stringify(usersFile());
    expect(onDisk).toMatch(/"passwordHash":"scrypt\$16384\$8\$1\$/);
    expect(onDisk).not.toContain('alice-password');
  });

  it.each([
    [{ ...alice, username: 'Alice' }, 'invalid-username'],
    [{ ...alice, password: 'short' }, 'invalid-password'],
    [{ ...thanhHoa, province: 'atlantis' }, 'invalid-province'],
    [{ ...alice, province: 'ha-noi' }, 'invalid-province'],
  ])('refuses to add %j (%s), writing nothing', async (input, code) => {
    const store = await open();
    expect((await rejection(store.add(input))).code).toBe(code);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses to add a user that exists', async () => {
    const store = await open();
    await store.add(alice);
    const err = await rejection(store.add({ ...alice, role: 'viewer' }));
    expect(err).toMatchObject({ code: 'exists', message: 'user "alice" already exists' });
    expect(store.get('alice')?.role).toBe('admin');
  });

  it('upsert creates, then replaces role, province and password but keeps createdAtMs', async () => {
    const store = await open();
    expect(await store.upsert(thanhHoa)).toMatchObject({ created: true, user: { role: 'province', province: 'thanh-hoa' } });
    const createdAtMs = clockMs;
    clockMs += 5_000;
    const replaced = await store.upsert({ username: 'th.staff', role: 'engineer', password: 'a new password' });
    expect(replaced).toEqual({ created: false, user: { username: 'th.staff', role: 'engineer', createdAtMs, updatedAtMs: clockMs } });
    expect(await store.verify('th.staff', 'thanh-hoa-pass')).toBeUndefined();
    expect(await store.verify('th.staff', 'a new password')).toEqual({ username: 'th.staff', role: 'engineer' });
  });

  it('verifies passwords: the principal for the right one, undefined otherwise', async () => {
    const store = await open();
    await store.add(alice);
    await store.add(thanhHoa);
    expect(await store.verify('alice', 'alice-password')).toEqual({ username: 'alice', role: 'admin' });
    expect(await store.verify('th.staff', 'thanh-hoa-pass')).toEqual({ username: 'th.staff', role: 'province', province: 'thanh-hoa' });
    expect(await store.verify('alice', 'alice-passwore')).toBeUndefined();
    expect(await store.verify('ALICE', 'alice-password')).toBeUndefined();
    expect(await store.verify('nobody', 'alice-password')).toBeUndefined();
    expect(await store.verify('alice', 'x'.repeat(5_000))).toBeUndefined();
  });

  it('spends a scrypt on an unknown user as on a known one', async () => {
    const store = await open();
    await store.add(alice);
    const medianMs = async (username: string): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        await store.verify(username, 'wrong password');
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[2] ?? 0;
    };
    const knownMs = await medianMs('alice');
    const unknownMs = await medianMs('nobody-here');
    expect(knownMs).toBeGreaterThan(5);
    expect(unknownMs).toBeGreaterThan(knownMs * 0.5);
  });

  it('sets a password and removes a user; both refuse an unknown name', async () => {
    const store = await open();
    await store.add(alice);
    clockMs += 1_000;
    expect(await store.setPassword('alice', 'second password')).toMatchObject({ updatedAtMs: clockMs });
    expect(await store.verify('alice', 'alice-password')).toBeUndefined();
    expect(await store.verify('alice', 'second password')).toMatchObject({ username: 'alice' });
    expect((await rejection(store.setPassword('alice', 'short'))).code).toBe('invalid-password');
    expect(await rejection(store.setPassword('bob', 'long enough'))).toMatchObject({ code: 'not-found', message: 'no user "bob"' });
    expect(await store.remove('alice')).toMatchObject({ username: 'alice', role: 'admin' });
    expect(store.list()).toEqual([]);
    expect(await store.verify('alice', 'second password')).toBeUndefined();
    expect((await rejection(store.remove('alice'))).code).toBe('not-found');
  });

  it('has the same users after a restart', async () => {
    const first = await open();
    await first.add(alice);
    await first.add(thanhHoa);
    const second = await open();
    expect(second.list()).toEqual(first.list());
    expect(await second.verify('alice', 'alice-password')).toMatchObject({ role: 'admin' });
  });

  it('serialises concurrent changes: all land, and one of two adds of a name wins', async () => {
    const store = await open();
    const names = Array.from({ length: 8 }, (_, i) => `user-${i}`);
    await Promise.all(names.map((username) => store.add({ username, role: 'viewer', password: 'password-1' })));
    const results = await Promise.allSettled([
      store.add({ username: 'twin', role: 'viewer', password: 'password-1' }),
      store.add({ username: 'twin', role: 'admin', password: 'password-2' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const reopened = await open();
    expect(reopened.list().map((u) => u.username)).toEqual(['twin', ...names]);
  });

  it('refuses to open a damaged users.json, naming it, and leaves it as it was', async () => {
    const path = join(dir, usersFileName);
    for (const [text, reason] of [
      ['{"version":1,"users":[{"username":"alice"', /is not a users file \(not complete JSON\)/],
      ['{"version":1,"users":[{"username":"alice","role":"root"}]}', /is not a users file \(users\.0\.role/],
      ['[]', /is not a users file/],
    ] as const) {
      writeFileSync(path, text);
      const err = await UserStore.open({ dir }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toMatch(reason);
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
  });

  it('a crash mid-write leaves the previous users.json in force; the stale temporary file is removed', async () => {
    const store = await open();
    await store.add(alice);
    const before = readFileSync(join(dir, usersFileName), 'utf8');
    // What a crash between writing the temporary file and renaming it leaves behind.
    const tmp = join(dir, `.${usersFileName}.12345.0b7c.tmp`);
    writeFileSync(tmp, '{"version":1,"users":[{"username":"alice","role":"vie');
    const oldS = (clockMs - 120_000) / 1000;
    utimesSync(tmp, oldS, oldS);
    const reopened = await UserStore.open({ dir, log, now: () => clockMs });
    expect(reopened.list().map((u) => u.username)).toEqual(['alice']);
    expect(readFileSync(join(dir, usersFileName), 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual([usersFileName]);
    expect(logLines.some((l) => l.msg === 'removing an unfinished write')).toBe(true);
  });

  it('a change made by another process (the CLI beside the server) is seen, and not undone', async () => {
    const server = await open();
    const cli = await open();
    await server.add(alice);
    await cli.add(thanhHoa);
    // The server's next login picks up the CLI's user.
    expect(await server.verify('th.staff', 'thanh-hoa-pass')).toMatchObject({ province: 'thanh-hoa' });
    // The server's next change starts from the file, so the CLI's user survives it.
    await server.add({ username: 'bob', role: 'viewer', password: 'bob-password' });
    const reopened = await open();
    expect(reopened.list().map((u) => u.username)).toEqual(['alice', 'bob', 'th.staff']);
    await cli.remove('alice');
    expect(await server.verify('alice', 'alice-password')).toBeUndefined();
    expect(server.list().map((u) => u.username)).toEqual(['bob', 'th.staff']);
  });

  it('keeps the last good users when the file is damaged while running, and refuses to write over it', async () => {
    const store = await open();
    await store.add(alice);
    writeFileSync(join(dir, usersFileName), '{ half a file');
    expect(await store.verify('alice', 'alice-password')).toMatchObject({ role: 'admin' });
    expect(logLines.some((l) => l.msg === 'users file unreadable; using the last good version')).toBe(true);
    await expect(store.add(thanhHoa)).rejects.toThrow(join(dir, usersFileName));
    expect(readFileSync(join(dir, usersFileName), 'utf8')).toBe('{ half a file');
  });
});
