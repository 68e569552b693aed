// The README's configuration section names every settings key the schema has.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { settingsSchema } from '../../config/schema.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Unwraps default/prefault/optional/nullable wrappers down to the schema they hold. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    const def = current.def as { innerType?: z.ZodType };
    if (def.innerType === undefined) return current;
    current = def.innerType;
  }
}

/** Every key path of an object schema: `server.tls.certFile`, … */
function keyPaths(schema: z.ZodType, prefix = ''): string[] {
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodObject)) return [];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...keyPaths(value, path)];
  });
}

describe('README settings', () => {
  const paths = keyPaths(settingsSchema);
  it('walks the schema', () => {
    expect(paths).toContain('server.tls.certFile');
    expect(paths.length).toBeGreaterThan(40);
  });
  it.each(paths)('%s is named in the README', (path) => {
    const key = path.split('.').at(-1)!;
    // `key`, or inside a dotted name: `spool.maxBytes`, `metrics.allowFrom`.
    const named = new RegExp(`[\`.]${key}[\`.]`).test(readme);
    expect(named, `${path} is not named in README.md`).toBe(true);
  });
});
