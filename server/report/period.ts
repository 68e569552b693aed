// The report's period and its days in Vietnam time. Pure.
//
// Vietnam (Asia/Ho_Chi_Minh) has kept UTC+7 without daylight saving since 1975, so a fixed
// offset is exact for every period the network can have data for; hours in Vietnam start on
// UTC hours, days at 17:00 UTC.
//
// A period is [fromMs, toMs): `month=2026-10` is 1 October 00:00 to 1 November 00:00 Vietnam
// time. `from=`/`to=` take what history takes (ISO 8601, epoch ms, relative like -30d, now),
// except that a bare date names a Vietnam day: `from=2026-10-01` starts at its 00:00 and
// `to=2026-10-07` ends with it (8 October 00:00), so a range of dates includes both ends.
import { said, type Said } from '../../api/messages.ts';
import { maxTimeMs, minTimeMs, readTimeParam } from '../history/time-param.ts';

export const vietnamTimeZone = 'Asia/Ho_Chi_Minh';
export const vietnamOffsetMs = 7 * 3_600_000;
export const hourMs = 3_600_000;
export const dayMs = 86_400_000;

/** The longest period one report covers (the hourly data of a quarter). */
export const maxPeriodMs = 93 * dayMs;

/** Start (epoch ms) of the Vietnam day that holds `atMs`. */
export function vietnamDayStartMs(atMs: number): number {
  return Math.floor((atMs + vietnamOffsetMs) / dayMs) * dayMs - vietnamOffsetMs;
}

/** Hour of the day (0–23) in Vietnam time of `atMs`. */
export function vietnamHourOfDay(atMs: number): number {
  return Math.floor((((atMs + vietnamOffsetMs) % dayMs) + dayMs) % dayMs / hourMs);
}

/** 00:00 Vietnam time of a calendar day (month 1–12). */
export function vietnamMidnightMs(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - vietnamOffsetMs;
}

export interface Period {
  fromMs: number;
  toMs: number;
  /** Set when the period is a calendar month (`YYYY-MM`). */
  month?: string;
}

/** The request's period, or which field is wrong and why. */
/** A refusal names the field, why (English, after the field's name) and what it says for the UI. */
export type PeriodResult = { ok: true; period: Period } | { ok: false; field: 'month' | 'from' | 'to'; reason: string; said: Said };

const monthPattern = /^(\d{4})-(0[1-9]|1[0-2])$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar month in Vietnam time, or undefined when `month` is not `YYYY-MM`. */
export function monthPeriod(month: string): Period | undefined {
  const m = monthPattern.exec(month);
  if (!m) return undefined;
  const year = Number(m[1]);
  const index = Number(m[2]);
  return { fromMs: vietnamMidnightMs(year, index, 1), toMs: vietnamMidnightMs(year, index + 1, 1), month };
}

/** The month (`YYYY-MM`, Vietnam time) holding `atMs`. */
export function vietnamMonthOf(atMs: number): string {
  const local = new Date(atMs + vietnamOffsetMs);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
}

function bareDate(value: string): { year: number; month: number; day: number } | undefined {
  const m = datePattern.exec(value.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

function readBound(value: string, nowMs: number, end: boolean): { ok: true; atMs: number } | { ok: false; reason: string } {
  const date = bareDate(value);
  if (date !== undefined) {
    const atMs = vietnamMidnightMs(date.year, date.month, date.day + (end ? 1 : 0));
    if (atMs < minTimeMs || atMs > maxTimeMs) return { ok: false, reason: 'must be a day between 1970-01-02 and 2261-12-30' };
    return { ok: true, atMs };
  }
  return readTimeParam(value, nowMs);
}

export interface PeriodQuery {
  month?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** Default period without `month`, `from` or `to`: the last 30 days. */
export const defaultFrom = '-30d';
export const defaultTo = 'now';

/** The period a query names: `month`, or `from`/`to` (defaults: the last 30 days). */
export function resolvePeriod(query: PeriodQuery, nowMs: number): PeriodResult {
  if (query.month !== undefined) {
    if (query.from !== undefined || query.to !== undefined) {
      return { ok: false, field: 'month', reason: 'cannot be combined with from or to: give a month, or a range', said: said('month-with-range', { field: 'month' }) };
    }
    const period = monthPeriod(query.month);
    const invalidMonth = said('invalid-month', { field: 'month', value: query.month.slice(0, 64) });
    if (period === undefined) return { ok: false, field: 'month', reason: `must be a month as YYYY-MM (got "${query.month}")`, said: invalidMonth };
    if (period.fromMs < minTimeMs || period.toMs > maxTimeMs) {
      return { ok: false, field: 'month', reason: `must lie between 1970-02 and 2261-12 (got "${query.month}")`, said: invalidMonth };
    }
    return { ok: true, period };
  }
  const fromText = query.from ?? defaultFrom;
  const from = readBound(fromText, nowMs, false);
  if (!from.ok) return { ok: false, field: 'from', reason: from.reason, said: said('invalid-time', { field: 'from', value: fromText.slice(0, 64) }) };
  const toText = query.to ?? defaultTo;
  const to = readBound(toText, nowMs, true);
  if (!to.ok) return { ok: false, field: 'to', reason: to.reason, said: said('invalid-time', { field: 'to', value: toText.slice(0, 64) }) };
  if (from.atMs >= to.atMs) {
    return {
      ok: false,
      field: 'from',
      reason: `must be before to (${new Date(from.atMs).toISOString()} is not before ${new Date(to.atMs).toISOString()})`,
      said: said('range-backwards', { field: 'from', from: new Date(from.atMs).toISOString(), to: new Date(to.atMs).toISOString() }),
    };
  }
  if (to.atMs - from.atMs > maxPeriodMs) {
    return { ok: false, field: 'to', reason: `must be at most ${maxPeriodMs / dayMs} days after from`, said: said('range-too-long', { field: 'to', maxDays: maxPeriodMs / dayMs }) };
  }
  return { ok: true, period: { fromMs: from.atMs, toMs: to.atMs } };
}
