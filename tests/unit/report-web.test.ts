import { describe, expect, it } from 'vitest';
import type { ReportRow } from '../../api/schemas.ts';
import {
  chartTop,
  defaultView,
  formatHours,
  nextSort,
  parseReportQuery,
  previousMonth,
  reportApiPath,
  reportBars,
  reportQuery,
  sortReportRows,
  vietnamDate,
  vietnamMonth,
} from '../../web/src/lib/report.ts';
import { parseRoute, reportHref } from '../../web/src/lib/route.ts';
import { emptyReportRow } from '../helpers/report-rows.ts';

const nowMs = Date.UTC(2026, 9, 31, 18, 0); // 1 November 01:00 in Vietnam
const collator = new Intl.Collator('vi-VN');

function row(province: string, provinceName: string, utilization: number | null, extra: Partial<ReportRow> = {}): ReportRow {
  return {
    ...emptyReportRow(province, provinceName),
    days: utilization === null ? 0 : 30,
    busyHourUtilization: utilization,
    p95Utilization: utilization,
    utilization,
    band: utilization === null ? 'none' : utilization >= 0.8 ? 'high' : utilization >= 0.6 ? 'mid' : 'low',
    ...extra,
  };
}

describe('Vietnam months and days', () => {
  it.each([
    [nowMs, '2026-11', '2026-11-01'],
    [Date.UTC(2026, 9, 31, 16, 59), '2026-10', '2026-10-31'],
  ])('%d → %s, %s', (atMs, month, date) => {
    expect(vietnamMonth(atMs)).toBe(month);
    expect(vietnamDate(atMs)).toBe(date);
  });

  it.each([
    ['2026-11', '2026-10'],
    ['2026-01', '2025-12'],
  ])('before %s is %s', (month, before) => {
    expect(previousMonth(month)).toBe(before);
  });
});

describe('the view in the URL', () => {
  it.each([
    [undefined, defaultView(nowMs)],
    ['', { period: { kind: 'month', month: '2026-11' }, basis: 'busyhour' }],
    ['month=2026-10&basis=p95', { period: { kind: 'month', month: '2026-10' }, basis: 'p95' }],
    ['from=2026-10-01&to=2026-10-07', { period: { kind: 'range', from: '2026-10-01', to: '2026-10-07' }, basis: 'busyhour' }],
    // Wrong or reversed parts fall back to the default's.
    ['month=2026-13&basis=mean', { period: { kind: 'month', month: '2026-11' }, basis: 'busyhour' }],
    ['from=2026-10-07&to=2026-10-01', { period: { kind: 'month', month: '2026-11' }, basis: 'busyhour' }],
    ['from=2026-10-01', { period: { kind: 'month', month: '2026-11' }, basis: 'busyhour' }],
  ])('%s', (query, view) => {
    expect(parseReportQuery(query, nowMs)).toEqual(view);
  });

  it('round-trips through the hash route', () => {
    const view = { period: { kind: 'range' as const, from: '2026-10-01', to: '2026-10-07' }, basis: 'p95' as const };
    const route = parseRoute(reportHref(reportQuery(view)));
    expect(route).toEqual({ page: 'report', query: 'from=2026-10-01&to=2026-10-07&basis=p95' });
    expect(parseReportQuery(route.page === 'report' ? route.query : undefined, nowMs)).toEqual(view);
    expect(parseRoute('#/report')).toEqual({ page: 'report' });
    expect(reportHref()).toBe('#/report');
  });

  it('the API paths: JSON, and CSV for the export link', () => {
    const view = { period: { kind: 'month' as const, month: '2026-10' }, basis: 'busyhour' as const };
    expect(reportApiPath(view)).toBe('/api/v1/report/utilization?month=2026-10&basis=busyhour');
    expect(reportApiPath(view, 'csv')).toBe('/api/v1/report/utilization?month=2026-10&basis=busyhour&format=csv');
  });
});

describe('sorting the table', () => {
  const rows = [row('hue', 'Huế', 0.45), row('ca-mau', 'Cà Mau', null), row('an-giang', 'An Giang', 0.81), row('da-nang', 'Đà Nẵng', 0.6), row('bac-ninh', 'Bắc Ninh', 0.6)];

  it.each([
    // Ties keep the report's order; no data is last whichever the direction.
    ['utilization', true, ['an-giang', 'da-nang', 'bac-ninh', 'hue', 'ca-mau']],
    ['utilization', false, ['hue', 'da-nang', 'bac-ninh', 'an-giang', 'ca-mau']],
    // Vietnamese collation: Đ after D, after C.
    ['province', false, ['an-giang', 'bac-ninh', 'ca-mau', 'da-nang', 'hue']],
    ['province', true, ['hue', 'da-nang', 'ca-mau', 'bac-ninh', 'an-giang']],
  ] as const)('%s, descending %s', (key, descending, order) => {
    expect(sortReportRows(rows, { key, descending }, collator).map((r) => r.province)).toEqual(order);
  });

  it('sorts on shares, hours, tier-2 links and the suggested capacity', () => {
    const a = row('a', 'A', 0.5, { shares: { internet: 0.7, docex: 0.1, video: 0.1, other: 0.1 }, warningMs: 3_600_000, tier2: { links: 3, withData: 3, over80: [] } });
    const b = row('b', 'B', 0.5, {
      shares: { internet: 0.5, docex: 0.3, video: 0.1, other: 0.1 },
      warningMs: 0,
      tier2: { links: 3, withData: 3, over80: [{ link: 'x', name: 'X', utilization: 0.9 }] },
      capacity: { busyHourP95Bps: 9e8, currentBps: 1e9, currentUtilization: 0.9, suggestedBps: 2e9 },
    });
    const c = row('c', 'C', null);
    const order = (key: Parameters<typeof nextSort>[1]) => sortReportRows([a, b, c], { key, descending: true }, collator).map((r) => r.province);
    expect(order('internet')).toEqual(['a', 'b', 'c']);
    expect(order('docex')).toEqual(['b', 'a', 'c']);
    expect(order('warning')).toEqual(['a', 'b', 'c']);
    expect(order('tier2')).toEqual(['b', 'a', 'c']);
    expect(order('capacity')).toEqual(['b', 'a', 'c']);
  });

  it.each([
    [{ key: 'utilization', descending: true }, 'utilization', { key: 'utilization', descending: false }],
    [{ key: 'utilization', descending: false }, 'province', { key: 'province', descending: false }],
    [{ key: 'province', descending: false }, 'p95', { key: 'p95', descending: true }],
  ] as const)('%j then %s', (current, key, next) => {
    expect(nextSort(current, key)).toEqual(next);
  });
});

describe('the chart', () => {
  it('bars highest first, provinces without data last (never at 0 %)', () => {
    const bars = reportBars([row('hue', 'Huế', 0.45), row('ca-mau', 'Cà Mau', null), row('an-giang', 'An Giang', 0.81)], collator);
    expect(bars.map((b) => [b.province, b.utilization, b.band])).toEqual([
      ['an-giang', 0.81, 'high'],
      ['hue', 0.45, 'low'],
      ['ca-mau', null, 'none'],
    ]);
  });

  it.each([
    [[], 1],
    [[0.5], 1],
    [[1], 1],
    [[1.04], 1.1],
    [[1.1], 1.1],
    [[null], 1],
  ])('top of %j is %d', (values, top) => {
    expect(chartTop(values.map((u, i) => ({ province: String(i), name: String(i), utilization: u, band: 'low' as const })))).toBe(top);
  });
});

describe('formatHours', () => {
  it.each([
    [0, 'vi', '0'],
    [5_400_000, 'vi', '1,5'],
    [5_400_000, 'en', '1.5'],
    [3_600_000 * 1234, 'vi', '1.234'],
  ] as const)('%d ms in %s → %s', (ms, locale, text) => {
    expect(formatHours(ms, locale)).toBe(text);
  });
});
