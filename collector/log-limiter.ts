// Rate-limits repeated log lines per key (device, link, reason): the first is logged, the
// repeats within `everyMs` are counted and reported with the next line that gets through.

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
