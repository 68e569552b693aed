// Who is asking, and may they: resolves the session cookie to a principal on every request and
// enforces the route's access rule from the route table. A route without a rule is refused
// (fail closed), so a forgotten entry can never open a door.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allows, type Principal } from '../../api/access.ts';
import { said, type Said } from '../../api/messages.ts';
import { errorBody } from '../routes/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, when the request carries a live session. */
    principal?: Principal;
    /** The session token the request carried (for logout). */
    sessionToken?: string;
  }
}

export const sessionCookieName = 'lanewatch_session';

/** What the guard needs from the session store. */
export interface SessionLookup {
  get(token: string): Principal | undefined;
}

/** A refusal with its status, what it says (code and params), and, when it is about one request field, that field. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly said: Said;
  readonly field: string | undefined;
  constructor(statusCode: number, what: Said, message: string, field?: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.said = what;
    this.field = field;
  }
}

/** The request's principal; the guard has already refused anonymous requests to such routes. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpError(401, said('sign-in-required', {}), 'sign in first: POST /api/v1/auth/login');
  return request.principal;
}

export function installGuard(app: FastifyInstance, sessions: SessionLookup): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('sessionToken', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const token = request.cookies[sessionCookieName];
    if (token !== undefined && token !== '') {
      request.sessionToken = token;
      const principal = sessions.get(token);
      if (principal) request.principal = principal;
    }
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (!access) {
      request.log.error({ url: request.routeOptions.url, method: request.method }, 'route without an access rule refused');
      return reply.code(403).send(errorBody(403, said('no-access-rule', {}), 'this route has no access rule'));
    }
    if (allows(access, request.principal?.role)) return;
    if (!request.principal) {
      return reply
        .code(401)
        .send(errorBody(401, said('sign-in-required', {}), 'sign in first: POST /api/v1/auth/login (the session may have expired)'));
    }
    const { role } = request.principal;
    const path = request.routeOptions.url ?? request.url;
    return reply
      .code(403)
      .send(errorBody(403, said('role-forbidden', { role, method: request.method, path }), `the ${role} role may not use ${request.method} ${path}`));
  });
}
