// Rate-limits repeated log lines per key (device, link, reason): the first is logged, the
// repeats within `everyMs` are counted and reported with the next line that gets through.
// ProblemLog logs a lasting problem once until it clears.
import type { Logger } from 'pino';

export class LogLimiter {
  readonly #everyMs: number;
  readonly #now: () => number;
  readonly #state = new Map<string, { lastMs: number; suppressed: number }>();

  constructor(everyMs: number, now: () => number = Date.now) {
    this.#everyMs = everyMs;
    this.#now = now;
  }

  /** Undefined when the line should be suppressed; otherwise how many were suppressed before it. */
  admit(key: string): { suppressed: number } | undefined {
    const nowMs = this.#now();
    const state = this.#state.get(key);
    if (state && nowMs - state.lastMs < this.#everyMs) {
      state.suppressed++;
      return undefined;
    }
    const suppressed = state?.suppressed ?? 0;
    this.#state.set(key, { lastMs: nowMs, suppressed: 0 });
    return { suppressed };
  }
}

/** Problems logged once each (by key, e.g. `missing:<link>`) until they clear. */
export class ProblemLog {
  readonly #log: Logger;
  readonly #reported = new Set<string>();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Logs the problem `key` unless it is logged and not cleared since. */
  once(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#log.warn(fields, message);
  }

  /** Problem `problem:id` cleared: it may be logged again (the set is nearly always empty: no key is built then). */
  cleared(problem: string, id: string): void {
    if (this.#reported.size > 0) this.#reported.delete(`${problem}:${id}`);
  }
}
