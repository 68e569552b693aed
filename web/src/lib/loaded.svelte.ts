// The answer of a request that a component's effect makes (again on a filter change, a retry,
// a live message), as reactive state: the last value (kept while the next request runs), why
// the last request failed, and whether one is running. The effect's cleanup aborts its request:
// its answer or failure after that concerns nobody (a newer request's answer may be here already).

export class Loaded<T> {
  /** The last answer, or null before the first. */
  value: T | null = $state.raw(null);
  /** Why the last request failed (worded in the current language when shown), or null. */
  error: unknown = $state.raw(null);
  loading = $state(false);
  readonly #what: string;

  /** `what` names the answer in the error of a request that failed without a reason. */
  constructor(what: string) {
    this.#what = what;
  }

  /**
   * Starts one request with a signal of its own; returns what aborts it. An effect returns it
   * as its cleanup: `$effect(() => loaded.load((signal) => fetchThing(query, signal)))`.
   */
  load(request: (signal: AbortSignal) => Promise<T>): () => void {
    const abort = new AbortController();
    this.loading = true;
    request(abort.signal).then(
      (value) => {
        if (abort.signal.aborted) return;
        this.value = value;
        this.error = null;
        this.loading = false;
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        this.error = error ?? new Error(`${this.#what} not loaded`);
        this.loading = false;
      },
    );
    return () => abort.abort();
  }
}
