// The policy store: every accepted change is a new revision (who, when, what changed), one JSON
// file per revision written atomically (tmp file, fsync, rename, fsync of the directory), so a
// crash mid-write leaves the previous revision in force. Changes are serialised: two updates
// from the same revision cannot both win. Implements PolicySource for the analyzer and the UI.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
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
import { diffDocuments } from './diff.ts';
import { effectivePolicy } from './effective.ts';
import { parsePolicyDocument } from './schema.ts';
import { checkAgainstTopology, validatePolicyDocument, type PolicyTopology } from './validate.ts';

export interface PolicyStoreOptions {
  /** Directory of the revision files (created when missing); nothing else should live there. */
  dir: string;
  /** The first revision when the directory holds none (e.g. loadPolicySeed(configDir)). */
  seed: PolicyDocument;
  topology: PolicyTopology;
  log: Logger;
  now?: () => number;
}

export interface ChangeOptions {
  author: string;
  comment?: string;
  /** The revision the change was made from (the `If-Match` of the request). */
  ifRevision: number;
}

export type UpdateResult =
  | { ok: true; revision: number; document: PolicyDocument; changes: PolicyChange[] }
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

/** Flushes a directory's entries (the rename) to disk. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `name` in `dir` so that it is either absent or complete, never partial. */
async function writeFileAtomically(dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.${randomUUID()}.tmp`);
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(dir, name));
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`cannot write ${join(dir, name)}`, { cause });
  }
  await syncDir(dir);
}

/** One revision file, or why it is unusable. */
function parseRevisionFile(text: string, expected: number): { revision: PolicyRevision } | { reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    return { reason: 'not complete JSON' };
  }
  const stored = storedRevisionSchema.safeParse(raw);
  if (!stored.success) return { reason: `not a revision: ${stored.error.issues[0]?.message ?? 'invalid'}` };
  if (stored.data.revision !== expected) return { reason: `holds revision ${stored.data.revision}` };
  const document = parsePolicyDocument(stored.data.document);
  if (!document.ok) {
    const first = document.problems[0];
    return { reason: `invalid document${first ? ` (${first.path}: ${first.message})` : ''}` };
  }
  const revision: PolicyRevision = {
    revision: stored.data.revision,
    atMs: stored.data.atMs,
    author: stored.data.author,
    changes: stored.data.changes.map((c) => ({ path: c.path, before: c.before, after: c.after })),
    document: document.document,
  };
  if (stored.data.comment !== undefined) revision.comment = stored.data.comment;
  if (stored.data.rollbackOf !== undefined) revision.rollbackOf = stored.data.rollbackOf;
  return { revision };
}

export class PolicyStore implements PolicySource {
  private readonly dir: string;
  private readonly topology: PolicyTopology;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly linksById: Map<string, PolicyTopology['links'][number]>;
  /** Oldest first; never empty once open. */
  private readonly revisions: PolicyRevision[];
  private readonly listeners = new Set<(revision: number) => void>();
  /** The tail of the queue of changes: one at a time. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(options: PolicyStoreOptions, revisions: PolicyRevision[]) {
    this.dir = options.dir;
    this.topology = options.topology;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.linksById = new Map(options.topology.links.map((l) => [l.id, l]));
    this.revisions = revisions;
  }

  /** Loads every intact revision from `dir`; writes the seed as revision 1 when there is none. */
  static async open(options: PolicyStoreOptions): Promise<PolicyStore> {
    const log = options.log.child({ component: 'policies' });
    await mkdir(options.dir, { recursive: true });
    const revisions: PolicyRevision[] = [];
    const names = (await readdir(options.dir)).sort();
    for (const name of names) {
      const path = join(options.dir, name);
      if (name.endsWith('.tmp')) {
        log.warn({ file: path }, 'ignoring an unfinished policy write');
        await unlink(path).catch(() => undefined);
        continue;
      }
      const match = revisionFilePattern.exec(name);
      if (!match) continue;
      const parsed = parseRevisionFile(await readFile(path, 'utf8'), Number(match[1]));
      if ('reason' in parsed) {
        const aside = `${path}.corrupt-${(options.now ?? Date.now)()}`;
        log.warn({ file: path, reason: parsed.reason, movedTo: aside }, 'ignoring an unreadable policy revision');
        await rename(path, aside).catch(() => undefined);
        continue;
      }
      revisions.push(parsed.revision);
    }
    revisions.sort((a, b) => a.revision - b.revision);

    const store = new PolicyStore({ ...options, log }, revisions);
    const last = revisions.at(-1);
    if (last === undefined) {
      const problems = checkAgainstTopology(options.seed, options.topology);
      if (problems.length > 0) {
        throw new Error(
          `the seed policy does not fit the topology:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
        );
      }
      await store.commit({ revision: 1, atMs: store.now(), author: seedAuthor, comment: 'initial policy', changes: [], document: options.seed });
      log.info({ dir: options.dir }, 'policies seeded as revision 1');
    } else {
      const problems = checkAgainstTopology(last.document, options.topology);
      if (problems.length > 0) log.warn({ revision: last.revision, problems }, 'current policy does not fit the topology');
      log.info({ revision: last.revision, revisions: revisions.length }, 'policies loaded');
    }
    return store;
  }

  private latest(): PolicyRevision {
    const last = this.revisions.at(-1);
    if (last === undefined) throw new Error('policy store has no revision');
    return last;
  }

  current(): { revision: number; document: PolicyDocument } {
    const last = this.latest();
    return { revision: last.revision, document: last.document };
  }

  effective(linkId: string, capacityBps?: number): EffectivePolicy | undefined {
    const link = this.linksById.get(linkId);
    if (link === undefined) return undefined;
    return effectivePolicy(this.latest().document, link, link.capacityBps ?? capacityBps ?? 0);
  }

  onChange(listener: (revision: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Newest first. */
  history(): PolicyRevision[] {
    return [...this.revisions].reverse();
  }

  revision(revision: number): PolicyRevision | undefined {
    return this.revisions.find((r) => r.revision === revision);
  }

  /** Inline validation: problems (schema and topology) and the diff from the current revision. */
  validate(input: unknown): ValidateReply {
    const result = validatePolicyDocument(input, this.topology);
    const changes = result.document ? diffDocuments(this.latest().document, result.document) : [];
    return { ok: result.ok, problems: result.ok ? [] : result.problems, changes };
  }

  /** A new revision from `input`, if it is valid and `ifRevision` is still the current one. */
  update(input: unknown, options: ChangeOptions): Promise<UpdateResult> {
    return this.exclusive(async () => {
      const current = this.latest();
      if (options.ifRevision !== current.revision) return { ok: false, conflict: true, currentRevision: current.revision };
      const result = validatePolicyDocument(input, this.topology);
      if (!result.ok) return { ok: false, invalid: true, problems: result.problems };
      return this.append(result.document, options);
    });
  }

  /** A new revision whose document is that of `revision`. */
  rollback(revision: number, options: ChangeOptions): Promise<RollbackResult> {
    return this.exclusive(async (): Promise<RollbackResult> => {
      const current = this.latest();
      if (options.ifRevision !== current.revision) return { ok: false, conflict: true, currentRevision: current.revision };
      const target = this.revision(revision);
      if (target === undefined) return { ok: false, notFound: true, revision };
      const problems = checkAgainstTopology(target.document, this.topology);
      if (problems.length > 0) return { ok: false, invalid: true, problems };
      return this.append(target.document, options, revision);
    });
  }

  private async append(document: PolicyDocument, options: ChangeOptions, rollbackOf?: number): Promise<UpdateResult> {
    const current = this.latest();
    const next: PolicyRevision = {
      revision: current.revision + 1,
      atMs: this.now(),
      author: options.author,
      changes: diffDocuments(current.document, document),
      document,
    };
    if (options.comment !== undefined) next.comment = options.comment;
    if (rollbackOf !== undefined) next.rollbackOf = rollbackOf;
    await this.commit(next);
    this.log.info(
      { revision: next.revision, author: next.author, changes: next.changes.length, ...(rollbackOf !== undefined ? { rollbackOf } : {}) },
      'policy changed',
    );
    this.notify(next.revision);
    return { ok: true, revision: next.revision, document, changes: next.changes };
  }

  /** Durable first, then in force. */
  private async commit(revision: PolicyRevision): Promise<void> {
    await writeFileAtomically(this.dir, revisionFileName(revision.revision), `${JSON.stringify(revision, null, 2)}\n`);
    this.revisions.push(revision);
  }

  private notify(revision: number): void {
    for (const listener of this.listeners) {
      try {
        listener(revision);
      } catch (err) {
        this.log.error({ err, revision }, 'policy change listener failed');
      }
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
