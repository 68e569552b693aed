// Reservation policies over HTTP (issue 5): GET/PUT policies (revisioned: ETag and If-Match,
// 428 without it, 409 on a stale revision, 400 naming the field), validate (problems and the diff
// before saving), history, rollback, and the effective policy of a link.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PolicyProblem } from '../policies/model.ts';
import type { PolicyStore, RollbackResult } from '../policies/store.ts';
import { errorBody, RequestFieldError } from './errors.ts';
import { errorSchema } from './schemas.ts';

export interface PoliciesRoutesOptions {
  policies: PolicyStore;
}

/** 4xx of these routes: the usual error, plus the problems of an invalid document or the current revision on a conflict. */
const policyErrorSchema = {
  type: 'object',
  properties: {
    ...errorSchema.properties,
    currentRevision: { type: 'integer' },
    problems: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } }, required: ['path', 'message'] },
    },
  },
  required: errorSchema.required,
} as const;

const errors = { '4xx': policyErrorSchema, '5xx': errorSchema } as const;

const author = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } as const;
const comment = { type: 'string', maxLength: 1000 } as const;
const ifMatchHeader = { type: 'object', properties: { 'if-match': { type: 'string', maxLength: 100 } } } as const;

interface PutBody {
  document: unknown;
  author: string;
  comment?: string;
}

interface RollbackBody {
  revision: number;
  author: string;
  comment?: string;
}

interface ValidateBody {
  document: unknown;
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
    return reply.header('etag', etagOf(result.revision)).send({ revision: result.revision, document: result.document, changes: result.changes });
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
  const { policies } = options;

  app.get('/policies', { schema: { response: errors } }, async (_request, reply) => {
    const { revision, document } = policies.current();
    return reply.header('etag', etagOf(revision)).send({ revision, document });
  });

  app.put<{ Body: PutBody; Headers: { 'if-match'?: string } }>(
    '/policies',
    {
      schema: {
        headers: ifMatchHeader,
        body: {
          type: 'object',
          properties: { document: {}, author, comment },
          required: ['document', 'author'],
          additionalProperties: false,
        },
        response: errors,
      },
    },
    async (request, reply) => {
      const ifRevision = requireIfMatch(request.headers['if-match'], reply);
      if (ifRevision === undefined) return reply;
      const { document, author: who, comment: why } = request.body;
      const result = await policies.update(document, { author: who, ifRevision, ...(why !== undefined ? { comment: why } : {}) });
      return sendChangeResult(reply, result);
    },
  );

  app.post<{ Body: ValidateBody }>(
    '/policies/validate',
    {
      schema: {
        body: { type: 'object', properties: { document: {} }, required: ['document'], additionalProperties: false },
        response: errors,
      },
    },
    async (request) => policies.validate(request.body.document),
  );

  app.get('/policies/history', { schema: { response: errors } }, async () => ({
    revisions: policies.history().map(({ document: _document, ...summary }) => summary),
  }));

  app.get<{ Params: { revision: number } }>(
    '/policies/history/:revision',
    {
      schema: {
        params: { type: 'object', properties: { revision: { type: 'integer', minimum: 1 } }, required: ['revision'] },
        response: errors,
      },
    },
    async (request, reply) => {
      const found = policies.revision(request.params.revision);
      if (found === undefined) return reply.code(404).send(errorBody(404, `no policy revision ${request.params.revision}`, 'revision'));
      return found;
    },
  );

  app.post<{ Body: RollbackBody; Headers: { 'if-match'?: string } }>(
    '/policies/rollback',
    {
      schema: {
        headers: ifMatchHeader,
        body: {
          type: 'object',
          properties: { revision: { type: 'integer', minimum: 1 }, author, comment },
          required: ['revision', 'author'],
          additionalProperties: false,
        },
        response: errors,
      },
    },
    async (request, reply) => {
      const ifRevision = requireIfMatch(request.headers['if-match'], reply);
      if (ifRevision === undefined) return reply;
      const { revision, author: who, comment: why } = request.body;
      const result = await policies.rollback(revision, { author: who, ifRevision, ...(why !== undefined ? { comment: why } : {}) });
      return sendChangeResult(reply, result);
    },
  );

  app.get<{ Querystring: { link: string } }>(
    '/policies/effective',
    {
      schema: {
        querystring: { type: 'object', properties: { link: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['link'] },
        response: errors,
      },
    },
    async (request) => {
      const effective = policies.effective(request.query.link);
      if (effective === undefined) {
        throw new RequestFieldError('querystring', 'link', `must name a configured link ("${request.query.link}" is unknown)`);
      }
      return effective;
    },
  );
}
