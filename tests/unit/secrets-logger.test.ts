import { describe, expect, it } from 'vitest';
import { createLogger, serializeError } from '../../cli/logger.ts';
import { logSink } from '../helpers/log-capture.ts';

/** What node-influx rejects with: an Error that keeps the request (with its headers) and the response. */
function requestError(): Error {
  return Object.assign(new Error('A 401 Unauthorized error occurred: {"error":"authorization failed"}'), {
    req: { _header: 'POST /write HTTP/1.1\r\nAuthorization: Basic dXNlcjpodW50ZXIyMg==\r\n', headers: { authorization: 'Basic dXNlcjpodW50ZXIyMg==' } },
    res: { statusCode: 401, headers: {} },
  });
}

describe('createLogger', () => {
  it('writes JSON lines with app and level; children add component once', () => {
    const out = logSink();
    const log = createLogger({ destination: out.stream, level: 'debug' });
    log.child({ component: 'store' }).debug({ points: 3 }, 'written');
    expect(out.lines()).toEqual([expect.objectContaining({ level: 20, app: 'lanewatch', component: 'store', points: 3, msg: 'written' })]);
    expect(out.text().match(/"component"/g)).toHaveLength(1);
  });

  it('takes the level from LOG_LEVEL, info by default', () => {
    const saved = process.env.LOG_LEVEL;
    try {
      delete process.env.LOG_LEVEL;
      expect(createLogger({ destination: logSink().stream }).level).toBe('info');
      process.env.LOG_LEVEL = 'warn';
      expect(createLogger({ destination: logSink().stream }).level).toBe('warn');
      expect(createLogger({ destination: logSink().stream, level: 'error' }).level).toBe('error');
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
  });

  it('is callable without arguments', () => {
    expect(createLogger().level).toBe(process.env.LOG_LEVEL ?? 'info');
  });

  it('scrubs secrets from messages, fields, nested objects and children, also where JSON escapes them', () => {
    const out = logSink();
    const secrets = ['hunter22', 'pa"ss\\word', 'https://hooks.example.org/services/T0/B0/tokentokentoken'];
    const log = createLogger({ destination: out.stream, secrets });
    log.info({ url: 'http://user:hunter22@127.0.0.1:8086' }, 'connecting');
    log.child({ component: 'notify' }).warn({ nested: { target: secrets[2], pw: secrets[1] } }, `posting to ${secrets[2]}`);
    const text = out.text();
    for (const secret of [...secrets, JSON.stringify(secrets[1]).slice(1, -1)]) expect(text).not.toContain(secret);
    const [first, second] = out.lines();
    expect(first).toMatchObject({ url: 'http://user:[redacted]@127.0.0.1:8086', msg: 'connecting' });
    expect(second).toMatchObject({ component: 'notify', nested: { target: '[redacted]', pw: '[redacted]' }, msg: 'posting to [redacted]' });
  });

  it('serialises an err without the request it carries, under err or another key', () => {
    const out = logSink();
    const log = createLogger({ destination: out.stream });
    log.error({ err: requestError() }, 'write failed');
    log.error({ error: requestError() }, 'write failed');
    log.error(requestError());
    expect(out.text()).not.toContain('Authorization');
    expect(out.text()).not.toContain('dXNlcjpodW50ZXIyMg==');
    const [first, second, third] = out.lines();
    expect(first?.err).toMatchObject({ name: 'Error', statusCode: 401, message: expect.stringContaining('401 Unauthorized') });
    expect(second?.error).toMatchObject({ statusCode: 401 });
    expect(third?.err).toMatchObject({ statusCode: 401 });
  });
});

describe('serializeError', () => {
  it.each([
    ['a string', 'plain', { message: 'plain' }],
    ['undefined', undefined, { message: 'undefined' }],
    [
      'an error with code and status',
      Object.assign(new TypeError('bad'), { code: 'E_BAD', status: 404, config: { headers: { authorization: 'x' } } }),
      { name: 'TypeError', message: 'bad', code: 'E_BAD', statusCode: 404 },
    ],
    [
      'a cause, filtered the same way',
      new Error('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', options: { auth: 'u:p' } }) }),
      { name: 'Error', message: 'fetch failed', cause: { name: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' } },
    ],
    [
      'an AggregateError',
      new AggregateError([new Error('a'), 'b'], 'both failed'),
      { name: 'AggregateError', message: 'both failed', errors: [{ name: 'Error', message: 'a' }, { message: 'b' }] },
    ],
  ])('%s', (_what, err, expected) => {
    const { stack: _stack, ...rest } = serializeError(err);
    const strip = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'stack' ? undefined : v)));
    expect(strip(rest)).toEqual(expected);
  });

  it('follows causes only so deep', () => {
    let err = new Error('e0');
    for (let i = 1; i < 20; i += 1) err = new Error(`e${i}`, { cause: err });
    let depth = 0;
    for (let s = serializeError(err); s.cause !== undefined; s = s.cause) depth += 1;
    expect(depth).toBe(4);
  });
});
