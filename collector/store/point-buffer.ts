// What the store holds in memory for InfluxDB, in arrival order: whole poll batches, turned
// into line protocol only when written (no point objects on the normal path), and points given
// one by one (the analyzer's `linkState`). Taken in chunks of about `batchSize` points; a chunk
// that cannot be written becomes StorePoints for the spool, in the same order.
import type { PollBatch } from '../samples.ts';
import { LineText, pointsText, writeBatch } from './line-protocol.ts';
import { LinkDirIndex } from './link-dirs.ts';
import { batchToPoints, type StorePoint } from './points.ts';

type Item = { batch: PollBatch; size: number } | { points: readonly StorePoint[]; size: number };

/** Points taken together: their line protocol (built on first use) and, for the spool, the points. */
export interface PointChunk {
  /** How many points (lines) the chunk holds. */
  readonly points: number;
  /** The line protocol body, one point per line. */
  text(): string;
  /** The same points as StorePoints (for the spool). */
  storePoints(): StorePoint[];
}

/** Reused by every buffer (sizeOf is synchronous). */
const linkDirs = new LinkDirIndex();

/**
 * Upper bound of a batch's points: its outcome, one `traffic` point per link and direction
 * (however many classes), its interfaces (non-finite ones are dropped when encoded).
 */
function sizeOf(batch: PollBatch): number {
  // Each link and direction counted once, wherever its samples are (no key strings built).
  for (const s of batch.links) linkDirs.groupOf(s.link, s.dir);
  const distinct = linkDirs.count;
  linkDirs.reset();
  return 1 + distinct + batch.interfaces.length;
}

function chunkOf(items: readonly Item[]): PointChunk {
  let text: string | undefined;
  let count: number | undefined;
  const encode = (): string => {
    if (text !== undefined) return text;
    const out = new LineText();
    for (const item of items) {
      if ('batch' in item) writeBatch(out, item.batch);
      else out.addText(pointsText(item.points), item.points.length);
    }
    text = out.text();
    count = out.points;
    return text;
  };
  return {
    get points(): number {
      encode();
      return count ?? 0;
    },
    text: encode,
    storePoints(): StorePoint[] {
      const out: StorePoint[] = [];
      for (const item of items) {
        if ('batch' in item) out.push(...batchToPoints(item.batch));
        else out.push(...item.points);
      }
      return out;
    },
  };
}

/** A chunk of StorePoints (read back from the spool). */
export function chunkOfPoints(points: readonly StorePoint[]): PointChunk {
  return chunkOf([{ points, size: points.length }]);
}

export class PointBuffer {
  #items: Item[] = [];
  #size = 0;

  /** Points held (batches counted by their outcome, links' directions and interfaces). */
  get length(): number {
    return this.#size;
  }

  pushBatch(batch: PollBatch): void {
    const size = sizeOf(batch);
    this.#items.push({ batch, size });
    this.#size += size;
  }

  pushPoints(points: readonly StorePoint[]): void {
    if (points.length === 0) return;
    this.#items.push({ points: [...points], size: points.length });
    this.#size += points.length;
  }

  /** The oldest items up to about `maxPoints` points (whole items, at least one). */
  take(maxPoints: number): PointChunk {
    let n = 0;
    let size = 0;
    while (n < this.#items.length) {
      const itemSize = this.#items[n]!.size;
      if (n > 0 && size + itemSize > maxPoints) break;
      size += itemSize;
      n++;
    }
    const taken = this.#items.splice(0, n);
    this.#size -= size;
    return chunkOf(taken);
  }

  /** Everything held, emptied. */
  takeAll(): PointChunk {
    const taken = this.#items;
    this.#items = [];
    this.#size = 0;
    return chunkOf(taken);
  }
}
