// Pure episode logic: how one state change moves a link and direction's episode, what each
// notification says, and how the list is filtered. No I/O here (AlertBook does that).
import type { LinkStateChange, LinkVerdict } from '../analysis/model.ts';
import type { AlertEpisode, AlertLevel, EpisodeState, NotificationKind, NotificationPayload, NotificationRecord } from './model.ts';
import { deliveryKey } from '../notify/delivery-key.ts';

export interface EpisodeStep {
  /** The new or updated episode (a fresh object; the input is never mutated). */
  episode: AlertEpisode;
  /** The notification this step calls for, if any. */
  kind?: NotificationKind;
}

/** `link|dir`: at most one episode that is not resolved per key. */
export function activeKey(link: string, dir: string): string {
  return `${link}|${dir}`;
}

/**
 * Pure: applies one state change to the link and direction's active (not resolved) episode.
 * Leaving `ok` raises, warning → critical escalates, back to `ok` resolves; critical →
 * warning only refreshes the latest verdict (the episode keeps the worst level it reached).
 * Returns undefined when nothing changes (back to ok without an episode).
 */
export function stepEpisode(
  active: AlertEpisode | undefined,
  change: LinkStateChange,
  newId: () => string,
): EpisodeStep | undefined {
  if (change.to === 'ok') {
    if (active === undefined) return undefined;
    return {
      episode: { ...active, state: 'resolved', resolvedAtMs: change.atMs, lastVerdict: change.verdict },
      kind: 'resolve',
    };
  }
  if (active === undefined) {
    return {
      episode: {
        id: newId(),
        link: change.link,
        province: change.province,
        tier: change.tier,
        dir: change.dir,
        level: change.to,
        state: 'open',
        raisedAtMs: change.atMs,
        firstVerdict: change.verdict,
        lastVerdict: change.verdict,
        notifications: [],
      },
      kind: 'raise',
    };
  }
  if (change.to === 'critical' && active.level === 'warning') {
    return {
      episode: {
        ...active,
        level: 'critical',
        escalatedAtMs: change.atMs,
        escalateVerdict: change.verdict,
        lastVerdict: change.verdict,
      },
      kind: 'escalate',
    };
  }
  return { episode: { ...active, lastVerdict: change.verdict } };
}

/** Pure: acknowledges an episode; the first acknowledgement stands (a repeat changes nothing). */
export function acknowledge(
  episode: AlertEpisode,
  by: string,
  atMs: number,
): AlertEpisode | 'resolved' {
  if (episode.state === 'resolved') return 'resolved';
  if (episode.state === 'acknowledged') return episode;
  return { ...episode, state: 'acknowledged', acknowledgedAtMs: atMs, acknowledgedBy: by };
}

export interface EpisodeFilter {
  state?: EpisodeState;
  province?: string;
}

/** Pure: the episodes that pass the filter, newest first (by raise time, then id). */
export function filterEpisodes(episodes: Iterable<AlertEpisode>, filter: EpisodeFilter): AlertEpisode[] {
  const out: AlertEpisode[] = [];
  for (const episode of episodes) {
    if (filter.state !== undefined && episode.state !== filter.state) continue;
    if (filter.province !== undefined && episode.province !== filter.province) continue;
    out.push(episode);
  }
  return out.sort((a, b) => b.raisedAtMs - a.raisedAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** One notification's id, the same on every attempt; opaque: it never names the target. */
export const deliveryId = deliveryKey;

/** A notification still to be sent: not delivered and not given up. */
export function isPending(record: NotificationRecord): boolean {
  return record.deliveredAtMs === undefined && record.gaveUpAtMs === undefined;
}

function levelOf(verdict: LinkVerdict): AlertLevel {
  return verdict.level === 'critical' ? 'critical' : 'warning';
}

/**
 * Pure: what a notification says: the episode as it stood when the event happened (a raise
 * sent late, after a restart, still reads as a raise) and the verdict behind the event.
 */
export function notificationPayload(
  episode: AlertEpisode,
  kind: NotificationKind,
  channel: NotificationRecord['channel'],
  target: string,
): NotificationPayload {
  const base: NotificationPayload['episode'] = {
    id: episode.id,
    link: episode.link,
    province: episode.province,
    tier: episode.tier,
    dir: episode.dir,
    level: episode.level,
    state: episode.state,
    raisedAtMs: episode.raisedAtMs,
  };
  const id = deliveryId(episode.id, kind, channel, target);
  if (kind === 'raise') {
    return { kind, deliveryId: id, episode: { ...base, level: levelOf(episode.firstVerdict), state: 'open' }, verdict: episode.firstVerdict };
  }
  const acked =
    episode.acknowledgedAtMs !== undefined && episode.acknowledgedBy !== undefined
      ? { acknowledgedAtMs: episode.acknowledgedAtMs, acknowledgedBy: episode.acknowledgedBy }
      : undefined;
  if (kind === 'escalate') {
    const escalatedAtMs = episode.escalatedAtMs ?? episode.lastVerdict.atMs;
    const ackedBefore = acked !== undefined && acked.acknowledgedAtMs <= escalatedAtMs ? acked : undefined;
    return {
      kind,
      deliveryId: id,
      episode: { ...base, level: 'critical', state: ackedBefore ? 'acknowledged' : 'open', escalatedAtMs, ...ackedBefore },
      verdict: episode.escalateVerdict ?? episode.lastVerdict,
    };
  }
  return {
    kind,
    deliveryId: id,
    episode: {
      ...base,
      state: 'resolved',
      ...(episode.escalatedAtMs !== undefined ? { escalatedAtMs: episode.escalatedAtMs } : {}),
      ...acked,
      ...(episode.resolvedAtMs !== undefined ? { resolvedAtMs: episode.resolvedAtMs } : {}),
    },
    verdict: episode.lastVerdict,
  };
}
