// The login page's words for each outcome of a login attempt. Pure.
import type { LoginOutcome } from './api.ts';
import type { MessageKey, Translator } from './i18n.ts';

/** Whole minutes to wait, rounded up, never less than one. */
export function throttleMinutes(retryAfterSeconds: number): number {
  return Math.max(1, Math.ceil(retryAfterSeconds / 60));
}

const fieldKeys: Record<string, MessageKey> = { username: 'login.username', password: 'login.password' };

/** What to tell the user when a login did not sign them in. */
export function loginProblem(outcome: Exclude<LoginOutcome, { kind: 'signed-in' }>, fmt: Pick<Translator, 't'>): string {
  switch (outcome.kind) {
    case 'wrong-credentials':
      return fmt.t('login.wrong');
    case 'throttled': {
      if (outcome.retryAfterSeconds === null) return fmt.t('login.throttledLater');
      const minutes = throttleMinutes(outcome.retryAfterSeconds);
      return minutes === 1 ? fmt.t('login.throttledOne') : fmt.t('login.throttled', { minutes });
    }
    case 'invalid': {
      const key = outcome.field === null ? undefined : fieldKeys[outcome.field.replace(/^\/?(?:body\.)?/, '')];
      return fmt.t('login.invalid', { field: key === undefined ? (outcome.field ?? '?') : fmt.t(key) });
    }
    case 'unreachable':
      return outcome.status === null ? fmt.t('login.unreachable') : fmt.t('login.serverError', { status: String(outcome.status) });
  }
}
