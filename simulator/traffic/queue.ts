// The queue model at a link's capacity, for one step: how many octets of each class arrive at
// the egress queue (pre-policy), how many leave (post-policy); the difference is dropped. Pure;
// the classes are in `classOrder` (traffic/classes.ts).
//   - Σ demand ≤ capacity: everything arrives and is sent.
//   - Otherwise the link is full. Inelastic classes (document exchange, video, management) keep
//     offering their demand whatever is lost. Elastic classes (Internet: TCP) back off until
//     they fill what is left of the link, losing a few percent as TCP does (elasticLossRate):
//     they arrive at sent / (1 − loss) (at most their demand), never at a multiple of the capacity.
//   - QoS ('cbqos' or 'subinterfaces'): each class with a reservation first gets
//     min(demand, reserved) (scaled down together if the reservations exceed the capacity).
//     The rest of the capacity is one best-effort share: the inelastic excess (a reserved
//     class above its reservation, a protected class the router has no queue for) loses at
//     the share's loss rate, and Internet fills what remains. So with QoS Internet loses first
//     and protected traffic within its reservation never drops.
//   - No QoS ('none'): the whole link is that one best-effort share: every inelastic class
//     loses in proportion (at the same rate), Internet fills what remains.
//   The share's loss rate is the larger of TCP's (elasticLossRate of the overload) and what the
//   inelastic excess alone must lose to fit.
import type { QosStyle } from '../sim-config.ts';

export interface QueueInput {
  qos: QosStyle;
  /** Octets the link can carry in the step. */
  capacityOctets: number;
  /** Octets the router guarantees each class in the step (0: no reservation, or no queue). */
  reservedOctets: ArrayLike<number>;
  /** What each class's users want to send in the step (whole octets). */
  demandOctets: ArrayLike<number>;
  /** Which classes are elastic (TCP backs off and fills the link); the others are not. */
  elastic: ArrayLike<boolean>;
}

/** What arrives at the queue and what leaves it, per class (whole octets; sent ≤ arrived). */
export interface QueueOutput {
  preOctets: Float64Array | number[];
  sentOctets: Float64Array | number[];
}

/** The loss rate TCP settles at on a full link. */
export const maxElasticLoss = 0.05;

/**
 * The loss rate of elastic traffic whose demand is `overload` times the room it has: none while
 * it fits, then rising smoothly toward maxElasticLoss (2.5 % at twice the room, 4.6 % at 12×).
 */
export function elasticLossRate(overload: number): number {
  if (!(overload > 1)) return 0;
  return Number.isFinite(overload) ? maxElasticLoss * (1 - 1 / overload) : maxElasticLoss;
}

/**
 * Writes the pre-policy (arrived) and sent octets per class into `out` (whole numbers,
 * 0 ≤ sent ≤ pre, Σ sent ≤ capacity; inelastic pre = demand). Dropped = pre − sent.
 */
export function queueStep(input: QueueInput, out: QueueOutput): void {
  const { demandOctets: demand, reservedOctets: reserved, elastic } = input;
  const { preOctets: pre, sentOctets: sent } = out;
  const n = demand.length;
  let total = 0;
  for (let c = 0; c < n; c++) total += demand[c]!;
  const capacity = Math.max(0, input.capacityOctets);
  if (total <= capacity) {
    for (let c = 0; c < n; c++) pre[c] = sent[c] = demand[c]!;
    return;
  }
  // Guarantees first (none without QoS): `sent` holds them for now.
  let guaranteed = 0;
  for (let c = 0; c < n; c++) {
    const g = input.qos === 'none' ? 0 : Math.min(demand[c]!, Math.floor(Math.max(0, reserved[c]!)));
    sent[c] = g;
    guaranteed += g;
  }
  if (guaranteed > capacity) {
    // Reservations above capacity: the guarantees shrink in proportion; nothing is left over.
    const scale = capacity / guaranteed;
    for (let c = 0; c < n; c++) sent[c] = Math.floor(sent[c]! * scale);
    guaranteed = 0;
    for (let c = 0; c < n; c++) guaranteed += sent[c]!;
  }
  // The best-effort share: what the guarantees leave, for the inelastic excess and the elastic demand.
  const room = capacity - guaranteed;
  let inelasticExcess = 0;
  let elasticDemand = 0;
  for (let c = 0; c < n; c++) {
    const excess = demand[c]! - sent[c]!;
    if (elastic[c]) elasticDemand += excess;
    else inelasticExcess += excess;
  }
  const mustLose = inelasticExcess > room ? 1 - room / inelasticExcess : 0;
  const tcpLoss = elasticDemand > 0 ? (room > 0 ? elasticLossRate((inelasticExcess + elasticDemand) / room) : maxElasticLoss) : 0;
  const loss = Math.max(mustLose, tcpLoss);
  let left = room;
  for (let c = 0; c < n; c++) {
    if (elastic[c]) continue;
    const kept = Math.min(left, Math.floor((demand[c]! - sent[c]!) * (1 - loss)));
    sent[c]! += kept;
    pre[c] = demand[c]!;
    left -= kept;
  }
  // Elastic classes fill what is left, shared by demand; each arrives at sent / (1 − loss),
  // never above what its users want.
  const elasticSent = Math.min(elasticDemand, Math.max(0, left));
  for (let c = 0; c < n; c++) {
    if (!elastic[c]) continue;
    const g = sent[c]!;
    const share = elasticDemand > 0 ? Math.floor((elasticSent * (demand[c]! - g)) / elasticDemand) : 0;
    const arrived = loss < 1 ? g + Math.floor(share / (1 - loss)) : demand[c]!;
    sent[c] = g + share;
    pre[c] = Math.max(g + share, Math.min(arrived, demand[c]!));
  }
}
