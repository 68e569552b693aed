import { describe, expect, it } from 'vitest';
import {
  maxPeriodMs,
  monthPeriod,
  resolvePeriod,
  vietnamDayStartMs,
  vietnamHourOfDay,
  vietnamMidnightMs,
  vietnamMonthOf,
} from '../../server/report/period.ts';

const nowMs = Date.UTC(2026, 9, 15, 5, 0); // 15 Oct 2026 12:00 in Vietnam

describe('Vietnam time (UTC+7)', () => {
  it.each([
    // [instant, day start, hour of day]
    [Date.UTC(2026, 9, 1, 0, 0), Date.UTC(2026, 8, 30, 17), 7],
    [Date.UTC(2026, 8, 30, 17, 0), Date.UTC(2026, 8, 30, 17), 0],
    [Date.UTC(2026, 8, 30, 16, 59, 59, 999), Date.UTC(2026, 8, 29, 17), 23],
    [Date.UTC(2026, 9, 1, 3, 30), Date.UTC(2026, 8, 30, 17), 10],
    [0, -7 * 3_600_000, 7],
  ])('%d → day %d, hour %d', (atMs, dayStartMs, hour) => {
    expect(vietnamDayStartMs(atMs)).toBe(dayStartMs);
    expect(vietnamHourOfDay(atMs)).toBe(hour);
  });

  it.each([
    [Date.UTC(2026, 9, 31, 16, 59), '2026-10'],
    [Date.UTC(2026, 9, 31, 17, 0), '2026-11'],
    [Date.UTC(2026, 11, 31, 17, 0), '2027-01'],
  ])('month of %d is %s', (atMs, month) => {
    expect(vietnamMonthOf(atMs)).toBe(month);
  });
});

describe('monthPeriod', () => {
  it.each([
    ['2026-10', vietnamMidnightMs(2026, 10, 1), vietnamMidnightMs(2026, 11, 1)],
    ['2026-12', Date.UTC(2026, 10, 30, 17), Date.UTC(2026, 11, 31, 17)],
    ['2028-02', vietnamMidnightMs(2028, 2, 1), vietnamMidnightMs(2028, 3, 1)],
  ])('%s', (month, fromMs, toMs) => {
    expect(monthPeriod(month)).toEqual({ fromMs, toMs, month });
  });

  it.each(['2026-13', '2026-00', '2026-1', '26-10', '2026-10-01', ''])('%s is not a month', (month) => {
    expect(monthPeriod(month)).toBeUndefined();
  });

  it('a 29-day February has 29 days', () => {
    const p = monthPeriod('2028-02');
    expect(((p?.toMs ?? 0) - (p?.fromMs ?? 0)) / 86_400_000).toBe(29);
  });
});

describe('resolvePeriod', () => {
  it.each([
    ['month', { month: '2026-10' }, { fromMs: vietnamMidnightMs(2026, 10, 1), toMs: vietnamMidnightMs(2026, 11, 1), month: '2026-10' }],
    ['default: the last 30 days', {}, { fromMs: nowMs - 30 * 86_400_000, toMs: nowMs }],
    ['bare dates are Vietnam days, to inclusive', { from: '2026-10-01', to: '2026-10-07' }, { fromMs: vietnamMidnightMs(2026, 10, 1), toMs: vietnamMidnightMs(2026, 10, 8) }],
    ['one day', { from: '2026-10-01', to: '2026-10-01' }, { fromMs: vietnamMidnightMs(2026, 10, 1), toMs: vietnamMidnightMs(2026, 10, 2) }],
    ['ISO instants as given', { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' }, { fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 9, 2) }],
    ['relative', { from: '-7d', to: 'now' }, { fromMs: nowMs - 7 * 86_400_000, toMs: nowMs }],
    ['from only', { from: '-1d' }, { fromMs: nowMs - 86_400_000, toMs: nowMs }],
  ])('%s', (_name, query, period) => {
    expect(resolvePeriod(query, nowMs)).toEqual({ ok: true, period });
  });

  it.each([
    ['month with from', { month: '2026-10', from: '-1d' }, 'month', /cannot be combined/],
    ['a bad month', { month: '2026-13' }, 'month', /YYYY-MM/],
    ['a month InfluxDB cannot hold', { month: '9999-01' }, 'month', /between 1970-02 and 2261-12/],
    ['the first month starts before 1970', { month: '1970-01' }, 'month', /between/],
    ['a bad from', { from: 'yesterday' }, 'from', /ISO 8601/],
    ['a bad to', { to: 'tomorrow' }, 'to', /ISO 8601/],
    ['an impossible date', { from: '2026-02-30' }, 'from', /ISO 8601/],
    ['from after to', { from: '2026-10-08', to: '2026-10-01' }, 'from', /before to/],
    ['from equal to to', { from: 'now', to: 'now' }, 'from', /before to/],
    ['longer than a quarter', { from: '2026-01-01', to: '2026-06-30' }, 'to', /at most 93 days/],
  ])('%s → 400 on %s', (_name, query, field, reason) => {
    const out = resolvePeriod(query, nowMs);
    expect(out.ok).toBe(false);
    expect(out).toMatchObject({ field });
    expect(out.ok ? '' : out.reason).toMatch(reason);
  });

  it('a quarter of 93 days is allowed', () => {
    const out = resolvePeriod({ from: '2026-10-01', to: '2027-01-01' }, nowMs);
    expect(out).toEqual({ ok: true, period: { fromMs: vietnamMidnightMs(2026, 10, 1), toMs: vietnamMidnightMs(2027, 1, 2) } });
    expect(out.ok && out.period.toMs - out.period.fromMs).toBe(maxPeriodMs);
  });
});
