// The pure parts of the national run's floor and diagnostics (bench/floor.ts, bench/support.ts):
// counting a column's rows in a GETBULK answer, the collector's schedule, a histogram's quantile,
// and finding the CPU profile node wrote for a process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { histogramQuantile, rowsOfColumn, scheduleSteps } from '../../bench/floor.ts';
import { cpuProfileOf } from '../../bench/support.ts';
import { IF_MIB } from '../../collector/snmp/if-mib.ts';
import { POLL_SLOT_MS, jitterOffsetMs } from '../../collector/scheduler.ts';

describe('rowsOfColumn', () => {
  it('counts the varbinds still under the column, not the ones past its end nor a column sharing its prefix', () => {
    const column = IF_MIB.ifName; // …31.1.1.1.1
    const list = [
      { oid: `${column}.1` },
      { oid: `${column}.2` },
      { oid: `${column}.10` },
      { oid: `${column}1.1` }, // …31.1.1.1.11: another column whose text starts the same
      { oid: `${IF_MIB.ifHCInOctets}.1` }, // the next column: the walk's end
    ];
    expect(rowsOfColumn(list, column)).toBe(3);
    expect(rowsOfColumn(undefined, column)).toBe(0);
    expect(rowsOfColumn([], column)).toBe(0);
  });
});

describe('scheduleSteps', () => {
  it("puts each router at the collector's offset for it, every router once", () => {
    const ids = Array.from({ length: 500 }, (_, i) => `router-${i}`);
    const intervalMs = 10_000;
    const steps = scheduleSteps(ids, intervalMs);
    const seen = [...steps.values()].flat().sort((a, b) => a - b);
    expect(seen).toEqual(ids.map((_, i) => i));
    for (const [offsetMs, indices] of steps) for (const i of indices) expect(jitterOffsetMs(ids[i]!, intervalMs)).toBe(offsetMs);
    // Spread over the interval, not bunched: 500 routers over every step of it.
    expect(steps.size).toBe(intervalMs / POLL_SLOT_MS);
  });
});

describe('histogramQuantile', () => {
  const inf = Number.POSITIVE_INFINITY;

  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 10 observations ≤ 0.01, 10 more in (0.01, 0.05], none above.
    const buckets = [
      { le: 0.01, count: 10 },
      { le: 0.05, count: 20 },
      { le: inf, count: 20 },
    ];
    expect(histogramQuantile(buckets, 0.5)).toBeCloseTo(0.01, 9);
    expect(histogramQuantile(buckets, 0.75)).toBeCloseTo(0.03, 9);
    expect(histogramQuantile(buckets, 0.25)).toBeCloseTo(0.005, 9);
  });

  it('answers the highest finite bound when the rank falls in +Inf, and takes buckets in any order', () => {
    const buckets = [
      { le: inf, count: 10 },
      { le: 1, count: 5 },
    ];
    expect(histogramQuantile(buckets, 0.95)).toBe(1);
  });

  it('is undefined without observations', () => {
    expect(histogramQuantile([], 0.5)).toBeUndefined();
    expect(histogramQuantile([{ le: 1, count: 0 }, { le: inf, count: 0 }], 0.5)).toBeUndefined();
  });
});

describe('cpuProfileOf', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("finds the profile of that process only (node's name: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile)", () => {
    dir = mkdtempSync(join(tmpdir(), 'lanewatch-cpuprof-'));
    writeFileSync(join(dir, 'CPU.20261127.221500.4242.0.001.cpuprofile'), '{}');
    writeFileSync(join(dir, 'CPU.20261127.221500.42.0.001.cpuprofile'), '{}');
    writeFileSync(join(dir, 'Heap.20261127.221500.4243.0.002.heapsnapshot'), '{}');
    expect(cpuProfileOf(dir, 42)).toBe(join(dir, 'CPU.20261127.221500.42.0.001.cpuprofile'));
    expect(cpuProfileOf(dir, 4243)).toBeUndefined();
    expect(cpuProfileOf(dir, 7)).toBeUndefined();
  });
});
