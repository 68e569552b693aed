// Rows of the utilization report (api/schemas.ts `ReportRow`) for tests: a province without
// data, which a test fills in with the figures it is about.
import type { ReportRow } from '../../api/schemas.ts';

/** A province without data in the period: no uplink figures, band `none`, never 0 %. */
export function emptyReportRow(province: string, provinceName: string): ReportRow {
  return {
    province,
    provinceName,
    uplink: null,
    days: 0,
    busyHourUtilization: null,
    busyHourOfDay: null,
    busyDir: null,
    p95Utilization: null,
    utilization: null,
    band: 'none',
    shares: null,
    warningMs: null,
    criticalMs: null,
    tier2: { links: 0, withData: 0, over80: [] },
    capacity: null,
    reservations: { docex: null, video: null },
  };
}
