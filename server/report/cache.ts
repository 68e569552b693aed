// Reports computed recently, kept for a few minutes: viewing a month, switching the basis back
// and exporting the CSV read InfluxDB once each. Identical requests in flight share one
// computation; a failure is not kept.
export interface ReportCacheOptions {
  ttlMs: number;
  maxEntries: number;
  nowMs?: () => number;
}

export class ReportCache<T> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #nowMs: () => number;
  readonly #entries = new Map<string, { expiresAtMs: number; value: Promise<T> }>();

  constructor(options: ReportCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = Math.max(1, options.maxEntries);
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** The kept value of `key`, or `compute()`'s (kept for the TTL once it resolves). */
  get(key: string, compute: () => Promise<T>): Promise<T> {
    const nowMs = this.#nowMs();
    const kept = this.#entries.get(key);
    if (kept && kept.expiresAtMs > nowMs) return kept.value;
    if (kept) this.#entries.delete(key);
    for (const [k, entry] of this.#entries) if (entry.expiresAtMs <= nowMs) this.#entries.delete(k);
    // The oldest entry goes first when full (a Map iterates in insertion order).
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    const value = compute();
    const entry = { expiresAtMs: nowMs + this.#ttlMs, value };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
