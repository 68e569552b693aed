// The audit log: who did what, from where, one JSON line per record in `audit.jsonl`, appended
// and fsynced before `record` resolves, never rewritten. Records are numbered (`seq`) and the
// numbering continues across restarts. A line that does not parse (a crash mid-append tears the
// last one) is skipped with a warning; the next record starts on a fresh line.
//
// Bounds: the newest `keepInMemory` records (default 10,000) are held in memory and serve pages
// directly; a page older than those is read from the file, which costs one pass over it. Opening
// also reads the file once. Another process (the `lanewatch user` CLI) may append to the same
// file: its records are read in before each record and page, so numbering goes on from them.
// Two processes appending in the same instant can give two records the same `seq` (no lock
// between processes); both stay in the file and the first read in wins in memory.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { auditActions } from '../../api/schemas.ts';
import { parseStoredJson } from '../../config/stored-json.ts';

export const auditFileName = 'audit.jsonl';

export { auditActions };
export type AuditAction = (typeof auditActions)[number];

export type AuditDetailValue = string | number | boolean | null;

export interface AuditEntry {
  /** 1, 2, 3… in the order recorded. */
  seq: number;
  atMs: number;
  /** The signed-in user; null for the CLI or an anonymous caller (a failed login names its target). */
  actor: string | null;
  /** Client address, or `cli`. */
  address: string;
  action: AuditAction;
  /** What was acted on: a user name, a policy revision, an alert id. */
  target?: string;
  details?: Record<string, AuditDetailValue>;
}

export type NewAuditEntry = Omit<AuditEntry, 'seq' | 'atMs'>;

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Pass as `beforeSeq` for the next (older) page; absent on the last page. */
  nextBeforeSeq?: number;
}

export interface AuditLogOptions {
  /** The auth directory (created when missing, mode 0700). */
  dir: string;
  /** The caller names the component (`log.child({ component })`); the audit log adds none. */
  log?: Logger;
  now?: () => number;
  /** Newest records held in memory (default `defaultKeepInMemory`). */
  keepInMemory?: number;
}

/** Audit records held in memory unless `keepInMemory` says otherwise (not a setting: a bound on memory). */
export const defaultKeepInMemory = 10_000;

/** Records a page holds at most. */
const maxAuditPageLimit = 1_000;

const entrySchema = z
  .object({
    seq: z.number().int().min(1),
    atMs: z.number().int().min(0),
    actor: z.string().nullable(),
    address: z.string(),
    action: z.enum(auditActions),
    target: z.string().optional(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict();

/** One line of the file as a record, or undefined when it is not one. Pure. */
export function parseAuditLine(line: string): AuditEntry | undefined {
  const parsed = parseStoredJson(line, entrySchema);
  return 'data' in parsed ? parsed.data : undefined;
}

/** What is wrong with a record to be written, or undefined. Pure. */
export function auditEntryProblem(entry: NewAuditEntry): string | undefined {
  const parsed = entrySchema.omit({ seq: true, atMs: true }).safeParse(entry);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return issue === undefined ? 'invalid audit record' : `invalid audit record: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/** The line for a record, keys in a fixed order. Pure. */
function auditLine(entry: AuditEntry): string {
  const ordered: AuditEntry = { seq: entry.seq, atMs: entry.atMs, actor: entry.actor, address: entry.address, action: entry.action };
  if (entry.target !== undefined) ordered.target = entry.target;
  if (entry.details !== undefined) ordered.details = entry.details;
  return `${JSON.stringify(ordered)}\n`;
}

interface Line {
  text: string;
  /** Byte offset of the line's start. */
  atByte: number;
  /** False for a last line with no newline (torn, or still being written). */
  terminated: boolean;
}

const chunkBytes = 64 * 1024;
const newline = 0x0a;

/** The lines of the file between two byte offsets, read in chunks (never the whole file at once). */
async function* readLines(handle: FileHandle, fromByte: number, toByte: number): AsyncGenerator<Line> {
  let carry = Buffer.alloc(0);
  let carryAtByte = fromByte;
  let position = fromByte;
  const buffer = Buffer.alloc(chunkBytes);
  while (position < toByte) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(chunkBytes, toByte - position), position);
    if (bytesRead === 0) break;
    let data = Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
    let dataAtByte = carryAtByte;
    position += bytesRead;
    for (let end = data.indexOf(newline); end !== -1; end = data.indexOf(newline)) {
      yield { text: data.subarray(0, end).toString('utf8'), atByte: dataAtByte, terminated: true };
      data = data.subarray(end + 1);
      dataAtByte += end + 1;
    }
    carry = Buffer.from(data);
    carryAtByte = dataAtByte;
  }
  if (carry.length > 0) yield { text: carry.toString('utf8'), atByte: carryAtByte, terminated: false };
}

/** The newest `limit` of `entries` (ascending by seq) older than `beforeSeq`, newest first, and where to go on. Pure. */
export function pageOf(entries: readonly AuditEntry[], beforeSeq: number, limit: number, olderExist: boolean): AuditPage {
  let end = entries.length;
  while (end > 0 && (entries[end - 1]?.seq ?? 0) >= beforeSeq) end -= 1;
  const start = Math.max(0, end - limit);
  const page = entries.slice(start, end).reverse();
  const last = page.at(-1);
  return last !== undefined && (start > 0 || olderExist) ? { entries: page, nextBeforeSeq: last.seq } : { entries: page };
}

export class AuditLog {
  readonly #path: string;
  readonly #handle: FileHandle;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #keepInMemory: number;
  /** The newest records, ascending by seq. */
  readonly #recent: AuditEntry[] = [];
  /** Records were dropped from `#recent`: older pages come from the file. */
  #trimmed = false;
  #lastSeq = 0;
  /** Bytes of the file read so far (records appended by others are read from here). */
  #scannedBytes = 0;
  /** The file does not end with a newline (a torn line): the next record starts with one. */
  #needsNewline = false;
  #closed = false;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(options: AuditLogOptions, path: string, handle: FileHandle, log: Logger) {
    this.#path = path;
    this.#handle = handle;
    this.#log = log;
    this.#now = options.now ?? Date.now;
    this.#keepInMemory = options.keepInMemory ?? defaultKeepInMemory;
  }

  /** Opens (or creates) `audit.jsonl` in `dir` and reads the records it holds. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    if (options.keepInMemory !== undefined && !(Number.isInteger(options.keepInMemory) && options.keepInMemory >= 1)) {
      throw new Error(`AuditLog: keepInMemory must be a positive integer, got ${options.keepInMemory}`);
    }
    const log = options.log ?? pino({ level: 'silent' });
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const path = join(options.dir, auditFileName);
    let handle: FileHandle;
    try {
      handle = await open(path, 'a+', 0o600);
    } catch (cause) {
      throw new Error(`cannot open the audit log ${path}`, { cause });
    }
    const audit = new AuditLog(options, path, handle, log);
    try {
      await audit.#readNew();
    } catch (cause) {
      await handle.close();
      throw new Error(`cannot read the audit log ${path}`, { cause });
    }
    log.debug({ file: path, lastSeq: audit.#lastSeq }, 'audit log opened');
    return audit;
  }

  /** Appends a record; resolves with it once it is on disk. */
  record(entry: NewAuditEntry, atMs?: number): Promise<AuditEntry> {
    const problem = auditEntryProblem(entry);
    if (problem !== undefined) return Promise.reject(new Error(problem));
    return this.#exclusive(async () => {
      if (this.#closed) throw new Error(`the audit log ${this.#path} is closed`);
      await this.#readNew();
      const full: AuditEntry = { ...entry, seq: this.#lastSeq + 1, atMs: atMs ?? this.#now() };
      const line = auditLine(full);
      try {
        await this.#handle.appendFile(this.#needsNewline ? `\n${line}` : line, 'utf8');
        await this.#handle.sync();
      } catch (cause) {
        // Part of the line may be in the file: the next record starts on a line of its own.
        this.#needsNewline = true;
        throw new Error(`cannot append to the audit log ${this.#path}`, { cause });
      }
      this.#needsNewline = false;
      this.#remember(full);
      return full;
    });
  }

  /** Records newest first, older than `beforeSeq` when given; `limit` is 1 to 1,000. */
  page(options: { beforeSeq?: number; limit: number }): Promise<AuditPage> {
    const { beforeSeq, limit } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxAuditPageLimit) {
      return Promise.reject(new RangeError(`limit must be an integer from 1 to ${maxAuditPageLimit}, got ${limit}`));
    }
    if (beforeSeq !== undefined && !(Number.isInteger(beforeSeq) && beforeSeq >= 1)) {
      return Promise.reject(new RangeError(`beforeSeq must be a positive integer, got ${beforeSeq}`));
    }
    return this.#exclusive(async () => {
      if (this.#closed) throw new Error(`the audit log ${this.#path} is closed`);
      await this.#readNew();
      const before = beforeSeq ?? Number.POSITIVE_INFINITY;
      const fromMemory = pageOf(this.#recent, before, limit, this.#trimmed);
      // Memory holds the newest records without a gap: a full page from it is the right one.
      if (!this.#trimmed || fromMemory.entries.length === limit) return fromMemory;
      return this.#pageFromFile(before, limit);
    });
  }

  /** The last record's number (0 when there is none). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Waits for records in flight and closes the file. */
  async close(): Promise<void> {
    await this.#exclusive(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.#handle.close();
    });
  }

  #remember(entry: AuditEntry): void {
    this.#lastSeq = entry.seq;
    this.#recent.push(entry);
    if (this.#recent.length > this.#keepInMemory) {
      this.#recent.splice(0, this.#recent.length - this.#keepInMemory);
      this.#trimmed = true;
    }
  }

  /** Reads records appended since the last read (all of them when opening). */
  async #readNew(): Promise<void> {
    const { size } = await this.#handle.stat();
    if (size <= this.#scannedBytes) return;
    for await (const line of readLines(this.#handle, this.#scannedBytes, size)) {
      if (line.text.trim() === '') continue;
      const entry = parseAuditLine(line.text);
      if (entry === undefined) {
        this.#log.warn(
          { file: this.#path, atByte: line.atByte },
          line.terminated ? 'skipping an unreadable audit record' : 'skipping a torn last audit record (a write was interrupted)',
        );
        continue;
      }
      // Our own records are read back here too: only newer ones are new.
      if (entry.seq > this.#lastSeq) this.#remember(entry);
    }
    this.#needsNewline = await this.#endsWithoutNewline(size);
    this.#scannedBytes = size;
  }

  async #endsWithoutNewline(size: number): Promise<boolean> {
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await this.#handle.read(last, 0, 1, size - 1);
    return last[0] !== newline;
  }

  /** One pass over the file, keeping the newest `limit + 1` records older than `before`. */
  async #pageFromFile(before: number, limit: number): Promise<AuditPage> {
    const kept: AuditEntry[] = [];
    for await (const line of readLines(this.#handle, 0, this.#scannedBytes)) {
      const entry = parseAuditLine(line.text);
      if (entry === undefined || entry.seq >= before) continue;
      kept.push(entry);
      if (kept.length > 2 * (limit + 1)) kept.splice(0, kept.length - (limit + 1));
    }
    kept.sort((a, b) => a.seq - b.seq);
    kept.splice(0, Math.max(0, kept.length - (limit + 1)));
    const olderExist = kept.length > limit;
    return pageOf(olderExist ? kept.slice(1) : kept, before, limit, olderExist);
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
