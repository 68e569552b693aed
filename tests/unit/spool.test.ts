// The on-disk spool against a real temporary directory.
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { segmentFileName, Spool } from '../../collector/store/spool.ts';
import type { StorePoint } from '../../collector/store/points.ts';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text) lines.push(JSON.parse(text) as LogLine);
      }
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

function point(i: number): StorePoint {
  return {
    measurement: 'traffic',
    tags: { link: 'hn-hcm', province: 'ha-noi', tier: '1', dir: 'down', class: 'total' },
    fields: { bps: 1_000_000 + i, util: 0.5, capacityBps: 1e9 }, // every line the same length
    atMs: 1_750_000_000_000 + i * 1_000,
  };
}

function points(from: number, count: number): StorePoint[] {
  return Array.from({ length: count }, (_, k) => point(from + k));
}

/** Reads and removes every segment, oldest first. */
function drain(spool: Spool): StorePoint[] {
  const out: StorePoint[] = [];
  for (let seg = spool.oldest(); seg; seg = spool.oldest()) {
    out.push(...seg.points);
    spool.remove(seg.id);
  }
  return out;
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-spool-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('Spool', () => {
  it('gives points back oldest first, across segments, and deletes only removed segments', () => {
    const { log } = capturingLogger();
    const spool = new Spool({ dir, maxBytes: 10_000_000, segmentMaxPoints: 4, log });
    spool.open();
    spool.append(points(0, 6));
    spool.append(points(6, 5));
    expect(spool.stats().points).toBe(11);
    expect(readdirSync(dir).sort()).toEqual([segmentFileName(1), segmentFileName(2), segmentFileName(3)]);

    const first = spool.oldest();
    expect(first?.points.map((p) => p.atMs)).toEqual(points(0, 4).map((p) => p.atMs));
    // Not removed yet: still there, and read again.
    expect(spool.oldest()?.id).toBe(first?.id);
    spool.remove(first?.id ?? -1);
    expect(readdirSync(dir)).not.toContain(segmentFileName(1));

    const rest = drain(spool);
    expect(rest).toEqual(points(4, 7));
    expect(spool.isEmpty()).toBe(true);
    expect(spool.stats()).toMatchObject({ points: 0, bytes: 0, segments: 0, droppedPoints: 0 });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('appends after reading the newest segment go to a new segment, keeping order', () => {
    const { log } = capturingLogger();
    const spool = new Spool({ dir, maxBytes: 10_000_000, segmentMaxPoints: 100, log });
    spool.open();
    spool.append(points(0, 3));
    const seg = spool.oldest();
    spool.append(points(3, 2));
    expect(seg?.points).toEqual(points(0, 3));
    spool.remove(seg?.id ?? -1);
    expect(drain(spool)).toEqual(points(3, 2));
  });

  it('survives a restart: a new Spool over the same directory replays the points', () => {
    const { log } = capturingLogger();
    const before = new Spool({ dir, maxBytes: 10_000_000, segmentMaxPoints: 3, log });
    before.open();
    before.append(points(0, 7));

    const after = new Spool({ dir, maxBytes: 10_000_000, segmentMaxPoints: 3, log });
    after.open();
    expect(after.stats().points).toBe(7);
    after.append(points(7, 2));
    expect(drain(after)).toEqual(points(0, 9));
  });

  it('skips a partial last line (crash mid-write) with a warning and never appends after it', () => {
    const { log, lines } = capturingLogger();
    const before = new Spool({ dir, maxBytes: 10_000_000, segmentMaxPoints: 100, log });
    before.open();
    before.append(points(0, 3));
    const path = join(dir, segmentFileName(1));
    appendFileSync(path, JSON.stringify(point(3)).slice(0, 40)); // torn write, no newline
    writeFileSync(join(dir, segmentFileName(2)), 'not json at all\n{"measurement":"traffic"}\n');

    const after = new Spool({ dir, maxBytes: 10_000_000, segmentMaxPoints: 100, log });
    after.open();
    after.append(points(10, 2));
    const first = after.oldest();
    expect(first?.points).toEqual(points(0, 3));
    expect(first?.skippedLines).toBe(1);
    after.remove(first?.id ?? -1);
    const second = after.oldest();
    expect(second?.points).toEqual([]);
    expect(second?.skippedLines).toBe(2);
    after.remove(second?.id ?? -1);
    expect(drain(after)).toEqual(points(10, 2));
    expect(lines.filter((l) => l.level === 40 && l.msg.includes('unreadable')).length).toBe(2);
  });

  it('over its bound drops the OLDEST segments, counts and logs the dropped points', () => {
    const { log, lines } = capturingLogger();
    const lineBytes = Buffer.byteLength(JSON.stringify(point(0)) + '\n');
    // Room for about 10 points; segments of 2 points.
    const spool = new Spool({ dir, maxBytes: lineBytes * 10 + 5, segmentMaxPoints: 2, segmentMaxBytes: 1_000_000, log });
    spool.open();
    for (let i = 0; i < 30; i += 2) spool.append(points(i, 2));

    const stats = spool.stats();
    expect(stats.bytes).toBeLessThanOrEqual(lineBytes * 10 + 5);
    expect(stats.points + stats.droppedPoints).toBe(30);
    expect(stats.droppedPoints).toBe(20);
    const kept = drain(spool);
    expect(kept).toEqual(points(20, 10));
    const warns = lines.filter((l) => l.level === 40 && l.msg === 'spool over its bound, oldest points dropped');
    expect(warns.length).toBeGreaterThan(0);
    expect(warns.reduce((sum, l) => sum + Number(l.droppedPoints), 0)).toBe(20);
  });

  it('never drops the segment being written to InfluxDB', () => {
    const { log } = capturingLogger();
    const lineBytes = Buffer.byteLength(JSON.stringify(point(0)) + '\n');
    const spool = new Spool({ dir, maxBytes: lineBytes * 4 + 5, segmentMaxPoints: 2, segmentMaxBytes: 1_000_000, log });
    spool.open();
    spool.append(points(0, 2));
    const leased = spool.oldest();
    spool.append(points(2, 6));
    // The leased segment (0, 1) stays; the next-oldest went instead.
    expect(spool.oldest()?.id).toBe(leased?.id);
    spool.remove(leased?.id ?? -1);
    expect(drain(spool)).toEqual(points(6, 2));
    expect(spool.stats().droppedPoints).toBe(4);
  });

  it('rolls segments by size as well as by count', () => {
    const { log } = capturingLogger();
    const lineBytes = Buffer.byteLength(JSON.stringify(point(0)) + '\n');
    const spool = new Spool({ dir, maxBytes: 10_000_000, segmentMaxPoints: 1_000, segmentMaxBytes: lineBytes * 3, log });
    spool.open();
    spool.append(points(0, 10));
    expect(spool.stats().segments).toBe(4);
    expect(drain(spool)).toEqual(points(0, 10));
  });
});
