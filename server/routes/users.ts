// Users (admins only): list, add, set a password, remove. A password change or a removal
// revokes the user's sessions at once; every change goes to the audit log.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { UserError, type UserStore } from '../auth/users.ts';
import type { SessionStore } from '../auth/sessions.ts';
import { principalOf } from '../auth/guard.ts';
import type { AuditSink } from './auth.ts';
import { route } from './contract.ts';
import { roles } from '../../api/access.ts';
import { said, type Said } from '../../api/messages.ts';
import { maxPasswordLength, minPasswordLength } from '../auth/password.ts';
import { errorBody } from './errors.ts';

export interface UserRoutesOptions {
  users: UserStore;
  sessions: Pick<SessionStore, 'revokeUser'>;
  audit: AuditSink;
}

const fieldOf: Record<UserError['code'], string> = {
  'invalid-username': 'username',
  'invalid-role': 'role',
  'invalid-province': 'province',
  'invalid-password': 'password',
  exists: 'username',
  'not-found': 'username',
};

/** What a refusal of the store says, from its code and the account asked for. */
function saidOfUserError(code: UserError['code'], account: { username: string; role?: string; province?: string | undefined }): Said {
  const { username } = account;
  switch (code) {
    case 'invalid-username':
      return said('invalid-username', { username: username.slice(0, 100) });
    case 'invalid-role':
      return said('invalid-value', { field: 'role', expected: roles.join(', ') });
    case 'invalid-province':
      if (account.role !== 'province') return said('province-not-allowed', { username, role: account.role ?? '' });
      if (account.province === undefined || account.province === '') return said('province-required', { username });
      return said('unknown-province', { field: 'province', province: account.province });
    case 'invalid-password':
      return said('password-length', { minimum: minPasswordLength, maximum: maxPasswordLength });
    case 'exists':
      return said('user-exists', { username });
    case 'not-found':
      return said('user-not-found', { username });
  }
}

function sendUserError(reply: FastifyReply, err: unknown, account: { username: string; role?: string; province?: string | undefined }) {
  if (!(err instanceof UserError)) throw err;
  const status = err.code === 'not-found' ? 404 : err.code === 'exists' ? 409 : 400;
  return reply.code(status).send(errorBody(status, saidOfUserError(err.code, account), err.message, fieldOf[err.code]));
}

export async function userRoutes(app: FastifyInstance, options: UserRoutesOptions): Promise<void> {
  const { users, sessions, audit } = options;

  route(app, 'users', async () => ({ users: users.list() }));

  route(app, 'userAdd', async (request, reply) => {
    const actor = principalOf(request);
    const { username, role, province, password } = request.body;
    try {
      const user = await users.add({ username, role, password, ...(province !== undefined ? { province } : {}) });
      await audit.record({ actor: actor.username, address: request.ip, action: 'user-add', target: username, details: { role, ...(province !== undefined ? { province } : {}) } });
      return reply.code(201).send(user);
    } catch (err) {
      return sendUserError(reply, err, { username, role, province });
    }
  });

  route(app, 'userPassword', async (request, reply) => {
    const actor = principalOf(request);
    const { username } = request.params;
    try {
      await users.setPassword(username, request.body.password);
    } catch (err) {
      return sendUserError(reply, err, { username });
    }
    const revoked = await sessions.revokeUser(username);
    await audit.record({ actor: actor.username, address: request.ip, action: 'user-passwd', target: username, details: { sessionsRevoked: revoked } });
    return reply.code(204).send();
  });

  route(app, 'userRemove', async (request, reply) => {
    const actor = principalOf(request);
    const { username } = request.params;
    if (username === actor.username) return reply.code(409).send(errorBody(409, said('cannot-remove-self', {}), 'you cannot remove yourself', 'username'));
    try {
      await users.remove(username);
    } catch (err) {
      return sendUserError(reply, err, { username });
    }
    const revoked = await sessions.revokeUser(username);
    await audit.record({ actor: actor.username, address: request.ip, action: 'user-remove', target: username, details: { sessionsRevoked: revoked } });
    return reply.code(204).send();
  });
}
