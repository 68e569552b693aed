// The alert state on a real directory as a journal and a snapshot: a change is one appended
// line (the snapshot is not rewritten), an acknowledgement is on disk when ack() resolves, a
// change that cannot be written sends nothing (until it is written), a torn last line is
// skipped, the journal is compacted once it outgrows the live state, and a version 1
// alerts.json loads and is migrated. A webhook receiver on loopback stands for the contacts.
import { mkdtemp, readFile, rename, rm, stat, symlink, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LanewatchConfig } from '../../config/schema.ts';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import { stepEpisode } from '../../server/alerts/episodes.ts';
import type { AlertEpisode } from '../../server/alerts/model.ts';
import { AlertJournal, alertsFileName, journalFileName, loadAlertState } from '../../server/alerts/state-file.ts';
import { Notifier } from '../../server/notify/notifier.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook.ts';
import { pause, waitFor } from '../helpers/wait.ts';
import { alertTestConfig, stateChange } from '../helpers/alerts-fixture.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';

function buildConfig(dir: string, hookUrl: string): LanewatchConfig {
  return alertTestConfig({
    dir,
    settings: { notify: { webhookTimeoutMs: 2_000, retry: { initialMs: 20, maxMs: 100, maxAttempts: 5 } } },
    provinces: [{ id: 'hue', contacts: { webhook: [hookUrl] } }],
  });
}


const delivered = (episode: AlertEpisode | undefined): boolean =>
  episode !== undefined && episode.notifications.length > 0 && episode.notifications.every((r) => r.deliveredAtMs !== undefined);

async function journalLines(dir: string): Promise<unknown[]> {
  const text = await readFile(join(dir, journalFileName), 'utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown);
}

describe('alert state as a journal', () => {
  let dir: string;
  let hook: WebhookReceiver;
  let lines: LogLine[];
  let log: Logger;
  const books: AlertBook[] = [];

  async function openBook(options: { resumeIntervalMs?: number; keepResolved?: number } = {}): Promise<AlertBook> {
    const config = buildConfig(dir, hook.url);
    const notifier = new Notifier({ notify: config.settings.notify, log });
    const book = await AlertBook.open({ dir, config, notifier, log, ...options });
    books.push(book);
    return book;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lanewatch-alerts-journal-'));
    hook = await startWebhookReceiver();
    ({ log, lines } = captureLog());
  });

  afterEach(async () => {
    for (const book of books.splice(0)) await book.stop();
    await hook.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a change is one line appended to the journal; the snapshot is not rewritten', async () => {
    const book = await openBook();
    const snapshotBefore = await readFile(join(dir, alertsFileName), 'utf8');
    const snapshotStat = await stat(join(dir, alertsFileName));
    expect(JSON.parse(snapshotBefore)).toEqual({ version: 2, seq: 0, episodes: [] });

    book.onStateChange(stateChange('ok', 'warning', 1_000));
    const id = book.list()[0]!.id;
    await book.flush();
    expect(await readFile(join(dir, alertsFileName), 'utf8')).toBe(snapshotBefore);
    expect((await stat(join(dir, alertsFileName))).ino).toBe(snapshotStat.ino);
    const [first] = await journalLines(dir);
    expect(first).toMatchObject({ seq: 1, op: 'put', episode: { id, state: 'open', notifications: [{ kind: 'raise', attempts: 0 }] } });

    // The raise went out only after that line was on disk, and its outcome is another line.
    await waitFor('raise delivered', () => delivered(book.get(id)));
    await book.flush();
    const all = await journalLines(dir);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.at(-1)).toMatchObject({ op: 'put', episode: { id, notifications: [{ kind: 'raise' }] } });
    expect((all.at(-1) as { episode: AlertEpisode }).episode.notifications[0]?.deliveredAtMs).toBeDefined();

    // A clean stop compacts: one snapshot, an empty journal.
    await book.stop();
    expect(await readFile(join(dir, journalFileName), 'utf8')).toBe('');
    const snapshot = JSON.parse(await readFile(join(dir, alertsFileName), 'utf8')) as { version: number; seq: number; episodes: AlertEpisode[] };
    expect(snapshot.version).toBe(2);
    expect(snapshot.seq).toBe(all.length);
    expect(snapshot.episodes).toEqual([book.get(id)]);

    // Reopened after a clean stop: nothing to compact, the snapshot is left as it is.
    const stopped = await stat(join(dir, alertsFileName));
    const again = await openBook();
    expect(again.list()).toEqual(book.list());
    expect((await stat(join(dir, alertsFileName))).mtimeMs).toBe(stopped.mtimeMs);
    expect((await stat(join(dir, alertsFileName))).ino).toBe(stopped.ino);
  });

  it('ack resolves only once the acknowledgement is on disk', async () => {
    const book = await openBook();
    book.onStateChange(stateChange('ok', 'warning', 1_000));
    const id = book.list()[0]!.id;
    const acked = await book.ack(id, 'le.thi.c');
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'le.thi.c' });
    // Read straight from disk, without flush(): what a crash right now would leave.
    const onDisk = await loadAlertState(dir, Date.now());
    expect(onDisk.episodes.get(id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'le.thi.c' });
    // The first acknowledgement stands; a repeat resolves to it.
    expect(await book.ack(id, 'someone.else')).toMatchObject({ acknowledgedBy: 'le.thi.c' });
    expect(await book.ack('no-such-episode', 'x')).toBe('not-found');
  });

  it('a change that cannot be written sends nothing, is logged with its episode, and goes out once it is written', async () => {
    const book = await openBook({ resumeIntervalMs: 100 });
    const journal = join(dir, journalFileName);
    // The journal on a full disk: every append fails with ENOSPC.
    await rename(journal, `${journal}.saved`);
    await symlink('/dev/full', journal);

    book.onStateChange(stateChange('ok', 'warning', 1_000));
    const id = book.list()[0]!.id;
    await book.flush();
    await expect(book.ack(id, 'le.thi.c')).rejects.toThrow(`acknowledgement of alert ${id} not recorded`);
    await pause(300);
    expect(hook.requests).toHaveLength(0);
    const errors = lines.filter((l) => l.level === 50 && l['episode'] === id);
    expect(errors.map((l) => l.msg)).toContain('alert episode not recorded, its notification is held until it is');
    expect(errors.find((l) => l.msg.startsWith('alert episode not recorded'))?.['kind']).toBe('raise');

    // The disk has room again: the next round writes the episode, then the raise goes out, once.
    await rm(journal);
    await rename(`${journal}.saved`, journal);
    await hook.waitForDelivered(1);
    await waitFor('raise recorded as delivered', () => delivered(book.get(id)));
    await pause(300);
    expect(hook.requests).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'alert episode recorded on a later attempt' && l['episode'] === id)).toBe(true);
    // The acknowledgement that failed was kept and is now on disk too.
    expect(await book.ack(id, 'x')).toMatchObject({ acknowledgedBy: 'le.thi.c' });
    const onDisk = await loadAlertState(dir, Date.now());
    expect(onDisk.episodes.get(id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'le.thi.c' });
  });

  it('a torn last line (a crash mid-append) is skipped; the lines before it stand', async () => {
    const first = await openBook();
    first.onStateChange(stateChange('ok', 'warning', 1_000));
    first.onStateChange(stateChange('ok', 'critical', 2_000, { link: 't2-hue-a' }));
    await waitFor('raises delivered', () => first.list().every(delivered));
    await first.flush();
    const before = first.list();
    // Copy the state as a crash would leave it (no compaction at stop), then cut a last line short.
    const snapshot = await readFile(join(dir, alertsFileName), 'utf8');
    const journal = await readFile(join(dir, journalFileName), 'utf8');
    await first.stop();
    books.splice(0);
    const torn = JSON.stringify({ seq: 999, op: 'put', episode: { ...before[0], state: 'resolved' } });
    await writeFile(join(dir, alertsFileName), snapshot);
    await writeFile(join(dir, journalFileName), journal);
    await appendFile(join(dir, journalFileName), torn.slice(0, torn.length / 2));
    lines.length = 0;

    const second = await openBook();
    expect(second.list()).toEqual(before);
    const warning = lines.find((l) => l.msg === 'alert journal lines unreadable, skipped');
    expect(warning).toMatchObject({ tornTail: true, lines: [journal.split('\n').length] });
    // Compacted at open: the torn fragment is gone and new lines start clean.
    expect(await readFile(join(dir, journalFileName), 'utf8')).toBe('');
    second.onStateChange(stateChange('critical', 'ok', 3_000, { link: 't2-hue-a' }));
    await second.flush();
    const after = await loadAlertState(dir, Date.now());
    expect(after.report).toMatchObject({ skippedLines: [], tornTail: false });
    expect(after.report.replayed).toBeGreaterThanOrEqual(1);
    expect(after.episodes.get(before.find((e) => e.link === 't2-hue-a')!.id)?.state).toBe('resolved');
  });

  it('journal lines already in the snapshot are not replayed (a crash between the two steps of a compaction)', async () => {
    const first = await openBook();
    first.onStateChange(stateChange('ok', 'warning', 1_000));
    first.onStateChange(stateChange('warning', 'ok', 2_000));
    await first.flush();
    const journal = await readFile(join(dir, journalFileName), 'utf8');
    await first.stop();
    books.splice(0);
    // The snapshot was written, the journal not yet emptied.
    await writeFile(join(dir, journalFileName), journal);
    const state = await loadAlertState(dir, Date.now());
    expect(state.report).toMatchObject({ snapshot: 'loaded', replayed: 0, skippedLines: [] });
    expect([...state.episodes.values()]).toEqual(first.list());
  });

  it('the journal is compacted once it outgrows four times the live state', async () => {
    const { journal } = await AlertJournal.open({ dir, log, compactMinBytes: 0 });
    const episode = stepEpisode(undefined, stateChange('ok', 'warning', 1_000), () => 'ep-1')!.episode;
    const lineBytes = Buffer.byteLength(`${JSON.stringify({ seq: 1, op: 'put', episode })}\n`);
    let largest = 0;
    for (let i = 0; i < 40; i += 1) {
      await journal.put({ ...episode, lastVerdict: { ...episode.lastVerdict, atMs: 1_000 + i } });
      largest = Math.max(largest, journal.journalBytes);
    }
    // Never more than 4× the live state (one episode) and the batch that crossed the line.
    expect(largest).toBeLessThanOrEqual(5 * lineBytes + 16);
    expect((await stat(join(dir, journalFileName))).size).toBe(journal.journalBytes);
    const state = await loadAlertState(dir, Date.now());
    expect(state.episodes.get('ep-1')?.lastVerdict.atMs).toBe(1_039);
    expect(state.seq).toBe(40);
    await journal.close();
  });

  it('resolved episodes beyond keepResolved are dropped by a journal line, and stay dropped after a restart', async () => {
    const first = await openBook({ keepResolved: 1 });
    for (let i = 0; i < 3; i += 1) {
      first.onStateChange(stateChange('ok', 'warning', 1_000 + i * 10));
      await waitFor('raise delivered', () => first.list({ state: 'open' }).every(delivered));
      first.onStateChange(stateChange('warning', 'ok', 1_005 + i * 10));
      await waitFor('resolve delivered', () => first.list().every(delivered));
    }
    first.onStateChange(stateChange('ok', 'warning', 2_000)); // a raise prunes
    await first.flush();
    expect((await journalLines(dir)).some((l) => (l as { op: string }).op === 'drop')).toBe(true);
    const kept = first.list().map((e) => e.id);
    expect(kept.length).toBeLessThan(4);
    const state = await loadAlertState(dir, Date.now());
    expect([...state.episodes.keys()].sort()).toEqual([...kept].sort());
  });

  it('a version 1 alerts.json loads, is migrated to a snapshot, and its pending notifications resume', async () => {
    const raised = stepEpisode(undefined, stateChange('ok', 'warning', 1_000), () => 't1-hue.down.1000')!.episode;
    const pending: AlertEpisode = { ...raised, notifications: [{ kind: 'raise', channel: 'webhook', target: hook.url, atMs: 1_000, attempts: 0 }] };
    const resolvedBefore: AlertEpisode = {
      ...stepEpisode(undefined, stateChange('ok', 'critical', 500, { link: 't2-hue-a' }), () => 't2-hue-a.down.500')!.episode,
      state: 'resolved',
      resolvedAtMs: 900,
    };
    await writeFile(join(dir, alertsFileName), JSON.stringify({ version: 1, episodes: [resolvedBefore, pending] }));

    const book = await openBook();
    expect(book.list().map((e) => e.id)).toEqual(['t1-hue.down.1000', 't2-hue-a.down.500']);
    expect(lines.some((l) => l.msg === 'alerts file migrated to snapshot and journal' && l['episodes'] === 2)).toBe(true);
    const migrated = JSON.parse(await readFile(join(dir, alertsFileName), 'utf8')) as { version: number; episodes: AlertEpisode[] };
    expect(migrated.version).toBe(2);
    expect(migrated.episodes).toEqual([resolvedBefore, pending]);
    await hook.waitForDelivered(1);
    await waitFor('resumed raise recorded', () => delivered(book.get('t1-hue.down.1000')));
  });
});
