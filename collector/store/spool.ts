// A bounded on-disk spool of points while InfluxDB cannot take them.
//
// Points are JSON lines in numbered segment files (`seg-000000000042.jsonl`). Appends go to the
// newest segment until it holds `segmentMaxPoints` points or `segmentMaxBytes` bytes. Reads
// take the OLDEST points in bounded chunks (`read(maxPoints)`, never a whole file at once),
// going on into the next segments until the chunk holds `maxPoints` (small segments, left by
// restarts or by reads that caught up with the appends, would otherwise make small writes);
// a chunk is forgotten only when the caller says its points reached InfluxDB (`acknowledge`),
// and a segment is deleted once all of it is acknowledged. Over `maxBytes`, the oldest
// segments are dropped, their points counted and logged.
//
// All file access is asynchronous (node:fs/promises). Operations run one at a time in call
// order (an internal queue), so appends stay strictly ordered and a read sees every append
// called before it; `isEmpty()` and `stats()` answer from memory at once.
//
// Durability (`fsync: 'every-append'`): an append resolves only once its points are written
// and fdatasync'ed, so a point counted as spooled is on disk; a power cut loses at most the
// appends not yet resolved. Appends called while the disk is busy with an earlier operation
// are written together and share one fdatasync per segment touched (group commit): the bound
// is "nothing acknowledged unsynced", and the number of syncs follows the disk's speed, not
// the number of callers. A new segment's directory entry is synced when it is created.
//
// Counts beside the segments: when a segment is closed for appends it gets a sidecar
// (`seg-000000000042.count`, `{"lines","bytes","ackedLines","ackedBytes"}`), rewritten as its
// points are acknowledged, so opening a large spool reads one small file per segment instead
// of parsing it, and a restart resumes after what was delivered (a crash between a write to
// InfluxDB and its acknowledgment replays that one chunk: InfluxDB overwrites identical
// points). A segment without a sidecar, or whose size differs from its sidecar's (the one
// being written when the process died), is counted by streaming it in bounded chunks.
//
// A full disk (ENOSPC) or any write error: the complete lines that reached the file stay (and
// count as spooled), the torn rest is truncated away so the segment never holds a partial line
// this process wrote, and exactly the points not written are counted as lost. The next append
// tries again, so spooling resumes by itself when space returns. A torn last line left by a
// crash (found after a restart) or any line that does not parse is skipped and counted
// (`unreadableLines`), never fatal. After a restart, appends go to a fresh segment.
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { errorCode } from '../../config/error-code.ts';
import { parseStorePoint, type StorePoint } from './points.ts';

export interface SpoolOptions {
  dir: string;
  /** Bound on the bytes of all segments together. */
  maxBytes: number;
  /** Points per segment (default 100,000: in practice the byte bound decides). */
  segmentMaxPoints?: number;
  /** Bytes per segment; default maxBytes/8, at most 8 MiB. */
  segmentMaxBytes?: number;
  /** Bytes read from a segment per file read (default 1 MiB). */
  readChunkBytes?: number;
  /**
   * Points handed to `append` and waiting for the disk (default `defaultMaxQueuedPoints`): what
   * comes over it while the disk is slower than the appends is dropped and counted
   * (`queueDroppedPoints`), so memory stays bounded whatever the disk's speed.
   */
  maxQueuedPoints?: number;
  log: Logger;
}

/** About 100 MB of points in memory (some 500 bytes each) waiting for the spool's disk. */
export const defaultMaxQueuedPoints = 200_000;

/** What a read took from one segment. */
export interface SpoolReadPart {
  segmentId: number;
  /** Lines consumed from this segment: points plus skipped lines. */
  lines: number;
  /** Lines of this segment that did not parse and were skipped. */
  skippedLines: number;
  /** Byte range of the segment this part covers. */
  fromOffset: number;
  toOffset: number;
}

/** The oldest points, oldest segment first; give it back to `acknowledge` once they are delivered. */
export interface SpoolRead {
  points: StorePoint[];
  /** Lines that did not parse (a torn write, corruption) and were skipped. */
  skippedLines: number;
  /** Lines consumed: points plus skipped lines. */
  lines: number;
  /** The segments read, oldest first (one unless the first ended before `maxPoints`). */
  parts: SpoolReadPart[];
}

export interface AppendResult {
  /** Points now on disk (fdatasync'ed). */
  spooled: number;
  /** Points not written: the disk full or an I/O error (`lostPoints`), or over the queue's bound (`queueDroppedPoints`). */
  lost: number;
}

/** How appends reach the disk: each is fdatasync'ed before it resolves. */
export type SpoolFsync = 'every-append';
export const spoolFsync: SpoolFsync = 'every-append';

export interface SpoolStats {
  segments: number;
  /** Points on disk not yet acknowledged (lines, including any that will not parse). */
  points: number;
  bytes: number;
  /** Points handed to `append` and not yet written. */
  queuedPoints: number;
  /** Points dropped because the spool was over its bound (since this process opened it). */
  droppedPoints: number;
  /** Points dropped because too many were already waiting for the disk (`maxQueuedPoints`). */
  queueDroppedPoints: number;
  /** Points that could not be written (disk full, I/O error). */
  lostPoints: number;
  /** Lines skipped when read back because they did not parse (torn by a crash, corrupt). */
  unreadableLines: number;
  fsync: SpoolFsync;
  /** False after a failed append until one succeeds. */
  writable: boolean;
  lastError?: string;
}

interface SegmentInfo {
  id: number;
  path: string;
  /** Bytes of the segment that hold complete lines: reads never go beyond. */
  bytes: number;
  /** Lines written in the segment (its sidecar's count). */
  lines: number;
  /** Lines not yet acknowledged. */
  points: number;
  /** Bytes acknowledged from the start. */
  readOffset: number;
}

const segmentPattern = /^seg-(\d{12})\.jsonl$/;
const sidecarPattern = /^seg-(\d{12})\.count(\.tmp)?$/;
/** A line longer than this is not one of ours: skipped without holding it in memory. */
const maxLineBytes = 4 * 1024 * 1024;

export function segmentFileName(id: number): string {
  return `seg-${String(id).padStart(12, '0')}.jsonl`;
}

export function sidecarFileName(id: number): string {
  return `seg-${String(id).padStart(12, '0')}.count`;
}

function errorText(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function parseLine(line: Buffer): StorePoint | undefined {
  try {
    return parseStorePoint(JSON.parse(line.toString('utf8')) as unknown);
  } catch {
    return undefined;
  }
}

export class Spool {
  readonly #opts: Required<Omit<SpoolOptions, 'log'>>;
  readonly #log: Logger;
  readonly #segments: SegmentInfo[] = [];
  /** The segment appends go to, with its open handle; undefined until the next append opens one. */
  #current: { seg: SegmentInfo; handle: FileHandle } | undefined;
  /** The segments of a read not yet acknowledged: never dropped by the bound. */
  #leased = new Set<number>();
  #nextId = 1;
  #totalBytes = 0;
  #totalPoints = 0;
  #queued = 0;
  #dropped = 0;
  #queueDropped = 0;
  /** Whether the last append found the queue full (one log line per episode). */
  #queueFull = false;
  #lost = 0;
  #unreadable = 0;
  #writable = true;
  #lastError: string | undefined;
  /** Lost points since appends started failing (for the recovery log line). */
  #lostSinceFailure = 0;
  #tail: Promise<unknown> = Promise.resolve();
  /** Appends queued behind the running operation, not started yet: later appends join it. */
  #pendingGroup: { points: StorePoint[]; result: Promise<AppendResult> } | undefined;

  constructor(opts: SpoolOptions) {
    const segmentMaxBytes = opts.segmentMaxBytes ?? Math.max(1, Math.min(8 * 1024 * 1024, Math.floor(opts.maxBytes / 8)));
    this.#opts = {
      dir: opts.dir,
      maxBytes: opts.maxBytes,
      segmentMaxPoints: opts.segmentMaxPoints ?? 100_000,
      segmentMaxBytes,
      readChunkBytes: opts.readChunkBytes ?? 1024 * 1024,
      maxQueuedPoints: Math.max(1, opts.maxQueuedPoints ?? defaultMaxQueuedPoints),
    };
    this.#log = opts.log;
  }

  /** Creates the directory and finds the segments a previous process left. Rejects on fs errors. */
  open(): Promise<void> {
    return this.#serial(() => this.#openNow());
  }

  /** Closes the segment being appended to (writing its sidecar). Later appends open a new one. */
  close(): Promise<void> {
    return this.#serial(async () => {
      if (this.#current) await this.#seal(this.#current.seg);
    });
  }

  /** Nothing on disk and nothing waiting to be written. */
  isEmpty(): boolean {
    return this.#totalPoints === 0 && this.#queued === 0;
  }

  stats(): SpoolStats {
    const s: SpoolStats = {
      segments: this.#segments.length,
      points: this.#totalPoints,
      bytes: this.#totalBytes,
      queuedPoints: this.#queued,
      droppedPoints: this.#dropped,
      queueDroppedPoints: this.#queueDropped,
      lostPoints: this.#lost,
      unreadableLines: this.#unreadable,
      fsync: spoolFsync,
      writable: this.#writable,
    };
    if (this.#lastError !== undefined) s.lastError = this.#lastError;
    return s;
  }

  /**
   * Appends points after every point spooled before; resolves once they are on disk
   * (fdatasync'ed). Never rejects: what could not be written is counted as lost and returned.
   * Over `maxQueuedPoints` waiting for the disk, the points that do not fit are dropped at once
   * (counted in `queueDroppedPoints`, returned as lost).
   */
  append(given: readonly StorePoint[]): Promise<AppendResult> {
    const room = this.#opts.maxQueuedPoints - this.#queued;
    const over = Math.max(0, given.length - Math.max(0, room));
    if (over > 0) {
      this.#queueDropped += over;
      if (!this.#queueFull) {
        this.#log.error(
          { dir: this.#opts.dir, maxQueuedPoints: this.#opts.maxQueuedPoints, dropped: over, queueDroppedTotal: this.#queueDropped },
          'spool disk slower than the points coming: points over the queue bound dropped',
        );
      }
    }
    this.#queueFull = over > 0;
    const points = over > 0 ? given.slice(0, given.length - over) : given;
    const n = points.length;
    if (n === 0) return Promise.resolve({ spooled: 0, lost: over });
    this.#queued += n;
    let group = this.#pendingGroup;
    if (!group) {
      const g: { points: StorePoint[]; result: Promise<AppendResult> } = { points: [], result: Promise.resolve({ spooled: 0, lost: 0 }) };
      g.result = this.#serial(async () => {
        if (this.#pendingGroup === g) this.#pendingGroup = undefined; // started: no more joiners
        try {
          return await this.#appendNow(g.points);
        } finally {
          this.#queued -= g.points.length;
        }
      });
      this.#pendingGroup = g;
      group = g;
    }
    // A failed write keeps a prefix of the group: each caller gets its share of it.
    const offset = group.points.length;
    for (const p of points) group.points.push(p);
    return group.result.then(({ spooled }) => {
      const mine = Math.min(n, Math.max(0, spooled - offset));
      return { spooled: mine, lost: n - mine + over };
    });
  }

  /**
   * Up to `maxPoints` of the oldest lines, after what was acknowledged, across as many segments
   * as it takes; the newest segment is closed for appends first when it is read. Undefined when
   * empty.
   */
  read(maxPoints: number): Promise<SpoolRead | undefined> {
    return this.#serial(() => this.#readNow(Math.max(1, Math.floor(maxPoints))));
  }

  /** The points of `read` reached InfluxDB: forget them, and delete the segment once all of it is. */
  acknowledge(read: SpoolRead): Promise<void> {
    return this.#serial(async () => {
      for (const part of read.parts) {
        this.#leased.delete(part.segmentId);
        const seg = this.#segments.find((s) => s.id === part.segmentId);
        if (!seg || seg.readOffset !== part.fromOffset) continue; // stale: already acknowledged or dropped
        // Files first: once the counts say the points are gone, so are their files.
        if (part.toOffset >= seg.bytes) await this.#removeFiles(seg);
        seg.readOffset = part.toOffset;
        const done = Math.min(seg.points, part.lines);
        seg.points -= done;
        this.#totalPoints -= done;
        this.#unreadable += part.skippedLines;
        if (seg.readOffset >= seg.bytes) this.#unreadable += this.#forget(seg);
        else await this.#writeSidecar(seg);
      }
    });
  }

  // ---- internals (each runs alone, in call order) -------------------------------------------

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(op, op);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #openNow(): Promise<void> {
    if (this.#current) await this.#closeHandle();
    await mkdir(this.#opts.dir, { recursive: true });
    this.#segments.length = 0;
    this.#leased.clear();
    this.#totalBytes = 0;
    this.#totalPoints = 0;
    const names = await readdir(this.#opts.dir);
    const segmentIds = new Set<number>();
    for (const name of names) {
      const m = segmentPattern.exec(name);
      if (m?.[1]) segmentIds.add(Number(m[1]));
    }
    // Sidecars whose segment is gone (deleted before its sidecar) and half-written ones.
    for (const name of names) {
      const m = sidecarPattern.exec(name);
      if (m?.[1] && (m[2] || !segmentIds.has(Number(m[1])))) await this.#unlinkQuietly(join(this.#opts.dir, name));
    }
    let scanned = 0;
    for (const id of [...segmentIds].sort((a, b) => a - b)) {
      const path = join(this.#opts.dir, segmentFileName(id));
      const bytes = (await stat(path)).size;
      if (bytes === 0) {
        await this.#unlinkQuietly(path);
        await this.#unlinkQuietly(join(this.#opts.dir, sidecarFileName(id)));
        continue;
      }
      let seg = await this.#readSidecar(id, path, bytes);
      if (!seg) {
        const lines = await this.#countLines(path, bytes);
        scanned += 1;
        seg = { id, path, bytes, lines, points: lines, readOffset: 0 };
        await this.#writeSidecar(seg);
      }
      if (seg.readOffset >= seg.bytes) {
        await this.#unlinkQuietly(path);
        await this.#unlinkQuietly(join(this.#opts.dir, sidecarFileName(id)));
        continue;
      }
      this.#segments.push(seg);
      this.#totalBytes += seg.bytes;
      this.#totalPoints += seg.points;
    }
    // After every number seen, including segments deleted just now.
    this.#nextId = 1;
    for (const id of segmentIds) this.#nextId = Math.max(this.#nextId, id + 1);
    if (this.#segments.length > 0) {
      this.#log.info(
        { dir: this.#opts.dir, segments: this.#segments.length, points: this.#totalPoints, bytes: this.#totalBytes, scannedSegments: scanned },
        'spool found points from before',
      );
    }
    await this.#enforceBound();
  }

  async #appendNow(points: readonly StorePoint[]): Promise<AppendResult> {
    // Text, not a Buffer per line: a hand-over of 100,000 points made 100,000 small buffers
    // (their allocation a tenth of `lanewatch run`'s CPU at 15,000 routers); one Buffer per group written.
    const lines = points.map((p) => JSON.stringify(p) + '\n');
    const bytes = lines.map((line) => Buffer.byteLength(line, 'utf8'));
    let i = 0;
    let spooled = 0;
    let failure: unknown;
    while (i < lines.length) {
      let cur = this.#current;
      if (!cur) {
        try {
          cur = await this.#openSegment();
        } catch (err) {
          failure = err;
          break;
        }
      }
      const seg = cur.seg;
      // The lines that fit this segment.
      const group: string[] = [];
      const ends: number[] = [];
      let size = 0;
      for (let k = i; k < lines.length; k += 1) {
        const lineBytes = bytes[k] as number;
        const full = seg.lines + group.length + 1 > this.#opts.segmentMaxPoints || seg.bytes + size + lineBytes > this.#opts.segmentMaxBytes;
        if (full && seg.lines + group.length > 0) break;
        group.push(lines[k] as string);
        size += lineBytes;
        ends.push(size);
      }
      if (group.length === 0) {
        await this.#seal(seg);
        continue;
      }
      const written = await this.#writeLines(cur, Buffer.from(group.join(''), 'utf8'), ends);
      spooled += written.lines;
      i += group.length;
      if (written.error !== undefined) {
        failure = written.error;
        break;
      }
      if (i < lines.length) await this.#seal(seg); // the next line did not fit
    }
    const lost = points.length - spooled;
    if (failure !== undefined || lost > 0) {
      this.#lost += lost;
      this.#lostSinceFailure += lost;
      this.#lastError = errorText(failure);
      if (this.#writable) {
        this.#log.error(
          { err: failure, dir: this.#opts.dir, spooled, lost, lostTotal: this.#lost },
          'spool write failed: points lost until it can write again',
        );
      }
      this.#writable = false;
    } else if (!this.#writable) {
      this.#writable = true;
      this.#log.info({ dir: this.#opts.dir, lostWhileFailing: this.#lostSinceFailure, lostTotal: this.#lost }, 'spool writes again');
      this.#lostSinceFailure = 0;
    }
    await this.#enforceBound();
    return { spooled, lost };
  }

  /**
   * Writes `buf` (whole lines ending at `ends`) at the end of the segment and syncs it. On an
   * error keeps the complete lines that reached the file and truncates the rest away.
   */
  async #writeLines(cur: { seg: SegmentInfo; handle: FileHandle }, buf: Buffer, ends: number[]): Promise<{ lines: number; error?: unknown }> {
    const { seg, handle } = cur;
    const start = seg.bytes;
    let written = 0;
    let error: unknown;
    try {
      while (written < buf.length) {
        const { bytesWritten } = await handle.write(buf, written, buf.length - written, start + written);
        if (bytesWritten <= 0) throw new Error('write made no progress');
        written += bytesWritten;
      }
    } catch (err) {
      error = err;
    }
    let keptLines = error === undefined ? ends.length : ends.filter((end) => end <= written).length;
    let keptBytes = keptLines > 0 ? (ends[keptLines - 1] ?? 0) : 0;
    let clean = true;
    if (error !== undefined && keptBytes < written) clean = await this.#truncateQuietly(handle, seg, start + keptBytes);
    if (keptLines > 0) {
      try {
        await handle.datasync();
      } catch (err) {
        // What reached the disk is unknown: take the whole group back.
        error ??= err;
        keptLines = 0;
        keptBytes = 0;
        clean = await this.#truncateQuietly(handle, seg, start);
      }
    }
    seg.bytes = start + keptBytes;
    seg.lines += keptLines;
    seg.points += keptLines;
    this.#totalBytes += keptBytes;
    this.#totalPoints += keptLines;
    // A tail that could not be cut off: never append after it (reads stop at seg.bytes).
    if (!clean) await this.#seal(seg);
    return error === undefined ? { lines: keptLines } : { lines: keptLines, error };
  }

  async #truncateQuietly(handle: FileHandle, seg: SegmentInfo, length: number): Promise<boolean> {
    try {
      await handle.truncate(length);
      return true;
    } catch (err) {
      this.#log.error({ err, path: seg.path, length }, 'spool could not cut a partial write off: segment closed');
      return false;
    }
  }

  async #readNow(maxPoints: number): Promise<SpoolRead | undefined> {
    const points: StorePoint[] = [];
    const parts: SpoolReadPart[] = [];
    let lines = 0;
    let skippedLines = 0;
    let i = 0;
    while (lines < maxPoints) {
      const seg = this.#segments[i];
      if (!seg) break;
      if (this.#current?.seg === seg) await this.#seal(seg);
      if (this.#segments[i] !== seg) continue; // sealed while empty: deleted
      if (seg.readOffset >= seg.bytes) {
        await this.#deleteSegment(seg);
        continue;
      }
      let part: SpoolReadPart;
      const before = points.length;
      try {
        part = await this.#readLines(seg, maxPoints - lines, points);
      } catch (err) {
        points.length = before; // none of an unreadable segment's points are handed out
        // Left on disk for a person to look at; its points count as unreadable.
        this.#log.warn({ err, path: seg.path, points: seg.points }, 'spool segment unreadable, skipped');
        this.#unreadable += this.#forget(seg);
        continue;
      }
      if (part.skippedLines > 0) {
        this.#log.warn({ path: seg.path, skippedLines: part.skippedLines }, 'spool lines unreadable (partial write?), skipped');
      }
      parts.push(part);
      lines += part.lines;
      skippedLines += part.skippedLines;
      i += 1;
    }
    this.#leased = new Set(parts.map((p) => p.segmentId));
    return parts.length === 0 ? undefined : { points, skippedLines, lines, parts };
  }

  /**
   * Reads up to `maxLines` lines from `seg.readOffset` up to `seg.bytes` in chunks of
   * `readChunkBytes`, adding their points to `points`.
   */
  async #readLines(seg: SegmentInfo, maxLines: number, points: StorePoint[]): Promise<SpoolReadPart> {
    let skippedLines = 0;
    let lines = 0;
    const take = (line: Buffer | undefined): void => {
      lines += 1;
      const point = line && line.length > 0 ? parseLine(line) : undefined;
      if (point) points.push(point);
      else skippedLines += 1;
    };
    const from = seg.readOffset;
    const limit = seg.bytes;
    let consumedTo = from;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let oversized = false; // the pending line is too long to be ours: drop it as it streams
    const fh = await open(seg.path, 'r');
    try {
      let pos = from;
      const chunk = Buffer.allocUnsafe(Math.min(this.#opts.readChunkBytes, Math.max(1, limit - from)));
      outer: while (pos < limit) {
        const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, limit - pos), pos);
        if (bytesRead === 0) break; // shorter than we knew: the rest is gone
        const view = chunk.subarray(0, bytesRead);
        let start = 0;
        for (;;) {
          const nl = view.indexOf(10, start);
          if (nl === -1) {
            if (!oversized) {
              pending.push(Buffer.from(view.subarray(start)));
              pendingBytes += bytesRead - start;
              if (pendingBytes > maxLineBytes) {
                oversized = true;
                pending = [];
              }
            }
            break;
          }
          take(oversized ? undefined : Buffer.concat([...pending, view.subarray(start, nl)]));
          pending = [];
          pendingBytes = 0;
          oversized = false;
          start = nl + 1;
          consumedTo = pos + start;
          if (lines >= maxLines) break outer;
        }
        pos += bytesRead;
      }
      // A last line without its newline (a torn write): consumed, parsed if it happens to be whole.
      if (lines < maxLines && consumedTo < limit) {
        take(oversized ? undefined : Buffer.concat(pending));
        consumedTo = limit;
      }
    } finally {
      await fh.close();
    }
    return { segmentId: seg.id, skippedLines, lines, fromOffset: from, toOffset: consumedTo };
  }

  async #openSegment(): Promise<{ seg: SegmentInfo; handle: FileHandle }> {
    let id: number;
    let path: string;
    let handle: FileHandle | undefined;
    for (let attempt = 0; ; attempt += 1) {
      id = this.#nextId;
      this.#nextId += 1;
      path = join(this.#opts.dir, segmentFileName(id));
      try {
        handle = await open(path, 'wx');
        break;
      } catch (err) {
        // A file left under that name (one that could not be deleted): take the next number.
        if (errorCode(err) !== 'EEXIST' || attempt >= 100) throw err;
      }
    }
    await this.#syncDir();
    const seg: SegmentInfo = { id, path, bytes: 0, lines: 0, points: 0, readOffset: 0 };
    this.#segments.push(seg);
    this.#current = { seg, handle };
    return this.#current;
  }

  /** Closes the segment for appends: an empty one is deleted, a written one gets its sidecar. */
  async #seal(seg: SegmentInfo): Promise<void> {
    if (this.#current?.seg !== seg) return;
    await this.#closeHandle();
    if (seg.bytes === 0) await this.#deleteSegment(seg);
    else await this.#writeSidecar(seg);
  }

  async #closeHandle(): Promise<void> {
    const cur = this.#current;
    this.#current = undefined;
    if (!cur) return;
    try {
      await cur.handle.close();
    } catch (err) {
      this.#log.warn({ err, path: cur.seg.path }, 'spool segment could not be closed');
    }
  }

  /** Best effort: without a sidecar the next open counts the segment's lines instead. */
  async #writeSidecar(seg: SegmentInfo): Promise<void> {
    const path = join(this.#opts.dir, sidecarFileName(seg.id));
    const tmp = `${path}.tmp`;
    try {
      const ackedLines = seg.lines - seg.points;
      await writeFile(tmp, JSON.stringify({ lines: seg.lines, bytes: seg.bytes, ackedLines, ackedBytes: seg.readOffset }) + '\n');
      await rename(tmp, path);
    } catch (err) {
      await this.#unlinkQuietly(tmp);
      this.#log.debug({ err, path }, 'spool sidecar not written: the segment is counted at the next open');
    }
  }

  /** The segment as its sidecar describes it, when the sidecar matches the segment's size. */
  async #readSidecar(id: number, path: string, bytes: number): Promise<SegmentInfo | undefined> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(join(this.#opts.dir, sidecarFileName(id)), 'utf8')) as unknown;
    } catch {
      return undefined;
    }
    if (typeof raw !== 'object' || raw === null) return undefined;
    const field = (key: string): number | undefined => {
      const v: unknown = (raw as Record<string, unknown>)[key] ?? 0;
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
    };
    const lines = field('lines');
    const ackedLines = field('ackedLines');
    const ackedBytes = field('ackedBytes');
    if (lines === undefined || ackedLines === undefined || ackedBytes === undefined) return undefined;
    if (field('bytes') !== bytes || lines < 1 || ackedLines > lines || ackedBytes > bytes) return undefined;
    return { id, path, bytes, lines, points: lines - ackedLines, readOffset: ackedBytes };
  }

  /** Newline count, plus one for a last line without its newline; streamed in bounded chunks. */
  async #countLines(path: string, bytes: number): Promise<number> {
    const fh = await open(path, 'r');
    try {
      const chunk = Buffer.allocUnsafe(Math.min(this.#opts.readChunkBytes, Math.max(1, bytes)));
      let n = 0;
      let last = 10;
      for (let pos = 0; ; ) {
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
        if (bytesRead === 0) break;
        const view = chunk.subarray(0, bytesRead);
        for (let i = view.indexOf(10); i !== -1; i = view.indexOf(10, i + 1)) n += 1;
        last = view[bytesRead - 1] ?? 10;
        pos += bytesRead;
      }
      return last === 10 ? n : n + 1;
    } finally {
      await fh.close();
    }
  }

  async #syncDir(): Promise<void> {
    let dir: FileHandle | undefined;
    try {
      dir = await open(this.#opts.dir, 'r');
      await dir.sync();
    } catch (err) {
      this.#log.debug({ err, dir: this.#opts.dir }, 'spool directory not synced');
    } finally {
      await dir?.close().catch(() => undefined);
    }
  }

  /** Removes a segment from the accounting; returns the points it still held. */
  #forget(seg: SegmentInfo): number {
    const i = this.#segments.indexOf(seg);
    if (i === -1) return 0;
    this.#segments.splice(i, 1);
    this.#totalBytes -= seg.bytes;
    this.#totalPoints -= seg.points;
    this.#leased.delete(seg.id);
    return seg.points;
  }

  /** Deletes a segment and its sidecar; lines it still held (a miscount) count as unreadable. */
  async #deleteSegment(seg: SegmentInfo): Promise<void> {
    await this.#removeFiles(seg);
    this.#unreadable += this.#forget(seg);
  }

  /** Closes (when written to) and deletes a segment's file and its sidecar; the counts stay. */
  async #removeFiles(seg: SegmentInfo): Promise<void> {
    if (this.#current?.seg === seg) await this.#closeHandle();
    await this.#unlinkQuietly(seg.path);
    await this.#unlinkQuietly(join(this.#opts.dir, sidecarFileName(seg.id)));
  }

  async #unlinkQuietly(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') this.#log.warn({ err, path }, 'spool file could not be deleted');
    }
  }

  /** Drops the oldest segments (except one being written to InfluxDB) while over the bound. */
  async #enforceBound(): Promise<void> {
    let droppedPoints = 0;
    let droppedSegments = 0;
    while (this.#totalBytes > this.#opts.maxBytes) {
      const victim = this.#segments.find((s) => !this.#leased.has(s.id));
      if (!victim) break;
      if (this.#current?.seg === victim) await this.#closeHandle();
      droppedPoints += this.#forget(victim);
      droppedSegments += 1;
      await this.#unlinkQuietly(victim.path);
      await this.#unlinkQuietly(join(this.#opts.dir, sidecarFileName(victim.id)));
    }
    if (droppedSegments > 0) {
      this.#dropped += droppedPoints;
      this.#log.warn(
        { dir: this.#opts.dir, maxBytes: this.#opts.maxBytes, droppedPoints, droppedSegments, droppedTotal: this.#dropped },
        'spool over its bound, oldest points dropped',
      );
    }
  }
}
