// The on-disk spool against a real temporary directory.
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { segmentFileName, sidecarFileName, Spool, type SpoolOptions } from '../../collector/store/spool.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { tempDirEachTest } from '../helpers/temp-dir.ts';

function point(i: number): StorePoint {
  return {
    measurement: 'traffic',
    tags: { link: 'hn-hcm', province: 'ha-noi', tier: '1', dir: 'down' },
    fields: { bps_total: 1_000_000 + i, util_total: 0.5, capacityBps_total: 1e9 }, // every line the same length
    atMs: 1_750_000_000_000 + i * 1_000,
  };
}

function points(from: number, count: number): StorePoint[] {
  return Array.from({ length: count }, (_, k) => point(from + k));
}

/** The bytes of one point's line in a segment (every point's: see `point`). */
const lineBytes = Buffer.byteLength(JSON.stringify(point(0)) + '\n');

const dir = tempDirEachTest('spool');

/** A Spool over the test's directory: 10 MB and a captured log unless `options` say otherwise. */
function newSpool(options: Partial<SpoolOptions> = {}): Spool {
  return new Spool({ dir: dir(), maxBytes: 10_000_000, log: captureLog().log, ...options });
}

/** `newSpool`, opened. */
async function openSpool(options: Partial<SpoolOptions> = {}): Promise<Spool> {
  const spool = newSpool(options);
  await spool.open();
  return spool;
}

/** Reads and acknowledges everything, oldest first. */
async function drain(spool: Spool, chunk = 1_000): Promise<StorePoint[]> {
  const out: StorePoint[] = [];
  for (let read = await spool.read(chunk); read; read = await spool.read(chunk)) {
    out.push(...read.points);
    await spool.acknowledge(read);
  }
  return out;
}

/** Segment files only (sidecars hold their counts). */
function segmentFiles(): string[] {
  return readdirSync(dir()).filter((n) => n.endsWith('.jsonl')).sort();
}

describe('Spool', () => {
  it('gives points back oldest first, across segments, and deletes only acknowledged segments', async () => {
    const spool = await openSpool({ segmentMaxPoints: 4 });
    expect(await spool.append(points(0, 6))).toEqual({ spooled: 6, lost: 0 });
    expect(await spool.append(points(6, 5))).toEqual({ spooled: 5, lost: 0 });
    expect(spool.stats().points).toBe(11);
    expect(segmentFiles()).toEqual([segmentFileName(1), segmentFileName(2), segmentFileName(3)]);

    const first = await spool.read(4);
    expect(first?.points.map((p) => p.atMs)).toEqual(points(0, 4).map((p) => p.atMs));
    expect(first?.parts.map((p) => p.segmentId)).toEqual([1]);
    // Not acknowledged yet: still there, and read again.
    expect((await spool.read(4))?.parts).toEqual(first?.parts);
    if (first) await spool.acknowledge(first);
    expect(segmentFiles()).not.toContain(segmentFileName(1));
    expect(readdirSync(dir())).not.toContain(sidecarFileName(1));

    const rest = await drain(spool);
    expect(rest).toEqual(points(4, 7));
    expect(spool.isEmpty()).toBe(true);
    expect(spool.stats()).toMatchObject({ points: 0, bytes: 0, segments: 0, droppedPoints: 0, lostPoints: 0, unreadableLines: 0 });
    expect(readdirSync(dir())).toEqual([]);
  });

  it('appends after reading the newest segment go to a new segment, keeping order', async () => {
    const spool = await openSpool({ segmentMaxPoints: 100 });
    await spool.append(points(0, 3));
    const read = await spool.read(100);
    await spool.append(points(3, 2));
    expect(read?.points).toEqual(points(0, 3));
    if (read) await spool.acknowledge(read);
    expect(await drain(spool)).toEqual(points(3, 2));
  });

  it('keeps calls in order without awaiting each: a read sees every append called before it', async () => {
    const spool = await openSpool({ segmentMaxPoints: 3 });
    const appends = [spool.append(points(0, 4)), spool.append(points(4, 4))];
    expect(spool.isEmpty()).toBe(false); // queued points count before they are written
    expect(spool.stats().queuedPoints).toBe(8);
    const read = spool.read(100);
    expect(await Promise.all(appends)).toEqual([{ spooled: 4, lost: 0 }, { spooled: 4, lost: 0 }]);
    expect((await read)?.points).toEqual(points(0, 8));
    expect(spool.stats()).toMatchObject({ queuedPoints: 0, points: 8 });
  });

  it('fills a read across segments: many small segments give one full batch', async () => {
    // Small segments: each restart (and each read that caught up with the appends) closes one.
    const spool = await openSpool();
    for (let i = 0; i < 60; i++) {
      await spool.append(points(i * 100, 100));
      await spool.close();
    }
    expect(segmentFiles()).toHaveLength(60);
    const read = await spool.read(5_000);
    expect(read?.points).toEqual(points(0, 5_000));
    expect(read?.lines).toBe(5_000);
    expect(read?.parts).toHaveLength(50);
    if (read) await spool.acknowledge(read);
    expect(spool.stats().points).toBe(1_000);
    expect(segmentFiles()).toHaveLength(10);
    expect(await drain(spool, 5_000)).toEqual(points(5_000, 1_000));
    expect(readdirSync(dir())).toEqual([]);
  });

  it('a read that ends inside a segment resumes there, after the segments it emptied', async () => {
    const spool = await openSpool({ segmentMaxPoints: 7 });
    await spool.append(points(0, 30));
    const read = await spool.read(10);
    expect(read?.points).toEqual(points(0, 10));
    expect(read?.parts.map((p) => p.lines)).toEqual([7, 3]);
    if (read) await spool.acknowledge(read);
    expect(spool.stats().points).toBe(20);
    expect((await spool.read(10))?.points).toEqual(points(10, 10));
  });

  it('reads a segment in bounded chunks and forgets only what was acknowledged', async () => {
    const spool = await openSpool({ segmentMaxPoints: 1_000, readChunkBytes: 100 });
    await spool.append(points(0, 25));
    const a = await spool.read(10);
    expect(a?.points).toEqual(points(0, 10));
    expect(spool.stats().points).toBe(25);
    // Not acknowledged (InfluxDB failed): the same chunk comes again.
    const again = await spool.read(10);
    expect(again).toEqual(a);
    if (again) await spool.acknowledge(again);
    expect(spool.stats().points).toBe(15);
    if (a) await spool.acknowledge(a); // stale: ignored
    expect(spool.stats().points).toBe(15);
    expect((await spool.read(10))?.points).toEqual(points(10, 10));
    expect(await drain(spool, 10)).toEqual(points(10, 15));
    expect(readdirSync(dir())).toEqual([]);
  });

  it('survives a restart: a new Spool over the same directory replays the points', async () => {
    const before = await openSpool({ segmentMaxPoints: 3 });
    await before.append(points(0, 7));
    await before.close();

    const after = await openSpool({ segmentMaxPoints: 3 });
    expect(after.stats().points).toBe(7);
    await after.append(points(7, 2));
    expect(await drain(after)).toEqual(points(0, 9));
  });

  it('replays a segment written before the upgrade (one traffic point per class) in this shape', async () => {
    const tags = { link: 'hn-hcm', province: 'ha-noi', tier: '1', dir: 'down' };
    const old = [
      { measurement: 'traffic', tags: { ...tags, class: 'total' }, fields: { bps: 9e6, util: 0.009, capacityBps: 1e9 }, atMs: 1_000 },
      { measurement: 'traffic', tags: { ...tags, class: 'video' }, fields: { bps: 2e6, util: 0.002, capacityBps: 1e9, preBps: 3e6 }, atMs: 1_000 },
      { measurement: 'poll', tags: { device: 'r1' }, fields: { ok: true }, atMs: 1_000 },
    ];
    writeFileSync(join(dir(), segmentFileName(1)), old.map((p) => JSON.stringify(p) + '\n').join(''));
    const spool = await openSpool();
    expect(await drain(spool)).toEqual([
      { measurement: 'traffic', tags, fields: { bps_total: 9e6, util_total: 0.009, capacityBps_total: 1e9 }, atMs: 1_000 },
      { measurement: 'traffic', tags, fields: { bps_video: 2e6, util_video: 0.002, capacityBps_total: 1e9, preBps_video: 3e6 }, atMs: 1_000 },
      old[2],
    ]);
    expect(spool.stats().unreadableLines).toBe(0);
  });

  it('bounds the points waiting for the disk: what comes over the bound is dropped at once, counted and logged once', async () => {
    const { log, lines } = captureLog();
    const spool = await openSpool({ maxQueuedPoints: 10, log });
    // Not awaited: all of them wait behind the first write.
    const results = [spool.append(points(0, 6)), spool.append(points(6, 6)), spool.append(points(12, 3))];
    expect(spool.stats().queuedPoints).toBe(10);
    expect(spool.stats().queueDroppedPoints).toBe(5);
    expect(await Promise.all(results)).toEqual([
      { spooled: 6, lost: 0 },
      { spooled: 4, lost: 2 },
      { spooled: 0, lost: 3 },
    ]);
    expect(lines.filter((l) => /queue bound dropped/.test(String(l.msg)))).toHaveLength(1);
    // Room again once the disk has them: nothing more dropped, and the order kept.
    expect(await spool.append(points(20, 8))).toEqual({ spooled: 8, lost: 0 });
    expect(spool.stats()).toMatchObject({ queuedPoints: 0, queueDroppedPoints: 5, points: 18 });
    expect((await drain(spool)).map((p) => p.atMs)).toEqual([...points(0, 10), ...points(20, 8)].map((p) => p.atMs));
  });

  it('counts a closed segment from its sidecar without reading the segment', async () => {
    const { log, lines } = captureLog();
    const before = await openSpool({ segmentMaxPoints: 5, log });
    await before.append(points(0, 8));
    await before.close();
    expect(JSON.parse(readFileSync(join(dir(), sidecarFileName(1)), 'utf8'))).toEqual({
      lines: 5,
      bytes: statSync(join(dir(), segmentFileName(1))).size,
      ackedLines: 0,
      ackedBytes: 0,
    });
    // Same size, no newlines: had it been parsed, it would count 1 line, not 5.
    const seg1 = join(dir(), segmentFileName(1));
    writeFileSync(seg1, 'x'.repeat(statSync(seg1).size));

    const after = await openSpool({ segmentMaxPoints: 5, log });
    expect(after.stats().points).toBe(8);
    expect(lines.find((l) => l.msg === 'spool found points from before')).toMatchObject({ points: 8, scannedSegments: 0 });
  });

  it('a segment without a sidecar (the one being written at a crash) is counted by streaming it, then gets one', async () => {
    const { log, lines } = captureLog();
    const text = points(0, 4).map((p) => JSON.stringify(p) + '\n').join('');
    writeFileSync(join(dir(), segmentFileName(3)), text);
    writeFileSync(join(dir(), sidecarFileName(9)), '{"lines":1,"bytes":1}\n'); // orphan: removed
    const spool = await openSpool({ segmentMaxPoints: 5, readChunkBytes: 64, log });
    expect(spool.stats().points).toBe(4);
    expect(lines.find((l) => l.msg === 'spool found points from before')).toMatchObject({ points: 4, scannedSegments: 1 });
    expect(readdirSync(dir()).sort()).toEqual([sidecarFileName(3), segmentFileName(3)]);
    await spool.append(points(4, 1));
    expect(await drain(spool)).toEqual(points(0, 5));
  });

  it('a restart resumes after the points already acknowledged', async () => {
    const before = await openSpool({ segmentMaxPoints: 100 });
    await before.append(points(0, 10));
    const read = await before.read(4);
    if (read) await before.acknowledge(read);
    expect(before.stats().points).toBe(6);
    await before.close();

    const after = await openSpool({ segmentMaxPoints: 100 });
    expect(after.stats().points).toBe(6);
    expect(await drain(after)).toEqual(points(4, 6));
    expect(readdirSync(dir())).toEqual([]);
  });

  it('does not block the event loop while opening or reading a large spool', async () => {
    // ~16 MB in one segment from an older version (no sidecar).
    const line = JSON.stringify(point(0)) + '\n';
    const block = line.repeat(10_000);
    const path = join(dir(), segmentFileName(1));
    for (let i = 0; i < 8; i++) appendFileSync(path, block);
    const spool = newSpool({ maxBytes: 1_000_000_000, readChunkBytes: 256 * 1024 });
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 0);
    try {
      await spool.open();
      expect(spool.stats().points).toBe(80_000);
      const openTicks = ticks;
      expect(openTicks).toBeGreaterThan(0);
      const read = await spool.read(500);
      expect(read?.points.length).toBe(500);
      expect(read?.parts).toEqual([{ segmentId: 1, lines: 500, skippedLines: 0, fromOffset: 0, toOffset: 500 * Buffer.byteLength(line) }]);
    } finally {
      clearInterval(timer);
    }
  });

  it('fdatasyncs every append before it resolves', async () => {
    const probe = await open(join(dir(), 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const spy = vi.spyOn(proto, 'datasync');
    try {
      const spool = await openSpool({ segmentMaxPoints: 4 });
      await spool.append(points(0, 2));
      expect(spy).toHaveBeenCalledTimes(1);
      await spool.append(points(2, 5)); // two segments touched: synced once each
      expect(spy).toHaveBeenCalledTimes(3);
      expect(spool.stats().fsync).toBe('every-append');
    } finally {
      spy.mockRestore();
    }
  });

  it('appends made while the disk is busy are written together, each resolving once synced', async () => {
    const probe = await open(join(dir(), 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const spool = await openSpool();
    const spy = vi.spyOn(proto, 'datasync');
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, k) => spool.append(points(k * 2, 2))));
      expect(results.every((r) => r.spooled === 2 && r.lost === 0)).toBe(true);
      expect(spy.mock.calls.length).toBeLessThanOrEqual(2); // not 50
      expect(spool.stats()).toMatchObject({ points: 100, queuedPoints: 0 });
      expect(await drain(spool)).toEqual(points(0, 100));
    } finally {
      spy.mockRestore();
    }
  });

  it('skips and counts a torn last line (crash mid-write) and unparsable lines, never fatal', async () => {
    const { log, lines } = captureLog();
    const before = await openSpool({ segmentMaxPoints: 100, log });
    await before.append(points(0, 3));
    await before.close();
    const path = join(dir(), segmentFileName(1));
    appendFileSync(path, JSON.stringify(point(3)).slice(0, 40)); // torn write, no newline
    writeFileSync(join(dir(), segmentFileName(2)), 'not json at all\n{"measurement":"traffic"}\n');

    const after = await openSpool({ segmentMaxPoints: 100, log });
    expect(after.stats().points).toBe(6); // lines: 3 + the torn one, and 2
    await after.append(points(10, 2));
    const first = await after.read(4); // the first segment's lines: its 3 points and the torn one
    expect(first?.points).toEqual(points(0, 3));
    expect(first?.skippedLines).toBe(1);
    if (first) await after.acknowledge(first);
    const second = await after.read(2);
    expect(second?.points).toEqual([]);
    expect(second?.skippedLines).toBe(2);
    if (second) await after.acknowledge(second);
    expect(await drain(after)).toEqual(points(10, 2));
    expect(after.stats()).toMatchObject({ points: 0, unreadableLines: 3 });
    expect(lines.filter((l) => l.level === 40 && l.msg.includes('unreadable')).length).toBe(2);
  });

  it('over its bound drops the OLDEST segments, counts and logs the dropped points', async () => {
    const { log, lines } = captureLog();
    // Room for about 10 points; segments of 2 points.
    const spool = await openSpool({ maxBytes: lineBytes * 10 + 5, segmentMaxPoints: 2, segmentMaxBytes: 1_000_000, log });
    for (let i = 0; i < 30; i += 2) await spool.append(points(i, 2));

    const stats = spool.stats();
    expect(stats.bytes).toBeLessThanOrEqual(lineBytes * 10 + 5);
    expect(stats.points + stats.droppedPoints).toBe(30);
    expect(stats.droppedPoints).toBe(20);
    const kept = await drain(spool);
    expect(kept).toEqual(points(20, 10));
    const warns = lines.filter((l) => l.level === 40 && l.msg === 'spool over its bound, oldest points dropped');
    expect(warns.length).toBeGreaterThan(0);
    expect(warns.reduce((sum, l) => sum + Number(l.droppedPoints), 0)).toBe(20);
  });

  it('never drops the segment being written to InfluxDB', async () => {
    const spool = await openSpool({ maxBytes: lineBytes * 4 + 5, segmentMaxPoints: 2, segmentMaxBytes: 1_000_000 });
    await spool.append(points(0, 2));
    const leased = await spool.read(100);
    await spool.append(points(2, 6));
    // The leased segment (0, 1) stays; the next-oldest went instead.
    expect((await spool.read(100))?.parts[0]?.segmentId).toBe(leased?.parts[0]?.segmentId);
    if (leased) await spool.acknowledge(leased);
    expect(await drain(spool)).toEqual(points(6, 2));
    expect(spool.stats().droppedPoints).toBe(4);
  });

  it('a file already under the next segment name is stepped over, not written into', async () => {
    const spool = await openSpool();
    writeFileSync(join(dir(), segmentFileName(1)), 'someone else\n');
    expect(await spool.append(points(0, 3))).toEqual({ spooled: 3, lost: 0 });
    expect(readFileSync(join(dir(), segmentFileName(1)), 'utf8')).toBe('someone else\n');
    expect((await spool.read(10))?.points).toEqual(points(0, 3));
  });

  it('rolls segments by size as well as by count', async () => {
    const spool = await openSpool({ segmentMaxPoints: 1_000, segmentMaxBytes: lineBytes * 3 });
    await spool.append(points(0, 10));
    expect(spool.stats().segments).toBe(4);
    expect(await drain(spool)).toEqual(points(0, 10));
  });
});
