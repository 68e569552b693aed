// The process logger: pino JSON lines with `app: 'lanewatch'`, level from LOG_LEVEL. Every
// line is scrubbed of the configuration's secrets after serialisation, whatever field or
// message carries them, and errors are serialised without the request they may hold (a
// node-influx error keeps its request, whose headers carry `Authorization: Basic …`).
// Parts add `component` with `log.child({ component })`; the root adds none.
import { destination, pino, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { createRedactor } from '../config/secrets.ts';

export interface LoggerOptions {
  /** Values never to appear in a line (see `secretValues`); replaced by `[redacted]`. */
  secrets?: readonly string[];
  /** Where lines go (default stdout). */
  destination?: DestinationStream;
  /** Default: LOG_LEVEL, else `info`. */
  level?: string;
}

/** Error fields kept in a log line; anything else an error carries (request, response, options) is dropped. */
export interface SerializedError {
  name?: string;
  message: string;
  stack?: string;
  code?: string | number;
  statusCode?: number;
  cause?: SerializedError;
  errors?: SerializedError[];
}

/** Causes and aggregated errors are followed this deep. */
const maxErrorDepth = 4;

function field(value: object, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

/** The HTTP status an error carries: its own `statusCode`/`status`, or its response's (node-influx keeps `res`). */
function statusCodeOf(err: object): number | undefined {
  for (const key of ['statusCode', 'status']) {
    const value = field(err, key);
    if (typeof value === 'number') return value;
  }
  const res = field(err, 'res');
  if (typeof res === 'object' && res !== null) {
    const value = field(res, 'statusCode');
    if (typeof value === 'number') return value;
  }
  return undefined;
}

/**
 * The `err` serializer: name, message, stack, code and HTTP status, with the cause and the
 * errors of an AggregateError serialised the same way. Pure.
 */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const message = field(err, 'message');
  const out: SerializedError = { message: typeof message === 'string' ? message : String(err) };
  const name = field(err, 'name');
  if (typeof name === 'string') out.name = name;
  const stack = field(err, 'stack');
  if (typeof stack === 'string') out.stack = stack;
  const code = field(err, 'code');
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  const statusCode = statusCodeOf(err);
  if (statusCode !== undefined) out.statusCode = statusCode;
  if (depth < maxErrorDepth) {
    const cause = field(err, 'cause');
    if (cause !== undefined) out.cause = serializeError(cause, depth + 1);
    const errors = field(err, 'errors');
    if (Array.isArray(errors)) out.errors = errors.map((e: unknown) => serializeError(e, depth + 1));
  }
  return out;
}

/** The log object with every top-level Error serialised by `serializeError`. */
function serializeErrorFields(object: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(object)) {
    if (!(value instanceof Error)) continue;
    out ??= { ...object };
    out[key] = serializeError(value);
  }
  return out ?? object;
}

/** Each secret as it is written and as it appears inside a JSON string (quotes, backslashes, control characters escaped). */
function withJsonForms(secrets: readonly string[]): string[] {
  return secrets.flatMap((secret) => {
    const inJson = JSON.stringify(secret).slice(1, -1);
    return inJson === secret ? [secret] : [secret, inJson];
  });
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const redact = createRedactor(withJsonForms(options.secrets ?? []));
  const pinoOptions: PinoOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { app: 'lanewatch' },
    serializers: { err: (err: unknown) => serializeError(err) },
    // An error logged under another key (`{ error: err }`) gets the same treatment.
    formatters: { log: serializeErrorFields },
    hooks: { streamWrite: redact },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/**
 * A command's diagnostics on stderr (stdout carries its output), written synchronously so that
 * none is lost at exit, scrubbed of `secrets`. `destination` replaces stderr (tests).
 */
export function stderrLogger(component: string, level: string, options: Pick<LoggerOptions, 'secrets' | 'destination'> = {}): Logger {
  return createLogger({ level, ...options, destination: options.destination ?? destination({ dest: 2, sync: true }) }).child({ component });
}
