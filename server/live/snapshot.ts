// The latest sample of every (link, direction, class), kept from the live bus so a client
// that connects gets the whole picture at once instead of waiting for the next poll.
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { directions, trafficClasses } from '../../api/schemas.ts';

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

const slotsPerLink = directions.length * trafficClasses.length;

/**
 * A value per link, direction and class: a row of fixed slots per link, so a look-up is one
 * Map look-up by the link id (a string the sample already holds) and an index, never a key
 * string built per sample. A poll's samples come link by link: the row of the link looked up
 * last is kept, so the samples after the first of a link cost no Map look-up at all.
 */
export class SampleSlots<V> {
  readonly #rows = new Map<string, (V | undefined)[]>();
  #size = 0;
  #lastLink: string | undefined;
  #lastRow: (V | undefined)[] | undefined;

  get size(): number {
    return this.#size;
  }

  get(id: SampleId): V | undefined {
    return this.#rowOf(id.link, false)?.[slotOf(id)];
  }

  set(id: SampleId, value: V): void {
    this.#store(this.#rowOf(id.link, true), slotOf(id), value);
  }

  /**
   * Stores `value` unless the value held in its slot is newer (`heldIsNewer(held, value)`);
   * returns whether it was stored. One row look-up and one slot index for both.
   */
  offer(id: SampleId, value: V, heldIsNewer: (held: V, value: V) => boolean): boolean {
    const row = this.#rowOf(id.link, true);
    const slot = slotOf(id);
    const held = row[slot];
    if (held !== undefined && heldIsNewer(held, value)) return false;
    this.#store(row, slot, value);
    return true;
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
      if (held === 0) {
        this.#rows.delete(link);
        if (link === this.#lastLink) this.#lastLink = this.#lastRow = undefined;
      }
    }
  }

  #store(row: (V | undefined)[], slot: number, value: V): void {
    if (row[slot] === undefined) this.#size += 1;
    row[slot] = value;
  }

  #rowOf(link: string, make: true): (V | undefined)[];
  #rowOf(link: string, make: false): (V | undefined)[] | undefined;
  #rowOf(link: string, make: boolean): (V | undefined)[] | undefined {
    if (link === this.#lastLink) return this.#lastRow;
    let row = this.#rows.get(link);
    if (row === undefined) {
      if (!make) return undefined;
      row = new Array<V | undefined>(slotsPerLink).fill(undefined);
      this.#rows.set(link, row);
    }
    this.#lastLink = link;
    this.#lastRow = row;
    return row;
  }
}

/** A sample's slot in its link's row: its direction's block of classes, its class within it. */
function slotOf(id: SampleId): number {
  const dirIndex = directions.indexOf(id.dir);
  const classIndex = trafficClasses.indexOf(id.class);
  if (dirIndex < 0 || classIndex < 0) throw new Error(`sample of ${id.link}: unknown direction "${id.dir}" or class "${id.class}"`);
  return dirIndex * trafficClasses.length + classIndex;
}

/** A late, older sample never replaces a newer one. */
function newerSample(held: LinkSample, sample: LinkSample): boolean {
  return held.atMs > sample.atMs;
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
    for (const sample of batch.links) latest.offer(sample, sample, newerSample);
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
