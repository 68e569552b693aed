// The time range of the national, province and link pages: presets, the URL (both ways),
// zoom, pan, zoom out, the custom fields, and the hash routes that carry a range.
import { describe, expect, it } from 'vitest';
import { linkHref, parseRoute, provinceHref } from '../../web/src/lib/route.ts';
import {
  customRange,
  durationParts,
  hashWithRange,
  localFieldText,
  maxSpanMs,
  minSpanMs,
  panRange,
  parseLocalField,
  parseRangeParams,
  parseTimeParam,
  presetRange,
  rangeChoice,
  rangeOfHash,
  rangeParams,
  rangePresets,
  rangeWindow,
  relativeToken,
  zoomOutRange,
  zoomRange,
  type TimeRange,
  type ZoomContext,
} from '../../web/src/lib/time-range.ts';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
/** 2026-11-27T06:00:00.000Z */
const now = Date.UTC(2026, 10, 27, 6, 0, 0);

describe('presets', () => {
  it.each([
    ['15m', 15 * minute],
    ['1h', hour],
    ['6h', 6 * hour],
    ['24h', day],
    ['7d', 7 * day],
    ['30d', 30 * day],
    ['1y', 365 * day],
  ] as const)('%s is the last %d ms, chosen back from its range', (id, spanMs) => {
    const range = presetRange(id);
    expect(range).toEqual({ kind: 'recent', spanMs });
    expect(rangeChoice(range)).toBe(id);
    expect(rangeWindow(range, now)).toEqual({ fromMs: now - spanMs, toMs: now });
  });

  it('lists the presets shortest first', () => {
    const spans = rangePresets.map((preset) => preset.spanMs);
    expect(spans).toEqual([...spans].sort((a, b) => a - b));
    expect(rangePresets.map((preset) => preset.id)).toEqual(['15m', '1h', '6h', '24h', '7d', '30d', '1y']);
  });

  it.each([
    [{ kind: 'recent', spanMs: 20 * minute }, 'custom'],
    [{ kind: 'fixed', fromMs: now - hour, toMs: now }, 'custom'],
    [{ kind: 'recent', spanMs: hour }, '1h'],
  ] satisfies [TimeRange, string][])('%j is %s', (range, choice) => {
    expect(rangeChoice(range)).toBe(choice);
  });
});

describe('the range in the URL', () => {
  it.each([
    [15 * minute, '-15m'],
    [hour, '-1h'],
    [6 * hour, '-6h'],
    [day, '-1d'],
    [7 * day, '-7d'],
    [365 * day, '-365d'],
    [90 * minute, '-90m'],
    [617_000, '-617s'],
    [1_500, '-1500ms'],
  ])('a span of %d ms is %s', (spanMs, token) => {
    expect(relativeToken(spanMs)).toBe(token);
    expect(parseTimeParam(token)).toEqual({ kind: 'ago', spanMs });
  });

  it.each([
    ['now', { kind: 'now' }],
    ['-2w', { kind: 'ago', spanMs: 14 * day }],
    ['now-30s', { kind: 'ago', spanMs: 30_000 }],
    ['2026-11-27T06:00:00.000Z', { kind: 'at', atMs: now }],
    ['2026-11-27T13:00+07:00', { kind: 'at', atMs: now }],
    ['2026-11-27T13:00:00+0700', { kind: 'at', atMs: now }],
    [String(now), { kind: 'at', atMs: now }],
    // No zone: its meaning would depend on who opens the link.
    ['2026-11-27T06:00:00', undefined],
    ['2026-13-27T06:00:00Z', undefined],
    ['-1y', undefined],
    ['+1h', undefined],
    ['yesterday', undefined],
    ['', undefined],
  ])('%s reads as %j', (text, param) => {
    expect(parseTimeParam(text)).toEqual(param);
  });

  it.each([
    [{ kind: 'recent', spanMs: hour }, { from: '-1h', to: 'now' }],
    [{ kind: 'recent', spanMs: 30 * day }, { from: '-30d', to: 'now' }],
    [
      { kind: 'fixed', fromMs: now - 10 * minute, toMs: now },
      { from: '2026-11-27T05:50:00.000Z', to: '2026-11-27T06:00:00.000Z' },
    ],
  ] satisfies [TimeRange, { from: string; to: string }][])('%j is written %j and read back', (range, params) => {
    expect(rangeParams(range)).toEqual(params);
    expect(parseRangeParams(params)).toEqual({ ok: true, range });
  });

  it.each([
    [{ from: null, to: null }, { ok: true, range: null }],
    [{ from: '-6h', to: null }, { ok: true, range: { kind: 'recent', spanMs: 6 * hour } }],
    [{ from: null, to: 'now' }, { ok: false, field: 'from', reason: 'missing (to is given)' }],
    [{ from: 'soon', to: 'now' }, { ok: false, field: 'from', reason: '"soon" is not -15m, -1h, … or an ISO 8601 time' }],
    [{ from: '-1h', to: 'later' }, { ok: false, field: 'to', reason: '"later" is not now or an ISO 8601 time' }],
    [{ from: '2026-11-27T05:00:00Z', to: 'now' }, { ok: false, field: 'from', reason: 'must be a span back from now (-1h) when to is now' }],
    [{ from: '-2h', to: '-1h' }, { ok: false, field: 'to', reason: 'must be now or an instant' }],
    [{ from: '-2h', to: '2026-11-27T05:00:00Z' }, { ok: false, field: 'from', reason: 'must be an instant when to is one' }],
    [{ from: '2026-11-27T06:00:00Z', to: '2026-11-27T05:00:00Z' }, { ok: false, field: 'from', reason: 'must be before to' }],
    [{ from: '-500ms', to: 'now' }, { ok: false, field: 'from', reason: 'the range must be at least one second' }],
    [{ from: '-2000d', to: 'now' }, { ok: false, field: 'from', reason: 'the range must be at most five years' }],
  ] as const)('%j → %j', (params, parsed) => {
    expect(parseRangeParams(params)).toEqual(parsed);
  });

  it.each([
    ['#/link/t1-hue', { kind: 'recent', spanMs: 6 * hour }, '#/link/t1-hue?from=-6h&to=now'],
    ['#/link/t1-hue?from=-1h&to=now', { kind: 'recent', spanMs: 15 * minute }, '#/link/t1-hue?from=-15m&to=now'],
    ['#/', { kind: 'fixed', fromMs: now - hour, toMs: now }, '#/?from=2026-11-27T05%3A00%3A00.000Z&to=2026-11-27T06%3A00%3A00.000Z'],
    ['', { kind: 'recent', spanMs: day }, '#/?from=-1d&to=now'],
    ['#/province/hue?x=1&from=-1h&to=now', null, '#/province/hue?x=1'],
    ['#/province/hue?from=-1h&to=now', null, '#/province/hue'],
  ] satisfies [string, TimeRange | null, string][])('%s with %j is %s, which reads back', (hash, range, expected) => {
    const next = hashWithRange(hash, range);
    expect(next).toBe(expected);
    expect(rangeOfHash(next)).toEqual({ ok: true, range });
  });

  it('routes a page with a range to the same page, its query kept', () => {
    expect(parseRoute('#/link/t1-hue?from=-6h&to=now')).toEqual({ page: 'link', linkId: 't1-hue', query: 'from=-6h&to=now' });
    expect(parseRoute('#/province/hue/?from=-1h&to=now')).toEqual({ page: 'province', provinceId: 'hue', query: 'from=-1h&to=now' });
    expect(parseRoute('#/?from=-7d&to=now')).toEqual({ page: 'national', query: 'from=-7d&to=now' });
    expect(parseRoute('#?from=-7d&to=now')).toEqual({ page: 'national', query: 'from=-7d&to=now' });
    expect(parseRoute('#/link/t1-hue?')).toEqual({ page: 'link', linkId: 't1-hue' });
    expect(parseRoute(linkHref('t2/odd id', 'from=-1h&to=now'))).toEqual({ page: 'link', linkId: 't2/odd id', query: 'from=-1h&to=now' });
    expect(provinceHref('hue', '')).toBe('#/province/hue');
    expect(parseRoute('#/alerts?from=-1h')).toEqual({ page: 'not-found', path: '/alerts?from=-1h' });
  });
});

describe('zoom', () => {
  const liveHour: ZoomContext = { shown: { fromMs: now - hour, toMs: now }, live: true, nowMs: now, liveEdgeMs: 72_000 };
  const pastHour: ZoomContext = { shown: { fromMs: now - 2 * hour, toMs: now - hour }, live: false, nowMs: now, liveEdgeMs: 72_000 };

  it.each([
    ['a span in the middle of a live hour', liveHour, now - 40 * minute, now - 30 * minute, { kind: 'fixed', fromMs: now - 40 * minute, toMs: now - 30 * minute }],
    ['a span up to the live edge stays live', liveHour, now - 10 * minute, now - 30_000, { kind: 'recent', spanMs: 10 * minute }],
    ['dragged right to left', liveHour, now - 30 * minute, now - 40 * minute, { kind: 'fixed', fromMs: now - 40 * minute, toMs: now - 30 * minute }],
    ['rounded to whole seconds', pastHour, now - 100 * minute + 400, now - 90 * minute - 600, { kind: 'fixed', fromMs: now - 100 * minute, toMs: now - 90 * minute - 1_000 }],
    ['widened around its middle to a minute', pastHour, now - 90 * minute, now - 90 * minute + 10_000, { kind: 'fixed', fromMs: now - 90 * minute - 25_000, toMs: now - 90 * minute + 35_000 }],
    ['a past chart never goes live', pastHour, now - 70 * minute, now - 60 * minute, { kind: 'fixed', fromMs: now - 70 * minute, toMs: now - 60 * minute }],
    ['a narrow span at the live edge is a minute', liveHour, now - 5_000, now, { kind: 'recent', spanMs: minSpanMs }],
  ] satisfies [string, ZoomContext, number, number, TimeRange][])('%s', (_name, context, fromMs, toMs, range) => {
    expect(zoomRange({ fromMs, toMs }, context)).toEqual(range);
  });

  it('never selects past now', () => {
    const context: ZoomContext = { ...pastHour, shown: { fromMs: now - hour, toMs: now + hour } };
    expect(zoomRange({ fromMs: now - 10_000, toMs: now + 20_000 }, context)).toEqual({ kind: 'fixed', fromMs: now - minute, toMs: now });
  });
});

describe('pan and zoom out', () => {
  it.each([
    ['a live hour back', { kind: 'recent', spanMs: hour }, -1, { kind: 'fixed', fromMs: now - 90 * minute, toMs: now - 30 * minute }],
    ['a live hour forward stays live', { kind: 'recent', spanMs: hour }, 1, { kind: 'recent', spanMs: hour }],
    ['a past hour forward', { kind: 'fixed', fromMs: now - 3 * hour, toMs: now - 2 * hour }, 1, { kind: 'fixed', fromMs: now - 150 * minute, toMs: now - 90 * minute }],
    ['a past hour forward up to now goes live', { kind: 'fixed', fromMs: now - 80 * minute, toMs: now - 20 * minute }, 1, { kind: 'recent', spanMs: hour }],
    ['a past day back', { kind: 'fixed', fromMs: now - 2 * day, toMs: now - day }, -1, { kind: 'fixed', fromMs: now - 2.5 * day, toMs: now - 1.5 * day }],
    // Back from live, then forward after now moved on a little: live again.
    ['back then forward, now 10 s later', { kind: 'fixed', fromMs: now - 90 * minute - 10_000, toMs: now - 30 * minute - 10_000 }, 1, { kind: 'recent', spanMs: hour }],
    ['forward, ending 16 min before now: still past', { kind: 'fixed', fromMs: now - 106 * minute, toMs: now - 46 * minute }, 1, { kind: 'fixed', fromMs: now - 76 * minute, toMs: now - 16 * minute }],
    ['forward, ending 15 min before now: live', { kind: 'fixed', fromMs: now - 105 * minute, toMs: now - 45 * minute }, 1, { kind: 'recent', spanMs: hour }],
    ['a past hour back never goes live', { kind: 'fixed', fromMs: now - 70 * minute, toMs: now - 10 * minute }, -1, { kind: 'fixed', fromMs: now - 100 * minute, toMs: now - 40 * minute }],
  ] satisfies [string, TimeRange, -1 | 1, TimeRange][])('%s', (_name, range, direction, moved) => {
    expect(panRange(range, direction, now)).toEqual(moved);
  });

  it.each([
    ['a live hour', { kind: 'recent', spanMs: hour }, { kind: 'recent', spanMs: 2 * hour }],
    ['a past hour around its middle', { kind: 'fixed', fromMs: now - 4 * hour, toMs: now - 3 * hour }, { kind: 'fixed', fromMs: now - 4.5 * hour, toMs: now - 2.5 * hour }],
    ['a past hour near now goes live', { kind: 'fixed', fromMs: now - 80 * minute, toMs: now - 20 * minute }, { kind: 'recent', spanMs: 2 * hour }],
    ['never past five years', { kind: 'recent', spanMs: 4 * 365 * day }, { kind: 'recent', spanMs: maxSpanMs }],
  ] satisfies [string, TimeRange, TimeRange][])('%s', (_name, range, wider) => {
    expect(zoomOutRange(range, now)).toEqual(wider);
  });
});

describe('the custom range', () => {
  it.each([
    ['a past afternoon', now - day, now - day + 4 * hour, { ok: true, range: { kind: 'fixed', fromMs: now - day, toMs: now - day + 4 * hour } }],
    ['up to now is live', now - 3 * hour, now - 20_000, { ok: true, range: { kind: 'recent', spanMs: 3 * hour } }],
    ['a field left empty', Number.NaN, now, { ok: false, reason: 'invalid' }],
    ['backwards', now - hour, now - 2 * hour, { ok: false, reason: 'order' }],
    ['into the future', now - hour, now + 2 * minute, { ok: false, reason: 'future' }],
    ['under a minute', now - 2 * hour, now - 2 * hour + 30_000, { ok: false, reason: 'short' }],
    ['over five years', now - 6 * 365 * day, now - day, { ok: false, reason: 'long' }],
  ])('%s', (_name, fromMs, toMs, result) => {
    expect(customRange(fromMs, toMs, now)).toEqual(result);
  });

  it.each([
    // Vietnam (UTC+7), UTC, and a zone west of Greenwich.
    [420, '2026-11-27T13:00'],
    [0, '2026-11-27T06:00'],
    [-300, '2026-11-27T01:00'],
  ])('shows an instant at offset %d as %s and reads it back', (offsetMinutes, text) => {
    expect(localFieldText(now, offsetMinutes)).toBe(text);
    expect(parseLocalField(text, offsetMinutes)).toBe(now);
  });

  it.each(['', '2026-11-27', '27/11/2026 13:00', '2026-11-27T25:00'])('refuses the field text %j', (text) => {
    expect(parseLocalField(text, 420)).toBeNaN();
  });
});

describe('durations', () => {
  it.each([
    [500, { unit: 'seconds', count: 1 }],
    [3_600, { unit: 'seconds', count: 4 }],
    [60_000, { unit: 'seconds', count: 60 }],
    [300_000, { unit: 'minutes', count: 5 }],
    [hour, { unit: 'minutes', count: 60 }],
    [2 * hour, { unit: 'hours', count: 2 }],
    [2 * day, { unit: 'days', count: 2 }],
  ])('%d ms is %j', (durationMs, parts) => {
    expect(durationParts(durationMs)).toEqual(parts);
  });
});
