// The web client's history URL, read back by the server's own query schema (one contract).
import { describe, expect, it } from 'vitest';
import { historyQuerySchema } from '../../api/schemas.ts';
import { historyPath } from '../../web/src/lib/api.ts';

/** The query string as fastify hands it to the schema: a repeated key becomes a list. */
function queryOf(path: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URL(path, 'http://localhost').searchParams) {
    const had = out[key];
    out[key] = had === undefined ? value : [...[had].flat(), value];
  }
  return out;
}

describe('historyPath', () => {
  it.each([
    [{ link: 't1-hue', dir: 'down' as const }, '/api/v1/history?link=t1-hue&dir=down&class=total&from=-1h&to=now'],
    [
      { link: 't1-hue', dir: 'up' as const, class: 'video' as const, from: '2026-01-01T00:00:00Z', to: 'now' },
      '/api/v1/history?link=t1-hue&dir=up&class=video&from=2026-01-01T00%3A00%3A00Z&to=now',
    ],
    [
      { link: ['t1-hue', 't2-hue-a-luoi'], dir: ['down', 'up'] as const, class: ['total', 'video'] as const, from: '-7d', step: '5m', maxPoints: 500 },
      '/api/v1/history?link=t1-hue&link=t2-hue-a-luoi&dir=down&dir=up&class=total&class=video&from=-7d&to=now&step=5m&maxPoints=500',
    ],
    [{ link: 't1-hue', dir: 'down' as const, step: 3_600_000 }, '/api/v1/history?link=t1-hue&dir=down&class=total&from=-1h&to=now&step=3600000'],
  ])('%j', (query, path) => {
    expect(historyPath(query)).toBe(path);
  });

  it('what it builds is what the server reads', () => {
    const path = historyPath({ link: ['a', 'b'], dir: 'down', class: ['total', 'docex'], from: '-1d', step: '1h', maxPoints: 100 });
    expect(historyQuerySchema.parse(queryOf(path))).toEqual({
      link: ['a', 'b'],
      dir: ['down'],
      class: ['total', 'docex'],
      from: '-1d',
      to: 'now',
      step: '1h',
      maxPoints: 100,
    });
    expect(historyQuerySchema.parse(queryOf(historyPath({ link: 'a', dir: 'up' })))).toMatchObject({ link: ['a'], dir: ['up'], class: ['total'] });
  });

  it.each([
    [{ link: 'a', dir: 'down', class: ['total', 'gold'] }, 'class', /gold/],
    [{ link: Array.from({ length: 51 }, (_, k) => `l${k}`), dir: 'down' }, 'link', /at most 50/],
    [{ link: '', dir: 'down' }, 'link', /""/],
    [{ link: 'a' }, 'dir', /./],
  ])('the schema refuses %j naming %s', (query, field, message) => {
    const parsed = historyQuerySchema.safeParse(query);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual([field]);
    expect(parsed.error?.issues[0]?.message).toMatch(message);
  });
});
