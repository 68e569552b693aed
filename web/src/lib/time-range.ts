// The time range the national, province and link pages show, and its arithmetic. Pure.
//
// A range is either `recent` (the last `spanMs`, ending at now: it slides as live samples
// arrive) or `fixed` (two instants: it never moves). It lives in the page's URL as
// `?from=&to=`, in the history API's own syntax, so a shared link opens the same range:
// `from=-1h&to=now` for a recent range, `from=2026-11-27T06:00:00.000Z&to=…` for a fixed one.
// Zooming (a drag over a chart), panning and the picker's presets all produce a new range.

export type TimeRange = { kind: 'recent'; spanMs: number } | { kind: 'fixed'; fromMs: number; toMs: number };

/** A time window in epoch ms, both ends inclusive. */
export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

const secondMs = 1_000;
const minuteMs = 60 * secondMs;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

/** The picker's presets, shortest first. */
export const rangePresets = [
  { id: '15m', spanMs: 15 * minuteMs },
  { id: '1h', spanMs: hourMs },
  { id: '6h', spanMs: 6 * hourMs },
  { id: '24h', spanMs: 24 * hourMs },
  { id: '7d', spanMs: 7 * dayMs },
  { id: '30d', spanMs: 30 * dayMs },
  { id: '1y', spanMs: 365 * dayMs },
] as const;

export type RangePresetId = (typeof rangePresets)[number]['id'];
/** What the picker shows as chosen: a preset, or `custom` for any other range. */
export type RangeChoice = RangePresetId | 'custom';

/** The narrowest range a zoom or the URL may ask for. */
export const minSpanMs = minuteMs;
/** The widest: the hourly rollups are kept five years. */
export const maxSpanMs = 5 * 365 * dayMs;

export function presetRange(id: RangePresetId): TimeRange {
  const preset = rangePresets.find((candidate) => candidate.id === id);
  return { kind: 'recent', spanMs: preset?.spanMs ?? hourMs };
}

/** The preset a range is, or `custom`. */
export function rangeChoice(range: TimeRange): RangeChoice {
  if (range.kind !== 'recent') return 'custom';
  return rangePresets.find((preset) => preset.spanMs === range.spanMs)?.id ?? 'custom';
}

/** The window a range shows when now is `nowMs`. */
export function rangeWindow(range: TimeRange, nowMs: number): TimeWindow {
  return range.kind === 'recent' ? { fromMs: nowMs - range.spanMs, toMs: nowMs } : { fromMs: range.fromMs, toMs: range.toMs };
}

export function spanOf(range: TimeRange): number {
  return range.kind === 'recent' ? range.spanMs : range.toMs - range.fromMs;
}

// ---- URL ----------------------------------------------------------------------------------

/** Units of a relative time, largest first (weeks are written as days: `-7d`, not `-1w`). */
const relativeUnits: readonly (readonly [string, number])[] = [
  ['d', dayMs],
  ['h', hourMs],
  ['m', minuteMs],
  ['s', secondMs],
  ['ms', 1],
];
const unitMs: Readonly<Record<string, number>> = { ms: 1, s: secondMs, m: minuteMs, h: hourMs, d: dayMs, w: 7 * dayMs };

/** `-15m`, `-1h`, `-7d`, `-617s`: a span as the API's relative time, in its largest exact unit. */
export function relativeToken(spanMs: number): string {
  const whole = Math.max(1, Math.round(spanMs));
  for (const [unit, size] of relativeUnits) {
    if (whole % size === 0) return `-${whole / size}${unit}`;
  }
  return `-${whole}ms`;
}

const relativePattern = /^(?:now)?-(\d{1,9})(ms|s|m|h|d|w)$/;
const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const epochPattern = /^\d{10,15}$/;

/** A `from`/`to` value: `now`, a span back from now, or an instant. Undefined when it is none. */
export type TimeParam = { kind: 'now' } | { kind: 'ago'; spanMs: number } | { kind: 'at'; atMs: number };

export function parseTimeParam(text: string): TimeParam | undefined {
  const value = text.trim();
  if (value === 'now') return { kind: 'now' };
  const relative = relativePattern.exec(value);
  if (relative !== null) {
    const size = unitMs[relative[2] ?? ''];
    return size === undefined ? undefined : { kind: 'ago', spanMs: Number(relative[1]) * size };
  }
  if (epochPattern.test(value)) return { kind: 'at', atMs: Number(value) };
  if (isoPattern.test(value)) {
    const atMs = Date.parse(value);
    return Number.isNaN(atMs) ? undefined : { kind: 'at', atMs };
  }
  return undefined;
}

/** An instant as the URL and the API write it: ISO 8601 in UTC, to the millisecond. */
export function instantToken(atMs: number): string {
  return new Date(atMs).toISOString();
}

/** The `from` and `to` of a range. */
export function rangeParams(range: TimeRange): { from: string; to: string } {
  return range.kind === 'recent'
    ? { from: relativeToken(range.spanMs), to: 'now' }
    : { from: instantToken(range.fromMs), to: instantToken(range.toMs) };
}

export type RangeParse = { ok: true; range: TimeRange | null } | { ok: false; field: 'from' | 'to'; reason: string };

/**
 * The range of a URL's `from` and `to` (null when it names none): a span back to now, or two
 * instants. Anything else is refused with the field and the reason.
 */
export function parseRangeParams(params: { from: string | null; to: string | null }): RangeParse {
  if (params.from === null && params.to === null) return { ok: true, range: null };
  if (params.from === null) return { ok: false, field: 'from', reason: 'missing (to is given)' };
  const from = parseTimeParam(params.from);
  if (from === undefined) return { ok: false, field: 'from', reason: `"${params.from}" is not -15m, -1h, … or an ISO 8601 time` };
  const to = params.to === null ? ({ kind: 'now' } as const) : parseTimeParam(params.to);
  if (to === undefined) return { ok: false, field: 'to', reason: `"${params.to ?? ''}" is not now or an ISO 8601 time` };
  if (to.kind === 'now') {
    if (from.kind !== 'ago') return { ok: false, field: 'from', reason: 'must be a span back from now (-1h) when to is now' };
    return checkedSpan({ kind: 'recent', spanMs: from.spanMs });
  }
  if (to.kind !== 'at') return { ok: false, field: 'to', reason: 'must be now or an instant' };
  if (from.kind !== 'at') return { ok: false, field: 'from', reason: 'must be an instant when to is one' };
  if (from.atMs >= to.atMs) return { ok: false, field: 'from', reason: 'must be before to' };
  return checkedSpan({ kind: 'fixed', fromMs: from.atMs, toMs: to.atMs });
}

function checkedSpan(range: TimeRange): RangeParse {
  const spanMs = spanOf(range);
  if (spanMs < secondMs) return { ok: false, field: 'from', reason: 'the range must be at least one second' };
  if (spanMs > maxSpanMs) return { ok: false, field: 'from', reason: 'the range must be at most five years' };
  return { ok: true, range };
}

/** The query text (after `?`) of a hash route, or "". */
export function hashQuery(hash: string): string {
  const index = hash.indexOf('?');
  return index === -1 ? '' : hash.slice(index + 1);
}

/** The range a hash route names, or the reason it names none that can be read. */
export function rangeOfHash(hash: string): RangeParse {
  const query = new URLSearchParams(hashQuery(hash));
  return parseRangeParams({ from: query.get('from'), to: query.get('to') });
}

/**
 * The hash route with `from`/`to` set to the range (or removed for null), its path and any
 * other parameter kept: `#/link/t1-hue` → `#/link/t1-hue?from=-6h&to=now`.
 */
export function hashWithRange(hash: string, range: TimeRange | null): string {
  const route = hash.startsWith('#') ? hash.slice(1) : hash;
  const index = route.indexOf('?');
  const path = index === -1 ? route : route.slice(0, index);
  const query = new URLSearchParams(index === -1 ? '' : route.slice(index + 1));
  query.delete('from');
  query.delete('to');
  if (range !== null) {
    const { from, to } = rangeParams(range);
    query.set('from', from);
    query.set('to', to);
  }
  const text = query.toString();
  return `#${path === '' ? '/' : path}${text === '' ? '' : `?${text}`}`;
}

// ---- Zoom, pan, custom ----------------------------------------------------------------------

export interface ZoomContext {
  /** The window the chart shows now. */
  shown: TimeWindow;
  /** Whether it ends at now (a recent range). */
  live: boolean;
  nowMs: number;
  /**
   * A selection ending this close to the right edge of a live chart stays live: the new
   * range is recent, ending at now.
   */
  liveEdgeMs: number;
}

/** Rounds to whole seconds (URLs stay short; nothing finer is ever polled). */
function toSecond(atMs: number): number {
  return Math.round(atMs / secondMs) * secondMs;
}

/**
 * The range a drag over a chart selects: never narrower than `minSpanMs` (widened around its
 * middle), never past now, in whole seconds. On a live chart, a selection reaching the right
 * edge stays live.
 */
export function zoomRange(selection: TimeWindow, context: ZoomContext): TimeRange {
  let fromMs = Math.min(selection.fromMs, selection.toMs);
  let toMs = Math.max(selection.fromMs, selection.toMs);
  if (context.live && toMs >= context.shown.toMs - context.liveEdgeMs) {
    const spanMs = Math.max(minSpanMs, toSecond(context.nowMs - fromMs));
    return { kind: 'recent', spanMs: Math.min(spanMs, maxSpanMs) };
  }
  if (toMs - fromMs < minSpanMs) {
    const middleMs = (fromMs + toMs) / 2;
    fromMs = middleMs - minSpanMs / 2;
    toMs = middleMs + minSpanMs / 2;
  }
  if (toMs > context.nowMs) {
    fromMs -= toMs - context.nowMs;
    toMs = context.nowMs;
  }
  fromMs = toSecond(fromMs);
  toMs = toSecond(toMs);
  if (toMs - fromMs < minSpanMs) fromMs = toMs - minSpanMs;
  return { kind: 'fixed', fromMs, toMs };
}

/**
 * The range moved by half its span, back (-1) or forward (+1). Moving a recent range back
 * fixes it; a fixed range moved forward to within a quarter of its span of now becomes recent
 * again (and live): back then forward returns to live although now has moved on meanwhile.
 */
export function panRange(range: TimeRange, direction: -1 | 1, nowMs: number): TimeRange {
  const shown = rangeWindow(range, nowMs);
  const spanMs = shown.toMs - shown.fromMs;
  const stepMs = Math.round(spanMs / 2);
  const toMs = shown.toMs + direction * stepMs;
  if (range.kind === 'recent' && direction === 1) return range;
  if (direction === 1 && toMs >= nowMs - spanMs / 4) return { kind: 'recent', spanMs };
  return { kind: 'fixed', fromMs: toSecond(toMs - spanMs), toMs: toSecond(toMs) };
}

/** The range twice as wide around its middle (at most `maxSpanMs`); reaching now makes it recent. */
export function zoomOutRange(range: TimeRange, nowMs: number): TimeRange {
  const spanMs = Math.min(maxSpanMs, 2 * spanOf(range));
  if (range.kind === 'recent') return { kind: 'recent', spanMs };
  const middleMs = (range.fromMs + range.toMs) / 2;
  const toMs = middleMs + spanMs / 2;
  if (toMs >= nowMs) return { kind: 'recent', spanMs };
  return { kind: 'fixed', fromMs: toSecond(toMs - spanMs), toMs: toSecond(toMs) };
}

export type CustomRange = { ok: true; range: TimeRange } | { ok: false; reason: 'invalid' | 'order' | 'short' | 'long' | 'future' };

/**
 * The range of the picker's custom fields (epoch ms, NaN when a field cannot be read): `to`
 * at now (within a minute) makes it recent; `to` further in the future is refused.
 */
export function customRange(fromMs: number, toMs: number, nowMs: number): CustomRange {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return { ok: false, reason: 'invalid' };
  if (fromMs >= toMs) return { ok: false, reason: 'order' };
  if (toMs > nowMs + minuteMs) return { ok: false, reason: 'future' };
  const spanMs = Math.min(toMs, nowMs) - fromMs;
  if (spanMs < minSpanMs) return { ok: false, reason: 'short' };
  if (spanMs > maxSpanMs) return { ok: false, reason: 'long' };
  if (toMs >= nowMs - minuteMs) return { ok: true, range: { kind: 'recent', spanMs: toSecond(nowMs - fromMs) } };
  return { ok: true, range: { kind: 'fixed', fromMs, toMs } };
}

/**
 * `datetime-local` field text ("2026-11-27T13:05") of an instant in a time zone offset (minutes
 * east of UTC, as the browser's `-getTimezoneOffset()`), and back. Pure: the offset is given.
 */
export function localFieldText(atMs: number, offsetMinutes: number): string {
  return new Date(atMs + offsetMinutes * minuteMs).toISOString().slice(0, 16);
}

export function parseLocalField(text: string, offsetMinutes: number): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/.test(text)) return Number.NaN;
  const utcMs = Date.parse(`${text}Z`);
  return Number.isNaN(utcMs) ? Number.NaN : utcMs - offsetMinutes * minuteMs;
}

/** A duration in one unit for people ("5 min", "1 h"): seconds under 90 s, minutes under 90 min, hours under 36 h, else days. */
export function durationParts(durationMs: number): { unit: 'seconds' | 'minutes' | 'hours' | 'days'; count: number } {
  const ms = Math.max(0, durationMs);
  if (ms < 90 * secondMs) return { unit: 'seconds', count: Math.max(1, Math.round(ms / secondMs)) };
  if (ms < 90 * minuteMs) return { unit: 'minutes', count: Math.round(ms / minuteMs) };
  if (ms < 36 * hourMs) return { unit: 'hours', count: Math.round(ms / hourMs) };
  return { unit: 'days', count: Math.round(ms / dayMs) };
}
