// The spool on a really full disk: a 1 MiB tmpfs mounted as the spool directory (needs root).
// Checks exact accounting (points written + points lost = points given), that no segment is
// left holding a partial line, and that spooling resumes by itself once space returns: by
// deleting a filler file, and by remounting the tmpfs bigger. Where mounting is refused the
// tests fail with the reason, unless CI_NO_TMPFS is set: then they are skipped, saying why.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStorePoint, type StorePoint } from '../../collector/store/points.ts';
import { Spool, type AppendResult } from '../../collector/store/spool.ts';
import { waitFor } from '../helpers/wait.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { freeTcpPort } from '../helpers/ports.ts';
import { createTestStore } from '../helpers/store.ts';
import { sharedTmpfs } from '../helpers/tmpfs.ts';

const tmpfs = sharedTmpfs('spool', '1m');
const mnt = tmpfs.dir;

function emptyMount(): void {
  for (const name of readdirSync(mnt)) rmSync(join(mnt, name), { recursive: true, force: true });
}

/** Points of equal line length. */
function point(i: number): StorePoint {
  return {
    measurement: 'traffic',
    tags: { link: 'hn-hcm', province: 'ha-noi', tier: '1', dir: 'down' },
    fields: { bps_total: 1_000_000 + i, util_total: 0.5, capacityBps_total: 1e9 },
    atMs: 1_750_000_000_000 + i * 1_000,
  };
}

function points(from: number, count: number): StorePoint[] {
  return Array.from({ length: count }, (_, k) => point(from + k));
}

/** Every segment on disk: whole lines only, each one a point. Returns the points in order. */
function segmentsOnDisk(): StorePoint[] {
  const out: StorePoint[] = [];
  const segments = readdirSync(mnt)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(mnt, name), 'utf8') }))
    // An empty segment (opened, nothing written to it yet) has no line to check.
    .filter(({ text }) => text.length > 0);
  for (const { name, text } of segments) {
    expect(text.endsWith('\n'), `${name} ends with a whole line`).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) {
      const p = parseStorePoint(JSON.parse(line) as unknown);
      expect(p, `${name}: a readable point`).toBeDefined();
      assert(p !== undefined);
      out.push(p);
    }
  }
  return out;
}

describe('spool on a full disk (tmpfs)', () => {
  it('counts exactly the points not written, leaves no partial line, and spools again once a filler is deleted', async (ctx) => {
    tmpfs.require(ctx);
    emptyMount();
    const filler = join(mnt, 'filler');
    writeFileSync(filler, Buffer.alloc(700 * 1024, 1));
    const { log, lines } = captureLog();
    const spool = new Spool({ dir: mnt, maxBytes: 64 * 1024 * 1024, log });
    await spool.open();

    const batch = 100;
    const results: AppendResult[] = [];
    const expected: StorePoint[] = [];
    let next = 0;
    // Fill the disk, then two more batches that find it full.
    let fullSince: number | undefined;
    while (fullSince === undefined || results.length < fullSince + 3) {
      const given = points(next, batch);
      const r = await spool.append(given);
      results.push(r);
      expected.push(...given.slice(0, r.spooled));
      next += batch;
      if (r.lost > 0 && fullSince === undefined) fullSince = results.length - 1;
      if (results.length > 1_000) throw new Error('the tmpfs never filled');
    }
    const firstFailing = results[fullSince ?? 0];
    // The batch that met the full disk kept the lines that fit, and only those.
    expect(firstFailing?.spooled).toBeGreaterThan(0);
    expect(firstFailing?.spooled).toBeLessThan(batch);
    for (const r of results.slice((fullSince ?? 0) + 1)) expect(r).toEqual({ spooled: 0, lost: batch });
    for (const r of results) expect(r.spooled + r.lost).toBe(batch);

    const lost = results.reduce((sum, r) => sum + r.lost, 0);
    const stats = spool.stats();
    expect(stats).toMatchObject({ points: expected.length, lostPoints: lost, writable: false, queuedPoints: 0 });
    expect(stats.lastError).toMatch(/ENOSPC/);
    expect(lines.filter((l) => l.msg === 'spool write failed: points lost until it can write again').length).toBe(1);
    // No segment holds a partial line: exactly the points counted as spooled are on disk.
    expect(segmentsOnDisk()).toEqual(expected);

    // Space returns: the next append is spooled whole, after the others.
    unlinkSync(filler);
    const again = await spool.append(points(next, batch));
    expect(again).toEqual({ spooled: batch, lost: 0 });
    expected.push(...points(next, batch));
    expect(spool.stats()).toMatchObject({ writable: true, lostPoints: lost, points: expected.length });
    expect(lines.some((l) => l.msg === 'spool writes again')).toBe(true);
    await spool.close();

    // A new process finds them all, in order, none unreadable.
    const reopened = new Spool({ dir: mnt, maxBytes: 64 * 1024 * 1024, log });
    await reopened.open();
    expect(reopened.stats().points).toBe(expected.length);
    const drained: StorePoint[] = [];
    for (let read = await reopened.read(250); read; read = await reopened.read(250)) {
      expect(read.skippedLines).toBe(0);
      drained.push(...read.points);
      await reopened.acknowledge(read);
    }
    expect(drained).toEqual(expected);
    expect(reopened.stats()).toMatchObject({ points: 0, unreadableLines: 0 });
    expect(readdirSync(mnt)).toEqual([]);
  });

  it('the InfluxStore (InfluxDB down) reports the exact loss in health and spools again after the tmpfs is remounted bigger', async (ctx) => {
    tmpfs.require(ctx);
    emptyMount();
    tmpfs.resize('1m');
    const { store, close } = createTestStore({
      // Nobody listens there: InfluxDB stays down for the whole test.
      influx: { url: `http://127.0.0.1:${await freeTcpPort()}`, database: 'lanewatch', retentionDays: 30, batchSize: 500, flushIntervalMs: 20 },
      spool: { dir: mnt },
      retry: { initialMs: 60_000, maxMs: 60_000 },
      requestTimeoutMs: 1_000,
    });
    try {
      await store.start();
      expect(store.health().influxReachable).toBe(false);
      let given = 0;
      const give = async (count: number): Promise<void> => {
        store.writePoints(points(given, count));
        given += count;
        await waitFor('points handed to the spool', () => store.health().pendingPoints === 0);
      };
      while ((store.health().spool?.lostPoints ?? 0) === 0) {
        await give(1_000);
        if (given > 100_000) throw new Error('the tmpfs never filled');
      }
      await give(1_000); // one more batch on the full disk
      const full = store.health();
      expect(full.spool).toMatchObject({ writable: false, fsync: 'every-append', droppedPoints: 0, unreadableLines: 0 });
      expect(full.spooledPoints + full.droppedPoints).toBe(given);
      expect(full.droppedPoints).toBe(full.spool?.lostPoints);
      expect(segmentsOnDisk().length).toBe(full.spooledPoints);

      tmpfs.resize('4m');
      await give(1_000);
      const after = store.health();
      expect(after.spool?.writable).toBe(true);
      expect(after.droppedPoints).toBe(full.droppedPoints);
      expect(after.spooledPoints).toBe(full.spooledPoints + 1_000);
      expect(segmentsOnDisk().length).toBe(after.spooledPoints);
    } finally {
      await close();
    }
    emptyMount();
  });
});
