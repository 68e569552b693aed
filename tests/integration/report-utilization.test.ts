// The national utilization report against a real influxd, filled through the real InfluxStore
// with three days (1–3 October 2026, Vietnam time) of synthetic traffic whose busy hours and
// 95th percentiles are known: provinces sit on the band edges (59.9 %, 60 %, 79.9 %, 80 %) on
// either basis, one has its busy hour upstream in the evening, one has no data at all. The
// report's bands and national counts are checked, its p95 against InfluxDB's own percentile
// rule, the CSV parsed back with its Vietnamese names, and a province user gets its own row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import type { LinkSample } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import { directions, utilizationReportSchema, type ReportRow, type UtilizationReport } from '../../api/schemas.ts';
import { roundUtilization } from '../../server/report/bands.ts';
import { csvHeaders } from '../../server/report/csv.ts';
import { vietnamMidnightMs } from '../../server/report/period.ts';
import { percentile } from '../../server/report/stats.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import {
  classShareOfTotal,
  planSamples,
  spanPeriod,
  statePoint,
  videoOfferedFactor,
  writeThroughStore,
  type FixtureSpan,
  type LinkPlan,
} from '../helpers/report-fixture.ts';

const M = 1_000_000;
const span: FixtureSpan = { year: 2026, month: 10, day: 1, days: 3 };
const shoulderHours = new Set([8, 9, 11, 14, 15]);

/** Down: `peak[day]` at `peakHour[day]`, `shoulder` in the shoulder hours, 0.1 else; up: half of down. */
function profile(peak: readonly number[], shoulder: number, peakHour: readonly number[] = [10, 10, 10]): LinkPlan['utilization'] {
  const down = (day: number, hour: number) => (hour === peakHour[day] ? (peak[day] ?? 0) : shoulderHours.has(hour) ? shoulder : 0.1);
  return (dir, day, hour) => (dir === 'down' ? down(day, hour) : down(day, hour) / 2);
}

/**
 * A link busy for six hours (08:00–14:00) at `long` on the first day, and peaking at `peak` at
 * 10:00 on the other two: its busy-hour mean is (long + 2·peak) / 3, but 36 of its 432 samples
 * per direction are at `long`, so that is its 95th percentile.
 */
function longFirstDay(long: number, peak: number): LinkPlan['utilization'] {
  const down = (day: number, hour: number) => (day === 0 ? (hour >= 8 && hour < 14 ? long : 0.1) : hour === 10 ? peak : 0.1);
  return (dir, day, hour) => (dir === 'down' ? down(day, hour) : down(day, hour) / 2);
}

/** The provinces on the edges, by id: their profile, busy-hour mean and p95, and the bands on each basis. */
const special: Record<string, { utilization: LinkPlan['utilization']; busyHour: number; p95: number; bands: [string, string] }> = {
  // Busy hour (80 + 49.85 + 49.85) / 3 = 59.9 %; p95 80 %.
  'lai-chau': { utilization: longFirstDay(0.8, 0.4985), busyHour: 0.599, p95: 0.8, bands: ['low', 'high'] },
  'dien-bien': { utilization: profile([0.6, 0.6, 0.6], 0.599), busyHour: 0.6, p95: 0.599, bands: ['mid', 'low'] },
  'son-la': { utilization: profile([0.799, 0.799, 0.799], 0.6), busyHour: 0.799, p95: 0.6, bands: ['mid', 'mid'] },
  'lang-son': { utilization: profile([0.8, 0.8, 0.8], 0.799), busyHour: 0.8, p95: 0.799, bands: ['high', 'mid'] },
  // Busy hour 80, 85, 90 % on three days, the second one in the evening.
  'thanh-hoa': { utilization: profile([0.8, 0.85, 0.9], 0.5, [10, 20, 10]), busyHour: 0.85, p95: 0.5, bands: ['high', 'low'] },
  // Upstream is the busier direction: 70 % at 20:00 every day (down peaks at 40 % at 10:00).
  'ha-noi': {
    utilization: (dir, day, hour) => (dir === 'up' && hour === 20 ? 0.7 : profile([0.4, 0.4, 0.4], 0.2)(dir, day, hour)),
    busyHour: 0.7,
    p95: 0.2,
    bands: ['mid', 'low'],
  },
};
const silentProvince = 'ca-mau';

const influxd = sharedInfluxd();
let config: LanewatchConfig;
let t: TestApp;
let samples: LinkSample[];
/** Utilization samples of each link's total, by link and direction. */
const totals = new Map<string, number[]>();

function uplinkOf(province: string) {
  const link = config.topology.links.find((l) => l.tier === 1 && l.province === province);
  if (!link?.capacityBps) throw new Error(`the example has no tier-1 uplink with a capacity for ${province}`);
  return { link: link.id, province, tier: 1 as const, capacityBps: link.capacityBps };
}

function tier2Of(province: string, index: number) {
  const link = config.topology.links.filter((l) => l.tier === 2 && l.province === province)[index];
  if (!link) throw new Error(`the example has no tier-2 link #${index} in ${province}`);
  return { link: link.id, province, tier: 2 as const, capacityBps: link.capacityBps ?? 100 * M };
}

beforeAll(async () => {
  const base = loadConfig(defaultConfigDir, { env: { LANEWATCH_INFLUX_URL: influxd.url } });
  // Long retention (the fixture is weeks old); one-minute polls: the unit of time in a state.
  config = {
    ...base,
    settings: {
      ...base.settings,
      influx: { ...base.settings.influx, retentionDays: 3650 },
      collector: { ...base.settings.collector, intervalMs: 60_000 },
    },
  };
  const plans: LinkPlan[] = [];
  config.topology.provinces.forEach((province, index) => {
    if (province.id === silentProvince) return;
    const utilization = special[province.id]?.utilization ?? profile(Array(3).fill(0.3 + (index % 5) * 0.05), 0.2);
    // The service classes on the provinces whose shares and reservations are checked (fewer points to write).
    plans.push({ ...uplinkOf(province.id), utilization, classes: province.id === 'hue' || province.id === 'thanh-hoa' });
  });
  // Điện Biên's tier-2 links: one with an 85 % busy hour (p95 30 %), one with a 47 % busy hour
  // but 81 % for six hours on the first day (its p95), the rest without data.
  plans.push({ ...tier2Of('dien-bien', 0), utilization: profile([0.85, 0.85, 0.85], 0.3), classes: false });
  plans.push({ ...tier2Of('dien-bien', 1), utilization: longFirstDay(0.81, 0.3), classes: false });
  samples = plans.flatMap((plan) => planSamples(plan, span));
  for (const s of samples) {
    if (s.class !== 'total') continue;
    const key = `${s.link}\u0000${s.dir}`;
    const list = totals.get(key);
    if (list) list.push(s.utilization);
    else totals.set(key, [s.utilization]);
  }

  // Lạng Sơn: its uplink warning for 90 min from 2 Oct 10:00, a tier-2 link critical in the middle 30;
  // Lai Châu: 60 min of ok states. Every other province: no state recorded.
  const states: StorePoint[] = [];
  const from = vietnamMidnightMs(2026, 10, 2) + 10 * 3_600_000;
  for (let minute = 0; minute < 90; minute += 1) states.push(statePoint(uplinkOf('lang-son'), 'down', from + minute * 60_000, 'warning'));
  for (let minute = 30; minute < 60; minute += 1) states.push(statePoint(tier2Of('lang-son', 0), 'up', from + minute * 60_000 + 5_000, 'critical'));
  for (let minute = 0; minute < 60; minute += 1) states.push(statePoint(uplinkOf('lai-chau'), 'down', from + minute * 60_000, 'ok'));

  await writeThroughStore(config.settings.influx, samples, states, spanPeriod(span));
  t = await startTestApp({ config, influx: createInfluxClient(config.settings.influx) });
}, 240_000);

afterAll(async () => {
  await t?.close();
});

async function report(query: string, as = 'viewer'): Promise<UtilizationReport> {
  const res = await t.as(as)({ method: 'GET', url: `/api/v1/report/utilization?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return utilizationReportSchema.parse(res.json());
}

function rowOf(r: UtilizationReport, province: string): ReportRow {
  const row = r.rows.find((candidate) => candidate.province === province);
  if (!row) throw new Error(`no row for ${province}`);
  return row;
}

/**
 * The p95 of the written samples (one per 5-minute bucket, so they are the 5-minute means), the
 * busier direction: what InfluxDB's percentile() must agree with.
 */
function writtenP95(link: string): number | null {
  const values: number[] = [];
  for (const dir of directions) {
    const p95 = percentile(totals.get(`${link}\u0000${dir}`) ?? [], 95);
    if (p95 !== null) values.push(p95);
  }
  return values.length === 0 ? null : roundUtilization(Math.max(...values));
}

/** A minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('GET /api/v1/report/utilization against a real influxd', () => {
  it('bands every province on its busy-hour mean, exactly at the edges, and counts them', async () => {
    const r = await report('month=2026-10');
    // Read from the rollups (rolled up by the store's own statements), the states from raw.
    expect(r).toMatchObject({ month: '2026-10', basis: 'busyhour', timeZone: 'Asia/Ho_Chi_Minh', source: 'rollup', statesAvailable: true });
    expect(r.fromMs).toBe(vietnamMidnightMs(2026, 10, 1));
    expect(r.toMs).toBe(vietnamMidnightMs(2026, 11, 1));
    expect(r.rows.map((row) => row.province)).toEqual(config.topology.provinces.map((p) => p.id));
    for (const [province, expected] of Object.entries(special)) {
      const row = rowOf(r, province);
      expect([province, row.busyHourUtilization, row.utilization, row.band]).toEqual([province, expected.busyHour, expected.busyHour, expected.bands[0]]);
      expect(row.days).toBe(3);
    }
    // Everyone else: 30–50 % at 10:00, down.
    const others = r.rows.filter((row) => !(row.province in special) && row.province !== silentProvince);
    expect(others).toHaveLength(27);
    for (const row of others) expect([row.province, row.band, row.busyHourOfDay, row.busyDir]).toEqual([row.province, 'low', 10, 'down']);
    // 28 of 34 under 60 %, 2 at 80 % or over, one without data.
    expect(r.national).toEqual({ provinces: 34, low: 28, mid: 3, high: 2, none: 1 });
  });

  it('the busier direction and the typical busy hour: Hà Nội upstream at 20:00; Thanh Hóa mostly at 10:00', async () => {
    const r = await report('month=2026-10');
    expect(rowOf(r, 'ha-noi')).toMatchObject({ busyHourUtilization: 0.7, busyHourOfDay: 20, busyDir: 'up' });
    expect(rowOf(r, 'thanh-hoa')).toMatchObject({ busyHourUtilization: 0.85, busyHourOfDay: 10, busyDir: 'down' });
  });

  it('a province without data is shown as such, never as 0 %', async () => {
    const row = rowOf(await report('month=2026-10'), silentProvince);
    expect(row).toMatchObject({ days: 0, busyHourUtilization: null, p95Utilization: null, utilization: null, band: 'none', shares: null, capacity: null });
    expect(row.uplink?.link).toBe(uplinkOf(silentProvince).link);
  });

  it('bands on the 95th percentile with basis=p95; InfluxDB and the pure percentile agree', async () => {
    const r = await report('month=2026-10&basis=p95');
    expect(r.basis).toBe('p95');
    for (const [province, expected] of Object.entries(special)) {
      const row = rowOf(r, province);
      expect([province, row.p95Utilization, row.utilization, row.band]).toEqual([province, expected.p95, expected.p95, expected.bands[1]]);
    }
    for (const row of r.rows) expect([row.province, row.p95Utilization]).toEqual([row.province, writtenP95(uplinkOf(row.province).link)]);
    expect(r.national).toEqual({ provinces: 34, low: 30, mid: 2, high: 1, none: 1 });
  });

  it("tier-2 links over 80 % by the report's basis", async () => {
    const busyHour = rowOf(await report('month=2026-10'), 'dien-bien').tier2;
    const p95 = rowOf(await report('month=2026-10&basis=p95'), 'dien-bien').tier2;
    const links = config.topology.links.filter((l) => l.tier === 2 && l.province === 'dien-bien');
    expect(busyHour).toEqual({ links: links.length, withData: 2, over80: [{ link: links[0]?.id, name: links[0]?.name ?? links[0]?.id, utilization: 0.85 }] });
    // On the p95 basis the second link (81 % for six hours on one day) is the one over 80 %.
    expect(p95).toEqual({ links: links.length, withData: 2, over80: [{ link: links[1]?.id, name: links[1]?.name ?? links[1]?.id, utilization: 0.81 }] });
  });

  it('shares of the classes, and time spent warning and critical from linkState', async () => {
    const r = await report('month=2026-10');
    expect(rowOf(r, 'hue').shares).toEqual(classShareOfTotal);
    // Worst state per minute: warning 10:00–10:30 and 11:00–11:30, critical 10:30–11:00.
    expect(rowOf(r, 'lang-son')).toMatchObject({ warningMs: 60 * 60_000, criticalMs: 30 * 60_000 });
    expect(rowOf(r, 'lai-chau')).toMatchObject({ warningMs: 0, criticalMs: 0 });
    expect(rowOf(r, 'hue')).toMatchObject({ warningMs: null, criticalMs: null });
  });

  it('suggests the uplink capacity and the reservations of the protected classes', async () => {
    const row = rowOf(await report('month=2026-10'), 'thanh-hoa');
    const { capacityBps } = uplinkOf('thanh-hoa');
    // Daily busy-hour totals 80, 85, 90 % of capacity: the p95 of three days is the highest.
    const busyHourP95Bps = 0.9 * capacityBps;
    expect(row.capacity?.busyHourP95Bps).toBeCloseTo(busyHourP95Bps, 0);
    expect(row.capacity).toMatchObject({ currentBps: capacityBps, currentUtilization: 0.9 });
    // The smallest 1-2-5 step under which 90 % of capacity is under 60 %.
    const steps = [10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000].map((mbps) => mbps * M);
    expect(row.capacity?.suggestedBps).toBe(steps.find((step) => busyHourP95Bps / step < 0.6));
    const policy = t.policies.effective(uplinkOf('thanh-hoa').link, capacityBps);
    const docexBps = 0.9 * capacityBps * classShareOfTotal.docex;
    const videoBps = 0.9 * capacityBps * classShareOfTotal.video * videoOfferedFactor;
    expect(row.reservations.docex).toMatchObject({
      suggestedBps: Math.ceil(docexBps / M) * M,
      capacityShare: roundUtilization((Math.ceil(docexBps / M) * M) / capacityBps),
      policyBps: policy?.reservationsBps.docex,
    });
    // Video is sized on its offered rate (pre-policy), not on what got through.
    expect(row.reservations.video).toMatchObject({ suggestedBps: Math.ceil(videoBps / M) * M, policyBps: policy?.reservationsBps.video });
    // Huế peaks at 30–50 %: enough. Lai Châu's busy-hour mean is 59.9 %, but one day at 80 %
    // makes its busy-hour p95 (of three days, the highest) 80 %: sized for that day.
    const all = await report('month=2026-10');
    expect(rowOf(all, 'hue').capacity?.suggestedBps).toBeNull();
    const laiChau = uplinkOf('lai-chau').capacityBps;
    expect(rowOf(all, 'lai-chau').capacity).toMatchObject({ currentUtilization: 0.8, suggestedBps: steps.find((step) => (0.8 * laiChau) / step < 0.6) });
  });

  it('CSV: UTF-8 with a byte-order mark, parsed back with its Vietnamese names and the same bands', async () => {
    const res = await t.as('viewer')({ method: 'GET', url: '/api/v1/report/utilization?month=2026-10&format=csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="lanewatch-utilization-2026-10-busyhour.csv"');
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(res.rawPayload.toString('utf8').replace(/^\uFEFF/, ''));
    expect(rows[0]).toEqual([...csvHeaders]);
    const body = rows.slice(1);
    expect(body).toHaveLength(34);
    const col = (name: string) => csvHeaders.indexOf(name);
    const names = new Map(config.topology.provinces.map((p) => [p.id, config.provinces.get(p.id)?.name]));
    for (const cells of body) expect(cells[col('province_name')]).toBe(names.get(cells[col('province')] ?? ''));
    expect(body.map((cells) => cells[col('province_name')])).toContain('Thanh Hóa');
    expect(body.map((cells) => cells[col('province_name')])).toContain('Đắk Lắk');
    const json = await report('month=2026-10');
    expect(body.map((cells) => [cells[col('province')], cells[col('band')]])).toEqual(json.rows.map((row) => [row.province, row.band]));
    const laiChau = body.find((cells) => cells[col('province')] === 'lai-chau');
    expect([laiChau?.[col('busy_hour_util_pct')], laiChau?.[col('util_pct')], laiChau?.[col('p95_util_pct')]]).toEqual(['59.9', '59.9', '80.0']);
    const silent = body.find((cells) => cells[col('province')] === silentProvince);
    expect([silent?.[col('util_pct')], silent?.[col('band')]]).toEqual(['', 'none']);
  });

  it('a province user gets its own row only, and no national counts', async () => {
    const r = await report('month=2026-10', 'hue');
    expect(r.rows.map((row) => row.province)).toEqual(['hue']);
    expect(r.national).toBeNull();
    expect(rowOf(r, 'hue').uplink?.link).toBe(uplinkOf('hue').link);
    expect(rowOf(r, 'hue').band).toBe('low');
    const csv = await t.as('hue')({ method: 'GET', url: '/api/v1/report/utilization?month=2026-10&format=csv' });
    const rows = parseCsv(csv.rawPayload.toString('utf8').replace(/^\uFEFF/, ''));
    expect(rows.map((cells) => cells[0])).toEqual(['province', 'hue']);
  });

  it('a range of Vietnam dates: 2 October alone', async () => {
    const r = await report('from=2026-10-02&to=2026-10-02');
    expect([r.fromMs, r.toMs]).toEqual([vietnamMidnightMs(2026, 10, 2), vietnamMidnightMs(2026, 10, 3)]);
    expect(r.month).toBeUndefined();
    expect(rowOf(r, 'thanh-hoa')).toMatchObject({ days: 1, busyHourUtilization: 0.85, busyHourOfDay: 20 });
  });

  it('an empty period: every province without data, none counted as 0 %', async () => {
    const r = await report('month=2026-09');
    expect(r.rows.every((row) => row.band === 'none' && row.utilization === null)).toBe(true);
    expect(r.national).toEqual({ provinces: 34, low: 0, mid: 0, high: 0, none: 34 });
  });

  it('a database without the rollup policies is read from raw samples, to the same figures', async () => {
    // Asked with `to` 1 ms apart, so that neither answer is the other's kept copy.
    const before = await report('from=2026-10-01&to=2026-10-03&basis=p95');
    expect(before.source).toBe('rollup');
    const influx = createInfluxClient(config.settings.influx);
    for (const policy of ['rollup_5m', 'rollup_1h']) await influx.query(`DROP RETENTION POLICY "${policy}" ON "lanewatch"`);
    const after = await report(`from=2026-10-01&to=${encodeURIComponent('2026-10-03T23:59:59.999+07:00')}&basis=p95`);
    expect(after.source).toBe('raw');
    const figures = (r: UtilizationReport) =>
      r.rows.map((row) => [row.province, row.busyHourUtilization, row.p95Utilization, row.band, row.tier2.over80.map((l) => l.link), row.shares]);
    expect(figures(after)).toEqual(figures(before));
    expect(after.national).toEqual(before.national);
  });

  it.each([
    ['month=2026-13', 'month'],
    ['month=2026-10&from=2026-10-01', 'month'],
    ['from=2026-10-08&to=2026-10-01', 'from'],
    ['from=yesterday', 'from'],
    ['from=2026-01-01&to=2026-12-31', 'to'],
    ['month=2026-10&basis=mean', 'basis'],
    ['month=2026-10&format=xlsx', 'format'],
  ])('400 naming the field for %s', async (query, field) => {
    const res = await t.as('viewer')({ method: 'GET', url: `/api/v1/report/utilization?${query}` });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, field });
  });
});
