// Fixture builders for the web unit tests: each response shape written once, whole, as the
// server sends it (api/schemas.ts). A test names only the fields it is about; the rest get
// plain defaults. Every builder passes its result through the shared schema, so a fixture the
// server could never send fails where it is built instead of passing a lenient test.
import type { z } from 'zod';
import {
  alertSchema,
  linkStatusSchema,
  linkVerdictSchema,
  notificationSchema,
  statesSchema,
  topologyLinkSchema,
  topologySchema,
} from '../../api/schemas.ts';
import type { Alert, LinkStatus, StatesView, Topology, TopologyLink } from '../../web/src/lib/api.ts';

export type LinkVerdict = z.infer<typeof linkVerdictSchema>;
export type AlertNotification = z.infer<typeof notificationSchema>;

/** A topology link; `name` defaults to the id, as the server does for a link without one. */
export function topologyLink(
  fields: Pick<TopologyLink, 'id' | 'tier' | 'province'> & Partial<TopologyLink>,
): TopologyLink {
  return topologyLinkSchema.parse({ name: fields.id, router: 'r1', ifName: 'Gi0/0', downIs: 'out', ...fields });
}

/** A topology of `links` polled every 10 s: Huế, Lào Cai, Cà Mau and Hà Nội (one province per region, two in the north), then `moreProvinces`. */
export function testTopology(links: TopologyLink[], moreProvinces: Topology['provinces'] = []): Topology {
  return topologySchema.parse({
    intervalMs: 10_000,
    provinces: [
      { id: 'hue', name: 'Huế', region: 'central' },
      { id: 'lao-cai', name: 'Lào Cai', region: 'north' },
      { id: 'ca-mau', name: 'Cà Mau', region: 'south' },
      { id: 'ha-noi', name: 'Hà Nội', region: 'north' },
      ...moreProvinces,
    ],
    routers: [{ id: 'r1', name: 'core' }],
    links,
  });
}

/** One sample's verdict: quiet (no condition, no traffic) unless told otherwise. */
export function linkVerdict(
  fields: Pick<LinkVerdict, 'link' | 'province' | 'tier' | 'dir'> & Partial<LinkVerdict>,
): LinkVerdict {
  return linkVerdictSchema.parse({
    atMs: 0,
    level: 'ok',
    conditions: { encroaching: false, busy: false, starved: false, dropsReported: false },
    totalBps: 0,
    internetBps: 0,
    capacityBps: 1_000,
    reservedBps: 0,
    encroachBps: 0,
    dropRatio: {},
    policyRevision: 1,
    ...fields,
  });
}

/** A link state; its `last` verdict is of the same link, direction and level, taken at `sinceMs`. */
export function linkStatus(
  fields: Pick<LinkStatus, 'link' | 'province' | 'tier' | 'dir' | 'level' | 'sinceMs'> & { last?: Partial<LinkVerdict> },
): LinkStatus {
  const { last, ...status } = fields;
  const { link, province, tier, dir, level, sinceMs } = status;
  return linkStatusSchema.parse({ ...status, last: linkVerdict({ link, province, tier, dir, level, atMs: sinceMs, ...last }) });
}

/** `GET states` and the live `states` message body (both always carry `atMs`). */
export function statesView(fields: Pick<StatesView, 'links' | 'provinces'> & Partial<StatesView>): StatesView {
  return statesSchema.parse({ atMs: 0, ...fields });
}

/** A notification of an alert, delivered on its first attempt unless told otherwise. */
export function alertNotification(fields: Partial<AlertNotification> = {}): AlertNotification {
  const atMs = fields.atMs ?? 0;
  return notificationSchema.parse({
    kind: 'raise',
    channel: 'webhook',
    target: 'http://127.0.0.1:9/hook',
    atMs,
    attempts: 1,
    deliveredAtMs: atMs,
    ...fields,
  });
}

/**
 * An alert episode; its first and last verdicts are of the same link, direction and level,
 * taken when it was raised, and it has no notifications unless told otherwise.
 */
export function alert(
  fields: Pick<Alert, 'id' | 'link' | 'province' | 'tier' | 'dir' | 'level' | 'state' | 'raisedAtMs'> & Partial<Alert>,
): Alert {
  const { link, province, tier, dir, level, raisedAtMs } = fields;
  const verdict = linkVerdict({ link, province, tier, dir, level, atMs: raisedAtMs });
  return alertSchema.parse({ firstVerdict: verdict, lastVerdict: verdict, notifications: [], ...fields });
}
