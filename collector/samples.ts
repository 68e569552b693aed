// What the collector produces: typed samples, one time unit (epoch ms), units in names.
// The live bus, the store and the server all speak these types.

/** `down`: toward the province/site; `up`: toward the centre. */
export type Direction = 'down' | 'up';

/** `total` is the interface rate; the others are service classes (issue 4 fills them). */
export type TrafficClass = 'total' | 'internet' | 'docex' | 'video' | 'other';

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
}

/** Everything one poll of one device yields, published at once on the live bus. */
export interface PollBatch {
  poll: PollOutcome;
  links: LinkSample[];
  interfaces: InterfaceSample[];
}
