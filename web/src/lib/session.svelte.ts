// Who is signed in: loaded from /me on start, set by a login, cleared by a logout or when the
// server says the session is over (any 401 from a data route, announced by the fetch helpers,
// or a live socket that keeps being refused while /me answers 401).
import type { Principal } from '../../../api/access.ts';
import { fetchMe, login, logout, sessionEndedEvent, type LoginOutcome } from './api.ts';

/**
 * - `loading`: /me not answered yet;
 * - `signed-in`: `principal` is set;
 * - `signed-out`: no session (`ended` says why: never had one, expired, or logged out);
 * - `unreachable`: /me failed (server down); `check()` tries again.
 */
export type SessionStatus = 'loading' | 'signed-in' | 'signed-out' | 'unreachable';
export type SessionEnd = 'none' | 'expired' | 'logged-out';

export interface SessionDependencies {
  window: Window;
  fetchMe?: typeof fetchMe;
  login?: typeof login;
  logout?: typeof logout;
}

export class Session {
  status: SessionStatus = $state('loading');
  principal: Principal | null = $state.raw(null);
  ended: SessionEnd = $state('none');
  /** Why /me could not be read, while `status` is `unreachable` (lib/messages.ts `errorText` words it). */
  error: unknown = $state.raw(null);

  readonly #window: Window;
  readonly #fetchMe: typeof fetchMe;
  readonly #login: typeof login;
  readonly #logout: typeof logout;
  #abort: AbortController | null = null;
  readonly #onEnded = (): void => this.#end('expired');

  constructor(dependencies: SessionDependencies) {
    this.#window = dependencies.window;
    this.#fetchMe = dependencies.fetchMe ?? fetchMe;
    this.#login = dependencies.login ?? login;
    this.#logout = dependencies.logout ?? logout;
  }

  start(): void {
    this.#window.addEventListener(sessionEndedEvent, this.#onEnded);
    void this.check();
  }

  stop(): void {
    this.#window.removeEventListener(sessionEndedEvent, this.#onEnded);
    this.#abort?.abort();
    this.#abort = null;
  }

  /** Asks /me who is signed in. A network failure leaves a signed-in user signed in. */
  async check(): Promise<void> {
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    try {
      const principal = await this.#fetchMe(abort.signal);
      if (principal === null) this.#end('expired');
      else this.#begin(principal);
    } catch (error) {
      if (abort.signal.aborted) return;
      if (this.principal === null) {
        this.status = 'unreachable';
        this.error = error ?? new Error('/api/v1/me not read');
      }
    } finally {
      if (this.#abort === abort) this.#abort = null;
    }
  }

  async login(credentials: { username: string; password: string }): Promise<LoginOutcome> {
    const outcome = await this.#login(credentials);
    if (outcome.kind === 'signed-in') this.#begin(outcome.principal);
    return outcome;
  }

  /** Signs out here even when the server cannot be told (the cookie then expires on its own). */
  async logout(): Promise<void> {
    try {
      await this.#logout();
    } catch {
      // Unreachable server: the user is signed out of this page all the same.
    }
    this.#end('logged-out');
  }

  #begin(principal: Principal): void {
    this.principal = principal;
    this.status = 'signed-in';
    this.ended = 'none';
    this.error = null;
  }

  /** A 401 without a signed-in user is no expiry: there was no session (or it already ended). */
  #end(reason: SessionEnd): void {
    if (reason !== 'expired' || this.principal !== null) this.ended = reason;
    this.principal = null;
    this.status = 'signed-out';
    this.error = null;
  }
}
