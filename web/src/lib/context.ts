// The app's shared parts, created once by App.svelte and read by pages through context.
import { createContext } from 'svelte';
import type { HealthMonitor } from './health.svelte.ts';
import type { LiveClient } from './live.svelte.ts';
import type { LocaleState } from './locale.svelte.ts';

export interface AppContext {
  live: LiveClient;
  health: HealthMonitor;
  locale: LocaleState;
}

export const [getAppContext, setAppContext] = createContext<AppContext>();
