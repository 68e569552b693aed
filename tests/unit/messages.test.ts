// Server messages in the user's language: every code of api/messages.ts has a Vietnamese and
// an English text whose placeholders are exactly the code's params; zod issues map to codes;
// web/src/lib/messages.ts fills the texts (numbers, roles, times by Intl) and falls back to
// the server's English message for a code it does not know.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { factsOfZodIssue, saidOfIssue } from '../../api/issue-messages.ts';
import { messageCatalog, messageCodes, paramNamesOf, paramsMatch, said, type MessageCode, type Said } from '../../api/messages.ts';
import { ApiError } from '../../web/src/lib/api.ts';
import { locales, messages, type Locale } from '../../web/src/lib/i18n.ts';
import {
  errorText,
  formatParam,
  localizeMessage,
  localizeProblem,
  messageKeyOf,
  namesItsPath,
  placeholdersOf,
  type ServerMessage,
} from '../../web/src/lib/messages.ts';

describe('every code has a text in each language with exactly its params', () => {
  const rows = messageCodes.flatMap((code) => locales.map((locale) => ({ code, locale })));
  it.each(rows)('$code in $locale', ({ code, locale }) => {
    const text: string | undefined = (messages[locale] as Record<string, string>)[messageKeyOf(code)];
    expect(text, `msg.${code} in ${locale}`).toBeTypeOf('string');
    expect(text?.trim()).not.toBe('');
    expect([...new Set(placeholdersOf(text ?? ''))].sort()).toEqual(paramNamesOf(code));
  });

  it('the catalog lists at least the codes the brief names, and no msg.* text is left without a code', () => {
    for (const code of ['invalid-value', 'required', 'unknown-key', 'over-capacity', 'unknown-link'] as const) expect(messageCodes).toContain(code);
    const extras = ['msg.otherLinks', 'msg.otherLinksOne'];
    for (const locale of locales) {
      const keys = Object.keys(messages[locale]).filter((key) => key.startsWith('msg.'));
      expect(keys.sort()).toEqual([...messageCodes.map((code) => `msg.${code}`), ...extras].sort());
    }
  });

  it('Vietnamese texts are not the English ones (a forgotten translation)', () => {
    const same = messageCodes.filter((code) => messages.vi[messageKeyOf(code)] === messages.en[messageKeyOf(code)]);
    expect(same).toEqual([]);
  });
});

describe('paramsMatch', () => {
  it.each<[string, MessageCode, Record<string, unknown>, boolean]>([
    ['exact', 'over-capacity', { link: 'a', docexMbps: 1, videoMbps: 2, reservedMbps: 3, capacityMbps: 2 }, true],
    ['a missing param', 'over-capacity', { link: 'a', docexMbps: 1, videoMbps: 2, reservedMbps: 3 }, false],
    ['an extra param', 'required', { field: 'a', other: 'b' }, false],
    ['a number as text', 'too-big', { field: 'a', maximum: '3' }, false],
    ['no params for a code without any', 'internal-error', {}, true],
    ['a param for a code without any', 'internal-error', { status: 500 }, false],
  ])('%s', (_name, code, params, expected) => {
    expect(paramsMatch(code, params)).toBe(expected);
  });

  it('every catalog entry types its params as string or number', () => {
    for (const spec of Object.values(messageCatalog)) {
      for (const type of Object.values(spec)) expect(['string', 'number']).toContain(type);
    }
  });
});

describe('a zod issue as a code', () => {
  const schema = z
    .object({
      count: z.number().int().min(1).max(100).optional(),
      ratio: z.number().gt(0).lt(1).optional(),
      dir: z.enum(['down', 'up']).optional(),
      name: z.string().min(3).max(5).optional(),
      user: z.string().regex(/^[a-z]+$/).optional(),
      mail: z.email().optional(),
      list: z.array(z.string()).max(1).optional(),
      either: z.union([z.string(), z.number()]).optional(),
      needed: z.string(),
      own: z
        .string()
        .optional()
        .superRefine((value, ctx) => {
          if (value === 'many') ctx.addIssue({ code: 'custom', message: 'too many', params: { code: 'too-many-values', maximum: 3 } });
          if (value === 'badparams') ctx.addIssue({ code: 'custom', message: 'odd', params: { code: 'too-many-values', maximum: 'three' } });
          if (value === 'plain') ctx.addIssue({ code: 'custom', message: 'no' });
        }),
    })
    .strict();

  /** The code of the first issue about `field` when `input` (with `needed`) is parsed. */
  function saidFor(input: Record<string, unknown>, field: string): Said {
    const full = { needed: 'x', ...input };
    const result = schema.safeParse(full);
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    const issue = issues.find((i) => (i.code === 'unrecognized_keys' ? i.keys.includes(field) : i.path.join('.') === field));
    expect(issue, JSON.stringify(issues)).toBeDefined();
    const facts = factsOfZodIssue(issue ?? { code: 'custom' });
    return saidOfIssue(facts, field, Object.hasOwn(full, field) && full[field as keyof typeof full] !== undefined);
  }

  it.each<[string, Record<string, unknown>, string, Said]>([
    ['a missing key', { needed: undefined }, 'needed', said('required', { field: 'needed' })],
    ['a key the schema does not know', { extra: 1 }, 'extra', said('unknown-key', { field: 'extra' })],
    ['a wrong type', { count: 'five' }, 'count', said('invalid-value', { field: 'count', expected: 'number' })],
    ['not an integer', { count: 2.5 }, 'count', said('not-integer', { field: 'count' })],
    ['below an inclusive minimum', { count: 0 }, 'count', said('too-small', { field: 'count', minimum: 1 })],
    ['above an inclusive maximum', { count: 101 }, 'count', said('too-big', { field: 'count', maximum: 100 })],
    ['not above an exclusive minimum', { ratio: 0 }, 'ratio', said('not-above', { field: 'ratio', minimum: 0 })],
    ['not below an exclusive maximum', { ratio: 1 }, 'ratio', said('not-below', { field: 'ratio', maximum: 1 })],
    ['not one of the values', { dir: 'left' }, 'dir', said('invalid-value', { field: 'dir', expected: 'down, up' })],
    ['a text too short', { name: 'ab' }, 'name', said('too-short', { field: 'name', minimum: 3 })],
    ['a text too long', { name: 'abcdef' }, 'name', said('too-long', { field: 'name', maximum: 5 })],
    ['a list too long', { list: ['a', 'b'] }, 'list', said('too-long', { field: 'list', maximum: 1 })],
    ['a pattern', { user: 'A B' }, 'user', said('invalid-field', { field: 'user' })],
    ['a named format', { mail: 'nobody' }, 'mail', said('invalid-value', { field: 'mail', expected: 'email' })],
    ['no member of a union', { either: true }, 'either', said('invalid-field', { field: 'either' })],
    ['a custom issue naming its code', { own: 'many' }, 'own', said('too-many-values', { field: 'own', maximum: 3 })],
    ['a custom issue whose params do not fit its code', { own: 'badparams' }, 'own', said('invalid-field', { field: 'own' })],
    ['a custom issue without a code', { own: 'plain' }, 'own', said('invalid-field', { field: 'own' })],
  ])('%s', (_name, input, field, expected) => {
    const out = saidFor(input, field);
    expect(out).toEqual(expected);
    expect(paramsMatch(out.code, out.params)).toBe(true);
  });

  it('an issue of an unknown kind is invalid-field', () => {
    expect(saidOfIssue({ code: 'something_new', details: {} }, 'x', true)).toEqual(said('invalid-field', { field: 'x' }));
  });

  it('a missing member of a union is required', () => {
    expect(saidOfIssue({ code: 'invalid_union', details: {} }, 'x', false)).toEqual(said('required', { field: 'x' }));
  });
});

describe('localizeMessage', () => {
  it.each<[string, ServerMessage, Locale, string]>([
    ['a policy problem in Vietnamese', { code: 'too-big', params: { field: 'defaults.thresholds.highUtil', maximum: 1.5 }, message: 'x' }, 'vi', 'defaults.thresholds.highUtil không được vượt quá 1,5.'],
    ['the same in English', { code: 'too-big', params: { field: 'defaults.thresholds.highUtil', maximum: 1.5 }, message: 'x' }, 'en', 'defaults.thresholds.highUtil must be at most 1.5.'],
    [
      'over capacity, numbers by Intl vi-VN',
      { code: 'over-capacity', params: { link: 't1-hue', docexMbps: 400, videoMbps: 700.5, reservedMbps: 1100.5, capacityMbps: 1000 }, message: 'x' },
      'vi',
      'Tổng mức dành riêng trên đường truyền t1-hue vượt dung lượng: trao đổi văn bản 400 Mbit/s + hội nghị truyền hình 700,5 Mbit/s = 1.100,5 Mbit/s > 1.000 Mbit/s.',
    ],
    ['a role by its name (vi)', { code: 'role-forbidden', params: { role: 'viewer', method: 'POST', path: '/api/v1/policies/validate' }, message: 'x' }, 'vi', 'Vai trò “Người xem” không được dùng POST /api/v1/policies/validate.'],
    ['a role by its name (en)', { code: 'role-forbidden', params: { role: 'viewer', method: 'POST', path: '/api/v1/policies/validate' }, message: 'x' }, 'en', 'The “Viewer” role may not use POST /api/v1/policies/validate.'],
    ['a revision is not grouped', { code: 'revision-not-found', params: { revision: 12345 }, message: 'x' }, 'vi', 'Không có phiên bản chính sách 12345.'],
    ['a count is grouped', { code: 'too-many-series', params: { field: 'link', series: 1500, maximum: 100 }, message: 'x' }, 'vi', 'link: yêu cầu 1.500 chuỗi số liệu, tối đa 100.'],
    ['an unknown code: the English message', { code: 'brand-new-code', params: { field: 'x' }, message: 'something new went wrong' }, 'vi', 'something new went wrong'],
    ['no code at all: the English message', { message: 'HTTP 502' }, 'vi', 'HTTP 502'],
    ['params that do not fill the text: the English message', { code: 'unknown-link', params: { field: 'link' }, message: 'must name a configured link' }, 'vi', 'must name a configured link'],
  ])('%s', (_name, input, locale, expected) => {
    expect(localizeMessage(input, locale)).toBe(expected);
  });

  it('range bounds are shown as local date and time', () => {
    const text = localizeMessage({ code: 'range-backwards', params: { field: 'from', from: '2026-11-27T06:00:00.000Z', to: '2026-11-27T05:00:00.000Z' }, message: 'x' }, 'vi');
    expect(text).not.toContain('2026-11-27T');
    expect(text).toContain('27/11/2026');
    expect(formatParam('from', '2026-11-27T06:00:00.000Z', 'en')).toMatch(/27\/11\/2026/);
    expect(formatParam('value', '2026-11-27T06:00:00.000Z', 'en')).toBe('2026-11-27T06:00:00.000Z');
  });
});

describe('localizeProblem and namesItsPath', () => {
  const over = { path: 'tiers.2.reservations.docex.percent', code: 'over-capacity', params: { link: 't2-a', docexMbps: 60, videoMbps: 50, reservedMbps: 110, capacityMbps: 100 }, message: 'x' };
  it.each<[number | undefined, Locale, RegExp]>([
    [undefined, 'vi', /100 Mbit\/s\.$/],
    [1, 'vi', /\(và 1 đường truyền khác\)$/],
    [1, 'en', /\(and 1 other link\)$/],
    [210, 'vi', /\(và 210 đường truyền khác\)$/],
    [1500, 'en', /\(and 1,500 other links\)$/],
  ])('otherLinks %s in %s', (otherLinks, locale, expected) => {
    expect(localizeProblem({ ...over, otherLinks }, locale)).toMatch(expected);
  });

  it.each<[string, { path: string; code?: string; params?: Record<string, string | number> }, boolean]>([
    ['a schema problem names its field', { path: 'defaults.thresholds.highUtil', code: 'too-big', params: { field: 'defaults.thresholds.highUtil', maximum: 1.5 } }, true],
    ['over-capacity names the link, not the key', { path: over.path, code: over.code, params: over.params }, false],
    ['an unknown code', { path: 'a', code: 'brand-new', params: { field: 'a' } }, false],
    ['no path', { path: '', code: 'required', params: { field: '' } }, false],
  ])('%s', (_name, problem, expected) => {
    expect(namesItsPath({ ...problem, message: 'x' })).toBe(expected);
  });
});

describe('errorText', () => {
  it.each<[string, unknown, Locale, string]>([
    ['an error body in Vietnamese', new ApiError('/api/v1/policies', 409, { statusCode: 409, error: 'Conflict', code: 'policy-conflict', params: { currentRevision: 7 }, message: 'the policy changed since' }), 'vi', 'Chính sách đã được sửa trong lúc bạn làm việc (nay là phiên bản 7): hãy tải lại, áp dụng lại thay đổi rồi lưu.'],
    ['a newer server\'s code: its English message', new ApiError('/api/v1/x', 400, { code: 'brand-new', params: {}, message: 'new trouble' }), 'vi', 'new trouble'],
    ['no error body (a proxy page)', new ApiError('/api/v1/x', 502, null), 'vi', 'HTTP 502'],
    ['params of the wrong kind are dropped', new ApiError('/api/v1/x', 404, { code: 'alert-not-found', params: { id: { nested: true } }, message: 'no alert' }), 'en', 'no alert'],
    ['a network failure', new TypeError('Failed to fetch'), 'vi', 'Failed to fetch'],
    ['something thrown that is no Error', 'odd', 'en', 'odd'],
  ])('%s', (_name, error, locale, expected) => {
    expect(errorText(error, locale)).toBe(expected);
  });

  it('an ApiError keeps the code, params and field it was sent', () => {
    const error = new ApiError('/api/v1/history', 400, { code: 'unknown-link', params: { field: 'link', link: 'x', junk: [1] }, message: 'm', field: 'link' });
    expect(error.code).toBe('unknown-link');
    expect(error.params).toEqual({ field: 'link', link: 'x' });
    expect(error.field).toBe('link');
    expect(error.said).toEqual({ code: 'unknown-link', params: { field: 'link', link: 'x' }, message: 'm' });
    expect(error.message).toBe('/api/v1/history: m');
  });
});
