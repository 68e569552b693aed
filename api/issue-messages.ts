// A zod issue as a message code (api/messages.ts): how a request refused by its schema, or a
// policy document refused by its own, is worded for a client. Pure. Works on zod's issues and
// on fastify-type-provider-zod's copies of them (the issue's fields under `params`).
import { isMessageCode, paramsMatch, said, type MessageParamValues, type Said } from './messages.ts';

/** What the mapping reads of an issue: its zod code and its other fields (`values`, `minimum`, …). */
export interface IssueFacts {
  code: string;
  details: Readonly<Record<string, unknown>>;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

const lengthOrigins = new Set(['string', 'array', 'set', 'file']);

/** Allowed values as a client reads them: `down, up`. */
function listOf(values: readonly unknown[]): string {
  return values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(', ');
}

/**
 * A custom issue that names its own code in `params` (`{ code: 'too-many-values', maximum: 3 }`):
 * that code, with the field added, when its parameters fit the catalog.
 */
function customSaid(params: unknown, field: string): Said | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const { code, ...rest } = params as Record<string, unknown>;
  if (!isMessageCode(code)) return undefined;
  const values: Record<string, unknown> = { field, ...rest };
  if (!paramsMatch(code, values)) return undefined;
  return { code, params: values as MessageParamValues } as Said;
}

/**
 * The message of one issue about `field` (a dotted path, or a request field's name);
 * `present` is whether the input had a value there (a missing one is `required`).
 */
export function saidOfIssue(issue: IssueFacts, field: string, present: boolean): Said {
  const d = issue.details;
  switch (issue.code) {
    case 'unrecognized_keys':
      return said('unknown-key', { field });
    case 'invalid_type':
      if (!present) return said('required', { field });
      if (d['expected'] === 'int') return said('not-integer', { field });
      return said('invalid-value', { field, expected: String(d['expected'] ?? '') });
    case 'invalid_union':
      return present ? said('invalid-field', { field }) : said('required', { field });
    case 'invalid_value': {
      const values = d['values'];
      return Array.isArray(values) ? said('invalid-value', { field, expected: listOf(values) }) : said('invalid-field', { field });
    }
    case 'invalid_format': {
      const format = d['format'];
      // A pattern is no expectation a reader can use; the message says what it wants.
      return typeof format === 'string' && format !== 'regex' ? said('invalid-value', { field, expected: format }) : said('invalid-field', { field });
    }
    case 'too_small': {
      const minimum = numberOf(d['minimum']);
      if (minimum === undefined) return said('invalid-field', { field });
      if (lengthOrigins.has(String(d['origin']))) return said('too-short', { field, minimum });
      return d['inclusive'] === false ? said('not-above', { field, minimum }) : said('too-small', { field, minimum });
    }
    case 'too_big': {
      const maximum = numberOf(d['maximum']);
      if (maximum === undefined) return said('invalid-field', { field });
      if (lengthOrigins.has(String(d['origin']))) return said('too-long', { field, maximum });
      return d['inclusive'] === false ? said('not-below', { field, maximum }) : said('too-big', { field, maximum });
    }
    case 'custom':
      return customSaid(d['params'], field) ?? said('invalid-field', { field });
    default:
      return said('invalid-field', { field });
  }
}

/** The facts of a zod issue itself (its fields beside `code`, `path` and `message`). */
export function factsOfZodIssue(issue: { code: string; path?: readonly PropertyKey[]; message?: string }): IssueFacts {
  const { code, path: _path, message: _message, ...details } = issue as { code: string; path?: unknown; message?: unknown } & Record<string, unknown>;
  return { code, details };
}
