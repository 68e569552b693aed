// The alerts page's small rules: which episodes can be acknowledged (whoever may do it: see
// permissions.ts), and the order and filter of the list. Pure functions.
import type { Alert, EpisodeState } from './api.ts';
import { episodeStates } from './api.ts';

export function canAcknowledge(alert: Pick<Alert, 'state'>): boolean {
  return alert.state === 'open';
}

export function isEpisodeState(value: unknown): value is EpisodeState {
  return typeof value === 'string' && (episodeStates as readonly string[]).includes(value);
}

export interface AlertFilter {
  state?: EpisodeState | undefined;
  province?: string | undefined;
}

/** The episodes the filter keeps, newest raised first (the server filters too; this keeps the list right between refetches). */
export function filterAlerts(alerts: readonly Alert[], filter: AlertFilter): Alert[] {
  return alerts
    .filter((alert) => filter.state === undefined || alert.state === filter.state)
    .filter((alert) => filter.province === undefined || filter.province === '' || alert.province === filter.province)
    .sort((a, b) => b.raisedAtMs - a.raisedAtMs || a.id.localeCompare(b.id));
}

/** How long an episode lasted, or has lasted by `nowMs` while it is not resolved. */
export function episodeDurationMs(alert: Pick<Alert, 'raisedAtMs' | 'resolvedAtMs'>, nowMs: number): number {
  return Math.max(0, (alert.resolvedAtMs ?? nowMs) - alert.raisedAtMs);
}
