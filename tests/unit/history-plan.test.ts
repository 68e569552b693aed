// Which source and step answer a history range: tables over the pure planner.
import { describe, expect, it } from 'vitest';
import {
  ceilToMultiple,
  ladderStepAtLeast,
  planHistory,
  readStepParam,
  type HistoryPlanInput,
} from '../../server/history/history-plan.ts';
import { pointsPerSeries } from '../../server/history/query-history.ts';
import { itReturns } from '../helpers/table.ts';

const s = 1_000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
/** A fixed "now", on no particular boundary. */
const nowMs = Date.UTC(2026, 5, 15, 10, 42, 17, 123);
const retention = { rawDays: 30, fiveMinuteDays: 365, hourDays: 1_825 };

function plan(overrides: Partial<HistoryPlanInput> & { fromMs: number }) {
  return planHistory({ toMs: nowMs, nowMs, maxPoints: 1_500, retention, rawIntervalMs: 60 * s, ...overrides });
}

describe('readStepParam', () => {
  it.each([
    ['30s', 30 * s],
    ['5m', 5 * m],
    ['1h', h],
    ['1d', d],
    ['2w', 14 * d],
    ['1500ms', 1_500],
    ['300000', 5 * m],
    [' 10m ', 10 * m],
  ])('%j → %d ms', (text, stepMs) => {
    expect(readStepParam(text)).toEqual({ ok: true, stepMs });
  });

  it.each([
    ['', /duration/],
    ['5 m', /duration/],
    ['-5m', /duration/],
    ['1.5h', /duration/],
    ['5y', /duration/],
    ['500ms', /from 1s to 366d/],
    ['0s', /from 1s to 366d/],
    ['367d', /from 1s to 366d/],
  ])('refuses %j', (text, reason) => {
    expect(readStepParam(text)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });
});

describe('ladderStepAtLeast and ceilToMultiple', () => {
  itReturns('%d ms → %d ms', ladderStepAtLeast, [
    [1, s],
    [s, s],
    [2.4 * s, 5 * s],
    [57.6 * s, m],
    [6.73 * m, 10 * m],
    [28.8 * m, 30 * m],
    [5.84 * h, 6 * h],
    [1.2 * d, 2 * d],
    [3 * d, 7 * d],
    [8 * d, 14 * d],
  ]);

  itReturns('ceilToMultiple(%d, %d) = %d', ceilToMultiple, [
    [7 * m, 5 * m, 10 * m],
    [10 * m, 5 * m, 10 * m],
    [s, 5 * m, 5 * m],
    [90 * m, h, 2 * h],
    [1_234, 0, 1_234],
  ]);
});

describe('planHistory', () => {
  it.each([
    // name, input, expected plan fields
    ['an hour: raw samples as stored', { fromMs: nowMs - h }, { source: 'raw', stepMs: 0 }],
    ['a day at a 1 min poll: as stored', { fromMs: nowMs - d }, { source: 'raw', stepMs: 0 }],
    ['a day at a 10 s poll: raw per minute', { fromMs: nowMs - d, rawIntervalMs: 10 * s }, { source: 'raw', stepMs: m }],
    ['two days at a 10 s poll: raw per 2 min', { fromMs: nowMs - 2 * d, rawIntervalMs: 10 * s }, { source: 'raw', stepMs: 2 * m }],
    ['three days: the 5-minute rollup per 5 min', { fromMs: nowMs - 3 * d }, { source: '5m', stepMs: 5 * m, rollup: { retentionPolicy: 'rollup_5m', bucketMs: 5 * m } }],
    ['a week: the 5-minute rollup per 10 min', { fromMs: nowMs - 7 * d }, { source: '5m', stepMs: 10 * m, rollup: { retentionPolicy: 'rollup_5m', bucketMs: 5 * m } }],
    ['a month: the 5-minute rollup per 30 min', { fromMs: nowMs - 30 * d }, { source: '5m', stepMs: 30 * m }],
    ['a quarter: the 1-hour rollup per 2 h', { fromMs: nowMs - 90 * d }, { source: '1h', stepMs: 2 * h, rollup: { retentionPolicy: 'rollup_1h', bucketMs: h } }],
    ['a year: the 1-hour rollup per 6 h', { fromMs: nowMs - 365 * d }, { source: '1h', stepMs: 6 * h }],
    ['five years: 1 h rollup per 2 d', { fromMs: nowMs - 1_825 * d }, { source: '1h', stepMs: 2 * d }],
    [
      'an hour older than raw retention: the 5-minute rollup',
      { fromMs: nowMs - 40 * d, toMs: nowMs - 40 * d + h },
      { source: '5m', stepMs: 5 * m },
    ],
    [
      'an hour older than the 5-minute retention: the 1-hour rollup',
      { fromMs: nowMs - 400 * d, toMs: nowMs - 400 * d + h },
      { source: '1h', stepMs: h },
    ],
    [
      'older than every retention: the longest kept',
      { fromMs: nowMs - 2_000 * d, toMs: nowMs - 2_000 * d + h },
      { source: '1h', stepMs: h },
    ],
    ['step=1m over a day: raw as stored (the poll interval)', { fromMs: nowMs - d, stepMs: m }, { source: 'raw', stepMs: 0 }],
    ['step=5m over a day: the 5-minute rollup', { fromMs: nowMs - d, stepMs: 5 * m }, { source: '5m', stepMs: 5 * m }],
    ['step=1h over a day: the 1-hour rollup', { fromMs: nowMs - d, stepMs: h }, { source: '1h', stepMs: h }],
    ['step=7m over a day: 5-minute rollup, rounded to 10 min', { fromMs: nowMs - d, stepMs: 7 * m }, { source: '5m', stepMs: 10 * m }],
    ['step=2m over a day with a 10 s poll: raw per 2 min', { fromMs: nowMs - d, stepMs: 2 * m, rawIntervalMs: 10 * s }, { source: 'raw', stepMs: 2 * m }],
    ['step=1m over a week: too many points, coarsened', { fromMs: nowMs - 7 * d, stepMs: m }, { source: '5m', stepMs: 10 * m }],
    ['maxPoints=100 over a day: 15 min from the 5-minute rollup', { fromMs: nowMs - d, maxPoints: 100 }, { source: '5m', stepMs: 15 * m }],
  ] as const)('%s', (_name, input, expected) => {
    expect(plan(input)).toMatchObject(expected);
  });

  it('a rollup range ending now takes its newest buckets from raw samples, from a whole step', () => {
    const week = plan({ fromMs: nowMs - 7 * d });
    expect(week.rawTailFromMs).toBe(Math.floor((nowMs - 5 * m) / (10 * m)) * (10 * m));
    expect(week.rawTailFromMs! % week.stepMs).toBe(0);
    expect(nowMs - week.rawTailFromMs!).toBeGreaterThanOrEqual(5 * m);
    expect(nowMs - week.rawTailFromMs!).toBeLessThan(15 * m);
    const year = plan({ fromMs: nowMs - 365 * d });
    expect(year.rawTailFromMs).toBe(Math.floor((nowMs - h) / (6 * h)) * (6 * h));
  });

  it('a range that ended long ago has no raw tail', () => {
    expect(plan({ fromMs: nowMs - 8 * d, toMs: nowMs - d }).rawTailFromMs).toBeUndefined();
  });

  it('a short range with a rollup step, all in the not-yet-rolled tail, is raw per step', () => {
    expect(plan({ fromMs: nowMs - 4 * m, stepMs: 5 * m })).toEqual({ source: 'raw', stepMs: 5 * m, minStepMs: s });
  });

  it('the number of epoch-aligned steps never exceeds maxPoints', () => {
    for (const spanMs of [h, 7 * h + 13, d, 3 * d + 1, 7 * d, 33 * d, 365 * d]) {
      for (const maxPoints of [2, 10, 100, 1_500, 10_000]) {
        const fromMs = nowMs - spanMs;
        const p = plan({ fromMs, maxPoints });
        const stepMs = p.stepMs === 0 ? 60 * s : p.stepMs;
        const buckets = Math.floor(nowMs / stepMs) - Math.floor(fromMs / stepMs) + 1;
        expect(buckets, `${spanMs} ms at ${maxPoints}`).toBeLessThanOrEqual(maxPoints);
      }
    }
  });
});

describe('pointsPerSeries', () => {
  itReturns('maxPoints %d over %d series → %d', pointsPerSeries, [
    [1_500, 1, 1_500],
    [1_500, 100, 1_500],
    [10_000, 100, 2_000],
    [10_000, 1, 10_000],
    [2, 100, 2],
  ]);
});
