// What the alert tests feed the alert book, built one way: the analyzer's state changes with
// the verdict behind them, and a small configuration (one core router, a few provinces with
// their contacts, tier-1 and tier-2 links) validated by the config's own schemas.
import type { z } from 'zod';
import { loadProvinces } from '../../config/load.ts';
import { linkSchema, provinceRefSchema, settingsSchema, topologySchema, type LanewatchConfig } from '../../config/schema.ts';
import type { AlertLevel, NotificationPayload } from '../../server/alerts/model.ts';
import type { LinkStateChange, LinkVerdict, StateLevel } from '../../server/analysis/model.ts';

/**
 * One sample's verdict on a 1 Gbit/s link with 300 Mbit/s reserved (t1-hue, down, unless
 * `fields` say otherwise): above ok, Internet surges into the reservation (encroaching and
 * busy), and at critical a protected class is dropped (starved).
 */
export function verdictAt(level: StateLevel, atMs: number, fields: Partial<LinkVerdict> = {}): LinkVerdict {
  return {
    atMs,
    link: 't1-hue',
    province: 'hue',
    tier: 1,
    dir: 'down',
    level,
    conditions: { encroaching: level !== 'ok', busy: level !== 'ok', starved: level === 'critical', dropsReported: true },
    totalBps: 960e6,
    internetBps: 800e6,
    capacityBps: 1e9,
    reservedBps: 300e6,
    encroachBps: level === 'ok' ? 0 : 100e6,
    dropRatio: { docex: level === 'critical' ? 0.02 : 0, video: 0 },
    policyRevision: 1,
    ...fields,
  };
}

/** A state change of a link and direction (t1-hue in hue, down, unless `verdict` says otherwise) with its verdict. */
export function stateChange(from: StateLevel, to: StateLevel, atMs: number, verdict: Partial<LinkVerdict> = {}): LinkStateChange {
  const v = verdictAt(to, atMs, verdict);
  return { atMs, link: v.link, province: v.province, tier: v.tier, dir: v.dir, from, to, verdict: v };
}

/**
 * What the notifier is given for the episode of t1-hue (down) raised at 1,700,000,000,000 ms:
 * its `kind` at `level`, for delivery to `destination` (`channel:target`), with the verdict of
 * verdictAt (ok for a resolve) changed by `verdict`.
 */
export function notificationPayload(kind: NotificationPayload['kind'], level: AlertLevel, destination: string, verdict: Partial<LinkVerdict> = {}): NotificationPayload {
  const raisedAtMs = 1_700_000_000_000;
  const id = `t1-hue.down.${raisedAtMs}`;
  return {
    kind,
    deliveryId: `${id}:${kind}:${destination}`,
    episode: { id, link: 't1-hue', province: 'hue', tier: 1, dir: 'down', level, state: kind === 'resolve' ? 'resolved' : 'open', raisedAtMs },
    verdict: verdictAt(kind === 'resolve' ? 'ok' : level, raisedAtMs, verdict),
  };
}

export interface AlertTestConfigOptions {
  /** `settings.state.dir`, and the config's `dir`. */
  dir: string;
  /** Settings as settings.yaml would give them (`state.dir` is set from `dir`). */
  settings?: Record<string, unknown>;
  /** Default: Huế alone, without contacts. */
  provinces?: z.input<typeof provinceRefSchema>[];
  /** Default: t1-hue and t2-hue-a; every link on the one core router. */
  links?: Omit<z.input<typeof linkSchema>, 'router' | 'ifName'>[];
}

/** A small configuration for the alert book and routes, province names from config/provinces.json. */
export function alertTestConfig(options: AlertTestConfigOptions): LanewatchConfig {
  const provinces = options.provinces ?? [{ id: 'hue' }];
  const links = options.links ?? [
    { id: 't1-hue', tier: 1, province: 'hue' },
    { id: 't2-hue-a', tier: 2, province: 'hue' },
  ];
  const topology = topologySchema.parse({
    provinces,
    routers: [{ id: 'core-hn', address: '127.0.0.1:161', snmp: { version: '2c', community: 'public' } }],
    links: links.map((link, index) => ({ ...link, router: 'core-hn', ifName: `ge-0/0/${index + 1}` })),
  });
  const known = loadProvinces();
  return {
    dir: options.dir,
    settings: settingsSchema.parse({ ...options.settings, state: { dir: options.dir } }),
    topology,
    provinces: new Map(
      topology.provinces.flatMap((p) => {
        const province = known.get(p.id);
        return province === undefined ? [] : [[p.id, province] as const];
      }),
    ),
    classRules: [],
  };
}
