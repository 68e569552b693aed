// `lanewatch user` as an operator runs it: the real CLI in a child process, a temporary config
// directory whose settings.yaml sets state.dir, passwords on standard input (never in argv),
// sessions ended and audit records written by passwd and remove, and the demo's 37 accounts
// provisioned by one import.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../api/access.ts';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import { AuditLog } from '../../server/auth/audit.ts';
import { SessionStore } from '../../server/auth/sessions.ts';
import { UserStore, usersFileName } from '../../server/auth/users.ts';

const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repoDir, 'bin', 'lanewatch.js');
const provinceIds = loadConfig(defaultConfigDir).topology.provinces.map((p) => p.id);

let configDir: string;
let authDir: string;
/** Every argv the tests ran, to check no password was ever in one. */
const argvs: string[][] = [];

beforeEach(() => {
  configDir = mkdtempSync(join(tmpdir(), 'lanewatch-user-cli-'));
  copyFileSync(join(defaultConfigDir, 'topology.yaml'), join(configDir, 'topology.yaml'));
  writeFileSync(join(configDir, 'settings.yaml'), `state:\n  dir: ${JSON.stringify(join(configDir, 'state'))}\n`);
  authDir = join(configDir, 'state', 'auth');
});

afterEach(() => {
  rmSync(configDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lanewatch user …args --config <dir>` with `input` on standard input (a pipe, not a terminal). */
function lanewatch(args: string[], input = ''): Promise<Run> {
  const argv = [bin, 'user', ...args, '--config', configDir];
  argvs.push(argv);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: repoDir, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function withSessions<T>(body: (sessions: SessionStore) => Promise<T>): Promise<T> {
  const sessions = await SessionStore.open({ dir: authDir, idleMs: 3_600_000, maxMs: 86_400_000, syncIntervalMs: 0 });
  try {
    return await body(sessions);
  } finally {
    await sessions.close();
  }
}

/** The audit log, oldest first, as action, target and details: every entry by the CLI (no actor, address `cli`). */
async function auditActions(): Promise<unknown[]> {
  const audit = await AuditLog.open({ dir: authDir });
  try {
    const entries = (await audit.page({ limit: 100 })).entries.reverse();
    for (const { actor, address } of entries) expect({ actor, address }).toEqual({ actor: null, address: 'cli' });
    return entries.map(({ action, target, details }) => ({ action, target, details }));
  } finally {
    await audit.close();
  }
}

async function usernames(): Promise<string[]> {
  return (await UserStore.open({ dir: authDir })).list().map((u) => u.username);
}

async function verify(username: string, password: string): Promise<Principal | undefined> {
  return (await UserStore.open({ dir: authDir })).verify(username, password);
}

describe('lanewatch user', () => {
  it('adds a user with the password from stdin; list shows neither password nor hash', async () => {
    const password = 'correct horse battery staple';
    const added = await lanewatch(['add', 'alice', '--role', 'admin'], `${password}\n`);
    expect(added).toMatchObject({ code: 0, stdout: 'added user alice (admin)\n' });
    const province = await lanewatch(['add', 'th.staff', '--role', 'province', '--province', 'thanh-hoa'], 'thanh-hoa-pass\r\n');
    expect(province).toMatchObject({ code: 0, stdout: 'added user th.staff (province, province thanh-hoa)\n' });

    const onDisk = readFileSync(join(authDir, usersFileName), 'utf8');
    expect(onDisk).toMatch(/"passwordHash": "scrypt\$16384\$8\$1\$/);
    expect(onDisk).not.toContain(password);
    expect(await verify('alice', password)).toEqual({ username: 'alice', role: 'admin' });
    expect(await verify('th.staff', 'thanh-hoa-pass')).toEqual({ username: 'th.staff', role: 'province', province: 'thanh-hoa' });

    const table = await lanewatch(['list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^USER\s+ROLE\s+PROVINCE\s+UPDATED\nalice\s+admin\s+-\s+\d{4}-\d\d-\d\dT[\d:]+Z\nth\.staff\s+province\s+thanh-hoa\s/);
    const json = await lanewatch(['list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { username: 'alice', role: 'admin', createdAtMs: expect.any(Number), updatedAtMs: expect.any(Number) },
      { username: 'th.staff', role: 'province', province: 'thanh-hoa', createdAtMs: expect.any(Number), updatedAtMs: expect.any(Number) },
    ]);
    for (const out of [table.stdout, json.stdout]) {
      expect(out).not.toMatch(/scrypt|passwordHash/);
      expect(out).not.toContain(password);
    }
    expect(await auditActions()).toEqual([
      { action: 'user-add', target: 'alice', details: { role: 'admin' } },
      { action: 'user-add', target: 'th.staff', details: { role: 'province', province: 'thanh-hoa' } },
    ]);
  });

  it('takes no password from argv: there is no such option, and no password was ever in an argv', async () => {
    const refused = await lanewatch(['add', 'mallory', '--role', 'admin', '--password', 'in-the-process-list']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Unknown option '--password'/);
    const extra = await lanewatch(['add', 'mallory', 'in-the-process-list', '--role', 'admin']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/unexpected argument "in-the-process-list"/);
    expect(await usernames()).toEqual([]);

    const help = await lanewatch(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: lanewatch user/);
    expect(help.stdout).toMatch(/Passwords are never taken from the command line/);
    expect(help.stdout).not.toMatch(/--password/);
  });

  it.each([
    [['add', 'Alice', '--role', 'admin'], /invalid user name "Alice"/],
    [['add', 'alice', '--role', 'root'], /invalid role "root": expected one of viewer, province, engineer, admin/],
    [['add', 'alice'], /--role is required/],
    [['add', 'alice', '--role', 'province'], /user "alice" has role province: a province is required/],
    [['add', 'alice', '--role', 'province', '--province', 'atlantis'], /unknown province "atlantis": not in the topology/],
    [['add', 'alice', '--role', 'viewer', '--province', 'ha-noi'], /has role viewer: only role province takes a province/],
    [['passwd', 'nobody'], /no user "nobody"/],
    [['remove', 'nobody'], /no user "nobody"/],
    [['rename', 'alice'], /unknown subcommand "rename"/],
    [[], /expected a subcommand/],
    [['list', '--role', 'admin'], /--role and --province are options of user add/],
  ])('exits 2 for %j, naming what was wrong', async (args, message) => {
    const run = await lanewatch(args, 'long enough password\n');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it.each([
    ['a short password', 'short\n', /the password is too short: at least 8 characters, got 5/],
    ['an empty stdin', '', /no password: standard input is empty/],
  ])('refuses %s with exit 2 and adds nobody', async (_name, input, message) => {
    const run = await lanewatch(['add', 'alice', '--role', 'viewer'], input);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(await usernames()).toEqual([]);
  });

  it('passwd sets the password, ends the user’s sessions only, and is audited', async () => {
    await lanewatch(['add', 'alice', '--role', 'engineer'], 'first-password\n');
    await lanewatch(['add', 'bob', '--role', 'viewer'], 'bob-password\n');
    const [alice1, alice2, bob] = await withSessions(async (sessions) => [
      await sessions.create({ username: 'alice', role: 'engineer' }, '10.0.0.1'),
      await sessions.create({ username: 'alice', role: 'engineer' }, '10.0.0.2'),
      await sessions.create({ username: 'bob', role: 'viewer' }, '10.0.0.3'),
    ]);
    const run = await lanewatch(['passwd', 'alice'], 'new-password\n');
    expect(run).toMatchObject({ code: 0, stdout: 'password of alice changed; 2 sessions ended\n' });
    expect(await verify('alice', 'first-password')).toBeUndefined();
    expect(await verify('alice', 'new-password')).toMatchObject({ username: 'alice' });
    await withSessions(async (sessions) => {
      expect(sessions.get(alice1 ?? '')).toBeUndefined();
      expect(sessions.get(alice2 ?? '')).toBeUndefined();
      expect(sessions.get(bob ?? '')).toEqual({ username: 'bob', role: 'viewer' });
    });
    expect((await auditActions()).at(-1)).toEqual({ action: 'user-passwd', target: 'alice', details: { sessionsRevoked: 2 } });
  });

  it('remove deletes the user, ends its sessions, and is audited', async () => {
    await lanewatch(['add', 'th.staff', '--role', 'province', '--province', 'thanh-hoa'], 'thanh-hoa-pass\n');
    const token = await withSessions((sessions) => sessions.create({ username: 'th.staff', role: 'province', province: 'thanh-hoa' }, '10.0.0.1'));
    const run = await lanewatch(['remove', 'th.staff']);
    expect(run).toMatchObject({ code: 0, stdout: 'removed user th.staff (province, province thanh-hoa); 1 session ended\n' });
    expect(await usernames()).toEqual([]);
    expect(await verify('th.staff', 'thanh-hoa-pass')).toBeUndefined();
    await withSessions(async (sessions) => expect(sessions.get(token)).toBeUndefined());
    expect((await auditActions()).at(-1)).toEqual({ action: 'user-remove', target: 'th.staff', details: { role: 'province', province: 'thanh-hoa', sessionsRevoked: 1 } });
  });

  it('imports the demo’s 37 accounts from JSON lines, then replaces some of them', async () => {
    const accounts = [
      { username: 'admin', role: 'admin', password: 'import-pass-admin' },
      { username: 'ky-su', role: 'engineer', password: 'import-pass-ky-su' },
      { username: 'van-hanh', role: 'viewer', password: 'import-pass-van-hanh' },
      ...provinceIds.map((id) => ({ username: `${id}.it`, role: 'province', province: id, password: `import-pass-${id}` })),
    ];
    expect(accounts).toHaveLength(37);
    const first = await lanewatch(['import'], accounts.map((a) => JSON.stringify(a)).join('\n') + '\n');
    expect(first).toMatchObject({ code: 0, stdout: 'imported 37 users: 37 added, 0 replaced; 0 sessions ended\n' });
    const listed = JSON.parse((await lanewatch(['list', '--json'])).stdout) as { username: string; province?: string }[];
    expect(listed).toHaveLength(37);
    expect(listed.find((u) => u.username === 'thanh-hoa.it')).toMatchObject({ role: 'province', province: 'thanh-hoa' });
    expect(await verify('thanh-hoa.it', 'import-pass-thanh-hoa')).toMatchObject({ province: 'thanh-hoa' });

    const token = await withSessions((sessions) => sessions.create({ username: 'ky-su', role: 'engineer' }, '10.0.0.1'));
    const second = await lanewatch(
      ['import'],
      [
        { username: 'ky-su', role: 'admin', password: 'import-pass-promoted' },
        { username: 'new-one', role: 'viewer', password: 'import-pass-new-one' },
      ]
        .map((a) => JSON.stringify(a))
        .join('\r\n'),
    );
    expect(second).toMatchObject({ code: 0, stdout: 'imported 2 users: 1 added, 1 replaced; 1 session ended\n' });
    expect(await verify('ky-su', 'import-pass-promoted')).toEqual({ username: 'ky-su', role: 'admin' });
    await withSessions(async (sessions) => expect(sessions.get(token)).toBeUndefined());
    const audit = await auditActions();
    expect(audit).toHaveLength(39);
    expect(audit.at(-2)).toEqual({ action: 'user-passwd', target: 'ky-su', details: { role: 'admin', via: 'import', sessionsRevoked: 1 } });
  });

  it('imports nothing when a line is wrong, naming every bad line', async () => {
    const lines = [
      JSON.stringify({ username: 'good', role: 'viewer', password: 'import-pass-good' }),
      'not json',
      JSON.stringify({ username: 'x', role: 'province', province: 'atlantis', password: 'import-pass-x' }),
      JSON.stringify({ username: 'good', role: 'admin', password: 'import-pass-twice' }),
      JSON.stringify({ username: 'y', role: 'viewer', password: 'short' }),
      '',
      JSON.stringify({ username: 'z', role: 'viewer', password: 'import-pass-z', extra: true }),
    ];
    const run = await lanewatch(['import'], lines.join('\n'));
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toEqual([
      'lanewatch user import: nothing imported:',
      '  line 2: not a JSON object',
      '  line 3: unknown province "atlantis": not in the topology',
      '  line 4: user "good" is already on line 1',
      '  line 5: user "y": the password is too short: at least 8 characters, got 5',
      '  line 7: extra: unknown key (expected {"username","role","province"?,"password"})',
      '',
    ]);
    expect(await usernames()).toEqual([]);
  });

  it('is listed by lanewatch --help', async () => {
    const run = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, '--help'], { cwd: repoDir });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    expect(run).toMatch(/^\s+user\s+add, change, remove, list and import the accounts of the web UI$/m);
  });

  it('never had a password in an argv (they all went through stdin)', () => {
    expect(argvs.length).toBeGreaterThan(20);
    const passwords = ['correct horse battery staple', 'thanh-hoa-pass', 'first-password', 'bob-password', 'new-password', 'import-pass', 'long enough password'];
    for (const argv of argvs) for (const password of passwords) expect(argv.join(' ')).not.toContain(password);
  });
});
