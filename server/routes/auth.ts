// Sign in, sign out, who am I. Login is throttled per user name and per client address; a
// wrong user and a wrong password get the same answer after the same work (a password hash).
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import type { Principal } from '../../api/access.ts';
import type { AuditAction } from '../auth/audit.ts';
import { principalOf, sessionCookieName } from '../auth/guard.ts';
import { route } from './contract.ts';
import { said } from '../../api/messages.ts';
import { errorBody } from './errors.ts';

export interface AuditSink {
  record(entry: {
    actor: string | null;
    address: string;
    action: AuditAction;
    target?: string;
    details?: Record<string, unknown>;
  }): Promise<unknown>;
}

/**
 * The audit sink the routes use: a record that cannot be written (disk full) is logged as an
 * error with what it said, and the request's answer stays the truth about the change itself
 * (which was made before it is recorded), never a 5xx for a change that happened.
 */
export function loggingAuditSink(sink: AuditSink, log: FastifyBaseLogger): AuditSink {
  return {
    record: async (entry) => {
      try {
        return await sink.record(entry);
      } catch (err) {
        log.error({ err, audit: { actor: entry.actor, address: entry.address, action: entry.action, target: entry.target } }, 'audit record not written');
        return undefined;
      }
    },
  };
}

export interface AuthRoutesOptions {
  users: { verify(username: string, password: string): Promise<Principal | undefined> };
  sessions: { create(principal: Principal, address: string): Promise<string>; revoke(token: string): Promise<void> };
  throttle: {
    check(username: string, address: string): { allowed: true } | { allowed: false; retryAfterMs: number };
    recordFailure(username: string, address: string): void;
    recordSuccess(username: string, address: string): void;
  };
  audit: AuditSink;
  /** settings.auth.sessionMaxMs: the cookie's lifetime. */
  sessionMaxMs: number;
  /** The cookie is `Secure` under TLS. */
  secureCookie: boolean;
}

export async function authRoutes(app: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const { users, sessions, throttle, audit } = options;
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: options.secureCookie,
  };

  const refuse = (reply: FastifyReply) => reply.code(401).send(errorBody(401, said('wrong-credentials', {}), 'wrong user name or password'));

  route(app, 'login', async (request, reply) => {
    const { username, password } = request.body;
    const address = request.ip;
    const gate = throttle.check(username, address);
    if (!gate.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(gate.retryAfterMs / 1000));
      await audit.record({ actor: null, address, action: 'login-failed', target: username, details: { reason: 'throttled' } });
      return reply
        .code(429)
        .header('retry-after', String(retryAfterSeconds))
        .send(errorBody(429, said('sign-in-throttled', { retryAfterSeconds }), `too many failed sign-ins: try again in ${retryAfterSeconds} s`));
    }
    const principal = await users.verify(username, password);
    if (!principal) {
      throttle.recordFailure(username, address);
      await audit.record({ actor: null, address, action: 'login-failed', target: username });
      return refuse(reply);
    }
    throttle.recordSuccess(username, address);
    const token = await sessions.create(principal, address);
    await audit.record({ actor: principal.username, address, action: 'login' });
    void reply.setCookie(sessionCookieName, token, { ...cookieOptions, maxAge: Math.floor(options.sessionMaxMs / 1000) });
    return { user: principal };
  });

  route(app, 'logout', async (request, reply) => {
    if (request.sessionToken !== undefined) await sessions.revoke(request.sessionToken);
    if (request.principal) await audit.record({ actor: request.principal.username, address: request.ip, action: 'logout' });
    void reply.clearCookie(sessionCookieName, cookieOptions);
    return reply.code(204).send();
  });

  route(app, 'me', async (request) => principalOf(request));
}
