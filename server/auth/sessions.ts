// Login sessions: an opaque token (32 random bytes, base64url) is handed to the client once;
// only its SHA-256 is kept, in memory and in `sessions.json` (atomic writes, mode 0600), so a
// copy of the file cannot be replayed. A session ends when unused for `idleMs`, `maxMs` after
// login, or when revoked.
//
// `get` answers from memory and only notes the time of use; those times reach the file at most
// every `persistIntervalMs` (and on close). Creations and revocations are written before they
// resolve. The `lanewatch user` CLI revokes sessions from another process: `sync()` (run every
// `syncIntervalMs`) and every write first merge a file replaced by someone else — the file
// decides which sessions exist, memory keeps the latest time of use.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { roles, type Principal } from '../../api/access.ts';
import { abandonedAfterMs, fileIdentity, readFileVersion, removeAbandonedWrites, sameFile, writeFileAtomically, type FileIdentity } from '../../config/atomic-file.ts';
import { parseStoredJson } from '../../config/stored-json.ts';
import { principalOf } from './users.ts';

export const sessionsFileName = 'sessions.json';
const fileVersion = 1;
const tokenBytes = 32;
/** base64url of 32 bytes, unpadded. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface Session {
  /** SHA-256 of the token, base64url. */
  tokenHash: string;
  username: string;
  role: Principal['role'];
  province?: string;
  createdAtMs: number;
  lastSeenMs: number;
  /** The client address at login. */
  address: string;
}

export interface SessionStoreOptions {
  /** The auth directory (created when missing, mode 0700). */
  dir: string;
  /** A session unused this long has expired (`auth.sessionIdleMs`). */
  idleMs: number;
  /** A session this old has expired however recently used (`auth.sessionMaxMs`). */
  maxMs: number;
  now?: () => number;
  /** The caller names the component (`log.child({ component })`); the store adds none. */
  log?: Logger;
  /** Times of use are written at most this often (default `sessionStoreDefaults`). */
  persistIntervalMs?: number;
  /** How often `sync()` runs on its own (0: only when called). */
  syncIntervalMs?: number;
  /** A user's oldest-used sessions beyond this many are ended at login. */
  maxSessionsPerUser?: number;
}

/** Bounds of the session store, not settings: tests shorten them, deployments have no reason to. */
const sessionStoreDefaults = { persistIntervalMs: 60_000, syncIntervalMs: 5_000, maxSessionsPerUser: 50 } as const;

function newSessionToken(): string {
  return randomBytes(tokenBytes).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** True when the session can no longer be used at `nowMs`. Pure. */
export function sessionExpired(session: Pick<Session, 'createdAtMs' | 'lastSeenMs'>, nowMs: number, idleMs: number, maxMs: number): boolean {
  return nowMs - session.lastSeenMs >= idleMs || nowMs - session.createdAtMs >= maxMs;
}

const sessionSchema = z
  .object({
    tokenHash: z.string().min(1),
    username: z.string().min(1),
    role: z.enum(roles),
    province: z.string().min(1).optional(),
    createdAtMs: z.number().int().min(0),
    lastSeenMs: z.number().int().min(0),
    address: z.string(),
  })
  .strict();

const sessionsFileSchema = z.object({ version: z.literal(fileVersion), sessions: z.array(sessionSchema) }).strict();

/** The sessions in a file's text, or why it is unusable. Pure. */
function parseSessionsFile(text: string): { sessions: Session[] } | { reason: string } {
  const parsed = parseStoredJson(text, sessionsFileSchema);
  return 'reason' in parsed ? parsed : { sessions: parsed.data.sessions };
}

/**
 * The sessions after another process replaced the file: those on disk, minus the ones revoked
 * here since the last write, each with the later of the two times of use. Pure.
 */
export function mergeSessions(
  onDisk: readonly Session[],
  inMemory: ReadonlyMap<string, Session>,
  revokedHere: ReadonlySet<string>,
): Map<string, Session> {
  const merged = new Map<string, Session>();
  for (const session of onDisk) {
    if (revokedHere.has(session.tokenHash)) continue;
    const mine = inMemory.get(session.tokenHash);
    merged.set(
      session.tokenHash,
      mine === undefined || mine.lastSeenMs <= session.lastSeenMs ? session : { ...session, lastSeenMs: mine.lastSeenMs },
    );
  }
  return merged;
}

function sessionsFileText(sessions: ReadonlyMap<string, Session>): string {
  return `${JSON.stringify({ version: fileVersion, sessions: [...sessions.values()] })}\n`;
}

export class SessionStore {
  readonly #dir: string;
  readonly #path: string;
  readonly #idleMs: number;
  readonly #maxMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #persistIntervalMs: number;
  readonly #maxSessionsPerUser: number;
  /** By token hash. */
  #sessions: Map<string, Session>;
  #identity: FileIdentity | undefined;
  /** Token hashes revoked here and not yet written: a merge must not bring them back. */
  readonly #revokedHere = new Set<string>();
  /** Bumped by every change to memory (times of use, expiries); the file has `#writtenGeneration`. */
  #generation = 0;
  #writtenGeneration = 0;
  #persistedAtMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(options: SessionStoreOptions, log: Logger, sessions: Session[], identity: FileIdentity | undefined) {
    this.#dir = options.dir;
    this.#path = join(options.dir, sessionsFileName);
    this.#idleMs = options.idleMs;
    this.#maxMs = options.maxMs;
    this.#now = options.now ?? Date.now;
    this.#log = log;
    this.#persistIntervalMs = options.persistIntervalMs ?? sessionStoreDefaults.persistIntervalMs;
    this.#maxSessionsPerUser = options.maxSessionsPerUser ?? sessionStoreDefaults.maxSessionsPerUser;
    this.#sessions = new Map(sessions.map((s) => [s.tokenHash, s]));
    this.#identity = identity;
    this.#persistedAtMs = this.#now();
  }

  /** Loads `sessions.json` from `dir`; a damaged file is moved aside (everyone signs in again). */
  static async open(options: SessionStoreOptions): Promise<SessionStore> {
    if (!(options.idleMs > 0) || !(options.maxMs > 0)) {
      throw new Error(`session limits must be positive: idleMs=${options.idleMs}, maxMs=${options.maxMs}`);
    }
    const log = options.log ?? pino({ level: 'silent' });
    const now = options.now ?? Date.now;
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await removeAbandonedWrites(options.dir, { name: sessionsFileName, minAgeMs: abandonedAfterMs, nowMs: now(), log });
    const path = join(options.dir, sessionsFileName);
    const version = await readFileVersion(path);
    let sessions: Session[] = [];
    let identity: FileIdentity | undefined;
    if (version !== undefined) {
      const parsed = parseSessionsFile(version.text);
      if ('reason' in parsed) {
        const movedTo = `${path}.invalid-${now()}`;
        await rename(path, movedTo);
        log.warn({ file: path, reason: parsed.reason, movedTo }, 'sessions file unreadable, moved aside; starting with no sessions');
      } else {
        sessions = parsed.sessions;
        identity = version.identity;
      }
    }
    const store = new SessionStore(options, log, sessions, identity);
    store.#dropExpired();
    const syncIntervalMs = options.syncIntervalMs ?? sessionStoreDefaults.syncIntervalMs;
    if (syncIntervalMs > 0) {
      store.#timer = setInterval(() => {
        store.sync().catch((err: unknown) => log.error({ err, file: path }, 'sessions sync failed'));
      }, syncIntervalMs);
      store.#timer.unref();
    }
    return store;
  }

  /** Starts a session; resolves, once it is on disk, with the token (shown to the client only). */
  create(principal: Principal, address: string): Promise<string> {
    const token = newSessionToken();
    const nowMs = this.#now();
    const session: Session = {
      tokenHash: hashSessionToken(token),
      username: principal.username,
      role: principal.role,
      createdAtMs: nowMs,
      lastSeenMs: nowMs,
      address,
    };
    if (principal.province !== undefined) session.province = principal.province;
    return this.#change((sessions) => {
      sessions.set(session.tokenHash, session);
      this.#limitUser(sessions, principal.username);
    }).then(() => token);
  }

  /** The principal of a live session (and notes its use), or undefined. */
  get(token: string): Principal | undefined {
    if (this.#closed || !tokenPattern.test(token)) return undefined;
    const hash = hashSessionToken(token);
    const session = this.#sessions.get(hash);
    if (session === undefined) return undefined;
    const nowMs = this.#now();
    this.#generation += 1;
    if (sessionExpired(session, nowMs, this.#idleMs, this.#maxMs)) {
      this.#sessions.delete(hash);
      return undefined;
    }
    if (nowMs > session.lastSeenMs) session.lastSeenMs = nowMs;
    return principalOf(session);
  }

  /** Ends one session (signing out); no error when it does not exist. */
  async revoke(token: string): Promise<void> {
    const hash = hashSessionToken(token);
    this.#forget(hash);
    await this.#change((sessions) => {
      sessions.delete(hash);
    });
  }

  /** Ends every session of a user; resolves with how many there were. */
  async revokeUser(username: string): Promise<number> {
    const revoked = new Set<string>();
    for (const session of this.#sessions.values()) {
      if (session.username === username) revoked.add(session.tokenHash);
    }
    for (const hash of revoked) this.#forget(hash);
    await this.#change((sessions) => {
      for (const session of [...sessions.values()]) {
        if (session.username !== username) continue;
        revoked.add(session.tokenHash);
        sessions.delete(session.tokenHash);
      }
    });
    return revoked.size;
  }

  /** Live sessions of a user (or all), most recently used first; hashes only, never tokens. */
  list(username?: string): Session[] {
    const nowMs = this.#now();
    return [...this.#sessions.values()]
      .filter((s) => (username === undefined || s.username === username) && !sessionExpired(s, nowMs, this.#idleMs, this.#maxMs))
      .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
      .map((s) => ({ ...s }));
  }

  /**
   * Merges the file when another process replaced it (a revocation by the CLI takes effect
   * here), and writes times of use and expiries once `persistIntervalMs` has passed since the
   * last write. Runs on its own every `syncIntervalMs`.
   */
  sync(): Promise<void> {
    return this.#exclusive(async () => {
      await this.#mergeIfReplaced();
      if (this.#dirty() && this.#now() - this.#persistedAtMs >= this.#persistIntervalMs) await this.#write(this.#sessions);
    });
  }

  /** Writes what is only in memory and stops; `get` answers undefined afterwards. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#exclusive(async () => {
      if (this.#closed) return;
      await this.#mergeIfReplaced();
      if (this.#dirty()) await this.#write(this.#sessions);
      this.#closed = true;
    });
  }

  #dirty(): boolean {
    return this.#generation !== this.#writtenGeneration;
  }

  #forget(hash: string): void {
    this.#sessions.delete(hash);
    this.#revokedHere.add(hash);
  }

  /** Ends the user's least recently used sessions beyond the limit. */
  #limitUser(sessions: Map<string, Session>, username: string): void {
    const mine = [...sessions.values()].filter((s) => s.username === username).sort((a, b) => b.lastSeenMs - a.lastSeenMs);
    for (const old of mine.slice(this.#maxSessionsPerUser)) sessions.delete(old.tokenHash);
  }

  #dropExpired(): void {
    const nowMs = this.#now();
    for (const [hash, session] of this.#sessions) {
      if (!sessionExpired(session, nowMs, this.#idleMs, this.#maxMs)) continue;
      this.#sessions.delete(hash);
      this.#generation += 1;
    }
  }

  async #mergeIfReplaced(): Promise<void> {
    if (sameFile(await fileIdentity(this.#path), this.#identity)) return;
    const version = await readFileVersion(this.#path);
    if (version === undefined) {
      this.#sessions = new Map();
      this.#identity = undefined;
      this.#log.info({ file: this.#path }, 'sessions file removed on disk; every session ended');
      return;
    }
    const parsed = parseSessionsFile(version.text);
    if ('reason' in parsed) {
      // Sessions are not worth stopping for: the next write replaces the damaged file.
      this.#log.error({ file: this.#path, reason: parsed.reason }, 'sessions file replaced by an unreadable one; keeping the sessions in memory');
      this.#identity = version.identity;
      this.#generation += 1;
      return;
    }
    const before = this.#sessions.size;
    this.#sessions = mergeSessions(parsed.sessions, this.#sessions, this.#revokedHere);
    this.#identity = version.identity;
    this.#log.debug({ file: this.#path, before, after: this.#sessions.size }, 'sessions file changed on disk; merged');
  }

  /** Applies `apply` to a copy of the latest sessions, writes it, then puts it in force. */
  #change(apply: (sessions: Map<string, Session>) => void): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#closed) throw new Error('the session store is closed');
      await this.#mergeIfReplaced();
      const next = new Map(this.#sessions);
      apply(next);
      await this.#write(next);
    });
  }

  async #write(sessions: Map<string, Session>): Promise<void> {
    const nowMs = this.#now();
    const generation = this.#generation;
    const revokedBefore = new Set(this.#revokedHere);
    const live = new Map([...sessions].filter(([, s]) => !sessionExpired(s, nowMs, this.#idleMs, this.#maxMs)));
    this.#identity = await writeFileAtomically(this.#dir, sessionsFileName, sessionsFileText(live), { mode: 0o600 });
    // Revoked while the file was being written: out of memory now, kept out of merges until the next write.
    for (const hash of this.#revokedHere) {
      if (revokedBefore.has(hash)) this.#revokedHere.delete(hash);
      else live.delete(hash);
    }
    this.#sessions = live;
    this.#writtenGeneration = generation;
    this.#persistedAtMs = nowMs;
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
