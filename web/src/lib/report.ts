// The report page's arithmetic: its period and basis in the URL (`#/report?month=2026-10&basis=p95`
// or `?from=2026-10-01&to=2026-10-07`), the API address of the JSON and the CSV, the table's
// sort, the chart's bars. Pure, except fetchReport.
import { routeUrl } from '../../../api/routes.ts';
import {
  reportBases,
  utilizationReportSchema,
  type ReportBasis,
  type ReportRow,
  type UtilizationBand,
  type UtilizationReport,
} from '../../../api/schemas.ts';
import { fetchJson } from './api.ts';
import { intlLocale, type Locale } from './i18n.ts';

export type { ReportBasis, ReportRow, UtilizationBand, UtilizationReport };

/** A calendar month, or a range of Vietnam days (both ends included), as the API takes them. */
export type ReportPeriod = { kind: 'month'; month: string } | { kind: 'range'; from: string; to: string };

export interface ReportView {
  period: ReportPeriod;
  basis: ReportBasis;
}

const vietnamOffsetMs = 7 * 3_600_000;
const monthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;
const datePattern = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** The month (`YYYY-MM`) of an instant in Vietnam time. */
export function vietnamMonth(atMs: number): string {
  return new Date(atMs + vietnamOffsetMs).toISOString().slice(0, 7);
}

/** The day (`YYYY-MM-DD`) of an instant in Vietnam time. */
export function vietnamDate(atMs: number): string {
  return new Date(atMs + vietnamOffsetMs).toISOString().slice(0, 10);
}

/** The month before `month` (`2026-01` → `2025-12`). */
export function previousMonth(month: string): string {
  const [year = 1970, index = 1] = month.split('-').map(Number);
  return index === 1 ? `${year - 1}-12` : `${year}-${String(index - 1).padStart(2, '0')}`;
}

/** What the page shows by default: the current month in Vietnam, on the busy hour. */
export function defaultView(nowMs: number): ReportView {
  return { period: { kind: 'month', month: vietnamMonth(nowMs) }, basis: 'busyhour' };
}

function isBasis(value: string | null): value is ReportBasis {
  return value !== null && (reportBases as readonly string[]).includes(value);
}

/** The view a route query names; what it leaves out (or gets wrong) is the default's. */
export function parseReportQuery(query: string | undefined, nowMs: number): ReportView {
  const params = new URLSearchParams(query ?? '');
  const fallback = defaultView(nowMs);
  const basis = params.get('basis');
  const month = params.get('month');
  const from = params.get('from');
  const to = params.get('to');
  let period = fallback.period;
  if (month !== null && monthPattern.test(month)) period = { kind: 'month', month };
  else if (from !== null && to !== null && datePattern.test(from) && datePattern.test(to) && from <= to) period = { kind: 'range', from, to };
  return { period, basis: isBasis(basis) ? basis : fallback.basis };
}

function periodParams(period: ReportPeriod): URLSearchParams {
  return period.kind === 'month' ? new URLSearchParams({ month: period.month }) : new URLSearchParams({ from: period.from, to: period.to });
}

/** The route query of a view (`month=2026-10&basis=p95`). */
export function reportQuery(view: ReportView): string {
  const params = periodParams(view.period);
  params.set('basis', view.basis);
  return params.toString();
}

/** The API address of a view's report, as JSON or as CSV (the export link). */
export function reportApiPath(view: ReportView, format: 'json' | 'csv' = 'json'): string {
  const params = periodParams(view.period);
  params.set('basis', view.basis);
  if (format === 'csv') params.set('format', 'csv');
  return `${routeUrl('report')}?${params.toString()}`;
}

export function fetchReport(view: ReportView, signal?: AbortSignal): Promise<UtilizationReport> {
  return fetchJson(reportApiPath(view), utilizationReportSchema, signal);
}

// ---- The table -------------------------------------------------------------------------------

export const reportSortKeys = [
  'province',
  'utilization',
  'busyHour',
  'p95',
  'internet',
  'docex',
  'video',
  'warning',
  'critical',
  'tier2',
  'capacity',
] as const;
export type ReportSortKey = (typeof reportSortKeys)[number];
export interface ReportSort {
  key: ReportSortKey;
  descending: boolean;
}

/** The figure a column sorts on; null sorts last whichever the direction (no data is not 0). */
export function sortValue(row: ReportRow, key: Exclude<ReportSortKey, 'province'>): number | null {
  switch (key) {
    case 'utilization':
      return row.utilization;
    case 'busyHour':
      return row.busyHourUtilization;
    case 'p95':
      return row.p95Utilization;
    case 'internet':
    case 'docex':
    case 'video':
      return row.shares?.[key] ?? null;
    case 'warning':
      return row.warningMs;
    case 'critical':
      return row.criticalMs;
    case 'tier2':
      return row.tier2.withData === 0 ? null : row.tier2.over80.length;
    case 'capacity':
      return row.capacity === null ? null : (row.capacity.suggestedBps ?? 0);
  }
}

/** A sorted copy: by province name (Vietnamese collation) or by a figure; ties keep the report's order. */
export function sortReportRows(rows: readonly ReportRow[], sort: ReportSort, collator: Intl.Collator): ReportRow[] {
  const order = new Map(rows.map((row, index) => [row.province, index]));
  const sign = sort.descending ? -1 : 1;
  const tie = (a: ReportRow, b: ReportRow) => (order.get(a.province) ?? 0) - (order.get(b.province) ?? 0);
  return [...rows].sort((a, b) => {
    if (sort.key === 'province') return sign * collator.compare(a.provinceName, b.provinceName) || tie(a, b);
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null && vb === null) return tie(a, b);
    if (va === null) return 1;
    if (vb === null) return -1;
    return sign * (va - vb) || tie(a, b);
  });
}

/** Clicking a column: the same column flips; another starts descending for figures, ascending for names. */
export function nextSort(current: ReportSort, key: ReportSortKey): ReportSort {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: key !== 'province' };
}

// ---- The chart -------------------------------------------------------------------------------

export interface ReportBar {
  province: string;
  name: string;
  utilization: number | null;
  band: UtilizationBand;
}

/** Provinces by utilization, highest first; those without data last (drawn as such, never as 0 %). */
export function reportBars(rows: readonly ReportRow[], collator: Intl.Collator): ReportBar[] {
  return sortReportRows(rows, { key: 'utilization', descending: true }, collator).map((row) => ({
    province: row.province,
    name: row.provinceName,
    utilization: row.utilization,
    band: row.band,
  }));
}

/** The chart's top (0..1 utilization): 100 %, or the highest bar rounded up to 10 %. */
export function chartTop(bars: readonly ReportBar[]): number {
  const highest = Math.max(0, ...bars.map((bar) => bar.utilization ?? 0));
  return Math.max(1, Math.ceil(highest * 10 - 1e-9) / 10);
}

/** Hours with at most one decimal, in the UI's language ("1,5" in Vietnamese); 0 is "0". */
export function formatHours(ms: number, locale: Locale): string {
  return new Intl.NumberFormat(intlLocale[locale], { maximumFractionDigits: 1 }).format(ms / 3_600_000);
}
