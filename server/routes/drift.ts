// GET /api/v1/drift?link=: the router's reservation of each protected class beside the
// effective policy: where the router drifted from the policy. In the split deployment (no collector in this
// process) there is no QoS data: every row is `unknown`.
import type { FastifyInstance } from 'fastify';
import type { LanewatchConfig } from '../../config/schema.ts';
import type { QosView } from '../../collector/samples.ts';
import type { PolicySource } from '../policies/model.ts';
import { driftOf, type DriftRow } from '../analysis/drift.ts';
import { unknownNameError } from './errors.ts';
import { route } from './contract.ts';
import { principalOf } from '../auth/guard.ts';
import type { TopologyScope } from '../auth/scope.ts';

export interface DriftRoutesOptions {
  /** The collector's discovered QoS classes; absent when no collector runs in this process. */
  qosView?: () => QosView;
  policies: PolicySource;
  config: LanewatchConfig;
  scope: TopologyScope;
}

export async function driftRoutes(app: FastifyInstance, options: DriftRoutesOptions): Promise<void> {
  const linkIds = new Set(options.config.topology.links.map((l) => l.id));
  route(app, 'drift', async (request): Promise<{ links: DriftRow[] }> => {
    const { link } = request.query;
    const principal = principalOf(request);
    if (link !== undefined && !linkIds.has(link)) {
      throw unknownNameError('link', link);
    }
    if (link !== undefined) options.scope.requireLink(principal, link);
    const qos = options.qosView?.();
    const rows = driftOf(qos, options.policies, options.config.topology, link !== undefined ? { link } : {});
    return { links: rows.filter((row) => options.scope.seesLink(principal, row.link)) };
  });
}
