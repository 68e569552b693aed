// What the collector produces: typed samples, one time unit (epoch ms), units in names.
// The live bus, the store and the server all speak these types.
import type { Direction, TrafficClass } from '../api/schemas.ts';
import type { SnmpErrorKind } from './snmp/errors.ts';

/** The vocabulary is the API's: `down` toward the province or site, `up` toward the centre; class `total` is the interface rate. */
export type { Direction, TrafficClass };

/** One link, one direction, one class, one interval. Written as a `traffic` point. */
export interface LinkSample {
  /** End of the interval the rate covers (when the second reading arrived). */
  atMs: number;
  /** Length of the interval the rate covers. */
  intervalMs: number;
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  class: TrafficClass;
  bitsPerSecond: number;
  /** Dropped bits per second, where the router reports drops. */
  dropBitsPerSecond?: number;
  /** Per-class samples: the offered rate before the QoS policy (post + drops), where reported. */
  prePolicyBitsPerSecond?: number;
  /** Per-class samples: the bandwidth the ROUTER reserves for the class (CBQoS queueing config). */
  reservedBps?: number;
  capacityBps: number;
  /** bitsPerSecond / capacityBps (0..1.1). */
  utilization: number;
}

/** One router interface, one interval. Written as an `iface` point. */
export interface InterfaceSample {
  atMs: number;
  intervalMs: number;
  device: string;
  ifName: string;
  province: string;
  inBps: number;
  outBps: number;
  operUp: boolean;
  /** Errors counted during the interval. */
  inErrors: number;
  outErrors: number;
}

/** The outcome of one poll of one device. Written as a `poll` point. */
export interface PollOutcome {
  atMs: number;
  device: string;
  province: string;
  ok: boolean;
  latencyMs: number;
  varbinds: number;
  /** Why the poll failed (timeout, auth, …); absent when ok. */
  error?: string;
  /** The SNMP failure's kind (for metrics); absent when ok or when it failed outside SNMP. */
  errorKind?: SnmpErrorKind;
}

/** Everything one poll of one device yields, published at once on the live bus. */
export interface PollBatch {
  poll: PollOutcome;
  links: LinkSample[];
  interfaces: InterfaceSample[];
}

/** A service class: the per-class traffic classes, without `total`. */
export type ServiceClass = Exclude<TrafficClass, 'total'>;

/** One discovered QoS class (or per-service sub-interface) and the service class a rule gave it. */
export interface QosClassMapping {
  device: string;
  /** The configured link it measures, when its interface is one. */
  link?: string;
  ifName?: string;
  dir?: Direction;
  /** `cisco` | `huawei` | `juniper` for class-based QoS, `subinterface` for per-service sub-interfaces. */
  source: 'cisco' | 'huawei' | 'juniper' | 'subinterface';
  policyName?: string;
  /** Class-map (or classifier, forwarding class) name; the sub-interface's ifName for `subinterface`. */
  className: string;
  /** Hierarchy for nested policies, e.g. `PARENT/class-default/CHILD/VIDEO`. */
  path: string;
  serviceClass: ServiceClass;
  /** Index of the rule that matched; absent when no rule matched (the class counts as `other`). */
  rule?: number;
  /** The bandwidth the router reserves for this class, where it reports one. */
  reservedBps?: number;
}

/** What the collector currently maps, device by device (for the API, the UI and the log). */
export interface QosView {
  atMs: number;
  classes: QosClassMapping[];
}
