// GET /api/v1/qos?link=&device=&unmatched=true: the QoS classes (and per-service
// sub-interfaces) the collector discovered and the service class a rule gave each. In the
// split deployment (`lanewatch server` without a collector) there is no mapping to show.
import type { FastifyInstance } from 'fastify';
import type { QosClassMapping, QosView } from '../../collector/samples.ts';
import { unknownNameError } from './errors.ts';
import { route } from './contract.ts';
import { principalOf } from '../auth/guard.ts';
import { confinedTo, type TopologyScope } from '../auth/scope.ts';

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
function filterQosClasses(classes: readonly QosClassMapping[], filter: QosFilter): QosClassMapping[] {
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
  scope: TopologyScope;
}

export async function qosRoutes(app: FastifyInstance, options: QosRoutesOptions): Promise<void> {
  route(app, 'qos', async (request): Promise<QosReply> => {
    const q = request.query;
    const principal = principalOf(request);
    if (q.link !== undefined && !options.linkIds.has(q.link)) throw unknownNameError('link', q.link);
    if (q.device !== undefined && !options.deviceIds.has(q.device)) throw unknownNameError('device', q.device);
    if (q.link !== undefined) options.scope.requireLink(principal, q.link);
    if (q.device !== undefined) options.scope.requireDevice(principal, q.device);
    if (options.qosView === undefined) return { available: false, classes: [] };
    const view = options.qosView();
    const filter: QosFilter = {};
    if (q.link !== undefined) filter.link = q.link;
    if (q.device !== undefined) filter.device = q.device;
    if (q.unmatched !== undefined) filter.unmatched = q.unmatched;
    // A confined user sees the classes of its own links only (a router may carry other provinces' links).
    const classes = filterQosClasses(view.classes, filter).filter(
      (mapping) => confinedTo(principal) === undefined || (mapping.link !== undefined && options.scope.seesLink(principal, mapping.link)),
    );
    return { available: true, atMs: view.atMs, classes };
  });
}
