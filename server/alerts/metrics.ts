// The alert book's metrics (Prometheus): episodes not resolved, by level and state, read at
// each scrape. Registered into the registry the caller gives, or a private one nobody reads.
import { Gauge, Registry } from 'prom-client';
import type { AlertEpisode } from './model.ts';

type Level = AlertEpisode['level'];
type OpenState = Exclude<AlertEpisode['state'], 'resolved'>;
const levels: readonly Level[] = ['warning', 'critical'];
const openStates: readonly OpenState[] = ['open', 'acknowledged'];

export interface OpenEpisodeCount {
  level: Level;
  state: OpenState;
  count: number;
}

/** Pure: episodes not resolved, counted for every level and state (zeros included). */
export function openEpisodeCounts(episodes: Iterable<Pick<AlertEpisode, 'level' | 'state'>>): OpenEpisodeCount[] {
  const counts = new Map<string, number>();
  for (const e of episodes) {
    if (e.state === 'resolved') continue;
    const key = `${e.level}|${e.state}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return levels.flatMap((level) => openStates.map((state) => ({ level, state, count: counts.get(`${level}|${state}`) ?? 0 })));
}

export function registerAlertMetrics(registry: Registry | undefined, episodes: () => Iterable<Pick<AlertEpisode, 'level' | 'state'>>): void {
  new Gauge({
    name: 'lanewatch_alerts_open',
    help: 'Alert episodes not resolved, by level (warning, critical) and state (open, acknowledged).',
    labelNames: ['level', 'state'],
    registers: [registry ?? new Registry()],
    collect() {
      for (const { level, state, count } of openEpisodeCounts(episodes())) this.set({ level, state }, count);
    },
  });
}
