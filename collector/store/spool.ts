// A bounded on-disk spool of points while InfluxDB cannot take them.
//
// Points are JSON lines in numbered segment files (`seg-000000000042.jsonl`). Appends go to the
// newest segment until it holds `segmentMaxPoints` points or `segmentMaxBytes` bytes; reads
// take the OLDEST segment whole; a segment is deleted only when the caller says its points
// reached InfluxDB (`remove`). After a restart the existing segments are found again and new
// appends go to a fresh segment (never after a possibly partial last line). Over `maxBytes`,
// the oldest segments are dropped, their points counted and logged. A line that does not
// parse (a crash mid-write) is skipped with a warning.
//
// File access is synchronous on purpose: appends stay strictly ordered, and the volumes are
// a few MB per poll interval at most.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseStorePoint, type StorePoint } from './points.ts';

export interface SpoolOptions {
  dir: string;
  /** Bound on the bytes of all segments together. */
  maxBytes: number;
  /** Points per segment (the store uses its batch size: one segment, one write). */
  segmentMaxPoints?: number;
  /** Bytes per segment; default maxBytes/8, at most 8 MiB. */
  segmentMaxBytes?: number;
  log: Logger;
}

export interface SpoolSegment {
  id: number;
  points: StorePoint[];
  /** Lines that did not parse and were skipped. */
  skippedLines: number;
}

export interface SpoolStats {
  segments: number;
  points: number;
  bytes: number;
  /** Points dropped because the spool was over its bound (since this process opened it). */
  droppedPoints: number;
}

interface SegmentInfo {
  id: number;
  path: string;
  bytes: number;
  points: number;
}

const segmentPattern = /^seg-(\d{12})\.jsonl$/;

export function segmentFileName(id: number): string {
  return `seg-${String(id).padStart(12, '0')}.jsonl`;
}

/** Newline count, plus one for a last line without its newline. */
function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n += 1;
  if (buf.length > 0 && buf[buf.length - 1] !== 10) n += 1;
  return n;
}

export class Spool {
  private readonly opts: Required<Omit<SpoolOptions, 'log'>>;
  private readonly log: Logger;
  private readonly segments: SegmentInfo[] = [];
  /** The segment appends go to; undefined until the next append opens one. */
  private current: SegmentInfo | undefined;
  /** The segment handed out by `oldest()` and not yet removed: never dropped by the bound. */
  private leasedId: number | undefined;
  private nextId = 1;
  private totalBytes = 0;
  private totalPoints = 0;
  private dropped = 0;

  constructor(opts: SpoolOptions) {
    const segmentMaxBytes = opts.segmentMaxBytes ?? Math.max(1, Math.min(8 * 1024 * 1024, Math.floor(opts.maxBytes / 8)));
    this.opts = {
      dir: opts.dir,
      maxBytes: opts.maxBytes,
      segmentMaxPoints: opts.segmentMaxPoints ?? 5_000,
      segmentMaxBytes,
    };
    this.log = opts.log;
  }

  /** Creates the directory and finds the segments a previous process left. Throws on fs errors. */
  open(): void {
    mkdirSync(this.opts.dir, { recursive: true });
    this.segments.length = 0;
    this.current = undefined;
    this.leasedId = undefined;
    this.totalBytes = 0;
    this.totalPoints = 0;
    const found: SegmentInfo[] = [];
    for (const name of readdirSync(this.opts.dir)) {
      const m = segmentPattern.exec(name);
      if (!m?.[1]) continue;
      const path = join(this.opts.dir, name);
      const bytes = statSync(path).size;
      if (bytes === 0) {
        unlinkSync(path);
        continue;
      }
      found.push({ id: Number(m[1]), path, bytes, points: countLines(readFileSync(path)) });
    }
    found.sort((a, b) => a.id - b.id);
    for (const s of found) {
      this.segments.push(s);
      this.totalBytes += s.bytes;
      this.totalPoints += s.points;
    }
    this.nextId = (found.at(-1)?.id ?? 0) + 1;
    if (found.length > 0) {
      this.log.info({ dir: this.opts.dir, segments: found.length, points: this.totalPoints, bytes: this.totalBytes }, 'spool found points from before');
    }
    this.enforceBound();
  }

  isEmpty(): boolean {
    return this.segments.length === 0;
  }

  stats(): SpoolStats {
    return { segments: this.segments.length, points: this.totalPoints, bytes: this.totalBytes, droppedPoints: this.dropped };
  }

  /** Appends points after every point spooled before. Throws on fs errors (disk full, …). */
  append(points: readonly StorePoint[]): void {
    let lines: string[] = [];
    let bytes = 0;
    const flush = (seg: SegmentInfo): void => {
      if (lines.length === 0) return;
      try {
        appendFileSync(seg.path, lines.join(''));
      } catch (err) {
        // A partial write (disk full) may leave a torn last line: never append after it. The
        // reader skips the torn line; the next append opens a fresh segment.
        if (this.current === seg) this.current = undefined;
        throw err;
      }
      seg.bytes += bytes;
      seg.points += lines.length;
      this.totalBytes += bytes;
      this.totalPoints += lines.length;
      lines = [];
      bytes = 0;
    };
    let seg = this.current ?? this.openSegment();
    for (const p of points) {
      const line = JSON.stringify(p) + '\n';
      const lineBytes = Buffer.byteLength(line);
      const pointsAfter = seg.points + lines.length + 1;
      const bytesAfter = seg.bytes + bytes + lineBytes;
      const full = pointsAfter > this.opts.segmentMaxPoints || bytesAfter > this.opts.segmentMaxBytes;
      if (full && seg.points + lines.length > 0) {
        flush(seg);
        seg = this.openSegment();
      }
      lines.push(line);
      bytes += lineBytes;
    }
    flush(seg);
    this.enforceBound();
  }

  /**
   * The oldest segment's points, read whole; the newest segment is closed for appends first
   * when it is the one read. Undefined when the spool is empty.
   */
  oldest(): SpoolSegment | undefined {
    for (;;) {
      const seg = this.segments[0];
      if (!seg) return undefined;
      if (seg === this.current) this.current = undefined;
      let text: string;
      try {
        text = readFileSync(seg.path, 'utf8');
      } catch (err) {
        this.log.warn({ err, path: seg.path }, 'spool segment unreadable, skipped');
        this.forget(seg);
        continue;
      }
      const points: StorePoint[] = [];
      let skippedLines = 0;
      for (const line of text.split('\n')) {
        if (line.length === 0) continue;
        let point: StorePoint | undefined;
        try {
          point = parseStorePoint(JSON.parse(line) as unknown);
        } catch {
          point = undefined;
        }
        if (point) points.push(point);
        else skippedLines += 1;
      }
      if (skippedLines > 0) {
        this.log.warn({ path: seg.path, skippedLines }, 'spool lines unreadable (partial write?), skipped');
      }
      this.leasedId = seg.id;
      return { id: seg.id, points, skippedLines };
    }
  }

  /** Deletes a segment once its points are in InfluxDB. Unknown ids are ignored. */
  remove(id: number): void {
    if (this.leasedId === id) this.leasedId = undefined;
    const seg = this.segments.find((s) => s.id === id);
    if (!seg) return;
    this.forget(seg);
    try {
      unlinkSync(seg.path);
    } catch (err) {
      this.log.warn({ err, path: seg.path }, 'spool segment could not be deleted');
    }
  }

  private openSegment(): SegmentInfo {
    const id = this.nextId;
    this.nextId += 1;
    const seg: SegmentInfo = { id, path: join(this.opts.dir, segmentFileName(id)), bytes: 0, points: 0 };
    this.segments.push(seg);
    this.current = seg;
    return seg;
  }

  private forget(seg: SegmentInfo): void {
    const i = this.segments.indexOf(seg);
    if (i === -1) return;
    this.segments.splice(i, 1);
    this.totalBytes -= seg.bytes;
    this.totalPoints -= seg.points;
    if (this.current === seg) this.current = undefined;
  }

  /** Drops the oldest segments (except one being written to InfluxDB) while over the bound. */
  private enforceBound(): void {
    let droppedPoints = 0;
    let droppedSegments = 0;
    while (this.totalBytes > this.opts.maxBytes) {
      const victim = this.segments.find((s) => s.id !== this.leasedId);
      if (!victim) break;
      this.forget(victim);
      try {
        unlinkSync(victim.path);
      } catch (err) {
        this.log.warn({ err, path: victim.path }, 'spool segment could not be deleted');
      }
      droppedPoints += victim.points;
      droppedSegments += 1;
    }
    if (droppedSegments > 0) {
      this.dropped += droppedPoints;
      this.log.warn(
        { dir: this.opts.dir, maxBytes: this.opts.maxBytes, droppedPoints, droppedSegments, droppedTotal: this.dropped },
        'spool over its bound, oldest points dropped',
      );
    }
  }
}
