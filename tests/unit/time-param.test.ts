import { describe, expect, it } from 'vitest';
import { maxTimeMs, parseTimeParam, readTimeParam } from '../../server/history/time-param.ts';

const nowMs = Date.UTC(2025, 6, 1, 12, 0, 0); // 2025-07-01T12:00:00Z

describe('parseTimeParam', () => {
  it.each([
    ['now', nowMs],
    [' now ', nowMs],
    ['-30s', nowMs - 30_000],
    ['-15m', nowMs - 15 * 60_000],
    ['-1h', nowMs - 3_600_000],
    ['-7d', nowMs - 7 * 86_400_000],
    ['-2w', nowMs - 14 * 86_400_000],
    ['-500ms', nowMs - 500],
    ['now-1h', nowMs - 3_600_000],
    ['now+5m', nowMs + 5 * 60_000],
    ['+5m', nowMs + 5 * 60_000],
    ['2025-07-01', Date.UTC(2025, 6, 1)],
    ['2025-07-01T08:00Z', Date.UTC(2025, 6, 1, 8, 0)],
    ['2025-07-01T08:00:00Z', Date.UTC(2025, 6, 1, 8, 0, 0)],
    ['2025-07-01T08:00:00', Date.UTC(2025, 6, 1, 8, 0, 0)],
    ['2025-07-01T08:00:00.123Z', Date.UTC(2025, 6, 1, 8, 0, 0, 123)],
    ['2025-07-01T08:00:00.123456789Z', Date.UTC(2025, 6, 1, 8, 0, 0, 123)],
    ['2025-07-01T08:00:00+07:00', Date.UTC(2025, 6, 1, 1, 0, 0)],
    ['2025-07-01T08:00:00+0700', Date.UTC(2025, 6, 1, 1, 0, 0)],
    ['2025-07-01T08:00:00-02:30', Date.UTC(2025, 6, 1, 10, 30, 0)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['1751356800000', 1_751_356_800_000],
  ])('%s', (value, expected) => {
    expect(parseTimeParam(value, nowMs)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    '-1',
    '-1y',
    '1h',
    'now-',
    'now - 1h',
    '-1.5h',
    '2025-02-29',
    '2025-02-30',
    '2025-13-01',
    '2025-07-01T24:00Z',
    '2025-07-01T08:60Z',
    '2025-07-01T08:00:00+15:00',
    'July 1, 2025',
    '2025-07-01T08:00:00Z; DROP DATABASE lanewatch',
    '12345',
  ])('rejects %j', (value) => {
    expect(parseTimeParam(value, nowMs)).toBeUndefined();
  });
});

describe('parseTimeParam outside InfluxDB time', () => {
  it('rejects times before 1970 and beyond safe integers', () => {
    expect(parseTimeParam('-100000w', 1_700_000_000_000)).toBeUndefined();
    expect(parseTimeParam('1969-12-31T23:59:59Z', 1_700_000_000_000)).toBeUndefined();
    expect(parseTimeParam('99999999999999999999', 1_700_000_000_000)).toBeUndefined();
  });
});

describe('readTimeParam: the reason a time is refused', () => {
  const now = 1_700_000_000_000;
  it.each([
    ['2262-04-12', /^must not be after 2261-12-31T23:59:59\.999Z \(the latest time InfluxDB can hold\)$/],
    ['2262-01-01', /^must not be after 2261-12-31T23:59:59\.999Z/],
    ['9999-12-31T23:59:59Z', /^must not be after /],
    ['+999999999w', /^must not be after /],
    ['922337203685477', /^must not be after /],
    ['1969-12-31T23:59:59Z', /^must not be before 1970-01-01T00:00:00\.000Z$/],
    ['-100000w', /^must not be before /],
    ['1677-09-21', /^must not be before /],
    ['yesterday', /^must be ISO 8601, epoch milliseconds or relative like -1h or now$/],
    ['', /^must be ISO 8601/],
  ])('%j is refused', (value, reason) => {
    const read = readTimeParam(value, now);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.reason).toMatch(reason);
    expect(parseTimeParam(value, now)).toBeUndefined();
  });

  it.each([
    ['2261-12-31T23:59:59.999Z', maxTimeMs],
    ['2261-12-31', Date.UTC(2261, 11, 31)],
    ['1970-01-01T00:00:00Z', 0],
    ['now', now],
  ])('%j is accepted up to the edge', (value, atMs) => {
    expect(readTimeParam(value, now)).toEqual({ ok: true, atMs });
  });

  it('keeps a margin before the last time InfluxDB holds (2262-04-11T23:47:16.854Z)', () => {
    const influxLastMs = Date.UTC(2262, 3, 11, 23, 47, 16, 854);
    expect(maxTimeMs).toBeLessThan(influxLastMs - 30 * 86_400_000);
  });
});
