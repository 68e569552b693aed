// The UI's formatting and translations (web/src/lib/i18n.ts): Intl with vi-VN / en-GB.
import { describe, expect, it } from 'vitest';
import {
  formatBitRate,
  formatCapacity,
  formatCount,
  formatTime,
  formatUtilization,
  messages,
  scaleBitRate,
  translate,
  type Locale,
} from '../../web/src/lib/i18n.ts';

describe('formatBitRate', () => {
  const cases: [number | null | undefined, Locale, string][] = [
    [123_400_000, 'vi', '123,4 Mbit/s'],
    [123_400_000, 'en', '123.4 Mbit/s'],
    [0, 'vi', '0 bit/s'],
    [999, 'vi', '999 bit/s'],
    [999.6, 'en', '1.0 kbit/s'],
    [1_500, 'vi', '1,5 kbit/s'],
    [999_960, 'en', '1.0 Mbit/s'],
    [999_940, 'en', '999.9 kbit/s'],
    [2_500_000_000, 'vi', '2,5 Gbit/s'],
    [1.2e13, 'en', '12.0 Tbit/s'],
    [2e15, 'vi', '2.000,0 Tbit/s'],
    [null, 'vi', '—'],
    [undefined, 'en', '—'],
    [Number.NaN, 'en', '—'],
  ];
  it.each(cases)('%s bit/s in %s is %s', (bitsPerSecond, locale, expected) => {
    expect(formatBitRate(bitsPerSecond, locale)).toBe(expected);
  });
});

describe('formatCapacity', () => {
  const cases: [number, Locale, string][] = [
    [1_000_000_000, 'vi', '1 Gbit/s'],
    [100_000_000, 'en', '100 Mbit/s'],
    [2_500_000_000, 'vi', '2,5 Gbit/s'],
    [10_000_000_000, 'en', '10 Gbit/s'],
  ];
  it.each(cases)('%s in %s is %s', (capacityBps, locale, expected) => {
    expect(formatCapacity(capacityBps, locale)).toBe(expected);
  });
});

describe('scaleBitRate', () => {
  it('starts from the given unit and climbs while the rounded value reaches 1000', () => {
    expect(scaleBitRate(999_400, 0)).toEqual({ value: 999.4, unit: 'kbit/s' });
    // 999.5 kbit/s would print as "1000 kbit/s" without decimals: one unit up instead.
    expect(scaleBitRate(999_500, 0)).toEqual({ value: 0.9995, unit: 'Mbit/s' });
    expect(scaleBitRate(999_500, 1)).toEqual({ value: 999.5, unit: 'kbit/s' });
    expect(scaleBitRate(1_000_000, 1, 1)).toEqual({ value: 1, unit: 'Mbit/s' });
    expect(scaleBitRate(-2_000_000, 1)).toEqual({ value: -2, unit: 'Mbit/s' });
  });
});

describe('formatUtilization and formatCount', () => {
  it('uses the locale decimal separator and grouping', () => {
    expect(formatUtilization(0.4532, 'vi')).toBe('45,3%');
    expect(formatUtilization(0.4532, 'en')).toBe('45.3%');
    expect(formatUtilization(null, 'en')).toBe('—');
    expect(formatCount(3300, 'vi')).toBe('3.300');
    expect(formatCount(3300, 'en')).toBe('3,300');
  });
});

describe('formatTime', () => {
  it('prints a 24-hour clock in the given time zone', () => {
    const atMs = Date.UTC(2026, 0, 2, 7, 5, 9);
    expect(formatTime(atMs, 'vi', 'Asia/Ho_Chi_Minh')).toBe('14:05:09');
    expect(formatTime(atMs, 'en', 'UTC')).toBe('07:05:09');
  });
});

describe('translate', () => {
  it('fills placeholders, numbers through the locale', () => {
    expect(translate('vi', 'national.summary', { low: 30, total: 34, mid: 2, high: 2 })).toBe(
      '30/34 tỉnh dưới 60%, 2 từ 60–80%, 2 trên 80%',
    );
    expect(translate('en', 'health.devices', { up: 1200, total: 3300 })).toBe('1,200/3,300 devices');
    expect(translate('vi', 'health.devices', { up: 1200, total: 3300 })).toBe('1.200/3.300 thiết bị');
  });

  it('leaves an unknown placeholder visible rather than inventing a value', () => {
    expect(translate('en', 'link.notFound', {})).toBe('No link “{id}”.');
  });

  it('has every key in both languages, none empty, and Vietnamese as a different text where it is prose', () => {
    const viKeys = Object.keys(messages.vi).sort();
    expect(Object.keys(messages.en).sort()).toEqual(viKeys);
    for (const key of viKeys) {
      expect(messages.vi[key as keyof typeof messages.vi].length).toBeGreaterThan(0);
    }
    expect(messages.vi['national.title']).not.toBe(messages.en['national.title']);
  });
});
