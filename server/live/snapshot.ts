// The latest sample of every (link, direction, class), kept from the live bus so a client
// that connects gets the whole picture at once instead of waiting for the next poll.
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';

export interface LiveSnapshotOptions {
  bus: LiveBus;
  /** Samples older than this (relative to the snapshot time) are left out and forgotten. */
  maxAgeMs?: number;
  now?: () => number;
}

export interface SnapshotView {
  /** When the snapshot was taken. */
  atMs: number;
  samples: LinkSample[];
}

export function sampleKey(sample: Pick<LinkSample, 'link' | 'dir' | 'class'>): string {
  return `${sample.link}\u0000${sample.dir}\u0000${sample.class}`;
}

export class LiveSnapshot {
  readonly #bus: LiveBus;
  readonly #maxAgeMs: number | undefined;
  readonly #now: () => number;
  readonly #latest = new Map<string, LinkSample>();
  #unsubscribe: (() => void) | undefined;

  constructor(options: LiveSnapshotOptions) {
    this.#bus = options.bus;
    this.#maxAgeMs = options.maxAgeMs;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#bus.subscribe((batch) => this.apply(batch));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Keeps the newest sample per key; a late, older sample never replaces a newer one. */
  apply(batch: PollBatch): void {
    for (const sample of batch.links) {
      const key = sampleKey(sample);
      const current = this.#latest.get(key);
      if (!current || sample.atMs >= current.atMs) this.#latest.set(key, sample);
    }
  }

  snapshot(): SnapshotView {
    const atMs = this.#now();
    const samples: LinkSample[] = [];
    for (const [key, sample] of this.#latest) {
      if (this.#maxAgeMs !== undefined && atMs - sample.atMs > this.#maxAgeMs) {
        this.#latest.delete(key);
        continue;
      }
      samples.push(sample);
    }
    return { atMs, samples };
  }

  get size(): number {
    return this.#latest.size;
  }
}
