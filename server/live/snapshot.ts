// The latest sample of every (link, direction, class), kept from the live bus so a client
// that connects gets the whole picture at once instead of waiting for the next poll.
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { directions, trafficClasses, type Direction, type TrafficClass } from '../../api/schemas.ts';

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

/** What names a sample's place: its link, direction and class. */
export type SampleId = Pick<LinkSample, 'link' | 'dir' | 'class'>;

/** Each direction's first slot and each class's offset in a link's row of slots. */
const directionSlot = new Map<Direction, number>(directions.map((dir, index) => [dir, index * trafficClasses.length]));
const classSlot = new Map<TrafficClass, number>(trafficClasses.map((trafficClass, index) => [trafficClass, index]));
const slotsPerLink = directions.length * trafficClasses.length;

/**
 * A value per link, direction and class: a row of fixed slots per link, so a look-up is one
 * Map look-up by the link id (a string the sample already holds) and an index, never a key
 * string built per sample.
 */
export class SampleSlots<V> {
  readonly #rows = new Map<string, (V | undefined)[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: SampleId): V | undefined {
    return this.#rows.get(id.link)?.[slotOf(id)];
  }

  set(id: SampleId, value: V): void {
    let row = this.#rows.get(id.link);
    if (row === undefined) {
      row = new Array<V | undefined>(slotsPerLink).fill(undefined);
      this.#rows.set(id.link, row);
    }
    const slot = slotOf(id);
    if (row[slot] === undefined) this.#size += 1;
    row[slot] = value;
  }

  /** Calls `visit` with every value held; those it returns false for are removed. */
  keep(visit: (value: V) => boolean): void {
    for (const [link, row] of this.#rows) {
      let held = 0;
      for (let slot = 0; slot < row.length; slot += 1) {
        const value = row[slot];
        if (value === undefined) continue;
        if (visit(value)) {
          held += 1;
          continue;
        }
        row[slot] = undefined;
        this.#size -= 1;
      }
      if (held === 0) this.#rows.delete(link);
    }
  }
}

function slotOf(id: SampleId): number {
  const slot = (directionSlot.get(id.dir) ?? Number.NaN) + (classSlot.get(id.class) ?? Number.NaN);
  if (!Number.isInteger(slot)) throw new Error(`sample of ${id.link}: unknown direction "${id.dir}" or class "${id.class}"`);
  return slot;
}

export class LiveSnapshot {
  readonly #bus: LiveBus;
  readonly #maxAgeMs: number | undefined;
  readonly #now: () => number;
  readonly #latest = new SampleSlots<LinkSample>();
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
    const latest = this.#latest;
    for (const sample of batch.links) {
      const current = latest.get(sample);
      if (!current || sample.atMs >= current.atMs) latest.set(sample, sample);
    }
  }

  snapshot(): SnapshotView {
    const atMs = this.#now();
    const samples: LinkSample[] = [];
    const maxAgeMs = this.#maxAgeMs;
    this.#latest.keep((sample) => {
      if (maxAgeMs !== undefined && atMs - sample.atMs > maxAgeMs) return false;
      samples.push(sample);
      return true;
    });
    return { atMs, samples };
  }

  get size(): number {
    return this.#latest.size;
  }
}
