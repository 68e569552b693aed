// One error handler for the whole API: 4xx say what is wrong and which field; 5xx are
// logged with their context and answered without internals. InfluxDB being unreachable is
// 503 with Retry-After (the client may try again), not 500.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { LogLimiter } from '../../collector/log-limiter.ts';
import { StorageUnavailableError } from '../history/query-history.ts';

/** A request that names a field the handler rejects (after schema validation passed). */
export class RequestFieldError extends Error {
  readonly statusCode = 400;
  readonly field: string;
  constructor(part: 'querystring' | 'params' | 'body', field: string, reason: string) {
    super(`${part}/${field} ${reason}`);
    this.name = 'RequestFieldError';
    this.field = field;
  }
}

interface ValidationIssue {
  instancePath?: string;
  params?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The field an Ajv validation issue is about: `/dir` → `dir`, a missing property by name. */
export function fieldOfValidation(issue: ValidationIssue | undefined): string | undefined {
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

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
}

export function errorBody(statusCode: number, message: string, field?: string): ErrorBody {
  const out: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (field !== undefined) out.field = field;
  return out;
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
      const field = fieldOfValidation(isRecord(first) ? (first as ValidationIssue) : undefined);
      request.log.info({ field, reason: message }, 'invalid request');
      return reply.status(400).send(errorBody(400, message, field));
    }
    if (error instanceof RequestFieldError) {
      request.log.info({ field: error.field, reason: message }, 'invalid request');
      return reply.status(400).send(errorBody(400, message, error.field));
    }
    if (error instanceof StorageUnavailableError) {
      const admitted = storageLog.admit(error.name);
      if (admitted) request.log.warn({ err: error, url: request.url, method: request.method, suppressed: admitted.suppressed }, 'storage unavailable');
      return reply
        .status(503)
        .header('retry-after', String(error.retryAfterSeconds))
        .send(errorBody(503, `InfluxDB is unreachable; try again in ${error.retryAfterSeconds} s`));
    }
    const rawStatus = record['statusCode'];
    const statusCode = typeof rawStatus === 'number' && rawStatus >= 400 && rawStatus < 600 ? rawStatus : 500;
    if (statusCode >= 500) {
      request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
      return reply.status(500).send(errorBody(500, 'internal server error'));
    }
    const field = typeof record['field'] === 'string' ? record['field'] : undefined;
    request.log.info({ reason: message, field }, 'request rejected');
    return reply.status(statusCode).send(errorBody(statusCode, message, field));
  });
}
