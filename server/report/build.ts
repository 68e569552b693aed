// The utilization report from what InfluxDB returned: one row per province of the (scoped)
// topology, in topology order, and the national counts. Pure.
import type { Direction, ProtectedClass, ReportBasis, ReportRow, ServiceClass, UtilizationReport } from '../../api/schemas.ts';
import type { LinkView, TopologyView } from '../topology-view.ts';
import { bandOf, nationalCounts, roundUtilization } from './bands.ts';
import { vietnamTimeZone, type Period } from './period.ts';
import { classShares } from './shares.ts';
import type { HourlyClass, HourlyRow, ReportData, Tier2PercentileRow } from './source.ts';
import { busyHour, dailyPeaks, percentile, type HourlyValue } from './stats.ts';
import { suggestCapacity, suggestReservation } from './suggestions.ts';

export interface BuildReportOptions {
  topology: TopologyView;
  data: ReportData;
  period: Period;
  basis: ReportBasis;
  /** The poll interval: each interval with a recorded state counts this long. */
  stateIntervalMs: number;
  /** False for a province user: no national counts (they would reveal the other provinces). */
  national: boolean;
  /** What the reservation policy reserves for a class on a link now; absent without policies. */
  policyBps?: (linkId: string, cls: ProtectedClass, capacityBps: number | null) => number | null;
}

/** One link's figures on both bases. */
export interface LinkFigures {
  link: LinkView;
  days: number;
  busyHourUtilization: number | null;
  busyHourOfDay: number | null;
  busyDir: Direction | null;
  p95Utilization: number | null;
  /** p95 over the days of the daily busy-hour total rate (the capacity suggestion's load). */
  busyHourP95Bps: number | null;
  /** The capacity of the latest sample, else the configured one. */
  capacityBps: number | null;
}

type HoursByClass = Map<HourlyClass, HourlyRow[]>;

function indexHourly(rows: readonly HourlyRow[]): Map<string, HoursByClass> {
  const out = new Map<string, HoursByClass>();
  for (const row of rows) {
    let byClass = out.get(row.link);
    if (!byClass) {
      byClass = new Map();
      out.set(row.link, byClass);
    }
    const list = byClass.get(row.class);
    if (list) list.push(row);
    else byClass.set(row.class, [row]);
  }
  return out;
}

function hourlyValues(rows: readonly HourlyRow[], pick: (row: HourlyRow) => number | null): HourlyValue[] {
  const out: HourlyValue[] = [];
  for (const row of rows) {
    const value = pick(row);
    if (value !== null) out.push({ hourStartMs: row.hourStartMs, dir: row.dir, value });
  }
  return out;
}

function latestCapacityBps(rows: readonly HourlyRow[]): number | null {
  let latest: HourlyRow | undefined;
  for (const row of rows) {
    if (row.capacityBps !== null && row.capacityBps > 0 && (latest === undefined || row.hourStartMs > latest.hourStartMs)) latest = row;
  }
  return latest?.capacityBps ?? null;
}

/** A link's figures from its hourly totals and its per-direction 95th percentiles. */
export function linkFigures(link: LinkView, totals: readonly HourlyRow[], p95ByDir: ReadonlyMap<Direction, number>): LinkFigures {
  const utilization = busyHour(hourlyValues(totals, (row) => row.utilization));
  const dailyBps = dailyPeaks(hourlyValues(totals, (row) => row.bitsPerSecond)).map((peak) => peak.value);
  const p95Values = [...p95ByDir.values()];
  const busyHourP95Bps = percentile(dailyBps, 95);
  return {
    link,
    days: utilization.days,
    busyHourUtilization: roundUtilization(utilization.mean),
    busyHourOfDay: utilization.typicalHour,
    busyDir: utilization.typicalDir,
    p95Utilization: p95Values.length === 0 ? null : roundUtilization(Math.max(...p95Values)),
    busyHourP95Bps: busyHourP95Bps === null ? null : Math.round(busyHourP95Bps),
    capacityBps: latestCapacityBps(totals) ?? link.capacityBps ?? null,
  };
}

export function basisValue(figures: Pick<LinkFigures, 'busyHourUtilization' | 'p95Utilization'>, basis: ReportBasis): number | null {
  return basis === 'busyhour' ? figures.busyHourUtilization : figures.p95Utilization;
}

/** The busiest by the basis (no data counts lowest); the first on a tie. */
function busiest(figures: readonly LinkFigures[], basis: ReportBasis): LinkFigures | undefined {
  let best: LinkFigures | undefined;
  for (const f of figures) {
    if (best === undefined) {
      best = f;
      continue;
    }
    const value = basisValue(f, basis);
    const bestValue = basisValue(best, basis);
    if (value !== null && (bestValue === null || value > bestValue)) best = f;
  }
  return best;
}

/** A tier-2 link on the report's basis: whether it has data, and its figure (on p95: only at 80 % or over). */
export interface Tier2Value {
  link: LinkView;
  hasData: boolean;
  value: number | null;
}

function tier2Values(
  links: readonly LinkView[],
  basis: ReportBasis,
  figuresOf: (link: LinkView) => LinkFigures,
  p95: ReadonlyMap<string, readonly Tier2PercentileRow[]>,
): Tier2Value[] {
  return links.map((link) => {
    if (basis === 'busyhour') {
      const value = figuresOf(link).busyHourUtilization;
      return { link, hasData: value !== null, value };
    }
    const rows = p95.get(link.id) ?? [];
    const highs = rows.map((r) => r.over80).filter((v): v is number => v !== undefined);
    return { link, hasData: rows.some((r) => r.samples > 0), value: highs.length === 0 ? null : roundUtilization(Math.max(...highs)) };
  });
}

export function buildReport(options: BuildReportOptions): UtilizationReport {
  const { topology, data, basis } = options;
  const hourly = indexHourly(data.hourly);
  const p95 = new Map<string, Map<Direction, number>>();
  for (const row of data.p95) {
    let byDir = p95.get(row.link);
    if (!byDir) {
      byDir = new Map();
      p95.set(row.link, byDir);
    }
    byDir.set(row.dir, row.utilization);
  }
  const sums = new Map<string, Partial<Record<ServiceClass, number>>>();
  for (const row of data.classSums) {
    const entry = sums.get(row.link) ?? {};
    entry[row.class] = (entry[row.class] ?? 0) + row.sumBps;
    sums.set(row.link, entry);
  }
  const states = new Map((data.states ?? []).map((row) => [row.province, row]));
  const tier2P95 = new Map<string, Tier2PercentileRow[]>();
  for (const row of data.tier2P95) tier2P95.set(row.link, [...(tier2P95.get(row.link) ?? []), row]);
  const figuresOf = (link: LinkView): LinkFigures =>
    linkFigures(link, hourly.get(link.id)?.get('total') ?? [], p95.get(link.id) ?? new Map());

  const rows: ReportRow[] = topology.provinces.map((province) => {
    const links = topology.links.filter((l) => l.province === province.id);
    const uplink = busiest(
      links.filter((l) => l.tier === 1).map(figuresOf),
      basis,
    );
    const tier2 = tier2Values(
      links.filter((l) => l.tier === 2),
      basis,
      figuresOf,
      tier2P95,
    );
    const over80 = tier2
      .filter((t) => bandOf(t.value) === 'high')
      .sort((a, b) => (b.value ?? 0) - (a.value ?? 0))
      .map((t) => ({ link: t.link.id, name: t.link.name, utilization: t.value ?? 0 }));
    const utilization = uplink === undefined ? null : basisValue(uplink, basis);
    const state = states.get(province.id);
    const capacityBps = uplink?.capacityBps ?? null;
    const reservation = (cls: ProtectedClass) => {
      if (uplink === undefined) return null;
      const rows = hourly.get(uplink.link.id)?.get(cls) ?? [];
      const daily = dailyPeaks(hourlyValues(rows, (row) => row.offeredBitsPerSecond ?? row.bitsPerSecond)).map((peak) => peak.value);
      const policyBps = options.policyBps?.(uplink.link.id, cls, capacityBps) ?? null;
      return suggestReservation(daily, capacityBps, policyBps);
    };
    const row: ReportRow = {
      province: province.id,
      provinceName: province.name,
      uplink: uplink === undefined ? null : { link: uplink.link.id, name: uplink.link.name, capacityBps },
      days: uplink?.days ?? 0,
      busyHourUtilization: uplink?.busyHourUtilization ?? null,
      busyHourOfDay: uplink?.busyHourOfDay ?? null,
      busyDir: uplink?.busyDir ?? null,
      p95Utilization: uplink?.p95Utilization ?? null,
      utilization,
      band: bandOf(utilization),
      shares: uplink === undefined ? null : classShares(sums.get(uplink.link.id) ?? {}),
      warningMs: state === undefined ? null : state.warning * options.stateIntervalMs,
      criticalMs: state === undefined ? null : state.critical * options.stateIntervalMs,
      tier2: { links: tier2.length, withData: tier2.filter((t) => t.hasData).length, over80 },
      capacity: suggestCapacity(uplink?.busyHourP95Bps ?? null, capacityBps),
      reservations: { docex: reservation('docex'), video: reservation('video') },
    };
    return row;
  });

  const report: UtilizationReport = {
    fromMs: options.period.fromMs,
    toMs: options.period.toMs,
    basis,
    timeZone: vietnamTimeZone,
    source: data.source,
    statesAvailable: data.states !== null,
    rows,
    national: options.national ? nationalCounts(rows.map((r) => r.band)) : null,
  };
  if (options.period.month !== undefined) report.month = options.period.month;
  return report;
}
