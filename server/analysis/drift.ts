// Drift: the bandwidth a router reserves for a protected class (its CBQoS queueing config) beside
// what the engineers' policy says (README "Reservation policies, squeeze detection and alerts"). Pure.
//
// Per link, direction and protected class:
//   unknown   no QoS data for the link and direction: no class-based QoS discovered (only
//             per-service sub-interfaces, which say nothing about queues), or a vendor that
//             does not report reservations (none of its classes carries one);
//   no-queue  the router has class-based QoS there but no reservation for the class (no
//             class-map for it, or one without a queue): Internet can squeeze it;
//   differs   the router's reservation and the policy's differ by more than the tolerance;
//   ok        within the tolerance: the larger of 1 % of the policy and 100 kbit/s.
import type { TopologyConfig } from '../../config/schema.ts';
import { directions, protectedClasses, type Direction, type ProtectedClass } from '../../api/schemas.ts';
import type { QosClassMapping, QosView } from '../../collector/samples.ts';
import type { PolicySource } from '../policies/model.ts';

export type DriftStatus = 'ok' | 'differs' | 'no-queue' | 'unknown';

export interface DriftRow {
  link: string;
  dir: Direction;
  class: ProtectedClass;
  policyBps: number;
  routerBps: number | null;
  status: DriftStatus;
}

export interface DriftOptions {
  /** Only this link. */
  link?: string;
  /** The measured capacity of a link, for links whose config has none. */
  capacityBps?: (link: string) => number | undefined;
  /** Relative tolerance (default 0.01) … */
  toleranceRatio?: number;
  /** … or absolute, whichever is larger (default 100 kbit/s). */
  toleranceBps?: number;
}

/** Whether two reservations agree within the tolerance. */
export function withinTolerance(policyBps: number, routerBps: number, toleranceRatio = 0.01, toleranceBps = 100_000): boolean {
  return Math.abs(routerBps - policyBps) <= Math.max(toleranceRatio * policyBps, toleranceBps);
}

/** The status of one protected class from the router's class mappings on that link and direction. */
export function driftStatusOf(
  mappings: readonly QosClassMapping[],
  cls: ProtectedClass,
  policyBps: number,
  toleranceRatio?: number,
  toleranceBps?: number,
): { routerBps: number | null; status: DriftStatus } {
  const qos = mappings.filter((m) => m.source !== 'subinterface');
  if (qos.length === 0) return { routerBps: null, status: 'unknown' };
  const reporting = qos.some((m) => m.source === 'cisco' || m.reservedBps !== undefined);
  const reserved = qos.filter((m) => m.serviceClass === cls && m.reservedBps !== undefined);
  if (reserved.length === 0) return { routerBps: null, status: reporting ? 'no-queue' : 'unknown' };
  const routerBps = reserved.reduce((sum, m) => sum + (m.reservedBps ?? 0), 0);
  return { routerBps, status: withinTolerance(policyBps, routerBps, toleranceRatio, toleranceBps) ? 'ok' : 'differs' };
}

/** Every configured link (or the one asked for), both directions, both protected classes. */
export function driftOf(qos: QosView | undefined, policies: PolicySource, topology: Pick<TopologyConfig, 'links'>, options: DriftOptions = {}): DriftRow[] {
  const byLinkDir = new Map<string, QosClassMapping[]>();
  for (const m of qos?.classes ?? []) {
    if (m.link === undefined || m.dir === undefined) continue;
    const key = `${m.link}|${m.dir}`;
    const list = byLinkDir.get(key);
    if (list) list.push(m);
    else byLinkDir.set(key, [m]);
  }
  const rows: DriftRow[] = [];
  for (const link of topology.links) {
    if (options.link !== undefined && link.id !== options.link) continue;
    const policy = policies.effective(link.id, link.capacityBps ?? options.capacityBps?.(link.id));
    if (!policy) continue;
    for (const dir of directions) {
      const mappings = byLinkDir.get(`${link.id}|${dir}`) ?? [];
      for (const cls of protectedClasses) {
        const policyBps = policy.reservationsBps[cls];
        const { routerBps, status } = driftStatusOf(mappings, cls, policyBps, options.toleranceRatio, options.toleranceBps);
        rows.push({ link: link.id, dir, class: cls, policyBps, routerBps, status });
      }
    }
  }
  return rows;
}
