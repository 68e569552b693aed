// Loading the alert state: a snapshot (version 1 or 2) and the journal lines numbered after it;
// torn and unreadable lines are skipped and reported by line number.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stepEpisode } from '../../server/alerts/episodes.ts';
import type { AlertEpisode } from '../../server/alerts/model.ts';
import { alertsFileName, journalFileName, loadAlertState } from '../../server/alerts/state-file.ts';
import { stateChange } from '../helpers/alerts-fixture.ts';

function episode(id: string, atMs: number): AlertEpisode {
  return stepEpisode(undefined, stateChange('ok', 'warning', atMs, { dropRatio: {} }), () => id)!.episode;
}

const a1 = episode('a', 1_000);
const a2: AlertEpisode = { ...a1, state: 'acknowledged', acknowledgedAtMs: 1_500, acknowledgedBy: 'x' };
const b1 = episode('b', 2_000);
const put = (seq: number, e: AlertEpisode): string => `${JSON.stringify({ seq, op: 'put', episode: e })}\n`;
const drop = (seq: number, id: string): string => `${JSON.stringify({ seq, op: 'drop', id })}\n`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-alert-state-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  snapshot: unknown;
  journal: string | undefined;
  ids: string[];
  seq: number;
  replayed: number;
  skipped: number[];
  torn: boolean;
  /** The state of episode `a` after loading (null when there is none). */
  aState: AlertEpisode['state'] | null;
}

describe('loadAlertState', () => {
  it.each<Case>([
    { name: 'nothing on disk', snapshot: undefined, journal: undefined, ids: [], seq: 0, replayed: 0, skipped: [], torn: false, aState: null },
    { name: 'version 1 file alone', snapshot: { version: 1, episodes: [a1] }, journal: undefined, ids: ['a'], seq: 0, replayed: 0, skipped: [], torn: false, aState: 'open' },
    { name: 'journal alone', snapshot: undefined, journal: put(1, a1) + put(2, b1) + put(3, a2), ids: ['a', 'b'], seq: 3, replayed: 3, skipped: [], torn: false, aState: 'acknowledged' },
    { name: 'a drop removes', snapshot: { version: 2, seq: 0, episodes: [a1, b1] }, journal: drop(1, 'b'), ids: ['a'], seq: 1, replayed: 1, skipped: [], torn: false, aState: 'open' },
    { name: 'lines up to the snapshot are skipped', snapshot: { version: 2, seq: 2, episodes: [a2] }, journal: put(1, a1) + put(2, a2) + put(3, b1), ids: ['a', 'b'], seq: 3, replayed: 1, skipped: [], torn: false, aState: 'acknowledged' },
    { name: 'a torn last line', snapshot: undefined, journal: put(1, a1) + put(2, a2).slice(0, 50), ids: ['a'], seq: 1, replayed: 1, skipped: [2], torn: true, aState: 'open' },
    { name: 'a complete last line without its newline is torn too', snapshot: undefined, journal: put(1, a1) + put(2, a2).trimEnd(), ids: ['a'], seq: 1, replayed: 1, skipped: [2], torn: true, aState: 'open' },
    { name: 'an unreadable line in the middle', snapshot: undefined, journal: put(1, a1) + '{"seq":2,"op":"put"}\n' + 'garbage\n' + put(3, b1), ids: ['a', 'b'], seq: 3, replayed: 2, skipped: [2, 3], torn: false, aState: 'open' },
    { name: 'an empty line (after a failed append) is nothing', snapshot: undefined, journal: put(1, a1) + '\n' + put(2, b1), ids: ['a', 'b'], seq: 2, replayed: 2, skipped: [], torn: false, aState: 'open' },
  ])('$name', async ({ snapshot, journal, ids, seq, replayed, skipped, torn, aState }) => {
    if (snapshot !== undefined) writeFileSync(join(dir, alertsFileName), JSON.stringify(snapshot));
    if (journal !== undefined) writeFileSync(join(dir, journalFileName), journal);
    const state = await loadAlertState(dir, 1);
    expect([...state.episodes.keys()].sort()).toEqual(ids);
    expect(state.seq).toBe(seq);
    expect(state.report).toMatchObject({ replayed, skippedLines: skipped, tornTail: torn });
    expect(state.episodes.get('a')?.state ?? null).toBe(aState);
  });

  it('an unreadable snapshot is moved aside and the journal still replays', async () => {
    writeFileSync(join(dir, alertsFileName), '{"version":2,"seq":');
    writeFileSync(join(dir, journalFileName), put(5, b1));
    const state = await loadAlertState(dir, 42);
    expect(state.report).toMatchObject({ snapshot: 'invalid', movedTo: join(dir, `${alertsFileName}.invalid-42`), replayed: 1 });
    expect([...state.episodes.keys()]).toEqual(['b']);
  });
});
