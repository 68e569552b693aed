// Login throttling: failed logins are counted per user name and per client address in fixed
// windows; once a key reaches its limit it is refused until its window ends. A success clears
// the user's count (not the address's: one good password must not reset a guessing campaign
// from that address). In memory only, bounded: beyond `maxKeys` the key whose window started
// first is forgotten. No I/O, no timers: the clock is an option.
//
// A per-user limit lets anyone lock a known name out for one window; the window (default
// 15 minutes) bounds that, and the per-address limit bounds the guessing.

export interface LoginThrottleOptions {
  /** Failures allowed per user name in a window; the next attempt is refused. */
  maxFailuresPerUser: number;
  /** Failures allowed per client address in a window. */
  maxFailuresPerAddress: number;
  windowMs: number;
  now?: () => number;
  /** Keys (user names plus addresses) remembered at most (default `defaultMaxKeys`). */
  maxKeys?: number;
}

/** Keys remembered unless `maxKeys` says otherwise (not a setting: a bound on memory). */
const defaultMaxKeys = 100_000;

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Window {
  startMs: number;
  failures: number;
}

/** Keys are at most this long, so a huge user name cannot take much memory. */
const maxKeyLength = 256;

function userKey(username: string): string {
  return `u:${username.trim().toLowerCase()}`.slice(0, maxKeyLength);
}

function addressKey(address: string): string {
  return `a:${address}`.slice(0, maxKeyLength);
}

/** How long `window` still refuses at `nowMs` (0: it does not). Pure. */
export function refusalMs(window: Window | undefined, maxFailures: number, windowMs: number, nowMs: number): number {
  if (window === undefined || window.failures < maxFailures) return 0;
  return Math.max(0, window.startMs + windowMs - nowMs);
}

export class LoginThrottle {
  readonly #maxFailuresPerUser: number;
  readonly #maxFailuresPerAddress: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  /** In order of window start: the first is the oldest. */
  readonly #windows = new Map<string, Window>();

  constructor(options: LoginThrottleOptions) {
    for (const [name, value] of [
      ['maxFailuresPerUser', options.maxFailuresPerUser],
      ['maxFailuresPerAddress', options.maxFailuresPerAddress],
      ['windowMs', options.windowMs],
      ['maxKeys', options.maxKeys ?? defaultMaxKeys],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`LoginThrottle: ${name} must be a positive integer, got ${value}`);
    }
    this.#maxFailuresPerUser = options.maxFailuresPerUser;
    this.#maxFailuresPerAddress = options.maxFailuresPerAddress;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? defaultMaxKeys;
  }

  /** Whether a login for `username` from `address` may be attempted now. */
  check(username: string, address: string): ThrottleVerdict {
    const nowMs = this.#now();
    const retryAfterMs = Math.max(
      refusalMs(this.#current(userKey(username), nowMs), this.#maxFailuresPerUser, this.#windowMs, nowMs),
      refusalMs(this.#current(addressKey(address), nowMs), this.#maxFailuresPerAddress, this.#windowMs, nowMs),
    );
    return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
  }

  recordFailure(username: string, address: string): void {
    const nowMs = this.#now();
    this.#count(userKey(username), nowMs);
    this.#count(addressKey(address), nowMs);
  }

  /** Clears the user's failures; the address keeps its count. */
  recordSuccess(username: string, _address: string): void {
    this.#windows.delete(userKey(username));
  }

  /** Keys remembered (for metrics and tests). */
  get size(): number {
    return this.#windows.size;
  }

  /** The key's window if it is still running at `nowMs`; an ended one is forgotten. */
  #current(key: string, nowMs: number): Window | undefined {
    const window = this.#windows.get(key);
    if (window === undefined) return undefined;
    if (nowMs - window.startMs < this.#windowMs) return window;
    this.#windows.delete(key);
    return undefined;
  }

  #count(key: string, nowMs: number): void {
    const window = this.#current(key, nowMs);
    if (window !== undefined) {
      window.failures += 1;
      return;
    }
    while (this.#windows.size >= this.#maxKeys) {
      const oldest = this.#windows.keys().next();
      if (oldest.done === true) break;
      this.#windows.delete(oldest.value);
    }
    this.#windows.set(key, { startMs: nowMs, failures: 1 });
  }
}
