// The alerts page's small rules: who is acknowledging (remembered in localStorage), which
// episodes can be acknowledged, and the order and filter of the list. Pure functions.
import type { Alert, EpisodeState } from './api.ts';
import { episodeStates } from './api.ts';

export const userNameStorageKey = 'lanewatch.user';
/** The server accepts a name of 1 to 100 characters. */
export const maxNameLength = 100;

/** The trimmed name, or null when it is empty or too long. */
export function cleanName(name: string): string | null {
  const trimmed = name.trim();
  return trimmed === '' || trimmed.length > maxNameLength ? null : trimmed;
}

export function readUserName(storage: Pick<Storage, 'getItem'> | null): string {
  try {
    return storage?.getItem(userNameStorageKey) ?? '';
  } catch {
    return '';
  }
}

export function storeUserName(storage: Pick<Storage, 'setItem'> | null, name: string): void {
  try {
    storage?.setItem(userNameStorageKey, name);
  } catch {
    // Private mode or a full quota: the name is asked again next time.
  }
}

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
