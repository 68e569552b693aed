// The policy store: every accepted change is a new revision (who, when, what changed), one JSON
// file per revision written atomically (tmp file, fsync, rename, fsync of the directory), so a
// crash mid-write leaves the previous revision in force. Changes are serialised: two updates
// from the same revision cannot both win; a save that changes nothing writes nothing.
// Implements PolicySource for the analyzer and the UI.
//
// Bounds: every revision stays on disk (the audit trail; nothing is ever deleted). Memory holds
// the `keepInMemory` newest revisions in full (default 50) and one number per older revision;
// older ones are read from their file when asked for (history pages, revision(), rollback).
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type {
  EffectivePolicy,
  PolicyChange,
  PolicyDocument,
  PolicyProblem,
  PolicyRevision,
  PolicySource,
} from './model.ts';
import { isMissing, removeAbandonedWrites, writeFileAtomically } from '../../config/atomic-file.ts';
import { parseStoredJson } from '../../config/stored-json.ts';
import { deepEqual, diffDocuments } from './diff.ts';
import { effectivePolicy } from './effective.ts';
import { parsePolicyDocument } from './schema.ts';
import { checkAgainstTopology, validatePolicyDocument, type PolicyTopology } from './validate.ts';

export interface PolicyStoreOptions {
  /** Directory of the revision files (created when missing); nothing else should live there. */
  dir: string;
  /** The first revision when the directory holds none (e.g. loadPolicySeed(configDir)). */
  seed: PolicyDocument;
  topology: PolicyTopology;
  /** The caller names the component (`log.child({ component })`); the store adds none. */
  log: Logger;
  now?: () => number;
  /** Newest revisions kept in memory in full (default 50); older ones are read from disk on demand. */
  keepInMemory?: number;
}

export const defaultKeepInMemory = 50;
/** Most revisions one history page may ask for. */
export const historyPageMax = 200;

/** A revision without its document: what a history page lists. */
export type PolicyRevisionSummary = Omit<PolicyRevision, 'document'>;

export interface HistoryPageRequest {
  /** Only revisions older than this one (absent: from the newest). */
  beforeRevision?: number;
  /** 1 to historyPageMax. */
  limit: number;
}

export interface HistoryPage {
  /** Newest first. */
  revisions: PolicyRevisionSummary[];
  /** Present when older revisions remain: pass it as `beforeRevision` for the next page. */
  nextBeforeRevision?: number;
}

export interface ChangeOptions {
  author: string;
  comment?: string;
  /** The revision the change was made from (the `If-Match` of the request). */
  ifRevision: number;
}

export type UpdateResult =
  /** `unchanged`: the document equals the current one; nothing was written and `revision` is the current one. */
  | { ok: true; unchanged?: boolean; revision: number; document: PolicyDocument; changes: PolicyChange[] }
  | { ok: false; conflict: true; currentRevision: number }
  | { ok: false; invalid: true; problems: PolicyProblem[] };

export type RollbackResult = UpdateResult | { ok: false; notFound: true; revision: number };

export interface ValidateReply {
  ok: boolean;
  problems: PolicyProblem[];
  /** Changes from the current revision (empty when the document does not parse). */
  changes: PolicyChange[];
}

const seedAuthor = 'lanewatch';
const revisionFilePattern = /^revision-(\d+)\.json$/;

function revisionFileName(revision: number): string {
  return `revision-${String(revision).padStart(6, '0')}.json`;
}

const storedRevisionSchema = z.object({
  revision: z.number().int().min(1),
  atMs: z.number().int().min(0),
  author: z.string().min(1),
  comment: z.string().optional(),
  changes: z.array(z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })),
  document: z.unknown(),
  rollbackOf: z.number().int().min(1).optional(),
});

/** One revision file, or why it is unusable. */
function parseRevisionFile(text: string, expected: number): { revision: PolicyRevision } | { reason: string } {
  const stored = parseStoredJson(text, storedRevisionSchema);
  if ('reason' in stored) return stored;
  if (stored.data.revision !== expected) return { reason: `holds revision ${stored.data.revision}` };
  const document = parsePolicyDocument(stored.data.document);
  if (!document.ok) {
    const first = document.problems[0];
    return { reason: `invalid document${first ? ` (${first.path}: ${first.message})` : ''}` };
  }
  const changes = stored.data.changes.map((c) => ({ path: c.path, before: c.before, after: c.after }));
  return { revision: { ...stored.data, changes, document: document.document } };
}

/** Index of the first element of ascending `numbers` that is ≥ `value` (numbers.length when none). */
function lowerBound(numbers: readonly number[], value: number): number {
  let lo = 0;
  let hi = numbers.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((numbers[mid] ?? Infinity) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function summaryOf({ document: _document, ...summary }: PolicyRevision): PolicyRevisionSummary {
  return summary;
}

type RevisionRead = { revision: PolicyRevision } | { reason: string } | { missing: true };

async function readRevisionFile(dir: string, revision: number): Promise<RevisionRead> {
  let text: string;
  try {
    text = await readFile(join(dir, revisionFileName(revision)), 'utf8');
  } catch (err) {
    if (isMissing(err)) return { missing: true };
    throw new Error(`cannot read policy revision ${revision}`, { cause: err });
  }
  return parseRevisionFile(text, revision);
}

export class PolicyStore implements PolicySource {
  readonly #dir: string;
  readonly #topology: PolicyTopology;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #linksById: Map<string, PolicyTopology['links'][number]>;
  readonly #keepInMemory: number;
  /** Every revision on disk not known to be unreadable, oldest first. */
  readonly #numbers: number[];
  /** The newest revisions in full, oldest first (at most keepInMemory); never empty once open. */
  readonly #recent: PolicyRevision[];
  readonly #listeners = new Set<(revision: number) => void>();
  /** The tail of the queue of changes: one at a time. */
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(options: PolicyStoreOptions, numbers: number[], recent: PolicyRevision[]) {
    this.#dir = options.dir;
    this.#topology = options.topology;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#linksById = new Map(options.topology.links.map((l) => [l.id, l]));
    this.#keepInMemory = options.keepInMemory ?? defaultKeepInMemory;
    this.#numbers = numbers;
    this.#recent = recent;
  }

  /**
   * Reads the newest intact revisions from `dir` (an unreadable one is moved aside with a
   * warning; the one before it is then in force); writes the seed as revision 1 when there is
   * none. Older revisions are only listed here and read when asked for.
   */
  static async open(options: PolicyStoreOptions): Promise<PolicyStore> {
    const log = options.log;
    const keepInMemory = options.keepInMemory ?? defaultKeepInMemory;
    if (!Number.isInteger(keepInMemory) || keepInMemory < 1) throw new RangeError('keepInMemory must be an integer ≥ 1');
    await mkdir(options.dir, { recursive: true });
    await removeAbandonedWrites(options.dir, { nowMs: (options.now ?? Date.now)(), log, message: 'ignoring an unfinished policy write' });
    const numbers: number[] = [];
    for (const name of await readdir(options.dir)) {
      const match = revisionFilePattern.exec(name);
      if (match) numbers.push(Number(match[1]));
    }
    numbers.sort((a, b) => a - b);

    const store = new PolicyStore({ ...options, log }, numbers, []);
    // Newest first until memory holds keepInMemory of them.
    for (let i = numbers.length - 1; i >= 0 && store.#recent.length < keepInMemory; i -= 1) {
      const found = await store.#loadRevisionFile(numbers[i] ?? 0);
      if (found !== undefined) store.#recent.unshift(found);
    }
    const last = store.#recent.at(-1);
    if (last === undefined) {
      const problems = checkAgainstTopology(options.seed, options.topology);
      if (problems.length > 0) {
        throw new Error(
          `the seed policy does not fit the topology:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
        );
      }
      await store.#commit({ revision: 1, atMs: store.#now(), author: seedAuthor, comment: 'initial policy', changes: [], document: options.seed });
      log.info({ dir: options.dir }, 'policies seeded as revision 1');
    } else {
      const problems = checkAgainstTopology(last.document, options.topology);
      if (problems.length > 0) log.warn({ revision: last.revision, problems }, 'current policy does not fit the topology');
      log.info({ revision: last.revision, revisions: store.#numbers.length }, 'policies loaded');
    }
    return store;
  }

  #latest(): PolicyRevision {
    const last = this.#recent.at(-1);
    if (last === undefined) throw new Error('policy store has no revision');
    return last;
  }

  current(): { revision: number; document: PolicyDocument } {
    const last = this.#latest();
    return { revision: last.revision, document: last.document };
  }

  effective(linkId: string, capacityBps?: number): EffectivePolicy | undefined {
    const link = this.#linksById.get(linkId);
    if (link === undefined) return undefined;
    return effectivePolicy(this.#latest().document, link, link.capacityBps ?? capacityBps ?? 0);
  }

  onChange(listener: (revision: number) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The revisions held in full in memory (the keepInMemory newest), newest first. */
  inMemoryRevisions(): number[] {
    return this.#recent.map((r) => r.revision).reverse();
  }

  /** A page of revision summaries, newest first; past the ones in memory they are read from disk. */
  async history({ beforeRevision, limit }: HistoryPageRequest): Promise<HistoryPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > historyPageMax) {
      throw new RangeError(`limit must be an integer from 1 to ${historyPageMax}`);
    }
    const revisions: PolicyRevisionSummary[] = [];
    let before = beforeRevision ?? Infinity;
    while (revisions.length < limit) {
      // Looked up again each step: an unreadable file leaves `numbers` while we walk.
      const number = this.#numbers[lowerBound(this.#numbers, before) - 1];
      if (number === undefined) break;
      const found = await this.revision(number);
      if (found !== undefined) revisions.push(summaryOf(found));
      before = number;
    }
    const page: HistoryPage = { revisions };
    const oldest = revisions.at(-1);
    if (revisions.length === limit && oldest !== undefined && lowerBound(this.#numbers, oldest.revision) > 0) {
      page.nextBeforeRevision = oldest.revision;
    }
    return page;
  }

  /** One revision in full: from memory when it is among the newest, else from its file. */
  async revision(revision: number): Promise<PolicyRevision | undefined> {
    const inMemory = this.#recent.find((r) => r.revision === revision);
    if (inMemory !== undefined) return inMemory;
    if (this.#numbers[lowerBound(this.#numbers, revision)] !== revision) return undefined;
    return this.#loadRevisionFile(revision);
  }

  /** Reads a revision file; an unreadable one is moved aside (never deleted) and forgotten, with a warning. */
  async #loadRevisionFile(revision: number): Promise<PolicyRevision | undefined> {
    const read = await readRevisionFile(this.#dir, revision);
    if ('revision' in read) return read.revision;
    const index = lowerBound(this.#numbers, revision);
    if (this.#numbers[index] === revision) this.#numbers.splice(index, 1);
    const path = join(this.#dir, revisionFileName(revision));
    if ('missing' in read) {
      this.#log.warn({ file: path }, 'policy revision file is gone');
      return undefined;
    }
    const aside = `${path}.corrupt-${this.#now()}`;
    this.#log.warn({ file: path, reason: read.reason, movedTo: aside }, 'ignoring an unreadable policy revision');
    await rename(path, aside).catch(() => undefined);
    return undefined;
  }

  /** Inline validation: problems (schema and topology) and the diff from the current revision. */
  validate(input: unknown): ValidateReply {
    const result = validatePolicyDocument(input, this.#topology);
    const changes = result.document ? diffDocuments(this.#latest().document, result.document) : [];
    return { ok: result.ok, problems: result.ok ? [] : result.problems, changes };
  }

  /** A new revision from `input`, if it is valid and `ifRevision` is still the current one. */
  update(input: unknown, options: ChangeOptions): Promise<UpdateResult> {
    return this.#exclusive(async () => {
      const current = this.#latest();
      if (options.ifRevision !== current.revision) return { ok: false, conflict: true, currentRevision: current.revision };
      const result = validatePolicyDocument(input, this.#topology);
      if (!result.ok) return { ok: false, invalid: true, problems: result.problems };
      return this.#append(result.document, options);
    });
  }

  /** A new revision whose document is that of `revision`. */
  rollback(revision: number, options: ChangeOptions): Promise<RollbackResult> {
    return this.#exclusive(async (): Promise<RollbackResult> => {
      const current = this.#latest();
      if (options.ifRevision !== current.revision) return { ok: false, conflict: true, currentRevision: current.revision };
      const target = await this.revision(revision);
      if (target === undefined) return { ok: false, notFound: true, revision };
      const problems = checkAgainstTopology(target.document, this.#topology);
      if (problems.length > 0) return { ok: false, invalid: true, problems };
      return this.#append(target.document, options, revision);
    });
  }

  async #append(document: PolicyDocument, options: ChangeOptions, rollbackOf?: number): Promise<UpdateResult> {
    const current = this.#latest();
    if (deepEqual(current.document, document)) {
      this.#log.debug({ revision: current.revision, author: options.author }, 'policy saved without a change, nothing written');
      return { ok: true, unchanged: true, revision: current.revision, document: current.document, changes: [] };
    }
    const next: PolicyRevision = {
      revision: current.revision + 1,
      atMs: this.#now(),
      author: options.author,
      changes: diffDocuments(current.document, document),
      document,
    };
    if (options.comment !== undefined) next.comment = options.comment;
    if (rollbackOf !== undefined) next.rollbackOf = rollbackOf;
    await this.#commit(next);
    this.#log.info(
      { revision: next.revision, author: next.author, changes: next.changes.length, ...(rollbackOf !== undefined ? { rollbackOf } : {}) },
      'policy changed',
    );
    this.#notify(next.revision);
    return { ok: true, revision: next.revision, document, changes: next.changes };
  }

  /** Durable first, then in force. */
  async #commit(revision: PolicyRevision): Promise<void> {
    await writeFileAtomically(this.#dir, revisionFileName(revision.revision), `${JSON.stringify(revision, null, 2)}\n`);
    this.#numbers.push(revision.revision);
    this.#recent.push(revision);
    if (this.#recent.length > this.#keepInMemory) this.#recent.splice(0, this.#recent.length - this.#keepInMemory);
  }

  #notify(revision: number): void {
    for (const listener of this.#listeners) {
      try {
        listener(revision);
      } catch (err) {
        this.#log.error({ err, revision }, 'policy change listener failed');
      }
    }
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
