// GET /api/v1/history?link=&dir=&class=&from=&to=: one link's series over a time range.
import type { FastifyInstance } from 'fastify';
import type { InfluxDB } from 'influx';
import { queryLinkHistory } from '../history/query-history.ts';
import { parseTimeParam } from '../history/time-param.ts';
import { RequestFieldError } from './errors.ts';
import { route } from './contract.ts';
import { principalOf } from '../auth/guard.ts';
import type { TopologyScope } from '../auth/scope.ts';

export interface HistoryRoutesOptions {
  influx: InfluxDB;
  linkIds: ReadonlySet<string>;
  scope: TopologyScope;
}

export async function historyRoutes(app: FastifyInstance, options: HistoryRoutesOptions): Promise<void> {
  route(app, 'history', async (request) => {
    const q = request.query;
    if (!options.linkIds.has(q.link)) {
      throw new RequestFieldError('querystring', 'link', `must name a configured link ("${q.link}" is unknown)`);
    }
    options.scope.requireLink(principalOf(request), q.link);
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
