// GET /api/v1/drift?link=: the router's reservation of each protected class beside the
// effective policy (DESIGN §2 "drift"). In the split deployment (no collector in this
// process) there is no QoS data: every row is `unknown`.
import type { FastifyInstance } from 'fastify';
import type { LanewatchConfig } from '../../config/schema.ts';
import type { QosView } from '../../collector/samples.ts';
import type { PolicySource } from '../policies/model.ts';
import { driftOf, type DriftRow } from '../analysis/drift.ts';
import { RequestFieldError } from './errors.ts';
import { directions, errorResponses } from './schemas.ts';

interface DriftQuery {
  link?: string;
}

const driftSchema = {
  querystring: {
    type: 'object',
    properties: { link: { type: 'string', minLength: 1, maxLength: 200 } },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        links: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              link: { type: 'string' },
              dir: { type: 'string', enum: directions },
              class: { type: 'string', enum: ['docex', 'video'] },
              policyBps: { type: 'number' },
              routerBps: { type: ['number', 'null'] },
              status: { type: 'string', enum: ['ok', 'differs', 'no-queue', 'unknown'] },
            },
            required: ['link', 'dir', 'class', 'policyBps', 'routerBps', 'status'],
          },
        },
      },
      required: ['links'],
    },
    ...errorResponses,
  },
} as const;

export interface DriftRoutesOptions {
  /** The collector's discovered QoS classes; absent when no collector runs in this process. */
  qosView?: () => QosView;
  policies: PolicySource;
  config: LanewatchConfig;
}

export async function driftRoutes(app: FastifyInstance, options: DriftRoutesOptions): Promise<void> {
  const linkIds = new Set(options.config.topology.links.map((l) => l.id));
  app.get<{ Querystring: DriftQuery }>('/drift', { schema: driftSchema }, async (request): Promise<{ links: DriftRow[] }> => {
    const { link } = request.query;
    if (link !== undefined && !linkIds.has(link)) {
      throw new RequestFieldError('querystring', 'link', `must name a configured link ("${link}" is unknown)`);
    }
    const qos = options.qosView?.();
    return { links: driftOf(qos, options.policies, options.config.topology, link !== undefined ? { link } : {}) };
  });
}
