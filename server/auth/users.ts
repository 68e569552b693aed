// The user accounts: one `users.json` in the auth directory (`<state.dir>/auth`), replaced
// atomically (temporary file, fsync, rename, fsync of the directory) and readable by its owner
// only, since it holds password hashes. Changes are serialised in this process; each change
// re-reads the file first when another process (the `lanewatch user` CLI beside a running
// server) has replaced it, so neither undoes the other's edits. A file that does not parse
// stops the store from opening: it is never overwritten.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { roles, type Principal, type Role } from '../../api/access.ts';
import { abandonedAfterMs, fileIdentity, readFileVersion, removeAbandonedWrites, sameFile, writeFileAtomically, type FileIdentity } from '../../config/atomic-file.ts';
import { parseStoredJson } from '../../config/stored-json.ts';
import { dummyPasswordHash, hashPassword, maxPasswordLength, passwordProblem, verifyPassword } from './password.ts';

export const usersFileName = 'users.json';
/** Users, sessions and the audit log live in `<state.dir>/auth`. */
const authDirName = 'auth';
const usernamePattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const fileVersion = 1;

export function authDir(stateDir: string): string {
  return join(stateDir, authDirName);
}

export interface User {
  username: string;
  role: Role;
  /** Set for (and only for) the `province` role. */
  province?: string;
  passwordHash: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/** A user as shown to anyone: without the hash. */
export type PublicUser = Omit<User, 'passwordHash'>;

export interface NewUser {
  username: string;
  role: Role;
  province?: string;
  password: string;
}

export type UserErrorCode =
  | 'invalid-username'
  | 'invalid-role'
  | 'invalid-province'
  | 'invalid-password'
  | 'exists'
  | 'not-found';

/** A rule a request broke (an expected outcome the caller reports), not a fault. */
export class UserError extends Error {
  override name = 'UserError';
  readonly code: UserErrorCode;
  constructor(code: UserErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface UserStoreOptions {
  /** The auth directory (created when missing, mode 0700). */
  dir: string;
  /** The caller names the component (`log.child({ component })`); the store adds none. */
  log?: Logger;
  /** The provinces of the topology; when given, a `province` user must name one of them. */
  provinceIds?: ReadonlySet<string>;
  now?: () => number;
}

/** What is wrong with a user's name, role and province, or undefined. Pure. */
export function accountProblem(
  account: { username: string; role: string; province?: string | undefined },
  provinceIds?: ReadonlySet<string>,
): UserError | undefined {
  if (!usernamePattern.test(account.username)) {
    return new UserError(
      'invalid-username',
      `invalid user name "${account.username}": expected 1 to 64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  if (!(roles as readonly string[]).includes(account.role)) {
    return new UserError('invalid-role', `invalid role "${account.role}": expected one of ${roles.join(', ')}`);
  }
  if (account.role === 'province') {
    if (account.province === undefined || account.province === '') {
      return new UserError('invalid-province', `user "${account.username}" has role province: a province is required`);
    }
    if (provinceIds !== undefined && !provinceIds.has(account.province)) {
      return new UserError('invalid-province', `unknown province "${account.province}": not in the topology`);
    }
  } else if (account.province !== undefined) {
    return new UserError(
      'invalid-province',
      `user "${account.username}" has role ${account.role}: only role province takes a province`,
    );
  }
  return undefined;
}

/** What is wrong with a new account (name, role, province, password), or undefined. Pure. */
export function newUserProblem(user: NewUser, provinceIds?: ReadonlySet<string>): UserError | undefined {
  const account = accountProblem(user, provinceIds);
  if (account !== undefined) return account;
  const password = passwordProblem(user.password);
  return password === undefined ? undefined : new UserError('invalid-password', password);
}

function publicUser(user: User): PublicUser {
  const { passwordHash: _hash, ...rest } = user;
  return rest;
}

export function principalOf(user: Pick<User, 'username' | 'role' | 'province'>): Principal {
  return user.province === undefined ? { username: user.username, role: user.role } : { username: user.username, role: user.role, province: user.province };
}

const userSchema = z
  .object({
    username: z.string().regex(usernamePattern),
    role: z.enum(roles),
    province: z.string().min(1).optional(),
    passwordHash: z.string().min(1),
    createdAtMs: z.number().int().min(0),
    updatedAtMs: z.number().int().min(0),
  })
  .strict()
  .refine((u) => (u.role === 'province') === (u.province !== undefined), {
    message: 'a province is required for role province and forbidden for the others',
  });

const usersFileSchema = z.object({ version: z.literal(fileVersion), users: z.array(userSchema) }).strict();

// ---- the store ------------------------------------------------------------------------------

/** The users in a file's text; throws naming the file when it is not a users file. */
function parseUsersFile(path: string, text: string): Map<string, User> {
  const parsed = parseStoredJson(text, usersFileSchema);
  // Users are never loaded from a damaged file: the server would start with some accounts missing.
  if ('reason' in parsed) throw new Error(`${path} is not a users file (${parsed.reason}); fix it or move it aside`);
  const users = new Map<string, User>();
  for (const user of parsed.data.users) {
    if (users.has(user.username)) throw new Error(`${path} lists user "${user.username}" twice; fix it or move it aside`);
    users.set(user.username, user);
  }
  return users;
}

function usersFileText(users: ReadonlyMap<string, User>): string {
  const list = [...users.values()].sort(byUsername);
  return `${JSON.stringify({ version: fileVersion, users: list }, null, 2)}\n`;
}

export class UserStore {
  readonly #dir: string;
  readonly #path: string;
  readonly #log: Logger;
  readonly #provinceIds: ReadonlySet<string> | undefined;
  readonly #now: () => number;
  #users: Map<string, User>;
  /** The version of the file `#users` reflects (undefined: no file yet). */
  #identity: FileIdentity | undefined;
  /** The tail of the queue of changes and reloads: one at a time. */
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(options: UserStoreOptions, log: Logger, users: Map<string, User>, identity: FileIdentity | undefined) {
    this.#dir = options.dir;
    this.#path = join(options.dir, usersFileName);
    this.#log = log;
    this.#provinceIds = options.provinceIds;
    this.#now = options.now ?? Date.now;
    this.#users = users;
    this.#identity = identity;
  }

  /** Loads `users.json` from `dir` (none yet: no users). Throws, naming the file, when it is damaged. */
  static async open(options: UserStoreOptions): Promise<UserStore> {
    const log = options.log ?? pino({ level: 'silent' });
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await removeAbandonedWrites(options.dir, { name: usersFileName, minAgeMs: abandonedAfterMs, nowMs: (options.now ?? Date.now)(), log });
    const path = join(options.dir, usersFileName);
    const version = await readFileVersion(path);
    const users = version === undefined ? new Map<string, User>() : parseUsersFile(path, version.text);
    log.debug({ file: path, users: users.size }, 'users loaded');
    return new UserStore(options, log, users, version?.identity);
  }

  /** Every user, by name, without hashes. */
  list(): PublicUser[] {
    return [...this.#users.values()].sort(byUsername).map(publicUser);
  }

  get(username: string): PublicUser | undefined {
    const user = this.#users.get(username);
    return user === undefined ? undefined : publicUser(user);
  }

  /** Creates a user; a UserError when the name is taken or a rule is broken. */
  async add(input: NewUser): Promise<PublicUser> {
    this.#check(input);
    const passwordHash = await hashPassword(input.password);
    return this.#change((users) => {
      if (users.has(input.username)) throw new UserError('exists', `user "${input.username}" already exists`);
      const nowMs = this.#now();
      const user = withProvince({ username: input.username, role: input.role, passwordHash, createdAtMs: nowMs, updatedAtMs: nowMs }, input.province);
      users.set(user.username, user);
      return publicUser(user);
    });
  }

  /** Creates the user, or replaces its role, province and password. */
  async upsert(input: NewUser): Promise<{ user: PublicUser; created: boolean }> {
    this.#check(input);
    const passwordHash = await hashPassword(input.password);
    return this.#change((users) => {
      const existing = users.get(input.username);
      const nowMs = this.#now();
      const user = withProvince(
        { username: input.username, role: input.role, passwordHash, createdAtMs: existing?.createdAtMs ?? nowMs, updatedAtMs: nowMs },
        input.province,
      );
      users.set(user.username, user);
      return { user: publicUser(user), created: existing === undefined };
    });
  }

  async setPassword(username: string, password: string): Promise<PublicUser> {
    const problem = passwordProblem(password);
    if (problem !== undefined) throw new UserError('invalid-password', problem);
    const passwordHash = await hashPassword(password);
    return this.#change((users) => {
      const user = users.get(username);
      if (user === undefined) throw notFound(username);
      const changed: User = { ...user, passwordHash, updatedAtMs: this.#now() };
      users.set(username, changed);
      return publicUser(changed);
    });
  }

  /** Removes the user; returns what it was. */
  remove(username: string): Promise<PublicUser> {
    return this.#change((users) => {
      const user = users.get(username);
      if (user === undefined) throw notFound(username);
      users.delete(username);
      return publicUser(user);
    });
  }

  /**
   * The principal when `password` is the user's. An unknown user costs the same scrypt time (a
   * dummy hash), so the answer's timing does not tell which names exist.
   */
  async verify(username: string, password: string): Promise<Principal | undefined> {
    await this.refresh().catch((err: unknown) => this.#log.error({ err, file: this.#path }, 'users file unreadable; using the last good version'));
    const user = this.#users.get(username);
    // An over-long password is checked as an empty one: it cannot match, and costs no more than any other.
    const candidate = [...password].length > maxPasswordLength ? '' : password;
    const matches = await verifyPassword(candidate, user?.passwordHash ?? dummyPasswordHash);
    if (!matches || user === undefined || candidate !== password) return undefined;
    return principalOf(user);
  }

  /** Picks up a `users.json` replaced by another process. Throws, naming the file, when the new one is damaged. */
  refresh(): Promise<void> {
    return this.#exclusive(() => this.#reloadIfReplaced());
  }

  #check(input: NewUser): void {
    const problem = newUserProblem(input, this.#provinceIds);
    if (problem !== undefined) throw problem;
  }

  async #reloadIfReplaced(): Promise<void> {
    if (sameFile(await fileIdentity(this.#path), this.#identity)) return;
    const version = await readFileVersion(this.#path);
    this.#users = version === undefined ? new Map() : parseUsersFile(this.#path, version.text);
    this.#identity = version?.identity;
    this.#log.info({ file: this.#path, users: this.#users.size }, 'users file changed on disk; reloaded');
  }

  /** Applies `apply` to a copy of the latest users, writes it, then puts it in force. */
  #change<T>(apply: (users: Map<string, User>) => T): Promise<T> {
    return this.#exclusive(async () => {
      await this.#reloadIfReplaced();
      const next = new Map(this.#users);
      const result = apply(next);
      this.#identity = await writeFileAtomically(this.#dir, usersFileName, usersFileText(next), { mode: 0o600 });
      this.#users = next;
      return result;
    });
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

/** Code-point order: the same everywhere, whatever the locale. */
function byUsername(a: { username: string }, b: { username: string }): number {
  return a.username < b.username ? -1 : a.username > b.username ? 1 : 0;
}

function withProvince(user: User, province: string | undefined): User {
  return province === undefined ? user : { ...user, province };
}

function notFound(username: string): UserError {
  return new UserError('not-found', `no user "${username}"`);
}
