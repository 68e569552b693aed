import { describe, expect, it } from 'vitest';
import type { ReportRow, UtilizationReport } from '../../api/schemas.ts';
import { byteOrderMark, csvField, csvHeaders, reportCsv, reportFileName } from '../../server/report/csv.ts';
import { vietnamMidnightMs } from '../../server/report/period.ts';
import { emptyReportRow } from '../helpers/report-rows.ts';

const M = 1_000_000;

const row: ReportRow = {
  province: 'thanh-hoa',
  provinceName: 'Thanh Hóa',
  uplink: { link: 't1-thanh-hoa', name: 'Thanh Hóa — tier 1', capacityBps: 1_000 * M },
  days: 31,
  busyHourUtilization: 0.823,
  busyHourOfDay: 10,
  busyDir: 'down',
  p95Utilization: 0.6,
  utilization: 0.823,
  band: 'high',
  shares: { internet: 0.6, docex: 0.2, video: 0.15, other: 0.05 },
  warningMs: 5_400_000,
  criticalMs: 900_000,
  tier2: { links: 5, withData: 4, over80: [{ link: 't2-a', name: 'A', utilization: 0.9 }, { link: 't2-b', name: 'B', utilization: 0.85 }] },
  capacity: { busyHourP95Bps: 850 * M, currentBps: 1_000 * M, currentUtilization: 0.85, suggestedBps: 2_000 * M },
  reservations: {
    docex: { busyHourP95Bps: 26 * M, busyHourMaxBps: 30 * M, suggestedBps: 26 * M, capacityShare: 0.026, policyBps: 20 * M },
    video: null,
  },
};

const empty: ReportRow = emptyReportRow('ca-mau', 'Cà Mau');

const report: UtilizationReport = {
  fromMs: vietnamMidnightMs(2026, 10, 1),
  toMs: vietnamMidnightMs(2026, 11, 1),
  month: '2026-10',
  basis: 'busyhour',
  timeZone: 'Asia/Ho_Chi_Minh',
  source: 'rollup',
  statesAvailable: true,
  rows: [row, empty],
  national: { provinces: 2, low: 0, mid: 0, high: 1, none: 1 },
};

describe('csvField', () => {
  it.each([
    [null, ''],
    ['', ''],
    ['plain', 'plain'],
    [12.5, '12.5'],
    ['Thanh Hóa', 'Thanh Hóa'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['@cmd', "'@cmd"],
    ['+1', "'+1"],
    ['-12.5', '-12.5'],
  ] as const)('%j → %j', (cell, expected) => {
    expect(csvField(cell)).toBe(expected);
  });
});

describe('reportCsv', () => {
  const text = reportCsv(report);
  const lines = text.slice(1).split('\r\n');

  it('starts with the byte-order mark and ends each line with CRLF', () => {
    expect(text.startsWith(byteOrderMark)).toBe(true);
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(text.endsWith('\r\n')).toBe(true);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
  });

  it('one header, one line per row, cells in header order', () => {
    expect(lines[0]?.split(',')).toEqual([...csvHeaders]);
    const cells = Object.fromEntries(csvHeaders.map((h, i) => [h, lines[1]?.split(',')[i]]));
    expect(cells).toMatchObject({
      province: 'thanh-hoa',
      province_name: 'Thanh Hóa',
      uplink: 't1-thanh-hoa',
      capacity_mbps: '1000',
      days_with_data: '31',
      busy_hour_util_pct: '82.3',
      busy_hour_of_day: '10',
      busy_dir: 'down',
      p95_util_pct: '60.0',
      basis: 'busyhour',
      util_pct: '82.3',
      band: 'high',
      internet_share_pct: '60.0',
      docex_share_pct: '20.0',
      video_share_pct: '15.0',
      other_share_pct: '5.0',
      warning_hours: '1.5',
      critical_hours: '0.25',
      tier2_links: '5',
      tier2_with_data: '4',
      tier2_over80: '2',
      tier2_over80_links: 't2-a t2-b',
      busy_hour_p95_mbps: '850',
      suggested_capacity_mbps: '2000',
      docex_busy_hour_p95_mbps: '26',
      docex_suggested_mbps: '26',
      docex_suggested_pct_of_capacity: '2.6',
      docex_policy_mbps: '20',
      video_busy_hour_p95_mbps: '',
      video_suggested_mbps: '',
    });
  });

  it('a province without data has empty cells and band none, never 0', () => {
    const cells = Object.fromEntries(csvHeaders.map((h, i) => [h, lines[2]?.split(',')[i]]));
    expect(cells).toMatchObject({ province_name: 'Cà Mau', busy_hour_util_pct: '', util_pct: '', band: 'none', internet_share_pct: '', warning_hours: '' });
  });
});

describe('reportFileName', () => {
  it.each([
    [report, 'lanewatch-utilization-2026-10-busyhour.csv'],
    [
      { ...report, month: undefined, basis: 'p95' as const, fromMs: vietnamMidnightMs(2026, 10, 1), toMs: vietnamMidnightMs(2026, 10, 8) },
      'lanewatch-utilization-2026-10-01_2026-10-07-p95.csv',
    ],
  ])('%#', (r, name) => {
    const { month, ...rest } = r;
    expect(reportFileName(month === undefined ? rest : { ...rest, month })).toBe(name);
  });
});
