// GET /api/v1/report/utilization?month=|from=&to=&basis=busyhour|p95&format=json|csv: the
// national utilization report (README "National utilization report"). A province user gets its
// own province's row only, and no national counts. Reports are kept a few minutes (ReportCache),
// so the page, a change of basis and the CSV export do not each read a month again.
import type { FastifyInstance } from 'fastify';
import type { InfluxDB } from 'influx';
import type { UtilizationReport } from '../../api/schemas.ts';
import type { RetentionDays } from '../../collector/store/rollups.ts';
import type { PolicySource } from '../policies/model.ts';
import { principalOf } from '../auth/guard.ts';
import { confinedTo, type TopologyScope } from '../auth/scope.ts';
import { buildReport } from '../report/build.ts';
import { ReportCache } from '../report/cache.ts';
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
  /** How long InfluxDB keeps raw samples and rollups: which source still holds a period. */
  retention: RetentionDays;
  /** The reservation policy, to show what is reserved beside the suggestion (optional). */
  policies?: PolicySource;
  /** How long a computed report is kept (default 5 min; 0: never). */
  cacheMs?: number;
}

export async function reportRoutes(app: FastifyInstance, options: ReportRoutesOptions): Promise<void> {
  const cacheMs = options.cacheMs ?? 300_000;
  const cache = new ReportCache<UtilizationReport>({ ttlMs: cacheMs, maxEntries: 32 });

  route(app, 'report', async (request, reply) => {
    const q = request.query;
    const nowMs = Date.now();
    const resolved = resolvePeriod(q, nowMs);
    if (!resolved.ok) throw new RequestFieldError('querystring', resolved.field, resolved.reason, resolved.said);
    const { period } = resolved;
    const principal = principalOf(request);
    const province = confinedTo(principal);
    const policies = options.policies;
    const compute = async (): Promise<UtilizationReport> => {
      const data = await readReportData(
        options.influx,
        {
          fromMs: period.fromMs,
          toMs: period.toMs,
          stateIntervalMs: options.intervalMs,
          nowMs,
          retention: options.retention,
          ...(province !== undefined ? { province } : {}),
        },
        q.basis,
      );
      return buildReport({
        topology: options.scope.topologyFor(principal),
        data,
        period,
        basis: q.basis,
        stateIntervalMs: options.intervalMs,
        national: province === undefined,
        ...(policies
          ? { policyBps: (linkId, cls, capacityBps) => policies.effective(linkId, capacityBps ?? undefined)?.reservationsBps[cls] ?? null }
          : {}),
      });
    };
    const key = [period.fromMs, period.toMs, period.month ?? '', q.basis, province ?? '*', policies?.current().revision ?? 0].join('\u0000');
    const report = cacheMs > 0 ? await cache.get(key, compute) : await compute();
    if (q.format === 'csv') {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${reportFileName(report)}"`)
        .send(Buffer.from(reportCsv(report), 'utf8'));
    }
    return report;
  });
}
