import { describe, expect, it } from 'vitest';
import { percentileReaches, planReport, over80FromUtilization, rawPlan, reportStatements, type ReportDataQuery } from '../../server/report/source.ts';
import { bandOf } from '../../server/report/bands.ts';
import { percentile } from '../../server/report/stats.ts';

const dayMs = 86_400_000;
const hourMs = 3_600_000;
const retention = { rawDays: 30, fiveMinuteDays: 365, hourDays: 1_825 };
/** 27 Nov 2026 13:20 UTC. */
const nowMs = Date.UTC(2026, 10, 27, 13, 20);
const base = { nowMs, retention, stateIntervalMs: 60_000 };

describe('planReport: which source answers a period', () => {
  it.each([
    [
      'last month (past raw retention): rollups, no raw states',
      { fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 10, 1) },
      { source: 'rollup', hourly: { rollup: 'rollup_1h', bucketMs: hourMs, rawFromMs: Date.UTC(2026, 10, 1) }, fine: { rollup: 'rollup_5m', bucketMs: 300_000, rawFromMs: Date.UTC(2026, 10, 1) }, states: false },
    ],
    [
      'the last 7 days to now: rollups, the not-yet-rolled hour from raw, raw states',
      { fromMs: nowMs - 7 * dayMs, toMs: nowMs },
      { source: 'rollup', hourly: { rollup: 'rollup_1h', bucketMs: hourMs, rawFromMs: Date.UTC(2026, 10, 27, 12) }, fine: { rollup: 'rollup_5m', bucketMs: 300_000, rawFromMs: Date.UTC(2026, 10, 27, 13, 15) }, states: true },
    ],
    [
      'the last 20 minutes: hourly means from raw, the 5-minute means rolled up so far',
      { fromMs: nowMs - 20 * 60_000, toMs: nowMs },
      { source: 'raw', hourly: { rawFromMs: nowMs - 20 * 60_000 }, fine: { rollup: 'rollup_5m', bucketMs: 300_000, rawFromMs: Date.UTC(2026, 10, 27, 13, 15) }, states: true },
    ],
    [
      'two years ago: the 1-hour rollup for the percentiles too',
      { fromMs: Date.UTC(2024, 9, 1), toMs: Date.UTC(2024, 10, 1) },
      { source: 'rollup', hourly: { rollup: 'rollup_1h', bucketMs: hourMs, rawFromMs: Date.UTC(2024, 10, 1) }, fine: { rollup: 'rollup_1h', bucketMs: hourMs, rawFromMs: Date.UTC(2024, 10, 1) }, states: false },
    ],
  ])('%s', (_name, period, plan) => {
    expect(planReport({ ...base, ...period })).toEqual(plan);
  });

  it('rawPlan reads raw samples only', () => {
    const plan = planReport({ ...base, fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 10, 1) });
    expect(rawPlan(plan, Date.UTC(2026, 9, 1))).toEqual({ source: 'raw', hourly: { rawFromMs: Date.UTC(2026, 9, 1) }, fine: { rawFromMs: Date.UTC(2026, 9, 1) }, states: false });
  });
});

describe('reportStatements', () => {
  const q: ReportDataQuery = { ...base, fromMs: nowMs - 7 * dayMs, toMs: nowMs };

  it('rollup part and raw tail for the hourly means; 5-minute rollup means for the p95; raw states', () => {
    const st = reportStatements(q, planReport(q), 'busyhour');
    expect(st.uplinkHourly).toHaveLength(2);
    expect(st.uplinkHourly[0]).toContain('FROM "rollup_1h"."traffic"');
    // The 1-hour rollup's points as stored: no second aggregation.
    expect(st.uplinkHourly[0]).toContain('SELECT "util_total_mean" AS "util_total", "bps_total_mean" AS "bps_total", "capacityBps_total_max" AS "capacityBps_total"');
    // One point per link and direction: no class tag to select on.
    for (const sql of [...st.uplinkHourly, ...st.classHourly, st.uplinkP95, ...st.tier2, ...st.classSums]) expect(sql).not.toContain('"class"');
    expect(st.classHourly[0]).toContain('"bps_docex_mean" AS "bps_docex", "preBps_docex_mean" AS "preBps_docex", "bps_video_mean" AS "bps_video", "preBps_video_mean" AS "preBps_video"');
    expect(st.uplinkHourly[0]).not.toContain('GROUP BY time(');
    expect(st.classSums[0]).toContain('SELECT sum("bps_internet_mean") AS "bps_internet", sum("bps_docex_mean") AS "bps_docex"');
    expect(st.classSums[0]).toContain('GROUP BY "link"');
    expect(st.classSums[1]).toContain('SELECT sum("bps_internet") AS "bps_internet", sum("bps_docex") AS "bps_docex", sum("bps_video") AS "bps_video", sum("bps_other") AS "bps_other" FROM (SELECT mean("bps_internet") AS "bps_internet"');
    expect(st.uplinkHourly[0]).toContain(`time < ${Date.UTC(2026, 10, 27, 12)}ms`);
    expect(st.uplinkHourly[1]).toContain('FROM "traffic"');
    expect(st.uplinkHourly[1]).toContain(`time >= ${Date.UTC(2026, 10, 27, 12)}ms`);
    expect(st.uplinkP95).toContain('percentile("util_total_mean", 95) AS "p95" FROM "rollup_5m"."traffic"');
    expect(st.tier2[0]).toContain(`"tier" = '2'`);
    expect(st.states).toHaveLength(3);
    expect(st.states[1]).toContain('"state" >= 1');
    expect(st.states[1]).toContain('GROUP BY time(60000ms), "province"');
  });

  it('raw only: hourly and 5-minute means computed from raw samples', () => {
    const st = reportStatements(q, rawPlan(planReport(q), q.fromMs), 'p95');
    expect(st.uplinkHourly).toHaveLength(1);
    expect(st.uplinkHourly[0]).toContain('mean("util_total") AS "util_total"');
    expect(st.uplinkP95).toContain('FROM (SELECT mean("util_total") AS "util_total_mean" FROM "traffic"');
    expect(st.uplinkP95).toContain('GROUP BY time(5m), "link", "dir"');
    expect(st.tier2).toHaveLength(2);
    expect(st.tier2[1]).toContain(`"util_total_mean" >= ${over80FromUtilization}`);
  });

  it("a province user's statements name its province", () => {
    const st = reportStatements({ ...q, province: "it's" }, planReport(q), 'busyhour');
    for (const sql of [...st.uplinkHourly, ...st.classHourly, st.uplinkP95, ...st.tier2, ...st.classSums, ...st.states]) {
      expect(sql).toContain(`"province" = 'it\\'s'`);
    }
  });

  it('no raw states: no state statements', () => {
    const old: ReportDataQuery = { ...base, fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 10, 1) };
    expect(reportStatements(old, planReport(old), 'busyhour').states).toEqual([]);
  });
});

describe('over80FromUtilization', () => {
  it('is under every value banded "80 % and over", and close to the edge', () => {
    const near = Array.from({ length: 21 }, (_, i) => (7990 + i) / 10_000);
    const high = near.filter((u) => bandOf(u) === 'high');
    expect(high.length).toBeGreaterThan(10);
    expect(high.filter((u) => u < over80FromUtilization)).toEqual([]);
    expect(bandOf(0.7995)).toBe('high');
    expect(over80FromUtilization).toBeLessThan(0.7995);
    expect(over80FromUtilization).toBeGreaterThan(0.799);
  });
});

describe('percentileReaches: p95 at or above a threshold from two counts', () => {
  // For every n up to 60 and every k, the answer must equal sorting n values with k at the top.
  it('agrees with the percentile of n values of which k are high', () => {
    for (let n = 1; n <= 60; n += 1) {
      for (let k = 0; k <= n; k += 1) {
        const values = [...Array(n - k).fill(0.1), ...Array(k).fill(0.9)];
        expect([n, k, percentileReaches(n, k)]).toEqual([n, k, (percentile(values, 95) ?? 0) >= 0.9]);
      }
    }
  });

  it.each([
    [0, 0, false],
    [100, 5, false],
    [100, 6, true],
    [8928, 446, false],
    [8928, 447, true],
  ])('n=%d, k=%d → %s', (n, k, reaches) => {
    expect(percentileReaches(n, k)).toBe(reaches);
  });
});
