// Polls /api/v1/health for the header (InfluxDB and collector state) between start() and stop().
import { errorMessage, fetchHealth, type Health } from './api.ts';

export class HealthMonitor {
  health: Health | null = $state.raw(null);
  /** Why the last poll failed; null after a success. */
  error: string | null = $state(null);
  checkedAtMs: number | null = $state(null);

  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #abort: AbortController | null = null;
  #running = false;

  constructor(options: { intervalMs?: number } = {}) {
    this.#intervalMs = options.intervalMs ?? 10_000;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#poll();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort?.abort();
    this.#abort = null;
  }

  async #poll(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    try {
      this.health = await fetchHealth(abort.signal);
      this.error = null;
    } catch (error) {
      if (abort.signal.aborted) return;
      this.error = errorMessage(error);
    } finally {
      if (this.#abort === abort) this.#abort = null;
    }
    this.checkedAtMs = Date.now();
    if (this.#running) this.#timer = setTimeout(() => void this.#poll(), this.#intervalMs);
  }
}
