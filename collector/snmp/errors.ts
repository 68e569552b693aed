// Typed SNMP failures. Expected outcomes of a poll (timeout, auth failure, an agent that
// refuses the request) become an SnmpError with a `kind` the caller can branch on and the
// library's error as `cause`; nothing here is thrown from inside an emitter callback.

export type SnmpErrorKind =
  /** No answer within timeout × retries (dead device, wrong port, wrong v2c community). */
  | 'timeout'
  /** SNMPv3 security failure: wrong key, unknown user, unsupported level, decryption error. */
  | 'auth'
  /** The agent answered with an error status (tooBig, genErr, noAccess, …). */
  | 'request'
  /** The answer could not be used (malformed, out of order, unexpected PDU). */
  | 'response'
  /** The session or its socket failed or was closed under the request. */
  | 'socket';

export class SnmpError extends Error {
  override name = 'SnmpError';
  readonly kind: SnmpErrorKind;
  readonly target: string;

  constructor(kind: SnmpErrorKind, target: string, message: string, options?: { cause?: unknown }) {
    super(`${target}: ${message}`, options);
    this.kind = kind;
    this.target = target;
  }
}

/** net-snmp's ResponseInvalidCode.EAuthFailure and ECouldNotDecrypt. */
const AUTH_RESPONSE_CODES = new Set([4, 5]);

function field(err: object, key: string): unknown {
  return (err as Record<string, unknown>)[key];
}

/** Maps whatever net-snmp passed to a callback into an SnmpError (keeps it as `cause`). */
export function toSnmpError(err: unknown, target: string): SnmpError {
  if (err instanceof SnmpError) return err;
  if (!(err instanceof Error)) return new SnmpError('response', target, String(err), { cause: err });
  const name = err.name;
  if (name === 'RequestTimedOutError') return new SnmpError('timeout', target, 'request timed out', { cause: err });
  if (name === 'ResponseInvalidError') {
    const code = field(err, 'code');
    if (typeof code === 'number' && AUTH_RESPONSE_CODES.has(code)) {
      return new SnmpError('auth', target, `authentication failed: ${err.message}`, { cause: err });
    }
    return new SnmpError('response', target, `invalid response: ${err.message}`, { cause: err });
  }
  if (name === 'RequestFailedError') return new SnmpError('request', target, `agent error: ${err.message}`, { cause: err });
  return new SnmpError('socket', target, err.message, { cause: err });
}
