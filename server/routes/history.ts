// GET /api/v1/history?link=&dir=&class=&from=&to=: one link's series over a time range.
import type { FastifyInstance } from 'fastify';
import type { InfluxDB } from 'influx';
import type { Direction, TrafficClass } from '../../collector/samples.ts';
import { queryLinkHistory } from '../history/query-history.ts';
import { parseTimeParam } from '../history/time-param.ts';
import { RequestFieldError } from './errors.ts';
import { directions, errorResponses, trafficClasses } from './schemas.ts';

interface HistoryQuery {
  link: string;
  dir: Direction;
  class: TrafficClass;
  from: string;
  to: string;
  maxPoints?: number;
}

const historySchema = {
  querystring: {
    type: 'object',
    properties: {
      link: { type: 'string', minLength: 1, maxLength: 200 },
      dir: { type: 'string', enum: directions },
      class: { type: 'string', enum: trafficClasses, default: 'total' },
      from: { type: 'string', minLength: 1, maxLength: 64, default: '-1h' },
      to: { type: 'string', minLength: 1, maxLength: 64, default: 'now' },
      maxPoints: { type: 'integer', minimum: 2, maximum: 10_000 },
    },
    required: ['link', 'dir'],
  },
  response: {
    200: {
      type: 'object',
      properties: {
        link: { type: 'string' },
        dir: { type: 'string' },
        class: { type: 'string' },
        fromMs: { type: 'number' },
        toMs: { type: 'number' },
        points: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              atMs: { type: 'number' },
              bitsPerSecond: { type: 'number' },
              utilization: { type: ['number', 'null'] },
              dropBitsPerSecond: { type: 'number' },
            },
            required: ['atMs', 'bitsPerSecond', 'utilization'],
          },
        },
      },
      required: ['link', 'dir', 'class', 'fromMs', 'toMs', 'points'],
    },
    ...errorResponses,
  },
} as const;

export interface HistoryRoutesOptions {
  influx: InfluxDB;
  linkIds: ReadonlySet<string>;
}

export async function historyRoutes(app: FastifyInstance, options: HistoryRoutesOptions): Promise<void> {
  app.get<{ Querystring: HistoryQuery }>('/history', { schema: historySchema }, async (request) => {
    const q = request.query;
    if (!options.linkIds.has(q.link)) {
      throw new RequestFieldError('querystring', 'link', `must name a configured link ("${q.link}" is unknown)`);
    }
    const nowMs = Date.now();
    const fromMs = parseTimeParam(q.from, nowMs);
    if (fromMs === undefined) {
      throw new RequestFieldError('querystring', 'from', `must be ISO 8601 or relative like -1h or now (got "${q.from}")`);
    }
    const toMs = parseTimeParam(q.to, nowMs);
    if (toMs === undefined) {
      throw new RequestFieldError('querystring', 'to', `must be ISO 8601 or relative like -1h or now (got "${q.to}")`);
    }
    if (fromMs >= toMs) {
      throw new RequestFieldError('querystring', 'from', `must be before to (${new Date(fromMs).toISOString()} ≥ ${new Date(toMs).toISOString()})`);
    }
    const points = await queryLinkHistory(options.influx, {
      link: q.link,
      dir: q.dir,
      class: q.class,
      fromMs,
      toMs,
      ...(q.maxPoints !== undefined ? { maxPoints: q.maxPoints } : {}),
    });
    return { link: q.link, dir: q.dir, class: q.class, fromMs, toMs, points };
  });
}
