// The policy editor's backtest helpers (web/src/lib/policy-backtest.ts) as tables: the range
// of each preset and of a custom range, the links a draft's changes touch, the links of each
// scope, and the episode rows' keys and spans; and that every backtest string exists in both
// languages.
import { describe, expect, it } from 'vitest';
import { messages } from '../../web/src/lib/i18n.ts';
import {
  backtestRange,
  episodeRowKey,
  episodeSpanMs,
  formatBucketTime,
  linksOfScope,
  linksTouchedBy,
  localFieldMs,
  localFieldText,
  scopeOfValue,
  scopeValue,
  type LinkScope,
} from '../../web/src/lib/policy-backtest.ts';

const links = [
  { id: 't1-hue', province: 'hue', tier: 1 as const },
  { id: 't2-hue-a', province: 'hue', tier: 2 as const },
  { id: 't1-hn', province: 'ha-noi', tier: 1 as const },
  { id: 't2-hn-a', province: 'ha-noi', tier: 2 as const },
];

describe('backtestRange', () => {
  const from = localFieldText(Date.UTC(2026, 2, 1, 8, 0));
  it.each([
    ['24h', { from: '', to: '' }, { ok: true, from: '-24h', to: 'now' }],
    ['7d', { from: '', to: '' }, { ok: true, from: '-7d', to: 'now' }],
    ['30d', { from: '', to: '' }, { ok: true, from: '-30d', to: 'now' }],
    ['custom', { from: '', to: '' }, { ok: false, reason: 'invalid' }],
    ['custom', { from, to: 'tomorrow' }, { ok: false, reason: 'invalid' }],
    ['custom', { from, to: from }, { ok: false, reason: 'order' }],
    ['custom', { from, to: localFieldText(Date.UTC(2026, 2, 1, 7, 0)) }, { ok: false, reason: 'order' }],
    ['custom', { from, to: localFieldText(Date.UTC(2026, 2, 31, 8, 1)) }, { ok: false, reason: 'tooLong' }],
    ['custom', { from, to: localFieldText(Date.UTC(2026, 2, 31, 8, 0)) }, { ok: true, from: '2026-03-01T08:00:00.000Z', to: '2026-03-31T08:00:00.000Z' }],
  ] as const)('%s %j', (preset, custom, expected) => {
    expect(backtestRange(preset, custom)).toEqual(expected);
  });

  it('a local date-time field reads back as the instant it was written from, to the minute', () => {
    const atMs = Date.UTC(2026, 10, 23, 14, 5);
    expect(localFieldMs(localFieldText(atMs))).toBe(atMs);
    expect(localFieldMs(localFieldText(atMs + 59_000))).toBe(atMs);
    expect(localFieldMs('')).toBeNull();
    expect(localFieldMs('2026-11-23')).toBeNull();
  });
});

describe('linksTouchedBy', () => {
  it.each([
    ['nothing changed', [], []],
    ['a default touches every link', ['defaults.thresholds.raiseAfter'], ['t1-hue', 't2-hue-a', 't1-hn', 't2-hn-a']],
    ['a tier touches its links', ['tiers.1.reservations.video'], ['t1-hue', 't1-hn']],
    ['a province touches its links', ['provinces.hue.reservations.video'], ['t1-hue', 't2-hue-a']],
    ['a link touches itself', ['links.t2-hn-a.internetCap'], ['t2-hn-a']],
    ['a whole layer added', ['provinces.ha-noi'], ['t1-hn', 't2-hn-a']],
    ['several changes, in topology order, once each', ['links.t1-hn.reservations.docex', 'provinces.hue.thresholds.highUtil', 'links.t1-hue.reservations.video'], ['t1-hue', 't2-hue-a', 't1-hn']],
    ['an unknown province touches nothing', ['provinces.nowhere.reservations.video'], []],
  ])('%s', (_name, paths, expected) => {
    expect(linksTouchedBy(paths.map((path) => ({ path })), links)).toEqual(expected);
  });
});

describe('linksOfScope', () => {
  const changes = [{ path: 'provinces.hue.reservations.video' }];
  it.each([
    ['the changed links', { kind: 'changed' }, changes, ['t1-hue', 't2-hue-a']],
    ['changes touching every link: all (no list)', { kind: 'changed' }, [{ path: 'defaults.thresholds.highUtil' }], undefined],
    ['all: no list', { kind: 'all' }, changes, undefined],
    ['a province', { kind: 'province', province: 'ha-noi' }, changes, ['t1-hn', 't2-hn-a']],
  ] as [string, LinkScope, { path: string }[], string[] | undefined][])('%s', (_name, scope, changed, expected) => {
    expect(linksOfScope(scope, changed, links)).toEqual(expected);
  });

  it.each([[{ kind: 'changed' }], [{ kind: 'all' }], [{ kind: 'province', province: 'ha-noi' }]] as [LinkScope][])('scope %j survives a select value', (scope) => {
    expect(scopeOfValue(scopeValue(scope))).toEqual(scope);
  });
});

describe('episode rows', () => {
  const episode = { link: 't1-hue', dir: 'down' as const, level: 'warning' as const, fromMs: 1_000, toMs: 4_000 };
  it('keys differ by every part, an open episode included', () => {
    const keys = new Set([
      episodeRowKey(episode),
      episodeRowKey({ ...episode, dir: 'up' }),
      episodeRowKey({ ...episode, level: 'critical' }),
      episodeRowKey({ ...episode, fromMs: 2_000 }),
      episodeRowKey({ ...episode, toMs: null }),
    ]);
    expect(keys.size).toBe(5);
  });

  it.each([
    ['vi', '17:20 26/11/2026'],
    ['en', '26/11/2026, 17:20'],
  ] as const)('a bucket time in %s: %s', (locale, expected) => {
    expect(formatBucketTime(Date.UTC(2026, 10, 26, 17, 20, 59), locale, 'UTC')).toBe(expected);
  });

  it('an episode still raised lasts until the end of the range', () => {
    expect(episodeSpanMs(episode, 10_000)).toBe(3_000);
    expect(episodeSpanMs({ ...episode, toMs: null }, 10_000)).toBe(9_000);
  });
});

describe('backtest strings', () => {
  it('every backtest string is in Vietnamese and English, with the same placeholders', () => {
    const keys = Object.keys(messages.vi).filter((key) => key.startsWith('backtest.')) as (keyof typeof messages.vi)[];
    expect(keys.length).toBeGreaterThan(20);
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of keys) {
      expect(messages.en[key], key).toBeTruthy();
      expect(placeholders(messages.en[key]), key).toEqual(placeholders(messages.vi[key]));
    }
  });
});
