// `from=` / `to=` of history and report queries → epoch ms. Pure.
//
// Accepted: `now`; relative `-15m`, `-1h`, `-7d`, `-30s`, `-2w`, `-500ms` (also `now-1h`,
// `now+5m`, `+5m`); ISO 8601 dates and date-times (`2025-07-01`, `2025-07-01T08:00Z`,
// `2025-07-01T08:00:00.123+07:00`; a date-time without a zone is read as UTC, so the answer
// never depends on the server's time zone); and epoch milliseconds (`1751356800000`).
// Anything else, or a time outside [minTimeMs, maxTimeMs], is refused with a reason (the
// route answers 400 naming the field).

const unitMs: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const relative = /^(?:now)?([+-])(\d{1,9})(ms|s|m|h|d|w)$/;
const isoDate = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const epochMs = /^\d{10,15}$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseIso(value: string): number | undefined {
  const m = isoDate.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] === undefined) return Date.UTC(year, month - 1, day);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1_000);
  let offsetMs = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = Number(digits.slice(2, 4));
    if (zh > 14 || zm > 59) return undefined;
    offsetMs = sign * (zh * 60 + zm) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMs;
}

/** The earliest time the API speaks: 1970-01-01T00:00:00.000Z (epoch ms are never negative). */
export const minTimeMs = 0;
/**
 * The latest time a query may name: 2261-12-31T23:59:59.999Z. InfluxDB stores nanoseconds in
 * an int64 and refuses anything after 2262-04-11T23:47:16.854775806Z ("overflowed duration");
 * the hundred days of margin keep range arithmetic (buckets, offsets) clear of that edge.
 */
export const maxTimeMs = Date.UTC(2262, 0, 1) - 1;

/** A `from=`/`to=` value read: the time, or why it is refused (to follow the field's name). */
export type TimeParam = { ok: true; atMs: number } | { ok: false; reason: string };

const unparsable = 'must be ISO 8601, epoch milliseconds or relative like -1h or now';

/** Pure: reads a `from=`/`to=` value; the reason reads after the field name (`to must be …`). */
export function readTimeParam(value: string, nowMs: number): TimeParam {
  const atMs = parseAny(value, nowMs);
  if (atMs === undefined || !Number.isFinite(atMs)) return { ok: false, reason: unparsable };
  if (atMs < minTimeMs) return { ok: false, reason: `must not be before ${new Date(minTimeMs).toISOString()}` };
  if (atMs > maxTimeMs) {
    return { ok: false, reason: `must not be after ${new Date(maxTimeMs).toISOString()} (the latest time InfluxDB can hold)` };
  }
  return { ok: true, atMs };
}

/** The time, or undefined when readTimeParam refuses it. */
export function parseTimeParam(value: string, nowMs: number): number | undefined {
  const read = readTimeParam(value, nowMs);
  return read.ok ? read.atMs : undefined;
}

function parseAny(value: string, nowMs: number): number | undefined {
  const v = value.trim();
  if (v.length === 0 || v.length > 40) return undefined;
  if (v === 'now') return nowMs;
  const rel = relative.exec(v);
  if (rel) {
    const [, sign, amount, unit] = rel;
    const scale = unit === undefined ? undefined : unitMs[unit];
    if (scale === undefined) return undefined;
    const deltaMs = Number(amount) * scale;
    return sign === '-' ? nowMs - deltaMs : nowMs + deltaMs;
  }
  if (epochMs.test(v)) return Number(v);
  return parseIso(v);
}
