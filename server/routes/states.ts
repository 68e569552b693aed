// GET /api/v1/states: every link and direction's state after hysteresis, and each province's
// worst state (DESIGN §4). The WebSocket /api/v1/live sends the same as `states` messages.
import type { FastifyInstance } from 'fastify';
import type { StatesSource } from '../analysis/analyzer.ts';
import { directions, errorResponses } from './schemas.ts';

const levels = ['ok', 'warning', 'critical'] as const;

export const linkVerdictSchema = {
  type: 'object',
  properties: {
    atMs: { type: 'number' },
    link: { type: 'string' },
    province: { type: 'string' },
    tier: { type: 'integer', enum: [1, 2] },
    dir: { type: 'string', enum: directions },
    level: { type: 'string', enum: levels },
    conditions: {
      type: 'object',
      properties: {
        encroaching: { type: 'boolean' },
        busy: { type: 'boolean' },
        starved: { type: 'boolean' },
        dropsReported: { type: 'boolean' },
      },
      required: ['encroaching', 'busy', 'starved', 'dropsReported'],
    },
    totalBps: { type: 'number' },
    internetBps: { type: 'number' },
    capacityBps: { type: 'number' },
    reservedBps: { type: 'number' },
    encroachBps: { type: 'number' },
    dropRatio: { type: 'object', properties: { docex: { type: 'number' }, video: { type: 'number' } } },
    policyRevision: { type: 'integer' },
  },
  required: ['atMs', 'link', 'province', 'tier', 'dir', 'level', 'conditions', 'totalBps', 'internetBps', 'capacityBps', 'reservedBps', 'encroachBps', 'dropRatio', 'policyRevision'],
} as const;

export const linkStatusSchema = {
  type: 'object',
  properties: {
    link: { type: 'string' },
    province: { type: 'string' },
    tier: { type: 'integer', enum: [1, 2] },
    dir: { type: 'string', enum: directions },
    level: { type: 'string', enum: levels },
    sinceMs: { type: 'number' },
    last: linkVerdictSchema,
  },
  required: ['link', 'province', 'tier', 'dir', 'level', 'sinceMs', 'last'],
} as const;

export const provinceStatusSchema = {
  type: 'object',
  properties: {
    province: { type: 'string' },
    level: { type: 'string', enum: levels },
    worst: {
      type: 'array',
      items: {
        type: 'object',
        properties: { link: { type: 'string' }, dir: { type: 'string', enum: directions }, level: { type: 'string', enum: levels } },
        required: ['link', 'dir', 'level'],
      },
    },
  },
  required: ['province', 'level', 'worst'],
} as const;

const statesSchema = {
  response: {
    200: {
      type: 'object',
      properties: {
        atMs: { type: 'number' },
        links: { type: 'array', items: linkStatusSchema },
        provinces: { type: 'array', items: provinceStatusSchema },
      },
      required: ['atMs', 'links', 'provinces'],
    },
    ...errorResponses,
  },
} as const;

export interface StatesRoutesOptions {
  analyzer: Pick<StatesSource, 'view'>;
}

export async function statesRoutes(app: FastifyInstance, options: StatesRoutesOptions): Promise<void> {
  app.get('/states', { schema: statesSchema }, async () => options.analyzer.view());
}
