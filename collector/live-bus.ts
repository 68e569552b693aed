// The live bus: the collector publishes each device's poll batch; the store, the analyzer
// and the server's WebSocket subscribe. Synchronous fan-out; a throwing subscriber is
// isolated and reported, never breaks the publisher or the other subscribers.
import type { PollBatch } from './samples.ts';

export type BatchListener = (batch: PollBatch) => void;

export class LiveBus {
  readonly #listeners = new Set<BatchListener>();
  readonly #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: BatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(batch: PollBatch): void {
    for (const listener of this.#listeners) {
      try {
        listener(batch);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
