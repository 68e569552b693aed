// The README's API table says what the route table says: every route, with who may use it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anyone } from '../../api/access.ts';
import { contractUrl, routes, type RouteContract } from '../../api/routes.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** `| \`GET /api/v1/x\` … | who | what |` rows of the README. */
const rows = new Map(
  [...readme.matchAll(/^\| `([A-Z]+) (\/[^`]*)`[^|]*\| ([^|]+) \|/gm)].map((m): [string, string] => [`${m[1]} ${m[2]}`, m[3]!.trim()]),
);

function who(contract: RouteContract): string {
  if (contract.access.roles === anyone) return 'anyone';
  return contract.access.roles.join(', ') + (contract.access.scope === 'province' ? ' (own only)' : '');
}

describe('README API table', () => {
  it.each(Object.entries(routes) as [string, RouteContract][])('%s is listed with who may use it', (_name, contract) => {
    const key = `${contract.method} ${contractUrl(contract)}`;
    expect(rows.get(key), key).toBe(who(contract));
  });

  it('lists no route the table does not have', () => {
    const table = new Set((Object.values(routes) as RouteContract[]).map((c) => `${c.method} ${contractUrl(c)}`));
    expect([...rows.keys()].filter((key) => key.includes('/api/') && !table.has(key))).toEqual([]);
  });
});
