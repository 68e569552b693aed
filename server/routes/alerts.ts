// GET /api/v1/alerts?state=&province= (newest first) and POST /api/v1/alerts/:id/ack { by }.
import type { FastifyInstance } from 'fastify';
import type { AlertEpisode, EpisodeState } from '../alerts/model.ts';
import type { EpisodeFilter } from '../alerts/episodes.ts';
import { errorBody, RequestFieldError } from './errors.ts';
import { directions, errorResponses } from './schemas.ts';
import { linkVerdictSchema } from './states.ts';

/** What the routes need from the AlertBook. */
export interface AlertsSource {
  list(filter: EpisodeFilter): AlertEpisode[];
  ack(id: string, by: string): AlertEpisode | 'not-found' | 'resolved';
}

export interface AlertRoutesOptions {
  book: AlertsSource;
  /** Configured provinces: `province=` must name one. */
  provinceIds: ReadonlySet<string>;
}

const notificationSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['raise', 'escalate', 'resolve'] },
    channel: { type: 'string', enum: ['webhook', 'email'] },
    target: { type: 'string' },
    atMs: { type: 'number' },
    attempts: { type: 'integer' },
    deliveredAtMs: { type: 'number' },
    error: { type: 'string' },
    gaveUpAtMs: { type: 'number' },
  },
  required: ['kind', 'channel', 'target', 'atMs', 'attempts'],
} as const;

export const episodeSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    link: { type: 'string' },
    province: { type: 'string' },
    tier: { type: 'integer', enum: [1, 2] },
    dir: { type: 'string', enum: directions },
    level: { type: 'string', enum: ['warning', 'critical'] },
    state: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] },
    raisedAtMs: { type: 'number' },
    escalatedAtMs: { type: 'number' },
    acknowledgedAtMs: { type: 'number' },
    acknowledgedBy: { type: 'string' },
    resolvedAtMs: { type: 'number' },
    firstVerdict: linkVerdictSchema,
    lastVerdict: linkVerdictSchema,
    escalateVerdict: linkVerdictSchema,
    notifications: { type: 'array', items: notificationSchema },
  },
  required: ['id', 'link', 'province', 'tier', 'dir', 'level', 'state', 'raisedAtMs', 'firstVerdict', 'lastVerdict', 'notifications'],
} as const;

interface ListQuery {
  state?: EpisodeState;
  province?: string;
}

const listSchema = {
  querystring: {
    type: 'object',
    properties: {
      state: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] },
      province: { type: 'string', minLength: 1, maxLength: 200 },
    },
  },
  response: {
    200: { type: 'object', properties: { alerts: { type: 'array', items: episodeSchema } }, required: ['alerts'] },
    ...errorResponses,
  },
} as const;

const ackSchema = {
  params: {
    type: 'object',
    properties: { id: { type: 'string', minLength: 1, maxLength: 400 } },
    required: ['id'],
  },
  body: {
    type: 'object',
    properties: { by: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } },
    required: ['by'],
  },
  response: { 200: episodeSchema, ...errorResponses },
} as const;

export async function alertRoutes(app: FastifyInstance, options: AlertRoutesOptions): Promise<void> {
  app.get<{ Querystring: ListQuery }>('/alerts', { schema: listSchema }, async (request) => {
    const q = request.query;
    if (q.province !== undefined && !options.provinceIds.has(q.province)) {
      throw new RequestFieldError('querystring', 'province', `must name a configured province ("${q.province}" is unknown)`);
    }
    const filter: EpisodeFilter = {};
    if (q.state !== undefined) filter.state = q.state;
    if (q.province !== undefined) filter.province = q.province;
    return { alerts: options.book.list(filter) };
  });

  app.post<{ Params: { id: string }; Body: { by: string } }>('/alerts/:id/ack', { schema: ackSchema }, async (request, reply) => {
    const result = options.book.ack(request.params.id, request.body.by.trim());
    if (result === 'not-found') return reply.status(404).send(errorBody(404, `no alert "${request.params.id}"`));
    if (result === 'resolved') return reply.status(409).send(errorBody(409, `alert "${request.params.id}" is resolved`));
    return result;
  });
}
