// One error handler for the whole API: 4xx say what is wrong and which field; 5xx are
// logged with their context and answered without internals. InfluxDB being unreachable is
// 503 with Retry-After (the client may try again), not 500. Every body carries a `code` and
// its `params` (api/messages.ts), which the UI words in the user's language, and the English
// `message` for scripts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { saidOfIssue } from '../../api/issue-messages.ts';
import { isMessageCode, paramsMatch, said, type MessageCode, type MessageParamValues, type Said } from '../../api/messages.ts';
import { LogLimiter } from '../../collector/log-limiter.ts';
import { StorageUnavailableError } from '../history/query-history.ts';
import { errorCode } from '../../config/error-code.ts';

/** A request that names a field the handler rejects (after schema validation passed). */
export class RequestFieldError extends Error {
  readonly statusCode = 400;
  readonly field: string;
  readonly said: Said;
  constructor(part: 'querystring' | 'params' | 'body', field: string, reason: string, what: Said) {
    super(`${part}/${field} ${reason}`);
    this.name = 'RequestFieldError';
    this.field = field;
    this.said = what;
  }
}

/** What each kind of topology name is called in the English message, and its message code. */
const unknownNames = {
  link: (field: string, id: string) => ({ noun: 'link', what: said('unknown-link', { field, link: id }) }),
  province: (field: string, id: string) => ({ noun: 'province', what: said('unknown-province', { field, province: id }) }),
  device: (field: string, id: string) => ({ noun: 'router', what: said('unknown-device', { field, device: id }) }),
} as const;

/** The error for a link, province or router id the topology does not have, at `field` (the kind by default). */
export function unknownNameError(kind: keyof typeof unknownNames, id: string, part: 'querystring' | 'body' = 'querystring', field: string = kind): RequestFieldError {
  const { noun, what } = unknownNames[kind](field, id);
  return new RequestFieldError(part, field, `must name a configured ${noun} ("${id}" is unknown)`, what);
}

interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  params?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The field an Ajv validation issue is about: `/dir` → `dir`, a missing property by name. */
function fieldOfValidation(issue: ValidationIssue | undefined): string | undefined {
  if (!issue) return undefined;
  const missing = issue.params?.['missingProperty'];
  if (typeof missing === 'string') return missing;
  const extra = issue.params?.['additionalProperty'];
  if (typeof extra === 'string') return extra;
  // zod's unrecognized_keys (a strict object given a key it does not know).
  const keys = issue.params?.['keys'];
  if (Array.isArray(keys) && typeof keys[0] === 'string') {
    const prefix = issue.instancePath?.replace(/^\//, '').replace(/\//g, '.');
    return prefix ? `${prefix}.${keys[0]}` : keys[0];
  }
  const path = issue.instancePath?.replace(/^\//, '').replace(/\//g, '.');
  return path ? path : undefined;
}

/** Whether the request part has a value at the issue's path (a missing one is `required`). */
function hasValueAt(part: unknown, instancePath: string | undefined): boolean {
  let value = part;
  for (const segment of (instancePath ?? '').split('/').filter((s) => s !== '')) {
    if (!isRecord(value) || !Object.hasOwn(value, segment)) return false;
    value = value[segment];
  }
  return value !== undefined;
}

/** The message of a schema validation issue on `field` of the request part `part`. */
function saidOfValidation(issue: ValidationIssue | undefined, field: string, part: unknown): Said {
  if (!issue) return said('invalid-field', { field });
  return saidOfIssue({ code: issue.keyword ?? '', details: issue.params ?? {} }, field, hasValueAt(part, issue.instancePath));
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: MessageCode;
  params: MessageParamValues;
  message: string;
  field?: string;
}

/** An error body: what went wrong as a code and its parameters, and `message` in English. */
export function errorBody(statusCode: number, what: Said, message: string, field?: string): ErrorBody {
  const out: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code: what.code, params: what.params, message };
  if (field !== undefined) out.field = field;
  return out;
}

/** The `said` an error carries (HttpError, RequestFieldError), when it is a well-formed one. */
function carriedSaid(record: Record<string, unknown>): Said | undefined {
  const carried = record['said'];
  if (!isRecord(carried) || !isMessageCode(carried['code']) || !isRecord(carried['params'])) return undefined;
  return paramsMatch(carried['code'], carried['params']) ? (carried as Said) : undefined;
}

/** A 4xx fastify or a plugin raised: its code when we know it, else the status. */
function saidOfRefusal(statusCode: number, fastifyCode: unknown, contentType: string | undefined): Said {
  switch (fastifyCode) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return said('unsupported-media-type', { contentType: (contentType ?? '').slice(0, 100) });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return said('body-too-large', {});
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return said('invalid-json', {});
    default:
      return said('request-rejected', { status: statusCode });
  }
}

const validationParts = new Set(['body', 'querystring', 'params', 'headers']);

function requestPart(request: FastifyRequest, context: unknown): unknown {
  if (context === 'body') return request.body;
  if (context === 'querystring') return request.query;
  if (context === 'params') return request.params;
  if (context === 'headers') return request.headers;
  return undefined;
}

/**
 * Fastify's own refusals before any route is found (a broken URL, a path parameter too long):
 * the usual body instead of fastify's, which has no `params` and a code of its own. Passed as
 * the `frameworkErrors` option of Fastify().
 */
export function answerFrameworkError(error: { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  request.log.info({ code: error.code, url: request.url.slice(0, 200) }, 'request refused by the router');
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send(errorBody(400, said('invalid-url', {}), 'the URL is not valid (a broken percent-encoding?)'));
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send(errorBody(414, said('url-too-long', {}), 'a path parameter is longer than the server reads'));
  } else {
    void reply.status(500).send(errorBody(500, said('internal-error', {}), 'internal server error'));
  }
}

/** File-system failures that mean the server cannot write its state now (it may later). */
const stateWriteCodes: ReadonlyMap<string, string> = new Map([
  ['ENOSPC', 'disk full'],
  ['EDQUOT', 'disk quota exceeded'],
  ['EROFS', 'read-only file system'],
  ['EIO', 'I/O error'],
  ['EMFILE', 'too many open files'],
  ['ENFILE', 'too many open files'],
]);
/** What a client is told to wait when the state cannot be written. */
const stateRetryAfterSeconds = 60;

/** Pure: the reason `err` (or an error it wraps) is a state write that failed, or undefined. */
function stateWriteFailure(err: unknown, depth = 0): string | undefined {
  if (!isRecord(err) || depth > 4) return undefined;
  const code = errorCode(err);
  if (code !== undefined && stateWriteCodes.has(code)) return `${stateWriteCodes.get(code)} (${code})`;
  return stateWriteFailure(err['cause'], depth + 1);
}

/** One warning per minute while InfluxDB stays down, with the count of the ones left out. */
const storageLogEveryMs = 60_000;

export function installErrorHandler(app: FastifyInstance): void {
  const storageLog = new LogLimiter(storageLogEveryMs);
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const record = isRecord(error) ? error : {};
    const message = error instanceof Error ? error.message : String(error);
    const validation = record['validation'];
    if (Array.isArray(validation)) {
      const first: unknown = validation[0];
      const issue = isRecord(first) ? (first as ValidationIssue) : undefined;
      const context = record['validationContext'];
      const field = fieldOfValidation(issue);
      // A whole part refused (a body that is no object) is said of the part.
      const named = field ?? (typeof context === 'string' && validationParts.has(context) ? context : 'request');
      request.log.info({ field, reason: message }, 'invalid request');
      return reply.status(400).send(errorBody(400, saidOfValidation(issue, named, requestPart(request, context)), message, field));
    }
    if (error instanceof RequestFieldError) {
      request.log.info({ field: error.field, reason: message }, 'invalid request');
      return reply.status(400).send(errorBody(400, error.said, message, error.field));
    }
    if (error instanceof StorageUnavailableError) {
      const admitted = storageLog.admit(error.name);
      if (admitted) request.log.warn({ err: error, url: request.url, method: request.method, suppressed: admitted.suppressed }, 'storage unavailable');
      return reply
        .status(503)
        .header('retry-after', String(error.retryAfterSeconds))
        .send(
          errorBody(
            503,
            said('storage-unavailable', { retryAfterSeconds: error.retryAfterSeconds }),
            `InfluxDB is unreachable; try again in ${error.retryAfterSeconds} s`,
          ),
        );
    }
    const unwritable = stateWriteFailure(error);
    if (unwritable !== undefined) {
      request.log.error({ err: error, url: request.url, method: request.method }, 'state not written');
      return reply
        .status(503)
        .header('retry-after', String(stateRetryAfterSeconds))
        .send(
          errorBody(
            503,
            said('state-unwritable', { reason: unwritable, retryAfterSeconds: stateRetryAfterSeconds }),
            `the server could not write its state (${unwritable}); try again in ${stateRetryAfterSeconds} s`,
          ),
        );
    }
    const rawStatus = record['statusCode'];
    const statusCode = typeof rawStatus === 'number' && rawStatus >= 400 && rawStatus < 600 ? rawStatus : 500;
    if (statusCode >= 500) {
      request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
      return reply.status(500).send(errorBody(500, said('internal-error', {}), 'internal server error'));
    }
    const field = typeof record['field'] === 'string' ? record['field'] : undefined;
    request.log.info({ reason: message, field }, 'request rejected');
    const what = carriedSaid(record) ?? saidOfRefusal(statusCode, record['code'], request.headers['content-type']);
    return reply.status(statusCode).send(errorBody(statusCode, what, message, field));
  });
}
