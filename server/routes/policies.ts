// Reservation policies over HTTP: GET/PUT policies (revisioned: ETag and If-Match, 428
// without it, 409 on a stale revision, 400 naming the field), validate (problems and the diff
// before saving), history (paged), rollback, and the effective policy of a link. Who saved a
// revision is the signed-in user, never a name in the body.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PolicyProblem } from '../policies/model.ts';
import type { PolicyStore, RollbackResult } from '../policies/store.ts';
import { principalOf } from '../auth/guard.ts';
import type { TopologyScope } from '../auth/scope.ts';
import type { AuditSink } from './auth.ts';
import { route } from './contract.ts';
import { errorBody, RequestFieldError } from './errors.ts';

export interface PoliciesRoutesOptions {
  policies: PolicyStore;
  scope: TopologyScope;
  audit: AuditSink;
}

/** `"12"` (or a bare 12) → 12; absent → 'missing'; anything else → 'invalid'. */
export function parseIfMatch(header: string | undefined): number | 'missing' | 'invalid' {
  if (header === undefined || header.trim() === '') return 'missing';
  const match = /^\s*"?(\d{1,15})"?\s*$/.exec(header);
  if (!match) return 'invalid';
  return Number(match[1]);
}

export function etagOf(revision: number): string {
  return `"${revision}"`;
}

function invalidBody(problems: readonly PolicyProblem[]) {
  const first = problems[0];
  const field = first ? `document${first.path ? `.${first.path}` : ''}` : 'document';
  const message = first
    ? `${field}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''}`
    : 'invalid document';
  return { ...errorBody(400, message, field), problems };
}

/** The revision an If-Match names, or the reply already sent (428/400). */
function requireIfMatch(header: string | undefined, reply: FastifyReply): number | undefined {
  const parsed = parseIfMatch(header);
  if (parsed === 'missing') {
    void reply
      .code(428)
      .send(errorBody(428, 'If-Match is required: the revision the change is based on, as GET /api/v1/policies gives it in ETag', 'if-match'));
    return undefined;
  }
  if (parsed === 'invalid') {
    void reply.code(400).send(errorBody(400, 'If-Match must be a revision, e.g. "12"', 'if-match'));
    return undefined;
  }
  return parsed;
}

function sendChangeResult(reply: FastifyReply, result: RollbackResult) {
  if (result.ok) {
    return reply.header('etag', etagOf(result.revision)).send({
      revision: result.revision,
      document: result.document,
      changes: result.changes,
      ...(result.unchanged === true ? { unchanged: true } : {}),
    });
  }
  if ('conflict' in result) {
    return reply.code(409).send({
      ...errorBody(409, `the policy changed since (now revision ${result.currentRevision}): reload, reapply and save again`),
      currentRevision: result.currentRevision,
    });
  }
  if ('notFound' in result) {
    return reply.code(404).send(errorBody(404, `no policy revision ${result.revision}`, 'revision'));
  }
  return reply.code(400).send(invalidBody(result.problems));
}

export async function policiesRoutes(app: FastifyInstance, options: PoliciesRoutesOptions): Promise<void> {
  const { policies, scope, audit } = options;

  route(app, 'policies', async (_request, reply) => {
    const { revision, document } = policies.current();
    return reply.header('etag', etagOf(revision)).send({ revision, document });
  });

  route(app, 'policiesPut', async (request, reply) => {
    const principal = principalOf(request);
    const ifRevision = requireIfMatch(request.headers['if-match'], reply);
    if (ifRevision === undefined) return reply;
    const { document, comment } = request.body;
    const result = await policies.update(document, { author: principal.username, ifRevision, ...(comment !== undefined ? { comment } : {}) });
    if (result.ok && result.unchanged !== true) {
      await audit.record({
        actor: principal.username,
        address: request.ip,
        action: 'policy-save',
        target: String(result.revision),
        details: { changes: result.changes.length, ...(comment !== undefined ? { comment } : {}) },
      });
    }
    return sendChangeResult(reply, result);
  });

  route(app, 'policiesValidate', async (request) => policies.validate(request.body.document));

  route(app, 'policiesHistory', async (request) => {
    const { beforeRevision, limit } = request.query;
    return policies.history({ limit, ...(beforeRevision !== undefined ? { beforeRevision } : {}) });
  });

  route(app, 'policiesRevision', async (request, reply) => {
    const found = await policies.revision(request.params.revision);
    if (found === undefined) return reply.code(404).send(errorBody(404, `no policy revision ${request.params.revision}`, 'revision'));
    return found;
  });

  route(app, 'policiesRollback', async (request, reply) => {
    const principal = principalOf(request);
    const ifRevision = requireIfMatch(request.headers['if-match'], reply);
    if (ifRevision === undefined) return reply;
    const { revision, comment } = request.body;
    const result = await policies.rollback(revision, { author: principal.username, ifRevision, ...(comment !== undefined ? { comment } : {}) });
    if (result.ok && result.unchanged !== true) {
      await audit.record({
        actor: principal.username,
        address: request.ip,
        action: 'policy-rollback',
        target: String(result.revision),
        details: { rollbackOf: revision },
      });
    }
    return sendChangeResult(reply, result);
  });

  route(app, 'policiesEffective', async (request) => {
    const { link } = request.query;
    const effective = policies.effective(link);
    if (effective === undefined) {
      throw new RequestFieldError('querystring', 'link', `must name a configured link ("${link}" is unknown)`);
    }
    scope.requireLink(principalOf(request), link);
    return effective;
  });
}
