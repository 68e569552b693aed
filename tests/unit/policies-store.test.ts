// PolicyStore on a real directory: revisions (who, when, changes), conflicts on a stale
// revision, invalid documents refused, a save without a change writing nothing, rollback as a
// new revision, history paged from disk past the newest revisions kept in memory, the same
// state after a restart, a crash mid-write (torn tmp file, partial revision file) leaving the
// previous revision in force with a warning, and concurrent updates from one revision: exactly
// one wins.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from 'pino';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { PolicyDocument } from '../../server/policies/model.ts';
import { builtInPolicyDocument, loadPolicySeed } from '../../server/policies/seed.ts';
import { historyPageMax, PolicyStore } from '../../server/policies/store.ts';

const topology = loadConfig(defaultConfigDir).topology;
const seed = loadPolicySeed(defaultConfigDir);

let dir: string;
let lines: LogLine[];
let log: Logger;
let clockMs: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-policies-'));
  ({ log, lines } = captureLog());
  clockMs = 1_760_000_000_000;
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function open(seedDocument: PolicyDocument = seed, keepInMemory?: number): Promise<PolicyStore> {
  return PolicyStore.open({
    dir,
    seed: seedDocument,
    topology,
    log,
    now: () => (clockMs += 1_000),
    ...(keepInMemory !== undefined ? { keepInMemory } : {}),
  });
}

/** The seed with Thanh Hóa's video reservation raised to `percent`. */
function withThanhHoaVideo(percent: number): PolicyDocument {
  const doc = structuredClone(seed);
  doc.provinces['thanh-hoa'] = { reservations: { video: { percent } } };
  return doc;
}

function revisionFiles(): string[] {
  return readdirSync(dir).filter((name) => /^revision-\d+\.json$/.test(name)).sort();
}

describe('PolicyStore', () => {
  it('seeds revision 1 in an empty directory, durably', async () => {
    const store = await open();
    expect(store.current()).toEqual({ revision: 1, document: seed });
    expect((await store.history({ limit: 10 })).revisions).toHaveLength(1);
    expect(await store.revision(1)).toMatchObject({ revision: 1, author: 'lanewatch', changes: [], document: seed });
    expect(revisionFiles()).toEqual(['revision-000001.json']);
    const onDisk = JSON.parse(readFileSync(join(dir, 'revision-000001.json'), 'utf8')) as { document: unknown };
    expect(onDisk.document).toEqual(seed);
  });

  it('an update is a new revision with who, when, comment and what changed', async () => {
    const store = await open();
    const seen: number[] = [];
    store.onChange((revision) => seen.push(revision));
    const result = await store.update(withThanhHoaVideo(40), { author: 'ky-su-an', comment: 'more video', ifRevision: 1 });
    expect(result).toEqual({
      ok: true,
      revision: 2,
      document: withThanhHoaVideo(40),
      changes: [{ path: 'provinces.thanh-hoa.reservations.video', before: undefined, after: { percent: 40 } }],
    });
    expect(seen).toEqual([2]);
    expect(store.current().revision).toBe(2);
    const [newest, oldest] = (await store.history({ limit: 10 })).revisions;
    expect(newest).toMatchObject({ revision: 2, author: 'ky-su-an', comment: 'more video', atMs: clockMs });
    expect(oldest?.revision).toBe(1);
    expect(store.effective('t2-thanh-hoa-sam-son')?.from['reservations.video']).toBe('province');
  });

  it('a stale revision is a conflict and changes nothing', async () => {
    const store = await open();
    await store.update(withThanhHoaVideo(40), { author: 'a', ifRevision: 1 });
    const stale = await store.update(withThanhHoaVideo(45), { author: 'b', ifRevision: 1 });
    expect(stale).toEqual({ ok: false, conflict: true, currentRevision: 2 });
    expect(store.current()).toEqual({ revision: 2, document: withThanhHoaVideo(40) });
    expect(revisionFiles()).toHaveLength(2);
  });

  it('an invalid document is refused with its problems and nothing is written', async () => {
    const store = await open();
    const doc = withThanhHoaVideo(95);
    const result = await store.update(doc, { author: 'a', ifRevision: 1 });
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ invalid: true, problems: [{ path: 'provinces.thanh-hoa.reservations.video.percent' }] });
    const unknownLink = await store.update({ ...seed, links: { 't1-atlantis': {} } }, { author: 'a', ifRevision: 1 });
    expect(unknownLink).toMatchObject({ invalid: true, problems: [{ path: 'links.t1-atlantis' }] });
    expect(store.current().revision).toBe(1);
    expect(revisionFiles()).toHaveLength(1);
  });

  it('saving the current document again writes nothing and says unchanged', async () => {
    const store = await open();
    const seen: number[] = [];
    store.onChange((revision) => seen.push(revision));
    const unchanged = { ok: true, unchanged: true, revision: 1, document: seed, changes: [] };
    expect(await store.update(structuredClone(seed), { author: 'a', ifRevision: 1 })).toEqual(unchanged);
    // Another key order and a JSON round trip are the same document.
    const reordered = { links: seed.links, provinces: seed.provinces, tiers: seed.tiers, defaults: seed.defaults };
    expect(await store.update(reordered, { author: 'a', ifRevision: 1 })).toEqual(unchanged);
    expect(await store.update(JSON.parse(JSON.stringify(seed)) as unknown, { author: 'a', ifRevision: 1 })).toEqual(unchanged);
    expect(revisionFiles()).toEqual(['revision-000001.json']);
    expect(seen).toEqual([]);

    expect(await store.update(withThanhHoaVideo(40), { author: 'a', ifRevision: 1 })).toMatchObject({ ok: true, revision: 2 });
    expect(await store.update(withThanhHoaVideo(40), { author: 'b', ifRevision: 2 })).toEqual({
      ok: true,
      unchanged: true,
      revision: 2,
      document: withThanhHoaVideo(40),
      changes: [],
    });
    // A stale revision is still a conflict, and an invalid document still refused, even when unchanged.
    expect(await store.update(withThanhHoaVideo(40), { author: 'b', ifRevision: 1 })).toEqual({ ok: false, conflict: true, currentRevision: 2 });
    // Rolling back to a revision whose document is the current one writes nothing either.
    expect(await store.rollback(2, { author: 'b', ifRevision: 2 })).toMatchObject({ ok: true, unchanged: true, revision: 2 });
    expect(revisionFiles()).toHaveLength(2);
    expect(seen).toEqual([2]);
    expect((await store.history({ limit: 10 })).revisions.map((r) => r.author)).toEqual(['a', 'lanewatch']);
  });

  it('rollback makes a new revision equal to the one restored', async () => {
    const store = await open();
    await store.update(withThanhHoaVideo(40), { author: 'a', ifRevision: 1 });
    await store.update(withThanhHoaVideo(50), { author: 'a', ifRevision: 2 });
    const back = await store.rollback(1, { author: 'b', comment: 'undo', ifRevision: 3 });
    expect(back).toMatchObject({ ok: true, revision: 4, document: seed });
    expect(await store.revision(4)).toMatchObject({
      rollbackOf: 1,
      author: 'b',
      comment: 'undo',
      changes: [{ path: 'provinces.thanh-hoa.reservations.video', before: { percent: 50 }, after: undefined }],
    });
    expect(store.current().document).toEqual(seed);
    expect(await store.rollback(9, { author: 'b', ifRevision: 4 })).toEqual({ ok: false, notFound: true, revision: 9 });
    expect(await store.rollback(2, { author: 'b', ifRevision: 3 })).toEqual({ ok: false, conflict: true, currentRevision: 4 });
    expect((await store.history({ limit: 10 })).revisions.map((r) => r.revision)).toEqual([4, 3, 2, 1]);
  });

  it('reopening gives the same revision and history; the seed is then ignored', async () => {
    const first = await open();
    await first.update(withThanhHoaVideo(40), { author: 'a', ifRevision: 1 });
    await first.rollback(1, { author: 'b', ifRevision: 2 });
    const history = await first.history({ limit: 10 });
    const second = await open(withThanhHoaVideo(10));
    expect(second.current()).toEqual(first.current());
    expect(await second.history({ limit: 10 })).toEqual(history);
    expect(lines.some((l) => l.msg === 'policies loaded' && l['revision'] === 3)).toBe(true);
  });

  it('a crash mid-write: a torn tmp file and a partial revision file are ignored with a warning', async () => {
    const first = await open();
    await first.update(withThanhHoaVideo(40), { author: 'a', ifRevision: 1 });
    const full = JSON.stringify({ ...(await first.revision(2)), revision: 3, document: withThanhHoaVideo(60) });
    // A write that died before its rename, and one whose file is cut short.
    writeFileSync(join(dir, `.revision-000003.json.4242.0d9e.tmp`), full.slice(0, 40));
    writeFileSync(join(dir, 'revision-000003.json'), full.slice(0, full.length / 2));
    lines.length = 0;

    const reopened = await open();
    expect(reopened.current()).toEqual({ revision: 2, document: withThanhHoaVideo(40) });
    const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toEqual(['ignoring an unfinished policy write', 'ignoring an unreadable policy revision']);
    expect(readdirSync(dir).some((name) => name.endsWith('.tmp'))).toBe(false);

    // The next change takes the number and survives another restart.
    const next = await reopened.update(withThanhHoaVideo(45), { author: 'c', ifRevision: 2 });
    expect(next).toMatchObject({ ok: true, revision: 3 });
    const again = await open();
    expect(again.current()).toEqual({ revision: 3, document: withThanhHoaVideo(45) });
  });

  it('a revision file holding another revision or an invalid document is ignored', async () => {
    const first = await open();
    await first.update(withThanhHoaVideo(40), { author: 'a', ifRevision: 1 });
    const two = readFileSync(join(dir, 'revision-000002.json'), 'utf8');
    writeFileSync(join(dir, 'revision-000003.json'), two);
    writeFileSync(
      join(dir, 'revision-000004.json'),
      JSON.stringify({ ...(await first.revision(2)), revision: 4, document: { defaults: {} } }),
    );
    lines.length = 0;
    const reopened = await open();
    expect(reopened.current().revision).toBe(2);
    const reasons = lines.filter((l) => l.level === 40).map((l) => String(l['reason']));
    // Read newest first: revision 4, then 3.
    expect(reasons).toEqual([expect.stringMatching(/^invalid document \(defaults\.thresholds: required/), 'holds revision 2']);
  });

  it('concurrent updates from one revision: exactly one wins, the others conflict', async () => {
    const store = await open();
    const attempts = [30, 35, 40, 45, 50].map((percent) =>
      store.update(withThanhHoaVideo(percent), { author: `engineer-${percent}`, ifRevision: 1 }),
    );
    const results = await Promise.all(attempts);
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(Array(4).fill({ ok: false, conflict: true, currentRevision: 2 }));
    expect(store.current().revision).toBe(2);
    expect(revisionFiles()).toHaveLength(2);
    const reopened = await open();
    expect(reopened.current()).toEqual(store.current());
  });

  it('a failing change listener is logged and does not undo the change', async () => {
    const store = await open();
    const seen: number[] = [];
    store.onChange(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = store.onChange((revision) => seen.push(revision));
    expect(await store.update(withThanhHoaVideo(40), { author: 'a', ifRevision: 1 })).toMatchObject({ ok: true });
    unsubscribe();
    await store.update(withThanhHoaVideo(41), { author: 'a', ifRevision: 2 });
    expect(seen).toEqual([2]);
    expect(lines.filter((l) => l.msg === 'policy change listener failed')).toHaveLength(2);
    expect(store.current().revision).toBe(3);
  });

  it('effective(): configured capacity, else the measured one; unknown link → undefined', async () => {
    const small = {
      provinces: [{ id: 'hue' }],
      links: [
        { id: 't2-hue-a', tier: 2 as const, province: 'hue', router: 'r', ifName: 'Gi0/0', downIs: 'out' as const, capacityBps: 100_000_000 },
        { id: 't2-hue-b', tier: 2 as const, province: 'hue', router: 'r', ifName: 'Gi0/1', downIs: 'out' as const },
      ],
    };
    const store = await PolicyStore.open({ dir, seed: builtInPolicyDocument(), topology: small, log });
    expect(store.effective('t2-hue-a', 1e9)?.capacityBps).toBe(100_000_000);
    expect(store.effective('t2-hue-b', 1e9)).toMatchObject({ capacityBps: 1e9, reservationsBps: { docex: 100_000_000, video: 200_000_000 } });
    expect(store.effective('t2-hue-b')?.reservedBps).toBe(0);
    expect(store.effective('t9-nowhere')).toBeUndefined();
  });

  it('a seed that does not fit the topology is refused at open, naming the key', async () => {
    const bad = structuredClone(seed);
    bad.provinces['atlantis'] = {};
    await expect(open(bad)).rejects.toThrow(/provinces\.atlantis: unknown province/);
    expect(revisionFiles()).toEqual([]);
  });

  it('validate(): problems and the diff from the current revision', async () => {
    const store = await open();
    expect(store.validate(withThanhHoaVideo(40))).toEqual({
      ok: true,
      problems: [],
      changes: [{ path: 'provinces.thanh-hoa.reservations.video', before: undefined, after: { percent: 40 } }],
    });
    const over = store.validate(withThanhHoaVideo(90));
    expect(over.ok).toBe(false);
    expect(over.problems[0]?.path).toBe('provinces.thanh-hoa.reservations.video.percent');
    expect(over.changes).toHaveLength(1);
    expect(store.validate({ defaults: 1 })).toMatchObject({ ok: false, changes: [], problems: [{ path: 'defaults' }] });
  });
});

describe('PolicyStore history beyond memory', () => {
  /** Revisions 2..n+1, each a different Thanh Hóa video reservation. */
  async function filled(store: PolicyStore, n: number): Promise<void> {
    for (let i = 0; i < n; i += 1) {
      const result = await store.update(withThanhHoaVideo(20 + i), { author: `engineer-${i}`, ifRevision: i + 1 });
      expect(result).toMatchObject({ ok: true, revision: i + 2 });
    }
  }

  it('keeps only the newest revisions in memory and pages the rest from disk, newest first', async () => {
    const store = await open(seed, 3);
    await filled(store, 10);
    // Memory: the 3 newest in full. Disk: all 11, nothing deleted.
    expect(store.inMemoryRevisions()).toEqual([11, 10, 9]);
    expect(revisionFiles()).toHaveLength(11);

    const first = await store.history({ limit: 4 });
    expect(first.revisions.map((r) => r.revision)).toEqual([11, 10, 9, 8]);
    expect(first.nextBeforeRevision).toBe(8);
    expect(first.revisions.every((r) => !('document' in r))).toBe(true);
    expect(first.revisions[3]).toMatchObject({
      revision: 8,
      author: 'engineer-6',
      changes: [{ path: 'provinces.thanh-hoa.reservations.video', before: { percent: 25 }, after: { percent: 26 } }],
    });
    const second = await store.history({ beforeRevision: 8, limit: 4 });
    expect(second).toMatchObject({ nextBeforeRevision: 4 });
    expect(second.revisions.map((r) => r.revision)).toEqual([7, 6, 5, 4]);
    const last = await store.history({ beforeRevision: 4, limit: 4 });
    expect(last.revisions.map((r) => r.revision)).toEqual([3, 2, 1]);
    expect(last).not.toHaveProperty('nextBeforeRevision');
    expect(await store.history({ beforeRevision: 1, limit: 4 })).toEqual({ revisions: [] });
    // A page that ends exactly at revision 1 has no next one.
    expect(await store.history({ beforeRevision: 3, limit: 2 })).toEqual({ revisions: [expect.objectContaining({ revision: 2 }), expect.objectContaining({ revision: 1 })] });

    // One old revision in full, read from its file; rollback to it works the same.
    expect(await store.revision(2)).toMatchObject({ revision: 2, author: 'engineer-0', document: withThanhHoaVideo(20) });
    expect(store.inMemoryRevisions()).not.toContain(2);
    expect(await store.revision(99)).toBeUndefined();
    expect(await store.rollback(2, { author: 'b', ifRevision: 11 })).toMatchObject({ ok: true, revision: 12, document: withThanhHoaVideo(20) });
    expect(store.inMemoryRevisions()).toEqual([12, 11, 10]);
    expect(revisionFiles()).toHaveLength(12);
  });

  it('a page limit outside 1…historyPageMax is a RangeError', async () => {
    const store = await open();
    await expect(store.history({ limit: 0 })).rejects.toThrow(RangeError);
    await expect(store.history({ limit: historyPageMax + 1 })).rejects.toThrow(RangeError);
    await expect(store.history({ limit: 1.5 })).rejects.toThrow(RangeError);
    expect((await store.history({ limit: historyPageMax })).revisions).toHaveLength(1);
  });

  it('after a restart only the newest are read; an unreadable old revision is skipped with a warning, moved aside', async () => {
    const first = await open(seed, 3);
    await filled(first, 6);
    const all = (await first.history({ limit: 50 })).revisions;
    writeFileSync(join(dir, 'revision-000002.json'), '{"revision": 2, "torn');
    lines.length = 0;

    const reopened = await open(seed, 3);
    expect(reopened.current()).toEqual(first.current());
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    const page = await reopened.history({ limit: 50 });
    expect(page.revisions).toEqual(all.filter((r) => r.revision !== 2));
    expect(lines.filter((l) => l.level === 40).map((l) => [l.msg, l['reason']])).toEqual([
      ['ignoring an unreadable policy revision', 'not complete JSON'],
    ]);
    expect(readdirSync(dir).some((name) => name.startsWith('revision-000002.json.corrupt-'))).toBe(true);
    expect(await reopened.revision(2)).toBeUndefined();
  });
});
