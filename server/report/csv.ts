// The report as CSV for spreadsheets. Pure.
//
// RFC 4180 (comma, CRLF, fields quoted when they hold a comma, quote or line break), UTF-8 with
// a byte-order mark so spreadsheet programs read the Vietnamese names right. Numbers use a dot
// and no grouping; percentages are 0–100 with one decimal; rates in Mbit/s; times in hours.
// No data is an empty cell (and band `none`), never 0. A cell starting with = + - @ is
// prefixed with ' so a spreadsheet never runs it as a formula.
import type { ReportRow, UtilizationReport } from '../../api/schemas.ts';
import { vietnamOffsetMs } from './period.ts';

export const byteOrderMark = '\uFEFF';

type Cell = string | number | null;

function percent(value: number | null | undefined): Cell {
  return value === null || value === undefined ? null : (Math.round(value * 1000) / 10).toFixed(1);
}

function mbps(bps: number | null | undefined): Cell {
  if (bps === null || bps === undefined) return null;
  return String(Math.round(bps / 1_000) / 1_000);
}

function hours(ms: number | null): Cell {
  return ms === null ? null : String(Math.round(ms / 36_000) / 100);
}

/** One CSV field. */
export function csvField(cell: Cell): string {
  if (cell === null) return '';
  let text = typeof cell === 'number' ? String(cell) : cell;
  if (/^[=+\-@]/.test(text) && typeof cell === 'string' && !/^-?\d/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const columns: readonly { header: string; cell: (row: ReportRow, report: UtilizationReport) => Cell }[] = [
  { header: 'province', cell: (r) => r.province },
  { header: 'province_name', cell: (r) => r.provinceName },
  { header: 'uplink', cell: (r) => r.uplink?.link ?? null },
  { header: 'capacity_mbps', cell: (r) => mbps(r.uplink?.capacityBps) },
  { header: 'days_with_data', cell: (r) => r.days },
  { header: 'busy_hour_util_pct', cell: (r) => percent(r.busyHourUtilization) },
  { header: 'busy_hour_of_day', cell: (r) => r.busyHourOfDay },
  { header: 'busy_dir', cell: (r) => r.busyDir },
  { header: 'p95_util_pct', cell: (r) => percent(r.p95Utilization) },
  { header: 'basis', cell: (_r, report) => report.basis },
  { header: 'util_pct', cell: (r) => percent(r.utilization) },
  { header: 'band', cell: (r) => r.band },
  { header: 'internet_share_pct', cell: (r) => percent(r.shares?.internet) },
  { header: 'docex_share_pct', cell: (r) => percent(r.shares?.docex) },
  { header: 'video_share_pct', cell: (r) => percent(r.shares?.video) },
  { header: 'other_share_pct', cell: (r) => percent(r.shares?.other) },
  { header: 'warning_hours', cell: (r) => hours(r.warningMs) },
  { header: 'critical_hours', cell: (r) => hours(r.criticalMs) },
  { header: 'tier2_links', cell: (r) => r.tier2.links },
  { header: 'tier2_with_data', cell: (r) => r.tier2.withData },
  { header: 'tier2_over80', cell: (r) => r.tier2.over80.length },
  { header: 'tier2_over80_links', cell: (r) => r.tier2.over80.map((l) => l.link).join(' ') },
  { header: 'busy_hour_p95_mbps', cell: (r) => mbps(r.capacity?.busyHourP95Bps) },
  { header: 'suggested_capacity_mbps', cell: (r) => mbps(r.capacity?.suggestedBps) },
  { header: 'docex_busy_hour_p95_mbps', cell: (r) => mbps(r.reservations.docex?.busyHourP95Bps) },
  { header: 'docex_suggested_mbps', cell: (r) => mbps(r.reservations.docex?.suggestedBps) },
  { header: 'docex_suggested_pct_of_capacity', cell: (r) => percent(r.reservations.docex?.capacityShare) },
  { header: 'docex_policy_mbps', cell: (r) => mbps(r.reservations.docex?.policyBps) },
  { header: 'video_busy_hour_p95_mbps', cell: (r) => mbps(r.reservations.video?.busyHourP95Bps) },
  { header: 'video_suggested_mbps', cell: (r) => mbps(r.reservations.video?.suggestedBps) },
  { header: 'video_suggested_pct_of_capacity', cell: (r) => percent(r.reservations.video?.capacityShare) },
  { header: 'video_policy_mbps', cell: (r) => mbps(r.reservations.video?.policyBps) },
];

export const csvHeaders: readonly string[] = columns.map((c) => c.header);

/** The report's rows as CSV text, byte-order mark first. */
export function reportCsv(report: UtilizationReport): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of report.rows) lines.push(columns.map((c) => csvField(c.cell(row, report))).join(','));
  return `${byteOrderMark}${lines.join('\r\n')}\r\n`;
}

/** The download's file name: `lanewatch-utilization-2026-10-busyhour.csv` or the range's dates. */
export function reportFileName(report: UtilizationReport): string {
  const day = (ms: number) => new Date(ms + vietnamOffsetMs).toISOString().slice(0, 10);
  const span = report.month ?? `${day(report.fromMs)}_${day(report.toMs - 1)}`;
  return `lanewatch-utilization-${span}-${report.basis}.csv`;
}
