// `lanewatch user add | passwd | remove | list | import`: the accounts that sign in to the web
// UI, kept in <state.dir>/auth beside their sessions and the audit log. Passwords never come
// from the command line (it shows in `ps` and in shell history): a terminal is asked twice
// without echo, anything else gives the first line of standard input.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CliCommand } from '../command.ts';
import { defineCommand, loadConfigOrReport, UsageError } from '../args.ts';
import { stderrLogger } from '../logger.ts';
import { roles, type Role } from '../../api/access.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { passwordProblem } from '../../server/auth/password.ts';
import { AuditLog, type NewAuditEntry } from '../../server/auth/audit.ts';
import { SessionStore } from '../../server/auth/sessions.ts';
import {
  accountProblem,
  authDir,
  newUserProblem,
  UserError,
  UserStore,
  usersFileName,
  type NewUser,
  type PublicUser,
} from '../../server/auth/users.ts';

const usage = `Usage: lanewatch user <subcommand> [options]

Manages the accounts that sign in to the web UI. They are kept in
<state.dir>/auth/${usersFileName} (state.dir from settings.yaml), beside the sessions
and the audit log; a running server sees a change at the next sign-in, and ends
sessions revoked here within seconds.

  lanewatch user add NAME --role ROLE [--province ID]   create an account
  lanewatch user passwd NAME                            set a new password
  lanewatch user remove NAME                            delete an account
  lanewatch user list [--json]                          the accounts (never their hashes)
  lanewatch user import < users.jsonl                   create or replace many accounts

Passwords are never taken from the command line. On a terminal they are asked for
twice, without echo; otherwise the first line of standard input is the password
(e.g. \`printf '%s\\n' "$PASSWORD" | lanewatch user passwd alice\`). A password has
8 to 1024 characters.

import reads one JSON object per line from standard input,
  {"username":"th.staff","role":"province","province":"thanh-hoa","password":"..."}
checks every line first (nothing changes when one is wrong), then creates each
account or replaces its role, province and password.

passwd, remove and import (for the accounts it replaces) end the user's sessions.
Every change is written to the audit log (actor "cli").

Names: 1 to 64 lowercase letters, digits, ".", "_" or "-", starting with a letter
or digit. Roles: ${roles.join(', ')}. Role province needs --province,
a province of the topology; no other role takes one.

Options:
  --role ROLE      add: the account's role
  --province ID    add: the province of a province account
  --config DIR     the config directory (default: the embedded example, config/example)
  --json           list: print JSON
  -h, --help       this text

Exit codes: 0 done; 2 a usage or validation error (the message names it); 1 another
failure (an unreadable users file, a disk error); 130 interrupted at a prompt.`;

/** The prompt was left with Ctrl-C. */
class PromptCancelled extends Error {
  override name = 'PromptCancelled';
}

/** A CLI caller in the audit log: no user, address `cli`. */
const cliActor = { actor: null, address: 'cli' } as const;

// ---- reading passwords ----------------------------------------------------------------------

export interface HiddenLine {
  text: string;
  /** Enter (or Ctrl-D) was pressed. */
  done: boolean;
  /** Ctrl-C was pressed. */
  cancelled: boolean;
}

/**
 * Applies keys typed at a no-echo prompt in raw mode: Enter or Ctrl-D ends the line, Ctrl-C
 * cancels, Backspace removes a character, Ctrl-U the whole line; escape sequences (arrow keys)
 * and other control characters are ignored. Pure.
 */
export function editHiddenLine(text: string, keys: string): HiddenLine {
  let out = text;
  const chars = [...keys];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === '\r' || ch === '\n' || ch === '\u0004') return { text: out, done: true, cancelled: false };
    if (ch === '\u0003') return { text: '', done: false, cancelled: true };
    if (ch === '\u007f' || ch === '\b') out = [...out].slice(0, -1).join('');
    else if (ch === '\u0015') out = '';
    else if (ch === '\u001b') {
      // CSI or SS3 sequence: ESC [ or ESC O, parameters, one final letter or ~.
      if (chars[i + 1] === '[' || chars[i + 1] === 'O') {
        i += 2;
        while (i < chars.length && !/[A-Za-z~]/.test(chars[i] ?? '')) i++;
      }
    } else if (ch >= ' ') out += ch;
  }
  return { text: out, done: false, cancelled: false };
}

/** Asks on the terminal without echo. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolvePassword, reject) => {
    let text = '';
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string | Buffer): void => {
      const line = editHiddenLine(text, typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      text = line.text;
      if (line.cancelled) {
        finish();
        reject(new PromptCancelled('cancelled'));
      } else if (line.done) {
        finish();
        resolvePassword(text);
      }
    };
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The first line of a text, without its line ending; undefined for an empty text. Pure. */
export function firstLine(text: string): string | undefined {
  if (text === '') return undefined;
  const end = text.indexOf('\n');
  const line = end === -1 ? text : text.slice(0, end);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** A new password for `username`: asked twice on a terminal, else the first line of stdin. Throws a UserError when unacceptable. */
async function readNewPassword(username: string): Promise<string> {
  let password: string;
  if (process.stdin.isTTY === true) {
    password = await promptHidden(`New password for ${username}: `);
    const again = await promptHidden('The same password again: ');
    if (again !== password) throw new UserError('invalid-password', 'the two passwords differ; nothing changed');
  } else {
    const line = firstLine(await readStdin());
    if (line === undefined) {
      throw new UserError('invalid-password', 'no password: standard input is empty (expected the password on its first line)');
    }
    password = line;
  }
  const problem = passwordProblem(password);
  if (problem !== undefined) throw new UserError('invalid-password', problem);
  return password;
}

// ---- import ---------------------------------------------------------------------------------

const importLineSchema = z
  .object({
    username: z.string(),
    role: z.string(),
    province: z.string().optional(),
    password: z.string(),
  })
  .strict();

const importRequiredKeys = ['username', 'role', 'password'] as const;

function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** The accounts in JSON lines, or every problem as `line N: …` (blank lines are skipped). Pure. */
export function parseImport(text: string, provinceIds: ReadonlySet<string>): { users: NewUser[] } | { problems: string[] } {
  const users: NewUser[] = [];
  const problems: string[] = [];
  const lineOf = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line) as unknown;
    } catch {
      problems.push(`line ${lineNo}: not a JSON object`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`line ${lineNo}: not a JSON object`);
      return;
    }
    const missing = importRequiredKeys.filter((key) => !(key in value));
    if (missing.length > 0) {
      problems.push(`line ${lineNo}: missing ${missing.join(', ')} (expected {"username","role","province"?,"password"})`);
      return;
    }
    const parsed = importLineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : (issue?.path.join('.') ?? '');
      const reason = issue?.code === 'unrecognized_keys' ? 'unknown key' : (issue?.message ?? 'invalid');
      problems.push(`line ${lineNo}: ${key ? `${key}: ` : ''}${reason} (expected {"username","role","province"?,"password"})`);
      return;
    }
    const { username, role, province, password } = parsed.data;
    const account = accountProblem({ username, role, province }, provinceIds);
    if (account !== undefined || !isRole(role)) {
      problems.push(`line ${lineNo}: ${account?.message ?? `invalid role "${role}"`}`);
      return;
    }
    const user: NewUser = province === undefined ? { username, role, password } : { username, role, province, password };
    const problem = newUserProblem(user, provinceIds);
    if (problem !== undefined) {
      problems.push(`line ${lineNo}: user "${username}": ${problem.message}`);
      return;
    }
    const earlier = lineOf.get(username);
    if (earlier !== undefined) {
      problems.push(`line ${lineNo}: user "${username}" is already on line ${earlier}`);
      return;
    }
    lineOf.set(username, lineNo);
    users.push(user);
  });
  if (problems.length === 0 && users.length === 0) problems.push('no accounts: standard input has no JSON lines');
  return problems.length > 0 ? { problems } : { users };
}

// ---- the subcommands ------------------------------------------------------------------------

interface Context {
  config: LanewatchConfig;
  dir: string;
  users: UserStore;
  provinceIds: ReadonlySet<string>;
  log: Logger;
}

function describeUser(user: Pick<PublicUser, 'username' | 'role' | 'province'>): string {
  return `${user.username} (${user.role}${user.province === undefined ? '' : `, province ${user.province}`})`;
}

function accountDetails(user: Pick<PublicUser, 'role' | 'province'>): Record<string, string> {
  return user.province === undefined ? { role: user.role } : { role: user.role, province: user.province };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Opens the sessions and the audit log, runs `body`, closes both. */
async function withSessionsAndAudit<T>(
  context: Context,
  body: (sessions: SessionStore, record: (entry: Omit<NewAuditEntry, 'actor' | 'address'>) => Promise<void>) => Promise<T>,
): Promise<T> {
  const { auth } = context.config.settings;
  const sessions = await SessionStore.open({
    dir: context.dir,
    idleMs: auth.sessionIdleMs,
    maxMs: auth.sessionMaxMs,
    log: context.log,
    syncIntervalMs: 0,
  });
  try {
    const audit = await AuditLog.open({ dir: context.dir, log: context.log });
    try {
      return await body(sessions, async (entry) => {
        await audit.record({ ...cliActor, ...entry });
      });
    } finally {
      await audit.close();
    }
  } finally {
    await sessions.close();
  }
}

function oneName(positionals: string[], subcommand: string): string {
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError(`user ${subcommand}: expected a user name`);
  if (extra.length > 0) throw new UsageError(`user ${subcommand}: unexpected argument "${extra[0]}" (one user name at a time; use import for many)`);
  return name;
}

async function add(context: Context, name: string, role: string | undefined, province: string | undefined): Promise<number> {
  if (role === undefined) throw new UsageError(`user add: --role is required (one of ${roles.join(', ')})`);
  const problem = accountProblem({ username: name, role, province }, context.provinceIds);
  if (problem !== undefined || !isRole(role)) throw problem ?? new UserError('invalid-role', `invalid role "${role}"`);
  if (context.users.get(name) !== undefined) throw new UserError('exists', `user "${name}" already exists (use passwd to change the password)`);
  const password = await readNewPassword(name);
  const user = await context.users.add(province === undefined ? { username: name, role, password } : { username: name, role, province, password });
  await withSessionsAndAudit(context, async (_sessions, record) => {
    await record({ action: 'user-add', target: name, details: accountDetails(user) });
  });
  process.stdout.write(`added user ${describeUser(user)}\n`);
  return 0;
}

async function passwd(context: Context, name: string): Promise<number> {
  if (context.users.get(name) === undefined) throw new UserError('not-found', `no user "${name}"`);
  const password = await readNewPassword(name);
  await context.users.setPassword(name, password);
  const ended = await withSessionsAndAudit(context, async (sessions, record) => {
    const count = await sessions.revokeUser(name);
    await record({ action: 'user-passwd', target: name, details: { sessionsRevoked: count } });
    return count;
  });
  process.stdout.write(`password of ${name} changed; ${plural(ended, 'session', 'sessions')} ended\n`);
  return 0;
}

async function remove(context: Context, name: string): Promise<number> {
  const user = await context.users.remove(name);
  const ended = await withSessionsAndAudit(context, async (sessions, record) => {
    const count = await sessions.revokeUser(name);
    await record({ action: 'user-remove', target: name, details: { ...accountDetails(user), sessionsRevoked: count } });
    return count;
  });
  process.stdout.write(`removed user ${describeUser(user)}; ${plural(ended, 'session', 'sessions')} ended\n`);
  return 0;
}

function list(context: Context, json: boolean): number {
  const users = context.users.list();
  if (json) {
    process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
    return 0;
  }
  if (users.length === 0) {
    process.stdout.write(`no users in ${resolve(context.dir, usersFileName)}\n`);
    return 0;
  }
  const header = ['USER', 'ROLE', 'PROVINCE', 'UPDATED'];
  const rows = [
    header,
    ...users.map((u) => [u.username, u.role, u.province ?? '-', new Date(u.updatedAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z')]),
  ];
  const widths = header.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  for (const row of rows) {
    process.stdout.write(`${row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0))).join('  ')}\n`);
  }
  return 0;
}

async function importUsers(context: Context): Promise<number> {
  if (process.stdin.isTTY === true) {
    throw new UsageError('user import: reads JSON lines from standard input; redirect a file into it (lanewatch user import < users.jsonl)');
  }
  const parsed = parseImport(await readStdin(), context.provinceIds);
  if ('problems' in parsed) {
    process.stderr.write(`lanewatch user import: nothing imported:\n${parsed.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 2;
  }
  // Hashing runs in parallel on the thread pool; the store writes one change at a time.
  const results = await Promise.allSettled(parsed.users.map((user) => context.users.upsert(user)));
  let added = 0;
  let replaced = 0;
  let ended = 0;
  const failures: string[] = [];
  await withSessionsAndAudit(context, async (sessions, record) => {
    for (const [index, result] of results.entries()) {
      const username = parsed.users[index]?.username ?? '?';
      if (result.status === 'rejected') {
        failures.push(`${username}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
        continue;
      }
      const { user, created } = result.value;
      if (created) {
        added += 1;
        await record({ action: 'user-add', target: username, details: { ...accountDetails(user), via: 'import' } });
      } else {
        replaced += 1;
        const count = await sessions.revokeUser(username);
        ended += count;
        await record({ action: 'user-passwd', target: username, details: { ...accountDetails(user), via: 'import', sessionsRevoked: count } });
      }
    }
  });
  process.stdout.write(
    `imported ${plural(added + replaced, 'user', 'users')}: ${added} added, ${replaced} replaced; ${plural(ended, 'session', 'sessions')} ended\n`,
  );
  if (failures.length > 0) {
    process.stderr.write(`lanewatch user import: not imported:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

const subcommands = ['add', 'passwd', 'remove', 'list', 'import'] as const;

export const userCommand: CliCommand = defineCommand({
  name: 'user',
  summary: 'add, change, remove, list and import the accounts of the web UI',
  usage,
  options: {
    role: { type: 'string' },
    province: { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  positionals: true,
  run: async ({ values, positionals }) => {
    const [subcommand, ...rest] = positionals;
    if (subcommand === undefined) throw new UsageError(`user: expected a subcommand: ${subcommands.join(', ')}`);
    if (!(subcommands as readonly string[]).includes(subcommand)) {
      throw new UsageError(`user: unknown subcommand "${subcommand}" (expected ${subcommands.join(', ')})`);
    }
    if (subcommand !== 'add' && (values.role !== undefined || values.province !== undefined)) {
      throw new UsageError(`user ${subcommand}: --role and --province are options of user add`);
    }
    if (subcommand !== 'list' && values.json === true) throw new UsageError(`user ${subcommand}: --json is an option of user list`);
    if ((subcommand === 'list' || subcommand === 'import') && rest.length > 0) {
      throw new UsageError(`user ${subcommand}: unexpected argument "${rest[0]}"`);
    }
    const name = subcommand === 'list' || subcommand === 'import' ? '' : oneName(rest, subcommand);

    const config = loadConfigOrReport(values.config);
    if (!config) return 2;
    const log = stderrLogger('user', process.env.LOG_LEVEL ?? 'warn');
    const dir = authDir(config.settings.state.dir);
    const provinceIds = new Set(config.topology.provinces.map((p) => p.id));
    try {
      const users = await UserStore.open({ dir, log, provinceIds });
      const context: Context = { config, dir, users, provinceIds, log };
      switch (subcommand) {
        case 'add':
          return await add(context, name, values.role, values.province);
        case 'passwd':
          return await passwd(context, name);
        case 'remove':
          return await remove(context, name);
        case 'list':
          return list(context, values.json === true);
        default:
          return await importUsers(context);
      }
    } catch (err) {
      if (err instanceof UserError) {
        process.stderr.write(`lanewatch user ${subcommand}: ${err.message}\n`);
        return 2;
      }
      if (err instanceof PromptCancelled) return 130;
      throw err;
    }
  },
});
