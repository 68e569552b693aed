// The squeeze rule (README "Reservation policies, squeeze detection and alerts") applied to one
// sample of one link and direction. Pure.
//
//   C capacity (the effective policy's), R = Σ protected reservations, I Internet bps,
//   T total bps, D_k / x_k drop and sent bps of protected class k.
//   encroaching: I > min(C − R, internetCap)        busy: T ≥ highUtil·C
//   starved:     D_k / (x_k + D_k) ≥ dropRatio for some protected class (where drops are reported)
//   warning  = encroaching ∧ busy
//   critical = (starved ∧ encroaching) ∨ (encroaching ∧ T ≥ critUtil·C ∧ drops not reported)
//
// Without an `internet` class sample the Internet share is unknown, so the link cannot be
// judged: `evaluate` returns undefined (no verdict, no linkState point, the state is kept).
import { protectedClasses, type Direction, type ProtectedClass } from '../../api/schemas.ts';
import type { LinkSample } from '../../collector/samples.ts';
import type { EffectivePolicy } from '../policies/model.ts';
import type { Conditions, LinkVerdict, StateLevel } from './model.ts';

/** One protected class on one link and direction in one sample. */
export interface ProtectedClassInput {
  sentBps: number;
  /** Absent when the router does not report drops for this class. */
  dropBps?: number;
}

/** One link and direction's samples from one poll. */
export interface LinkInput {
  atMs: number;
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  totalBps: number;
  /** The measured capacity the samples carry (used to resolve the effective policy). */
  capacityBps: number;
  /** Absent when no `internet` class sample came with this poll. */
  internetBps?: number;
  protected: Partial<Record<ProtectedClass, ProtectedClassInput>>;
}

const levelRank: Record<StateLevel, number> = { ok: 0, warning: 1, critical: 2 };

export function rankOf(level: StateLevel): number {
  return levelRank[level];
}

/** drops / (sent + drops); 0 when the class carried nothing. */
export function dropRatioOf(sentBps: number, dropBps: number): number {
  const offered = sentBps + dropBps;
  return offered > 0 ? dropBps / offered : 0;
}

/** The most Internet may carry before it eats reserved bandwidth: C − R, or the cap when lower. */
export function internetLimitBps(policy: Pick<EffectivePolicy, 'capacityBps' | 'reservedBps' | 'internetCapBps'>): number {
  const unreserved = policy.capacityBps - policy.reservedBps;
  return policy.internetCapBps !== undefined ? Math.min(unreserved, policy.internetCapBps) : unreserved;
}

/** The rule on one sample; undefined when the link cannot be judged (no Internet sample). */
export function evaluate(input: LinkInput, policy: EffectivePolicy, policyRevision = 0): LinkVerdict | undefined {
  if (input.internetBps === undefined) return undefined;
  const capacityBps = policy.capacityBps;
  const { highUtil, critUtil, dropRatio: dropRatioThreshold } = policy.thresholds;
  const internetBps = input.internetBps;
  const totalBps = input.totalBps;

  const limitBps = internetLimitBps(policy);
  const encroaching = internetBps > limitBps;
  const busy = totalBps >= highUtil * capacityBps;

  const dropRatio: Partial<Record<ProtectedClass, number>> = {};
  let dropsReported = false;
  let starved = false;
  for (const cls of protectedClasses) {
    const sample = input.protected[cls];
    if (sample?.dropBps === undefined) continue;
    dropsReported = true;
    const ratio = dropRatioOf(sample.sentBps, sample.dropBps);
    dropRatio[cls] = ratio;
    if (ratio >= dropRatioThreshold) starved = true;
  }

  const conditions: Conditions = { encroaching, busy, starved, dropsReported };
  let level: StateLevel = 'ok';
  if (encroaching && (starved || (!dropsReported && totalBps >= critUtil * capacityBps))) level = 'critical';
  else if (encroaching && busy) level = 'warning';

  return {
    atMs: input.atMs,
    link: input.link,
    province: input.province,
    tier: input.tier,
    dir: input.dir,
    level,
    conditions,
    totalBps,
    internetBps,
    capacityBps,
    reservedBps: policy.reservedBps,
    encroachBps: Math.max(0, internetBps - limitBps),
    dropRatio,
    policyRevision,
  };
}

/** One link and direction's samples of a poll as they are summed (the input once its total is known). */
interface InputGroup {
  link: string;
  dir: Direction;
  total: LinkSample | undefined;
  internetBps: number | undefined;
  protected: Partial<Record<ProtectedClass, ProtectedClassInput>>;
}

function groupOf(link: string, dir: Direction): InputGroup {
  return { link, dir, total: undefined, internetBps: undefined, protected: {} };
}

/** Adds one class sample (not `total`) to its group: Internet summed, protected classes' sent and drops summed. */
function addClassSample(group: InputGroup, s: LinkSample): void {
  if (s.class === 'internet') {
    group.internetBps = (group.internetBps ?? 0) + s.bitsPerSecond;
  } else if (s.class === 'docex' || s.class === 'video') {
    // The group's own objects, not yet handed out: summed in place.
    let sum = group.protected[s.class];
    if (sum === undefined) {
      sum = { sentBps: 0 };
      group.protected[s.class] = sum;
    }
    sum.sentBps += s.bitsPerSecond;
    if (s.dropBitsPerSecond !== undefined || sum.dropBps !== undefined) sum.dropBps = (sum.dropBps ?? 0) + (s.dropBitsPerSecond ?? 0);
  }
}

/**
 * Groups one poll's link samples into one input per link and direction, in the order each
 * first appears. A link and direction without a `total` sample is left out (nothing to judge
 * against); one without an `internet` sample is kept with `internetBps` absent, so `evaluate`
 * declines it. A poll's samples come link by link, so a sample of the group before it is
 * added without a look-up, and the look-up is by link id (no key string per sample).
 */
export function linkInputsOf(samples: readonly LinkSample[]): LinkInput[] {
  const byLink = new Map<string, { down?: InputGroup; up?: InputGroup }>();
  const groups: InputGroup[] = [];
  let last: InputGroup | undefined;
  for (const s of samples) {
    let group = last;
    if (group === undefined || group.link !== s.link || group.dir !== s.dir) {
      let row = byLink.get(s.link);
      if (row === undefined) {
        row = {};
        byLink.set(s.link, row);
      }
      group = row[s.dir];
      if (group === undefined) {
        group = groupOf(s.link, s.dir);
        row[s.dir] = group;
        groups.push(group);
      }
      last = group;
    }
    if (s.class === 'total') group.total = s;
    else addClassSample(group, s);
  }
  const out: LinkInput[] = [];
  for (const group of groups) {
    const total = group.total;
    if (!total) continue;
    const input: LinkInput = {
      atMs: total.atMs,
      link: total.link,
      province: total.province,
      tier: total.tier,
      dir: total.dir,
      totalBps: total.bitsPerSecond,
      capacityBps: total.capacityBps,
      protected: group.protected,
    };
    if (group.internetBps !== undefined) input.internetBps = group.internetBps;
    out.push(input);
  }
  return out;
}
