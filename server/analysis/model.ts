// The squeeze rule's verdicts and the link/province states (README "Reservation policies,
// squeeze detection and alerts").
import type { Direction, ProtectedClass, StateLevel } from '../../api/schemas.ts';

export type { StateLevel };

export interface Conditions {
  /** Internet > capacity − reserved (or above the Internet cap). */
  encroaching: boolean;
  /** total ≥ highUtil × capacity. */
  busy: boolean;
  /** A protected class's drop ratio ≥ dropRatio. */
  starved: boolean;
  /** Whether the router reports drops for the protected classes on this link and direction. */
  dropsReported: boolean;
}

/** The rule applied to one sample of one link and direction (no hysteresis). */
export interface LinkVerdict {
  atMs: number;
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  /** What this one sample says. */
  level: StateLevel;
  conditions: Conditions;
  totalBps: number;
  internetBps: number;
  capacityBps: number;
  reservedBps: number;
  /** How far Internet goes into the reserved bandwidth (0 when it does not). */
  encroachBps: number;
  /** drops / (sent + drops) per protected class, where reported. */
  dropRatio: Partial<Record<ProtectedClass, number>>;
  policyRevision: number;
}

/** A link and direction's state after hysteresis. */
export interface LinkStatus {
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  level: StateLevel;
  sinceMs: number;
  last: LinkVerdict;
}

export interface LinkStateChange {
  atMs: number;
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  from: StateLevel;
  to: StateLevel;
  verdict: LinkVerdict;
}

/** A province takes the worst state of its tier-1 uplink and its tier-2 links. */
export interface ProvinceStatus {
  province: string;
  level: StateLevel;
  /** The links (and directions) not ok. */
  worst: { link: string; dir: Direction; level: StateLevel }[];
}

export interface AnalyzerView {
  atMs: number;
  links: LinkStatus[];
  provinces: ProvinceStatus[];
}
