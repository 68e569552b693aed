// A policy document against the topology: every province and link key exists; on
// every link the effective reservations fit the capacity; effective highUtil ≤ critUtil.
// Problems name the key to fix: the most specific layer that set the offending value.
import { said, type Said } from '../../api/messages.ts';
import type { LinkConfig, TopologyConfig } from '../../config/schema.ts';
import { protectedClasses, type PolicyDocument, type PolicyProblem, type ProtectedClass } from './model.ts';
import { effectiveWithSources, type NamedLayer } from './effective.ts';
import { parsePolicyDocument } from './schema.ts';

export type PolicyTopology = Pick<TopologyConfig, 'provinces' | 'links'>;

const layerRank = { defaults: 0, tier: 1, province: 2, link: 3 } as const;

/** Mbit/s to three decimals, as problems give them. */
function mbps(bitsPerSecond: number): number {
  return Number((bitsPerSecond / 1_000_000).toFixed(3));
}

function mbit(bitsPerSecond: number): string {
  return `${mbps(bitsPerSecond)} Mbit/s`;
}

/** Problems found on many links at the same key are reported once (the first), with a count. */
class ProblemSet {
  readonly #byPath = new Map<string, { what: Said; message: string; more: number }>();
  add(path: string, what: Said, message: string): void {
    const seen = this.#byPath.get(path);
    if (seen) seen.more += 1;
    else this.#byPath.set(path, { what, message, more: 0 });
  }
  list(): PolicyProblem[] {
    return [...this.#byPath].map(([path, { what, message, more }]) =>
      more === 0
        ? { path, ...what, message }
        : { path, ...what, message: `${message} (and ${more} other link${more === 1 ? '' : 's'})`, otherLinks: more },
    );
  }
}

function amountKey(named: NamedLayer, cls: ProtectedClass): string {
  const amount = named.layer.reservations?.[cls];
  const unit = amount !== undefined && 'mbps' in amount ? 'mbps' : 'percent';
  return `${named.path}.reservations.${cls}.${unit}`;
}

/** The class whose reservation comes from the most specific layer (ties: the larger one). */
function blamed(
  sources: Partial<Record<ProtectedClass, NamedLayer>>,
  bps: Record<ProtectedClass, number>,
): { cls: ProtectedClass; named: NamedLayer } | undefined {
  let best: { cls: ProtectedClass; named: NamedLayer } | undefined;
  for (const cls of protectedClasses) {
    const named = sources[cls];
    if (named === undefined) continue;
    if (
      best === undefined ||
      layerRank[named.name] > layerRank[best.named.name] ||
      (layerRank[named.name] === layerRank[best.named.name] && bps[cls] > bps[best.cls])
    ) {
      best = { cls, named };
    }
  }
  return best;
}

function checkLink(document: PolicyDocument, link: LinkConfig, problems: ProblemSet): void {
  const { policy, sources } = effectiveWithSources(document, link, link.capacityBps ?? 0);
  const culprit = blamed(sources.reservations, policy.reservationsBps);
  if (link.capacityBps !== undefined) {
    if (policy.reservedBps > link.capacityBps && culprit !== undefined) {
      const parts = protectedClasses.map((cls) => `${cls} ${mbit(policy.reservationsBps[cls])}`).join(' + ');
      problems.add(
        amountKey(culprit.named, culprit.cls),
        said('over-capacity', {
          link: link.id,
          docexMbps: mbps(policy.reservationsBps.docex),
          videoMbps: mbps(policy.reservationsBps.video),
          reservedMbps: mbps(policy.reservedBps),
          capacityMbps: mbps(link.capacityBps),
        }),
        `reservations exceed the capacity of link ${link.id}: ${parts} = ${mbit(policy.reservedBps)} > ${mbit(link.capacityBps)}`,
      );
    }
  } else {
    // Without a configured capacity only shares can be checked.
    let percentSum = 0;
    for (const cls of protectedClasses) {
      const amount = sources.reservations[cls]?.layer.reservations?.[cls];
      if (amount !== undefined && 'percent' in amount) percentSum += amount.percent;
    }
    if (percentSum > 100 && culprit !== undefined) {
      problems.add(
        amountKey(culprit.named, culprit.cls),
        said('over-full-share', { link: link.id, percent: percentSum }),
        `reservations on link ${link.id} add up to ${percentSum} % of its capacity`,
      );
    }
  }
  const { highUtil, critUtil } = policy.thresholds;
  if (highUtil > critUtil) {
    const high = sources.thresholds.highUtil;
    const crit = sources.thresholds.critUtil;
    const blameHigh = high !== undefined && (crit === undefined || layerRank[high.name] > layerRank[crit.name]);
    const named = blameHigh ? high : crit;
    if (named !== undefined) {
      problems.add(
        `${named.path}.thresholds.${blameHigh ? 'highUtil' : 'critUtil'}`,
        said('high-above-crit', { link: link.id, highUtil, critUtil }),
        `on link ${link.id} the effective highUtil (${highUtil}) is above critUtil (${critUtil})`,
      );
    }
  }
}

/** Cross-checks of a schema-valid document against the topology. */
export function checkAgainstTopology(document: PolicyDocument, topology: PolicyTopology): PolicyProblem[] {
  const problems = new ProblemSet();
  const provinceIds = new Set(topology.provinces.map((p) => p.id));
  const linkIds = new Set(topology.links.map((l) => l.id));
  for (const key of Object.keys(document.provinces)) {
    const field = `provinces.${key}`;
    if (!provinceIds.has(key)) problems.add(field, said('unknown-province', { field, province: key }), `unknown province "${key}": not in the topology`);
  }
  for (const key of Object.keys(document.links)) {
    const field = `links.${key}`;
    if (!linkIds.has(key)) problems.add(field, said('unknown-link', { field, link: key }), `unknown link "${key}": not in the topology`);
  }
  for (const link of topology.links) checkLink(document, link, problems);
  return problems.list();
}

export type ValidationResult =
  | { ok: true; document: PolicyDocument }
  | { ok: false; problems: PolicyProblem[]; document?: PolicyDocument };

/** Schema, then topology: the valid document, or every problem (with the document when only the cross-checks failed). */
export function validatePolicyDocument(input: unknown, topology: PolicyTopology): ValidationResult {
  const parsed = parsePolicyDocument(input);
  if (!parsed.ok) return parsed;
  const problems = checkAgainstTopology(parsed.document, topology);
  if (problems.length > 0) return { ok: false, problems, document: parsed.document };
  return { ok: true, document: parsed.document };
}
