// Reservation policies: the types every part speaks. Layered
// defaults → tier → province → link; the effective policy of a link is computed, never stored.
import type { Direction, ProtectedClass } from '../../api/schemas.ts';
import type { Said } from '../../api/messages.ts';

export { protectedClasses, type ProtectedClass } from '../../api/schemas.ts';

/** An amount of bandwidth: absolute, or a share of the link's capacity. */
export type Amount = { mbps: number } | { percent: number };

export interface Thresholds {
  /** busy: total ≥ highUtil × capacity (default 0.80). */
  highUtil: number;
  /** critical without drop counters: encroaching and total ≥ critUtil × capacity (default 0.95). */
  critUtil: number;
  /** starved: drops / (sent + drops) ≥ dropRatio for a protected class (default 0.001). */
  dropRatio: number;
  /** A state is entered after this many consecutive samples (default 3)… */
  raiseAfter: number;
  /** …and left after this many clean ones (default 5). */
  clearAfter: number;
}

/** One layer; anything absent is inherited from the layer above. `internetCap: null` removes an inherited cap. */
export interface PolicyLayer {
  reservations?: Partial<Record<ProtectedClass, Amount>>;
  internetCap?: Amount | null;
  thresholds?: Partial<Thresholds>;
}

/** The whole policy, as engineers edit it. `defaults` must define every threshold. */
export interface PolicyDocument {
  defaults: PolicyLayer;
  tiers: Partial<Record<'1' | '2', PolicyLayer>>;
  provinces: Record<string, PolicyLayer>;
  links: Record<string, PolicyLayer>;
}

export type LayerName = 'defaults' | 'tier' | 'province' | 'link';

/** The policy in force on one link, in bit/s, with where each value came from. */
export interface EffectivePolicy {
  link: string;
  province: string;
  tier: 1 | 2;
  capacityBps: number;
  reservationsBps: Record<ProtectedClass, number>;
  /** Σ reservationsBps. */
  reservedBps: number;
  internetCapBps?: number;
  thresholds: Thresholds;
  /** Field path (e.g. `reservations.video`, `thresholds.highUtil`) → the layer that set it. */
  from: Record<string, LayerName>;
}

export interface PolicyChange {
  /** Dotted path in the document, e.g. `provinces.thanh-hoa.reservations.video`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface PolicyRevision {
  revision: number;
  atMs: number;
  author: string;
  comment?: string;
  changes: PolicyChange[];
  document: PolicyDocument;
  /** Set when this revision restored an earlier one. */
  rollbackOf?: number;
}

/** What the analyzer and the UI read: the current policy and its effective values. */
export interface PolicySource {
  current(): { revision: number; document: PolicyDocument };
  /** Effective policy of a link; `capacityBps` is the measured capacity when the config has none. */
  effective(linkId: string, capacityBps?: number): EffectivePolicy | undefined;
  /** Called after every accepted change (a new revision); returns the unsubscribe function. */
  onChange(listener: (revision: number) => void): () => void;
}

export type { Direction };

/**
 * A problem with a policy document: the dotted path of the key (e.g.
 * `links.t1-hue.reservations.video.percent`), what is wrong as a code with its params (worded
 * by the UI), and why in English. `otherLinks`: the same problem on this many other links.
 */
export type PolicyProblem = Said & {
  path: string;
  message: string;
  otherLinks?: number;
};
