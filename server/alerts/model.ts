// Alert episodes: one per link and direction from the moment it leaves `ok` until it is back.
import type { Direction } from '../../collector/samples.ts';
import type { LinkVerdict } from '../analysis/model.ts';

export type EpisodeState = 'open' | 'acknowledged' | 'resolved';
export type NotificationKind = 'raise' | 'escalate' | 'resolve';

export interface NotificationRecord {
  kind: NotificationKind;
  channel: 'webhook' | 'email';
  target: string;
  /** Last attempt time; `deliveredAtMs` once it went through. */
  atMs: number;
  attempts: number;
  deliveredAtMs?: number;
  error?: string;
}

export interface AlertEpisode {
  id: string;
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  /** The worst level the episode reached. */
  level: 'warning' | 'critical';
  state: EpisodeState;
  raisedAtMs: number;
  escalatedAtMs?: number;
  acknowledgedAtMs?: number;
  acknowledgedBy?: string;
  resolvedAtMs?: number;
  /** The verdict that raised it, and the latest one. */
  firstVerdict: LinkVerdict;
  lastVerdict: LinkVerdict;
  notifications: NotificationRecord[];
}
