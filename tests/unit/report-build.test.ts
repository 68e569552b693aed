import { describe, expect, it } from 'vitest';
import { buildReport, type BuildReportOptions } from '../../server/report/build.ts';
import { vietnamMidnightMs } from '../../server/report/period.ts';
import type { HourlyClass, HourlyRow, ReportData } from '../../server/report/source.ts';
import type { Direction } from '../../collector/samples.ts';
import type { TopologyView } from '../../server/topology-view.ts';
import { emptyReportRow } from '../helpers/report-rows.ts';
import { serviceClasses, type ProtectedClass, type ServiceClass } from '../../api/schemas.ts';

const M = 1_000_000;
const G = 1_000 * M;
const hourMs = 3_600_000;
const day0 = vietnamMidnightMs(2026, 10, 1);
const at = (day: number, hour: number) => day0 + day * 86_400_000 + hour * hourMs;

const topology: TopologyView = {
  intervalMs: 60_000,
  provinces: [
    { id: 'hue', name: 'Huế', region: 'central' },
    { id: 'lai-chau', name: 'Lai Châu', region: 'north' },
    { id: 'ca-mau', name: 'Cà Mau', region: 'south' },
  ],
  routers: [],
  links: [
    { id: 't1-hue', name: 'Huế — tier 1', tier: 1, province: 'hue', router: 'r', ifName: 'a', capacityBps: 1 * G, downIs: 'out' },
    { id: 't2-hue-a', name: 'Huế A', tier: 2, province: 'hue', router: 'r', ifName: 'b', downIs: 'out' },
    { id: 't2-hue-b', name: 'Huế B', tier: 2, province: 'hue', router: 'r', ifName: 'c', downIs: 'out' },
    { id: 't2-hue-c', name: 'Huế C', tier: 2, province: 'hue', router: 'r', ifName: 'd', downIs: 'out' },
    { id: 't1-lai-chau', name: 'Lai Châu — tier 1', tier: 1, province: 'lai-chau', router: 'r', ifName: 'e', capacityBps: 100 * M, downIs: 'out' },
    { id: 't1b-lai-chau', name: 'Lai Châu — tier 1 backup', tier: 1, province: 'lai-chau', router: 'r', ifName: 'f', capacityBps: 100 * M, downIs: 'out' },
  ],
};

type HourlyFigures = Pick<HourlyRow, 'utilization' | 'bitsPerSecond' | 'offeredBitsPerSecond' | 'capacityBps'>;

/** The row of `link`, `dir` and `cls` for hour `hour` of day `day`. */
function hourRow(link: string, dir: Direction, cls: HourlyClass, day: number, hour: number, figures: HourlyFigures): HourlyRow {
  return { link, dir, class: cls, hourStartMs: at(day, hour), ...figures };
}

/** Hourly totals of a link: `peak` at 10:00, `low` else, up at half of down, over `days` days. */
function hours(link: string, days: number, peak: number, low: number, capacityBps: number): HourlyRow[] {
  const out: HourlyRow[] = [];
  for (let day = 0; day < days; day += 1) {
    for (let hour = 0; hour < 24; hour += 1) {
      const u = hour === 10 ? peak : low;
      for (const [dir, f] of [['down', 1], ['up', 0.5]] as const) {
        out.push(hourRow(link, dir, 'total', day, hour, { utilization: u * f, bitsPerSecond: u * f * capacityBps, offeredBitsPerSecond: null, capacityBps }));
      }
    }
  }
  return out;
}

/** A class's rate on the downlink at `hour` of each of `days` days (its offered rate where given). */
function classHours(link: string, cls: ProtectedClass, days: number, hour: number, bps: (day: number) => number, offered?: number): HourlyRow[] {
  return Array.from({ length: days }, (_, day) =>
    hourRow(link, 'down', cls, day, hour, { utilization: null, bitsPerSecond: bps(day), offeredBitsPerSecond: offered ?? null, capacityBps: null }),
  );
}

/** The uplink's classes: 60, 20, 15 and 5 % of its traffic. */
const t1HueClassSumBps: Record<ServiceClass, number> = { internet: 600, docex: 200, video: 150, other: 50 };

const data: ReportData = {
  source: 'raw',
  hourly: [
    ...hours('t1-hue', 7, 0.6, 0.2, 1 * G),
    ...hours('t2-hue-a', 7, 0.85, 0.1, 50 * M),
    ...hours('t2-hue-b', 7, 0.799, 0.1, 50 * M),
    // t2-hue-c: no data
    ...hours('t1-lai-chau', 7, 0.3, 0.1, 100 * M),
    ...hours('t1b-lai-chau', 7, 0.45, 0.1, 100 * M),
    ...classHours('t1-hue', 'docex', 7, 9, (day) => (20 + day) * M),
    ...classHours('t1-hue', 'video', 7, 14, () => 30 * M, 42.5 * M),
  ],
  p95: [
    { link: 't1-hue', dir: 'down', utilization: 0.42 },
    { link: 't1-hue', dir: 'up', utilization: 0.21 },
    { link: 't1-lai-chau', dir: 'down', utilization: 0.7 },
    { link: 't1b-lai-chau', dir: 'down', utilization: 0.2 },
  ],
  // On the p95 basis: samples of each tier-2 link, its p95 only when at 80 % or over.
  tier2P95: [
    { link: 't2-hue-a', dir: 'down', samples: 1_008 },
    { link: 't2-hue-a', dir: 'up', samples: 1_008 },
    { link: 't2-hue-b', dir: 'down', samples: 1_008, over80: 0.81 },
    { link: 't2-hue-b', dir: 'up', samples: 1_008 },
  ],
  classSums: serviceClasses.map((cls) => ({ link: 't1-hue', class: cls, sumBps: t1HueClassSumBps[cls] })),
  states: [
    { province: 'hue', warning: 90, critical: 15 },
    { province: 'lai-chau', warning: 0, critical: 0 },
  ],
};

const base: BuildReportOptions = {
  topology,
  data,
  period: { fromMs: day0, toMs: at(7, 0) },
  basis: 'busyhour',
  stateIntervalMs: 60_000,
  national: true,
};

describe('buildReport', () => {
  it('one row per province in topology order, and the national counts', () => {
    const report = buildReport(base);
    expect(report.rows.map((r) => r.province)).toEqual(['hue', 'lai-chau', 'ca-mau']);
    expect(report.national).toEqual({ provinces: 3, low: 1, mid: 1, high: 0, none: 1 });
    expect(report).toMatchObject({ fromMs: day0, toMs: at(7, 0), basis: 'busyhour', timeZone: 'Asia/Ho_Chi_Minh', source: 'raw', statesAvailable: true });
    expect(report.month).toBeUndefined();
  });

  it("a province's busy hour, p95, band, shares and time in states", () => {
    const hue = buildReport(base).rows[0];
    expect(hue).toMatchObject({
      province: 'hue',
      provinceName: 'Huế',
      uplink: { link: 't1-hue', name: 'Huế — tier 1', capacityBps: 1 * G },
      days: 7,
      busyHourUtilization: 0.6,
      busyHourOfDay: 10,
      busyDir: 'down',
      p95Utilization: 0.42,
      utilization: 0.6,
      band: 'mid',
      shares: { internet: 0.6, docex: 0.2, video: 0.15, other: 0.05 },
      warningMs: 90 * 60_000,
      criticalMs: 15 * 60_000,
    });
  });

  it('tier-2 links over 80 % by the same basis, busiest first; links without data counted apart', () => {
    const byBusyHour = buildReport(base).rows[0]?.tier2;
    expect(byBusyHour).toEqual({ links: 3, withData: 2, over80: [{ link: 't2-hue-a', name: 'Huế A', utilization: 0.85 }] });
    const byP95 = buildReport({ ...base, basis: 'p95' }).rows[0]?.tier2;
    expect(byP95).toEqual({ links: 3, withData: 2, over80: [{ link: 't2-hue-b', name: 'Huế B', utilization: 0.81 }] });
  });

  it('the p95 basis bands on the 95th percentile', () => {
    const report = buildReport({ ...base, basis: 'p95' });
    expect(report.rows.map((r) => [r.utilization, r.band])).toEqual([
      [0.42, 'low'],
      [0.7, 'mid'],
      [null, 'none'],
    ]);
  });

  it('a province with several tier-1 links is reported on its busiest one by the basis', () => {
    expect(buildReport(base).rows[1]?.uplink?.link).toBe('t1b-lai-chau');
    expect(buildReport({ ...base, basis: 'p95' }).rows[1]?.uplink?.link).toBe('t1-lai-chau');
  });

  it('a province without data is shown as such, never as 0 %', () => {
    const caMau = buildReport(base).rows[2];
    expect(caMau).toEqual(emptyReportRow('ca-mau', 'Cà Mau'));
  });

  it('an uplink configured but silent: band none, no figures', () => {
    const empty: ReportData = { source: 'raw', hourly: [], p95: [], tier2P95: [], classSums: [], states: [] };
    const report = buildReport({ ...base, data: empty });
    expect(report.rows[0]).toMatchObject({
      uplink: { link: 't1-hue', capacityBps: 1 * G },
      days: 0,
      utilization: null,
      band: 'none',
      shares: null,
      warningMs: null,
      capacity: null,
      reservations: { docex: null, video: null },
    });
    expect(report.national).toEqual({ provinces: 3, low: 0, mid: 0, high: 0, none: 3 });
  });

  it('suggestions: the capacity for the busy-hour p95 and the reservations per protected class', () => {
    const policyBps = (linkId: string, cls: ProtectedClass) => (linkId === 't1-hue' ? (cls === 'docex' ? 20 * M : 50 * M) : null);
    const hue = buildReport({ ...base, policyBps }).rows[0];
    // Busy hour 0.6 of 1 Gbit/s every day: 600 Mbit/s is 60 %, 2 Gbit/s brings it under.
    expect(hue?.capacity).toEqual({ busyHourP95Bps: 600 * M, currentBps: 1 * G, currentUtilization: 0.6, suggestedBps: 2 * G });
    // docex: 20..26 Mbit/s over 7 days, p95 (rank 7) 26; video: offered 42.5 Mbit/s beats the 30 sent.
    expect(hue?.reservations).toEqual({
      docex: { busyHourP95Bps: 26 * M, busyHourMaxBps: 26 * M, suggestedBps: 26 * M, capacityShare: 0.026, policyBps: 20 * M },
      video: { busyHourP95Bps: 42.5 * M, busyHourMaxBps: 42.5 * M, suggestedBps: 43 * M, capacityShare: 0.043, policyBps: 50 * M },
    });
    const laiChau = buildReport(base).rows[1];
    expect(laiChau?.capacity).toEqual({ busyHourP95Bps: 45 * M, currentBps: 100 * M, currentUtilization: 0.45, suggestedBps: null });
  });

  it('a province user: its row only and no national counts', () => {
    const own: TopologyView = { ...topology, provinces: topology.provinces.slice(0, 1), links: topology.links.filter((l) => l.province === 'hue') };
    const report = buildReport({ ...base, topology: own, national: false });
    expect(report.rows.map((r) => r.province)).toEqual(['hue']);
    expect(report.national).toBeNull();
  });

  it('raw states no longer held: time warning and critical unknown (null), not zero', () => {
    const report = buildReport({ ...base, data: { ...data, states: null } });
    expect(report.statesAvailable).toBe(false);
    expect(report.rows.map((r) => [r.warningMs, r.criticalMs])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);
  });

  it('keeps the month of a month period', () => {
    expect(buildReport({ ...base, period: { fromMs: day0, toMs: at(31, 0), month: '2026-10' } }).month).toBe('2026-10');
  });
});
