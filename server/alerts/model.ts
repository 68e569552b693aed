// Alert episodes: one per link and direction from the moment it leaves `ok` until it is back.
import type { AlertLevel, Direction, EpisodeState, NotificationKind } from '../../api/schemas.ts';
import type { LinkVerdict } from '../analysis/model.ts';

export type { AlertLevel, EpisodeState, NotificationKind };

export interface NotificationRecord {
  kind: NotificationKind;
  channel: 'webhook' | 'email';
  target: string;
  /** Last attempt time; `deliveredAtMs` once it went through. */
  atMs: number;
  attempts: number;
  deliveredAtMs?: number;
  error?: string;
  /** Set when every attempt failed (`notify.retry.maxAttempts`): never tried again, not even after a restart. */
  gaveUpAtMs?: number;
}

export interface AlertEpisode {
  id: string;
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  /** The worst level the episode reached. */
  level: AlertLevel;
  state: EpisodeState;
  raisedAtMs: number;
  escalatedAtMs?: number;
  acknowledgedAtMs?: number;
  acknowledgedBy?: string;
  resolvedAtMs?: number;
  /** The verdict that raised it, and the latest one. */
  firstVerdict: LinkVerdict;
  lastVerdict: LinkVerdict;
  /** The verdict that escalated it to critical, when it did. */
  escalateVerdict?: LinkVerdict;
  notifications: NotificationRecord[];
}

/** What a webhook receives (JSON POST) for each raise, escalate and resolve. */
export interface NotificationPayload {
  kind: NotificationKind;
  /** Opaque and the same on every retry (lets a receiver drop a repeat); it never names the target. */
  deliveryId: string;
  /** The episode as it stood when the event happened (without its notification records). */
  episode: Omit<AlertEpisode, 'notifications' | 'firstVerdict' | 'lastVerdict' | 'escalateVerdict'>;
  /** The verdict behind this event. */
  verdict: LinkVerdict;
}
