// GET /api/v1/qos?link=&device=&unmatched=true: the QoS classes (and per-service
// sub-interfaces) the collector discovered and the service class a rule gave each. In the
// split deployment (`lanewatch server` without a collector) there is no mapping to show.
import type { FastifyInstance } from 'fastify';
import type { QosClassMapping, QosView } from '../../collector/samples.ts';
import { RequestFieldError } from './errors.ts';
import { directions, errorResponses } from './schemas.ts';

interface QosQuery {
  link?: string;
  device?: string;
  unmatched?: boolean;
}

const serviceClasses = ['internet', 'docex', 'video', 'other'] as const;

const qosClassSchema = {
  type: 'object',
  properties: {
    device: { type: 'string' },
    link: { type: 'string' },
    ifName: { type: 'string' },
    dir: { type: 'string', enum: directions },
    source: { type: 'string', enum: ['cisco', 'huawei', 'juniper', 'subinterface'] },
    policyName: { type: 'string' },
    className: { type: 'string' },
    path: { type: 'string' },
    serviceClass: { type: 'string', enum: serviceClasses },
    rule: { type: 'integer' },
    reservedBps: { type: 'number' },
  },
  required: ['device', 'source', 'className', 'path', 'serviceClass'],
} as const;

const qosSchema = {
  querystring: {
    type: 'object',
    properties: {
      link: { type: 'string', minLength: 1, maxLength: 200 },
      device: { type: 'string', minLength: 1, maxLength: 200 },
      unmatched: { type: 'boolean' },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        available: { type: 'boolean' },
        atMs: { type: 'number' },
        classes: { type: 'array', items: qosClassSchema },
      },
      required: ['available', 'classes'],
    },
    ...errorResponses,
  },
} as const;

export interface QosReply {
  available: boolean;
  atMs?: number;
  classes: QosClassMapping[];
}

export interface QosFilter {
  link?: string;
  device?: string;
  /** Only the classes no rule matched (counted as `other`). */
  unmatched?: boolean;
}

/** Pure: the mappings that pass the filter, in the collector's order. */
export function filterQosClasses(classes: readonly QosClassMapping[], filter: QosFilter): QosClassMapping[] {
  return classes.filter(
    (mapping) =>
      (filter.link === undefined || mapping.link === filter.link) &&
      (filter.device === undefined || mapping.device === filter.device) &&
      (filter.unmatched !== true || mapping.rule === undefined),
  );
}

export interface QosRoutesOptions {
  /** The collector's current mapping; absent when no collector runs in this process. */
  qosView?: () => QosView;
  linkIds: ReadonlySet<string>;
  deviceIds: ReadonlySet<string>;
}

export async function qosRoutes(app: FastifyInstance, options: QosRoutesOptions): Promise<void> {
  app.get<{ Querystring: QosQuery }>('/qos', { schema: qosSchema }, async (request): Promise<QosReply> => {
    const q = request.query;
    if (q.link !== undefined && !options.linkIds.has(q.link)) {
      throw new RequestFieldError('querystring', 'link', `must name a configured link ("${q.link}" is unknown)`);
    }
    if (q.device !== undefined && !options.deviceIds.has(q.device)) {
      throw new RequestFieldError('querystring', 'device', `must name a configured router ("${q.device}" is unknown)`);
    }
    if (options.qosView === undefined) return { available: false, classes: [] };
    const view = options.qosView();
    const filter: QosFilter = {};
    if (q.link !== undefined) filter.link = q.link;
    if (q.device !== undefined) filter.device = q.device;
    if (q.unmatched !== undefined) filter.unmatched = q.unmatched;
    return { available: true, atMs: view.atMs, classes: filterQosClasses(view.classes, filter) };
  });
}
