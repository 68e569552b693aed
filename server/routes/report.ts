// GET /api/v1/report/utilization?month=|from=&to=&basis=busyhour|p95&format=json|csv: the
// national utilization report (README "National utilization report"). A province user gets its
// own province's row only, and no national counts.
import type { FastifyInstance } from 'fastify';
import type { InfluxDB } from 'influx';
import type { PolicySource } from '../policies/model.ts';
import { principalOf } from '../auth/guard.ts';
import { confinedTo, type TopologyScope } from '../auth/scope.ts';
import { buildReport } from '../report/build.ts';
import { reportCsv, reportFileName } from '../report/csv.ts';
import { resolvePeriod } from '../report/period.ts';
import { readReportData } from '../report/source.ts';
import { route } from './contract.ts';
import { RequestFieldError } from './errors.ts';

export interface ReportRoutesOptions {
  influx: InfluxDB;
  scope: TopologyScope;
  /** The poll interval: the unit of time spent warning or critical. */
  intervalMs: number;
  /** The reservation policy, to show what is reserved beside the suggestion (optional). */
  policies?: PolicySource;
}

export async function reportRoutes(app: FastifyInstance, options: ReportRoutesOptions): Promise<void> {
  route(app, 'report', async (request, reply) => {
    const q = request.query;
    const resolved = resolvePeriod(q, Date.now());
    if (!resolved.ok) throw new RequestFieldError('querystring', resolved.field, resolved.reason);
    const principal = principalOf(request);
    const province = confinedTo(principal);
    const data = await readReportData(options.influx, {
      fromMs: resolved.period.fromMs,
      toMs: resolved.period.toMs,
      stateIntervalMs: options.intervalMs,
      ...(province !== undefined ? { province } : {}),
    });
    const policies = options.policies;
    const report = buildReport({
      topology: options.scope.topologyFor(principal),
      data,
      period: resolved.period,
      basis: q.basis,
      stateIntervalMs: options.intervalMs,
      national: province === undefined,
      ...(policies
        ? { policyBps: (linkId, cls, capacityBps) => policies.effective(linkId, capacityBps ?? undefined)?.reservationsBps[cls] ?? null }
        : {}),
    });
    if (q.format === 'csv') {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${reportFileName(report)}"`)
        .send(Buffer.from(reportCsv(report), 'utf8'));
    }
    return report;
  });
}
