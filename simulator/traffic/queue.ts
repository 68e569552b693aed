// The queue model at a link's capacity, for one step: which part of each class's offered octets
// is sent and which is dropped. Pure; the classes are in `classOrder` (traffic/classes.ts).
//   - Σ offered ≤ capacity: everything is sent.
//   - QoS ('cbqos' or 'subinterfaces'): each class with a reservation first gets
//     min(offered, reserved) (scaled down together if the reservations exceed the capacity);
//     what is left of the capacity is shared by the remaining demand (best-effort classes,
//     classes without a queue, and the reserved classes' excess) in proportion to it. So
//     Internet (class-default, no reservation) loses first; a protected class the router has
//     no queue for is best effort like Internet.
//   - No QoS ('none'): every class loses in proportion to its offered load.
import type { QosStyle } from '../sim-config.ts';

export interface QueueInput {
  qos: QosStyle;
  /** Octets the link can carry in the step. */
  capacityOctets: number;
  /** Octets the router guarantees each class in the step (0: no reservation, or no queue). */
  reservedOctets: ArrayLike<number>;
  /** Offered octets per class (whole numbers). */
  offeredOctets: ArrayLike<number>;
}

/**
 * Writes the sent octets per class (whole numbers, ≤ offered, Σ ≤ capacity) into `sent`.
 * Dropped = offered − sent.
 */
export function queueStep(input: QueueInput, sent: Float64Array | number[]): void {
  const { offeredOctets: offered, reservedOctets: reserved, capacityOctets } = input;
  const n = offered.length;
  let total = 0;
  for (let c = 0; c < n; c++) total += offered[c]!;
  if (total <= capacityOctets) {
    for (let c = 0; c < n; c++) sent[c] = offered[c]!;
    return;
  }
  const capacity = Math.max(0, capacityOctets);
  if (input.qos === 'none') {
    for (let c = 0; c < n; c++) sent[c] = Math.floor((capacity * offered[c]!) / total);
    return;
  }
  // Guarantees first.
  let guaranteed = 0;
  for (let c = 0; c < n; c++) {
    const g = Math.min(offered[c]!, Math.floor(Math.max(0, reserved[c]!)));
    sent[c] = g;
    guaranteed += g;
  }
  if (guaranteed >= capacity) {
    // Reservations above capacity: the guarantees shrink in proportion; nothing is left over.
    const scale = guaranteed === 0 ? 0 : capacity / guaranteed;
    for (let c = 0; c < n; c++) sent[c] = Math.floor(sent[c]! * scale);
    return;
  }
  // The rest of the capacity, shared by the remaining demand in proportion to it.
  const left = capacity - guaranteed;
  const demand = total - guaranteed; // > left, since total > capacity
  for (let c = 0; c < n; c++) {
    const g = sent[c]!;
    sent[c] = g + Math.floor((left * (offered[c]! - g)) / demand);
  }
}
