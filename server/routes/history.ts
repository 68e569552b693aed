// GET /api/v1/history?link=&dir=&class=&from=&to=&step=&maxPoints=: the rates of one or several
// links, directions and classes over a time range, from raw samples or a rollup.
//
// Naming one link, one direction and one class answers the series at the top level (the shape
// the UI has always read); naming several answers `series`, in request order. Every link is
// checked against the topology and the caller's province before InfluxDB is asked.
import type { FastifyInstance } from 'fastify';
import type { InfluxDB } from 'influx';
import { historyLimits } from '../../api/schemas.ts';
import type { RetentionDays } from '../../collector/store/rollups.ts';
import { queryHistory } from '../history/query-history.ts';
import { readStepParam } from '../history/history-plan.ts';
import { readTimeParam } from '../history/time-param.ts';
import { said } from '../../api/messages.ts';
import { RequestFieldError, unknownNameError } from './errors.ts';
import { route } from './contract.ts';
import { principalOf } from '../auth/guard.ts';
import type { TopologyScope } from '../auth/scope.ts';

export interface HistoryRoutesOptions {
  influx: InfluxDB;
  linkIds: ReadonlySet<string>;
  scope: TopologyScope;
  /** How long InfluxDB keeps raw samples and rollups: which source still holds a range. */
  retention: RetentionDays;
  /** The collector's poll interval: steps no coarser than this return the samples as stored. */
  rawIntervalMs: number;
}

function timeParam(field: 'from' | 'to', value: string, nowMs: number): number {
  const read = readTimeParam(value, nowMs);
  if (!read.ok) {
    throw new RequestFieldError('querystring', field, `${read.reason} (got "${value.slice(0, 64)}")`, said('invalid-time', { field, value: value.slice(0, 64) }));
  }
  return read.atMs;
}

export async function historyRoutes(app: FastifyInstance, options: HistoryRoutesOptions): Promise<void> {
  route(app, 'history', async (request) => {
    const q = request.query;
    const principal = principalOf(request);
    for (const link of q.link) {
      if (!options.linkIds.has(link)) {
        throw unknownNameError('link', link);
      }
      options.scope.requireLink(principal, link);
    }
    const seriesCount = q.link.length * q.dir.length * q.class.length;
    if (seriesCount > historyLimits.series) {
      throw new RequestFieldError(
        'querystring',
        'link',
        `asks for ${seriesCount} series (${q.link.length} links × ${q.dir.length} dirs × ${q.class.length} classes); at most ${historyLimits.series}`,
        said('too-many-series', { field: 'link', series: seriesCount, maximum: historyLimits.series }),
      );
    }
    const nowMs = Date.now();
    const fromMs = timeParam('from', q.from, nowMs);
    const toMs = timeParam('to', q.to, nowMs);
    if (fromMs >= toMs) {
      const from = new Date(fromMs).toISOString();
      const to = new Date(toMs).toISOString();
      throw new RequestFieldError('querystring', 'from', `must be before to (${from} ≥ ${to})`, said('range-backwards', { field: 'from', from, to }));
    }
    let stepMs: number | undefined;
    if (q.step !== undefined) {
      const step = readStepParam(q.step);
      if (!step.ok) throw new RequestFieldError('querystring', 'step', step.reason, said('invalid-step', { field: 'step', value: q.step.slice(0, 32) }));
      stepMs = step.stepMs;
    }
    const result = await queryHistory(options.influx, {
      links: q.link,
      dirs: q.dir,
      classes: q.class,
      fromMs,
      toMs,
      nowMs,
      retention: options.retention,
      rawIntervalMs: options.rawIntervalMs,
      ...(q.maxPoints !== undefined ? { maxPoints: q.maxPoints } : {}),
      ...(stepMs !== undefined ? { stepMs } : {}),
    });
    const answer = { fromMs, toMs, source: result.source, stepMs: result.stepMs };
    const only = result.series.length === 1 ? result.series[0] : undefined;
    return only ? { ...only, ...answer } : { ...answer, series: result.series };
  });
}
