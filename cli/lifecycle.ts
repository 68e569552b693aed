// How a long-running `lanewatch` process ends: cleanly on SIGINT/SIGTERM, and on a fatal error
// (an uncaught exception or an unhandled rejection) after logging it and letting the parts
// save what they hold (the store spools its buffer).
//
// - `runUntilSignal` stops the parts in reverse start order on the first SIGINT or SIGTERM.
//   The whole stop is bounded by `deadlineMs` (default 10 s): each part gets a share of the time
//   still left when its turn comes, in proportion to its `stopBoundMs` (how long its stop may
//   take by its own timeouts; default `defaultStopBoundMs`) among the parts not yet stopped. A
//   part that finishes early leaves more for the ones after it, a part that hangs cannot starve
//   them (the store, started first, stops last), and a part whose stop waits out its own
//   timeouts (the collector's grace for polls in flight, the store's last write) is not cut off
//   by an equal share sized for parts that close a socket. Each part's stop is logged with how
//   long it took. A part that does not stop in its share is logged by name, the stop moves on,
//   and the exit code is 1 (what it still held may be lost); a part whose stop throws is logged
//   and also makes it 1. The last line ('stopped') names the parts that failed or timed out. A second signal
//   while stopping exits at once with code 1. A part that missed the deadline may keep the
//   event loop alive with whatever it still waits for: the process is then ended with code 1
//   shortly after the promise resolves (`forceExitAfterMs`, an unref'd timer: a process that
//   ends by itself is not held up).
// - `installFatalHandlers` logs the error with its stack, runs `onFatal` once (bounded by its own
//   deadline, default 10 s), then exits with code 1. A fatal error raised while `onFatal` runs
//   is logged and does not start it again.
// Both take their process hooks (signal source, exit) as options so tests can drive them.
// - `listenOn` starts a listener at a configured address; a port taken, a privileged port or an
//   address not on this host rejects with a `ListenSettingError` whose message names the setting,
//   which the command logs as one line (no stack: it is a configuration problem, not a bug).
import type { Logger } from 'pino';
import { errorCode } from '../config/error-code.ts';

export interface StoppablePart {
  name: string;
  stop(): Promise<void>;
  /**
   * How long this part's stop may take by its own timeouts: its weight when the deadline is
   * shared (default `defaultStopBoundMs`). Not a deadline of its own.
   */
  stopBoundMs?: number;
}

/** The weight of a part that states no `stopBoundMs`: closing sockets, saving a small file. */
export const defaultStopBoundMs = 1_000;

/** Default bound on a whole stop, and on the cleanup after a fatal error. */
const defaultStopDeadlineMs = 10_000;
/** After a part missed the stop deadline, the process exits this long after the stop resolved. */
const defaultForceExitAfterMs = 1_000;

/** The part of `process` that delivers events: `process` itself unless a test gives another. */
export interface ProcessEvents {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface StopOptions {
  /** Bound on stopping every part (default 10 s). */
  deadlineMs?: number;
}

export interface RunUntilSignalOptions extends StopOptions {
  /** Where SIGINT/SIGTERM come from (default `process`). */
  events?: ProcessEvents;
  /** Ends the process on a second signal, or after a part missed the deadline (default `process.exit`). */
  exit?: (code: number) => void;
  /** After a part missed the deadline: exit this long after resolving unless the process ended (default `defaultForceExitAfterMs`). */
  forceExitAfterMs?: number;
}

export interface FatalHandlerOptions {
  /** Bound on `onFatal` (default 10 s): a hung cleanup must not keep a broken process alive. */
  deadlineMs?: number;
  /** Where the fatal events come from (default `process`). */
  events?: ProcessEvents;
  /** Ends the process (default `process.exit`). */
  exit?: (code: number) => void;
}

const stopSignals = ['SIGINT', 'SIGTERM'] as const;

function exitProcess(code: number): void {
  process.exit(code);
}

/** Which parts stopped, failed or missed their share of the deadline. */
export interface StopReport {
  /** 0 when every part stopped, else 1. */
  code: number;
  timedOut: string[];
  failed: string[];
}

/** Settles with 'done', 'failed' (with the error) or 'timeout' after `ms`; never rejects. */
async function within(promise: Promise<void>, ms: number): Promise<{ kind: 'done' } | { kind: 'failed'; err: unknown } | { kind: 'timeout' }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ kind: 'timeout' }>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      promise.then(
        () => ({ kind: 'done' as const }),
        (err: unknown) => ({ kind: 'failed' as const, err }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function stopBoundOf(part: Pick<StoppablePart, 'stopBoundMs'>): number {
  const bound = part.stopBoundMs ?? defaultStopBoundMs;
  return Number.isFinite(bound) && bound > 0 ? bound : defaultStopBoundMs;
}

/**
 * Pure: the time the first of `remaining` (the parts still to stop, in stop order) may take
 * out of `leftMs`: its `stopBoundMs` in proportion to those of all of them.
 */
export function stopShareMs(leftMs: number, remaining: readonly Pick<StoppablePart, 'stopBoundMs'>[]): number {
  const first = remaining[0];
  if (first === undefined) return 0;
  const total = remaining.reduce((sum, p) => sum + stopBoundOf(p), 0);
  return (leftMs * stopBoundOf(first)) / total;
}

/**
 * Stops the parts in reverse order within `deadlineMs` (see the header for how the time is
 * shared). Resolves with the exit code (0 when every part stopped, else 1) and the names of the
 * parts that failed or missed the deadline. Never rejects.
 */
export async function stopInReverse(parts: readonly StoppablePart[], log: Logger, opts: StopOptions = {}): Promise<StopReport> {
  const deadlineMs = opts.deadlineMs ?? defaultStopDeadlineMs;
  const deadlineAt = Date.now() + deadlineMs;
  const order = [...parts].reverse();
  const report: StopReport = { code: 0, timedOut: [], failed: [] };
  for (const [i, part] of order.entries()) {
    const shareMs = stopShareMs(Math.max(0, deadlineAt - Date.now()), order.slice(i));
    const startedAtMs = Date.now();
    let stopping: Promise<void>;
    try {
      stopping = part.stop();
    } catch (err) {
      stopping = Promise.reject(err);
    }
    const outcome = await within(stopping, shareMs);
    if (outcome.kind === 'done') {
      log.info({ part: part.name, tookMs: Date.now() - startedAtMs }, 'part stopped');
    } else if (outcome.kind === 'failed') {
      report.code = 1;
      report.failed.push(part.name);
      log.error({ err: outcome.err, part: part.name }, 'stop failed');
    } else if (outcome.kind === 'timeout') {
      report.code = 1;
      report.timedOut.push(part.name);
      // Its stop goes on in the background; nothing waits for it any more.
      stopping.catch(() => undefined);
      log.error({ part: part.name, waitedMs: Math.round(shareMs), deadlineMs }, `${part.name} did not stop before the deadline: what it still held may be lost`);
    }
  }
  return report;
}

/**
 * Waits for SIGINT or SIGTERM, then stops the parts in reverse order within `deadlineMs`.
 * Resolves with the exit code (0 clean, 1 when a part failed or missed the deadline). A second
 * signal during the stop exits the process at once with code 1.
 */
export function runUntilSignal(parts: readonly StoppablePart[], log: Logger, opts: RunUntilSignalOptions = {}): Promise<number> {
  const events = opts.events ?? process;
  const exit = opts.exit ?? exitProcess;
  const deadlineMs = opts.deadlineMs ?? defaultStopDeadlineMs;
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (...args: unknown[]): void => {
      const signal = typeof args[0] === 'string' ? args[0] : 'signal';
      if (stopping) {
        log.warn({ signal }, 'second signal while stopping: exiting now');
        exit(1);
        return;
      }
      stopping = true;
      log.info({ signal, deadlineMs }, 'stopping');
      void stopInReverse(parts, log, { deadlineMs }).then(({ code, timedOut, failed }) => {
        for (const s of stopSignals) events.off(s, onSignal);
        if (code === 0) log.info({ exitCode: code }, 'stopped');
        else log.error({ exitCode: code, failed, timedOut }, `stopped with exit code ${code}: ${[...failed.map((n) => `${n} failed`), ...timedOut.map((n) => `${n} missed the deadline`)].join(', ')}`);
        if (timedOut.length > 0) {
          const forceExit = setTimeout(() => {
            log.warn({ parts: timedOut }, 'parts that missed the deadline keep the process alive: exiting');
            exit(1);
          }, opts.forceExitAfterMs ?? defaultForceExitAfterMs);
          forceExit.unref();
        }
        resolve(code);
      });
    };
    for (const s of stopSignals) events.on(s, onSignal);
  });
}

/**
 * On an uncaught exception or an unhandled rejection: logs it (with its stack) at fatal level,
 * runs `onFatal(reason, err)` once within the deadline, then exits with code 1. `reason` is
 * the event: 'uncaughtException' or 'unhandledRejection'. Returns a function that removes the
 * handlers.
 */
export function installFatalHandlers(
  log: Logger,
  onFatal: (reason: string, err: unknown) => Promise<void>,
  opts: FatalHandlerOptions = {},
): () => void {
  const events = opts.events ?? process;
  const exit = opts.exit ?? exitProcess;
  const deadlineMs = opts.deadlineMs ?? defaultStopDeadlineMs;
  let handling = false;

  const handle = (reason: 'uncaughtException' | 'unhandledRejection', err: unknown): void => {
    const what = reason === 'uncaughtException' ? 'uncaught exception' : 'unhandled promise rejection';
    if (handling) {
      log.fatal({ err, reason }, `${what} while cleaning up after a fatal error`);
      return;
    }
    handling = true;
    log.fatal({ err, reason }, `${what}: stopping`);
    let cleanup: Promise<void>;
    try {
      cleanup = onFatal(reason, err);
    } catch (cleanupErr) {
      cleanup = Promise.reject(cleanupErr);
    }
    void within(cleanup, deadlineMs).then((outcome) => {
      if (outcome.kind === 'failed') log.error({ err: outcome.err }, 'cleanup after a fatal error failed');
      else if (outcome.kind === 'timeout') log.error({ deadlineMs }, 'cleanup after a fatal error did not finish before the deadline');
      log.flush();
      exit(1);
    });
  };
  const onException = (...args: unknown[]): void => handle('uncaughtException', args[0]);
  const onRejection = (...args: unknown[]): void => handle('unhandledRejection', args[0]);
  events.on('uncaughtException', onException);
  events.on('unhandledRejection', onRejection);
  return () => {
    events.off('uncaughtException', onException);
    events.off('unhandledRejection', onRejection);
  };
}

/** A listener could not start at its configured address: `message` names the setting to change. */
export class ListenSettingError extends Error {
  readonly setting: string;
  readonly address: string;
  readonly code: string;
  constructor(message: string, fields: { setting: string; address: string; code: string }, cause: unknown) {
    super(message, { cause });
    this.name = 'ListenSettingError';
    this.setting = fields.setting;
    this.address = fields.address;
    this.code = fields.code;
  }
}

/** Where a listener listens, and the settings block that says so (`server`, `metrics.collectorListen`). */
export interface ListenAt {
  host: string;
  port: number;
  /** The settings block with `host` and `port`, e.g. `metrics.collectorListen`. */
  setting: string;
  /** An environment variable that overrides the port, when there is one (PORT for server.port). */
  portEnv?: string;
}

/**
 * Pure: the operator's message for a listen that failed because of where it was told to listen,
 * or undefined when the failure is something else (then it is a bug, logged with its stack).
 */
export function explainListenError(err: unknown, at: ListenAt): ListenSettingError | undefined {
  const code = errorCode(err);
  const address = at.host.includes(':') ? `[${at.host}]:${at.port}` : `${at.host}:${at.port}`;
  const port = `${at.setting}.port${at.portEnv ? ` (or ${at.portEnv})` : ''}`;
  const reasons: Record<string, string> = {
    EADDRINUSE: `the port is already in use by another process; stop it or set another ${port} in settings.yaml`,
    EACCES: `permission denied (ports below 1024 need privileges); set ${port} to 1024 or above in settings.yaml`,
    EADDRNOTAVAIL: `${at.host} is not an address of this host; set ${at.setting}.host in settings.yaml`,
    ENOTFOUND: `the host name ${at.host} does not resolve; set ${at.setting}.host in settings.yaml`,
  };
  const reason = code === undefined ? undefined : reasons[code];
  if (reason === undefined || code === undefined) return undefined;
  return new ListenSettingError(`${at.setting}: cannot listen on ${address}: ${reason}`, { setting: at.setting, address, code }, err);
}

/** Starts `listen` at `at`; a failure of the configured address rejects with a `ListenSettingError`. */
export async function listenOn(listen: (at: { host: string; port: number }) => Promise<unknown>, at: ListenAt): Promise<void> {
  try {
    await listen({ host: at.host, port: at.port });
  } catch (err) {
    throw explainListenError(err, at) ?? err;
  }
}
