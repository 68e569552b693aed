// The app's shared parts, read by pages through context: the language and the session (set by
// App.svelte), the live client and health poller (set by the signed-in shell, one per session).
import { createContext } from 'svelte';
import type { HealthMonitor } from './health.svelte.ts';
import type { LiveClient } from './live.svelte.ts';
import type { LocaleState } from './locale.svelte.ts';
import type { Session } from './session.svelte.ts';

export interface AppContext {
  live: LiveClient;
  health: HealthMonitor;
  locale: LocaleState;
  session: Session;
}

export const [getAppContext, setAppContext] = createContext<AppContext>();
