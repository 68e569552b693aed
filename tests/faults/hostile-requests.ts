// Generated hostile HTTP requests for every route of the table (api/routes.ts): each request
// starts from the route's own schemas (querystring, params, body, headers turned into JSON
// Schema) and is then bent: wrong types, missing and extra keys, huge and deep bodies, odd
// encodings and invalid UTF-8, path tricks, overlong and malformed headers. fast-check builds
// them from a seed, so a run is reproducible and a failure can be replayed.
import fc from 'fast-check';
import { z } from 'zod';
import type { RouteContract } from '../../api/routes.ts';

/** The request as `app.inject` takes it. */
export interface HostileRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** A string or raw bytes; absent: no body. */
  payload?: string | Buffer;
  /** The client address the server sees (login throttling is per address). */
  remoteAddress: string;
  /** What the generator did, for a failure report. */
  note: string;
}

/** The subset of JSON Schema that z.toJSONSchema produces for our request schemas. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
}

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Values that mean something to the server: real ids, times, revisions. */
export interface Domain {
  strings: readonly string[];
  /** A document the policy routes accept, to bend. */
  policyDocument: unknown;
}

// ---- strings ----------------------------------------------------------------------------------

/** Path and encoding tricks, in the form they take inside a URL (already percent-encoded or raw). */
export const pathTricks: readonly string[] = [
  '..', '.', '../../etc/passwd', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%2e%2e', '..%5c..%5cwindows',
  '%00', 'a%00b', '%0d%0aSet-Cookie:%20x=1', '%C3%28', '%FF%FE', '%C0%AE%C0%AE', '%E0%80%AF', '%', '%%', '%zz', '%u002e',
  '%F0%9F%98%80', 'ti%E1%BA%BFng-vi%E1%BB%87t', '%EF%BF%BF', '%ED%A0%80', '~root', '*', '%2A', '%20', '+', 'a;b', 'a,b', '$(id)',
  '`id`', "'; DROP MEASUREMENT traffic; --", '"', "'", '\\', '/', '%2F', '//', '?', '%3F', '#', '%23', '{}', '[]', 'null',
  'undefined', 'NaN', '-1', '0', '1e309', '9007199254740993', '0x10', '__proto__', 'constructor', 'prototype',
];

/** Strings that are text (JSON bodies, decoded values): control characters, lone surrogates, long runs. */
const hostileTextSamples: readonly string[] = [
  '', ' ', '\u0000', 'a\u0000b', '\r\n', '\ud800', '\udfff', '\uffff', '\u202e', 'Đ', 'Hà Nội', '😀'.repeat(10),
  '"; DROP MEASUREMENT traffic', "' OR '1'='1", "\\'", '${process.exit()}', '{{7*7}}', '<script>alert(1)</script>',
  '__proto__', 'constructor', 'hasOwnProperty', 'toString', '-1h; SELECT * FROM traffic', 'now()', '-99999999999h',
  '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2025-02-30T00:00:00Z', '-0', '1e400', 'NaN', 'Infinity',
];

function hostileText(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...hostileTextSamples) },
    { weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 4, arbitrary: fc.constantFrom(...pathTricks) },
    { weight: 1, arbitrary: fc.nat({ max: 100_000 }).map((n) => 'x'.repeat(n)) },
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  );
}

// ---- values from a schema -----------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A value that (mostly) fits the schema, with domain strings mixed into its strings. */
export function fromSchema(schema: JsonSchema, domain: Domain, depth = 0): fc.Arbitrary<Json> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as Json[]));
  if (schema.const !== undefined) return fc.constant(schema.const as Json);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => fromSchema(s, domain, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const model: Record<string, fc.Arbitrary<Json>> = {};
      for (const [key, sub] of Object.entries(props)) model[key] = fromSchema(sub, domain, depth + 1);
      return fc.record(model, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) }) as fc.Arbitrary<Json>;
    }
    case 'array':
      return fc.array(schema.items ? fromSchema(schema.items, domain, depth + 1) : fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 6, 6),
      });
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 40, 40);
      const shaped = schema.pattern ? fc.stringMatching(new RegExp(schema.pattern)) : fc.string({ minLength, maxLength });
      const fitting = domain.strings.filter((s) => s.length >= minLength);
      return fitting.length > 0 ? fc.oneof(shaped, fc.constantFrom(...fitting)) : shaped;
    }
    case 'integer':
      return fc.oneof(
        fc.integer({ min: Math.max(schema.minimum ?? -1e6, -1e15), max: Math.min(schema.maximum ?? 1e6, 1e15) }),
        fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53 + 2, -(2 ** 53)),
      );
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    default:
      // Any value (a policy document): a real one, bent, or anything.
      return depth > 3 ? (fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>) : fc.oneof(
        fc.constant(domain.policyDocument as Json),
        bend(fc.constant(domain.policyDocument as Json)),
        fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>,
      );
  }
}

/** Any hostile JSON value: wrong types, big numbers, long strings, prototype keys. */
function hostileJson(): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
    { weight: 2, arbitrary: hostileText() },
    { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, 0, -0, 1e308, -1e308, 2 ** 53 + 1, 0.1, [], {}, [[[[]]]]) },
    { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}') as Json) },
    { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => `id-${i}`)) },
  );
}

/** Takes a value and bends one place: a key replaced by a hostile value, dropped, or an extra key. */
export function bend(value: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return fc.tuple(value, fc.nat(), hostileJson(), fc.constantFrom('replace', 'drop', 'extra', 'wrap', 'whole')).map(([v, pick, bad, how]) => {
    if (how === 'whole' || v === null || typeof v !== 'object') return how === 'wrap' ? [v] : bad;
    if (how === 'wrap') return [v];
    const copy: Record<string, Json> | Json[] = Array.isArray(v) ? [...v] : { ...v };
    const keys = Object.keys(copy);
    if (how === 'extra' || keys.length === 0) {
      (copy as Record<string, Json>)[['__proto__', 'constructor', 'extra', 'document', ''][pick % 5]!] = bad;
      return copy;
    }
    const key = keys[pick % keys.length]!;
    if (how === 'drop') delete (copy as Record<string, Json>)[key];
    else (copy as Record<string, Json>)[key] = bad;
    return copy;
  });
}

// ---- encoding a request -------------------------------------------------------------------------

type Encoding = 'uri' | 'raw' | 'plus' | 'double' | 'utf8-broken';

/** encodeURIComponent of the text made well-formed (a lone surrogate becomes U+FFFD instead of throwing). */
export function percentEncode(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

function encodePart(text: string, how: Encoding): string {
  switch (how) {
    case 'uri':
      return percentEncode(text);
    case 'raw':
      // Unencoded (spaces, #, & and = included): what a careless client sends.
      return text.replace(/[\r\n]/g, '');
    case 'plus':
      return percentEncode(text).replace(/%20/g, '+');
    case 'double':
      return percentEncode(percentEncode(text));
    case 'utf8-broken':
      return percentEncode(text) + '%C3';
  }
}

/** A query string from a value: objects as key=value (arrays repeat the key), anything else as junk. */
function queryString(value: Json, how: Encoding): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return encodePart(JSON.stringify(value) ?? '', how);
  const parts: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const values = Array.isArray(v) ? v : [v];
    for (const one of values) {
      const text = typeof one === 'string' ? one : JSON.stringify(one);
      parts.push(`${encodePart(key, how)}=${encodePart(text ?? '', how)}`);
    }
  }
  return parts.join('&');
}

/** A body string nested `depth` levels deep (arrays or objects). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const invalidUtf8 = Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d]);

interface BodyChoice {
  payload: string | Buffer;
  contentType: string | undefined;
  note: string;
}

function bodyOf(contract: RouteContract, domain: Domain): fc.Arbitrary<BodyChoice | undefined> {
  const schema = contract.body ? jsonSchemaOf(contract.body) : undefined;
  const shaped = schema ? fromSchema(schema, domain) : (fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>);
  const json = (note: string) => (v: Json): BodyChoice => ({ payload: JSON.stringify(v) ?? 'null', contentType: 'application/json', note });
  return fc.oneof(
    { weight: 8, arbitrary: shaped.map(json('schema-shaped')) },
    { weight: 8, arbitrary: bend(shaped).map(json('bent')) },
    { weight: 4, arbitrary: hostileJson().map(json('hostile json')) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 100, max: 200_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'))
        .map(([depth, kind]) => ({ payload: deepJson(depth, kind), contentType: 'application/json', note: `deep ${kind} ${depth}` })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 900 * 1024, max: 3 * 1024 * 1024 })
        .map((n) => ({ payload: `{"document":"${'x'.repeat(n)}"}`, contentType: 'application/json', note: `huge ${n} bytes` })),
    },
    { weight: 2, arbitrary: fc.constant({ payload: invalidUtf8, contentType: 'application/json', note: 'invalid utf-8' }) },
    {
      weight: 2,
      arbitrary: fc.tuple(shaped, fc.nat()).map(([v, cut]) => {
        const text = JSON.stringify(v) ?? '';
        return { payload: text.slice(0, cut % (text.length + 1)), contentType: 'application/json', note: 'truncated json' };
      }),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          shaped,
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json; charset=latin1',
            'application/json; charset=utf-16',
            'application/octet-stream',
            'application/json, text/plain',
            'application/jsonx',
            ';;;',
            '',
          ),
        )
        .map(([v, contentType]) => ({ payload: JSON.stringify(v) ?? '', contentType, note: `content-type ${contentType}` })),
    },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((bytes) => ({ payload: Buffer.from(bytes), contentType: 'application/json', note: 'random bytes' })) },
  );
}

function paramValue(schema: JsonSchema | undefined, domain: Domain): fc.Arbitrary<string> {
  const shaped = schema ? fromSchema(schema, domain).map((v) => (typeof v === 'string' ? percentEncode(v) : percentEncode(JSON.stringify(v)))) : fc.constant('x');
  return fc.oneof(
    { weight: 6, arbitrary: shaped },
    { weight: 6, arbitrary: fc.constantFrom(...pathTricks) },
    { weight: 2, arbitrary: hostileText().map((t) => percentEncode(t)) },
    { weight: 1, arbitrary: fc.constant('p'.repeat(100_000)) },
  );
}

/** Whole-URL tricks that do not follow the route's shape at all. */
const urlTricks: readonly string[] = [
  '/api/v1/../../etc/passwd', '/api/v1/%2e%2e/%2e%2e/etc/passwd', '/api/v1/..%2f..%2fetc%2fpasswd', '/api/v1//topology',
  '/api/v1/./topology', '/api/v1/topology/..', '/api/v1/topology%00', '/api/v1/topology%00.json', '/api/v1/%00', '/api/v1/%',
  '/api/v1/%C3%28', '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/api/v1/TOPOLOGY', '/API/V1/topology', '/api/v2/topology',
  '/api/v1/topology?', '/api/v1/topology??a=1', '/api/v1/topology?a=%', '/api/v1/topology#x', '/api/v1/alerts/%2F/ack',
  '/api/v1/users/%2e%2e/password', '/api/v1/policies/history/1e3', '/api/v1/policies/history/-1', '/api/v1/policies/history/0x10',
  '/api/v1/live/snapshot/../../health', '/api/v1/health/', '/api/v1', '/api', '/api/', '//api/v1/me', '/metrics/../api/v1/me',
  '/index.html/../../../../etc/passwd', '/..%252f..%252fetc/passwd', '/%2e%2e/%2e%2e/package.json', '/web/dist/../../package.json',
  '*', '/api/v1/me?__proto__[admin]=1', '/api/v1/history?link[]=a&link[b]=c', '/api/v1/history?' + 'a=1&'.repeat(2_000),
];

export interface Principal {
  /** `anonymous` or a user name. */
  name: string;
  /** The session cookie (`name=value`) of a signed-in principal. */
  cookie?: string;
}

/** Replaces `:param` segments of a path. */
function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => values[name] ?? 'x');
}

/** The arbitrary of hostile requests to one route as one principal. */
export function hostileRequests(contract: RouteContract, url: string, principal: Principal, domain: Domain, origin: string): fc.Arbitrary<HostileRequest> {
  const paramsSchema = contract.params ? jsonSchemaOf(contract.params) : undefined;
  const paramNames = [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
  const params = fc.record(Object.fromEntries(paramNames.map((name) => [name, paramValue(paramsSchema?.properties?.[name], domain)])));
  const querySchema = contract.querystring ? jsonSchemaOf(contract.querystring) : undefined;
  const queryValue: fc.Arbitrary<Json> = querySchema
    ? fc.oneof({ weight: 3, arbitrary: fromSchema(querySchema, domain) }, { weight: 3, arbitrary: bend(fromSchema(querySchema, domain)) }, { weight: 1, arbitrary: hostileJson() })
    : fc.oneof(fc.constant<Json>({}), hostileJson());
  const encoding = fc.constantFrom<Encoding>('uri', 'uri', 'uri', 'raw', 'plus', 'double', 'utf8-broken');
  const headersSchema = contract.headers ? jsonSchemaOf(contract.headers) : undefined;
  const hasBody = contract.method === 'POST' || contract.method === 'PUT';
  const headerValue = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('"1"', '"2"', '*', 'W/"1"', '"', '""', '"999999999999999999999"', '"-1"', '1', 'null', '"1", "2"', '\t') },
    { weight: 6, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 50 }) },
    { weight: 1, arbitrary: fc.nat({ max: 70_000 }).map((n) => 'h'.repeat(n)) },
  );
  const extraHeaders = fc.array(
    fc.tuple(
      fc.constantFrom('if-match', 'x-forwarded-for', 'accept', 'accept-language', 'accept-encoding', 'x-requested-with', 'range', 'expect', 'transfer-encoding', 'content-encoding', 'x-long'),
      headerValue,
    ),
    { maxLength: 3 },
  );
  return fc
    .record({
      shape: fc.constantFrom('route', 'route', 'route', 'route', 'route', 'route', 'route', 'route', 'url-trick', 'method'),
      params,
      query: queryValue,
      encoding,
      withQuery: fc.boolean(),
      body: hasBody ? bodyOf(contract, domain) : fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bodyOf(contract, domain) }),
      headers: extraHeaders,
      schemaHeaders: headersSchema ? fromSchema(headersSchema, domain) : fc.constant<Json>({}),
      origin: fc.oneof({ weight: 12, arbitrary: fc.constant<string | undefined>(origin) }, { weight: 1, arbitrary: fc.constantFrom<string | undefined>('http://evil.example', 'null', undefined) }),
      host: fc.oneof({ weight: 12, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: fc.constantFrom('evil.example', '127.0.0.1:1', '[::1]', 'localhost:80\r\nx: y', '') }),
      cookieJunk: fc.constantFrom(undefined, undefined, undefined, 'lanewatch_session=', 'lanewatch_session=' + 'z'.repeat(5_000), 'a=b; lanewatch_session=forged', '=;;=;', 'lanewatch_session=%ZZ'),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'),
      trick: fc.constantFrom(...urlTricks),
      address: fc.nat({ max: 7 }),
    })
    .map((g) => {
      let method = contract.method as string;
      let path = fillPath(url, g.params);
      let note = `route ${contract.method} ${url}`;
      if (g.shape === 'url-trick') {
        path = g.trick;
        note = `url trick`;
      } else if (g.shape === 'method') {
        method = g.method;
        note = `method ${g.method} on ${url}`;
      }
      const query = g.withQuery && g.shape !== 'url-trick' ? queryString(g.query, g.encoding) : '';
      const headers: Record<string, string> = {};
      if (g.origin !== undefined) headers['origin'] = g.origin;
      if (g.host !== undefined) headers['host'] = g.host.replace(/[\r\n]/g, '');
      const cookies = [principal.cookie, g.cookieJunk].filter((c): c is string => c !== undefined);
      if (cookies.length > 0) headers['cookie'] = cookies.join('; ');
      if (g.schemaHeaders !== null && typeof g.schemaHeaders === 'object' && !Array.isArray(g.schemaHeaders)) {
        for (const [k, v] of Object.entries(g.schemaHeaders)) if (typeof v === 'string') headers[k] = v.replace(/[^\x20-\x7e]/g, '');
      }
      for (const [k, v] of g.headers) headers[k] = v;
      const request: HostileRequest = {
        method,
        url: query.length > 0 ? `${path}?${query}` : path,
        headers,
        // Login throttling is per address: the generated logins come from other addresses
        // than the test's own sign-ins (127.0.0.1).
        remoteAddress: `127.0.1.${2 + g.address}`,
        note: `${note}; query ${g.encoding}`,
      };
      if (g.body !== undefined && method !== 'GET' && method !== 'HEAD') {
        request.payload = g.body.payload;
        if (g.body.contentType !== undefined) headers['content-type'] = g.body.contentType;
        request.note += `; body ${g.body.note}`;
      }
      return request;
    });
}
