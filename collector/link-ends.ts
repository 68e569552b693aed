// Which router measures which direction of which link. A single-ended link is measured at its
// router, both directions (`downIs` says which counter carries `down`). A two-ended link (topology
// `far`) is measured at both of its routers and joined into one link's samples: `down` (every
// class, drops, reservations) from the near end's egress, `up` from the far end's egress, the
// queue where upstream traffic is squeezed and the only one that can report those drops.
//
// The far end's router polls the link as a view of it from that end: the far router and its
// interface, `downIs: in` (its egress carries `up`), `far` kept as it is — so a view is told
// from the link itself (its `far` names its own router and interface) and every part of the
// collector reads it as it reads any link.
import { directions } from '../api/schemas.ts';
import type { LinkConfig, TopologyConfig } from '../config/schema.ts';
import type { Direction } from './samples.ts';

const both: readonly Direction[] = directions;
const downOnly: readonly Direction[] = ['down'];
const upOnly: readonly Direction[] = ['up'];

/** A two-ended link as its far end's router polls it. */
export function farEndView(link: LinkConfig): LinkConfig | undefined {
  if (!link.far) return undefined;
  return { ...link, router: link.far.router, ifName: link.far.ifName, downIs: 'in' };
}

/** Whether a link (or a far-end view of one) is the far end's view. */
export function isFarEndView(link: LinkConfig): boolean {
  return link.far !== undefined && link.far.router === link.router && link.far.ifName === link.ifName;
}

/** The directions a link's samples come from at the end `link` describes. Pure. */
export function measuredDirections(link: LinkConfig): readonly Direction[] {
  if (!link.far) return both;
  return isFarEndView(link) ? upOnly : downOnly;
}

/** The links each router polls: its own (near ends) and the far-end views of two-ended links ending on it. */
export function linkEndsByRouter(topology: Pick<TopologyConfig, 'links'>): Map<string, LinkConfig[]> {
  const byRouter = new Map<string, LinkConfig[]>();
  const add = (router: string, link: LinkConfig): void => {
    const list = byRouter.get(router);
    if (list) list.push(link);
    else byRouter.set(router, [link]);
  };
  for (const link of topology.links) {
    add(link.router, link);
    const far = farEndView(link);
    if (far) add(far.router, far);
  }
  return byRouter;
}
