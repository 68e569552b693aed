// GET /api/v1/topology: provinces, routers and links, without any SNMP credential or address.
import type { FastifyInstance } from 'fastify';
import type { TopologyView } from '../topology-view.ts';
import { errorResponses } from './schemas.ts';

const topologySchema = {
  response: {
    200: {
      type: 'object',
      properties: {
        intervalMs: { type: 'integer' },
        provinces: {
          type: 'array',
          items: {
            type: 'object',
            properties: { id: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' } },
            required: ['id', 'name', 'region'],
          },
        },
        routers: {
          type: 'array',
          items: {
            type: 'object',
            properties: { id: { type: 'string' }, name: { type: 'string' }, province: { type: 'string' } },
            required: ['id', 'name'],
          },
        },
        links: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              tier: { type: 'integer', enum: [1, 2] },
              province: { type: 'string' },
              router: { type: 'string' },
              ifName: { type: 'string' },
              capacityBps: { type: 'number' },
              downIs: { type: 'string', enum: ['out', 'in'] },
            },
            required: ['id', 'name', 'tier', 'province', 'router', 'ifName', 'downIs'],
          },
        },
      },
      required: ['intervalMs', 'provinces', 'routers', 'links'],
    },
    ...errorResponses,
  },
} as const;

export interface TopologyRoutesOptions {
  topology: TopologyView;
}

export async function topologyRoutes(app: FastifyInstance, options: TopologyRoutesOptions): Promise<void> {
  app.get('/topology', { schema: topologySchema }, async () => options.topology);
}
