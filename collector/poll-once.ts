// One-shot polling for debugging and the `lanewatch poll --once` command: poll every
// configured device twice, one interval apart, and return the second round (the first only
// sets the baselines: no rate without two readings).
import type { Logger } from 'pino';
import { mapBounded } from '../config/worker-pool.ts';
import type { LanewatchConfig } from '../config/schema.ts';
import type { PollBatch } from './samples.ts';
import { createPollers } from './collector.ts';
import type { DevicePoller } from './poller.ts';

export interface PollTwiceOptions {
  log: Logger;
  /** Time between the two rounds; defaults to the config's collector.intervalMs. */
  intervalMs?: number;
  now?: () => number;
}

/** Polls all devices with at most `concurrency` in flight; results in device order (a poll never rejects). */
function pollRound(pollers: readonly DevicePoller[], concurrency: number): Promise<PollBatch[]> {
  return mapBounded(pollers, concurrency, (poller) => poller.poll());
}

export async function pollTwice(config: LanewatchConfig, opts: PollTwiceOptions): Promise<PollBatch[]> {
  const intervalMs = opts.intervalMs ?? config.settings.collector.intervalMs;
  const pollers = [...createPollers(config, opts.log, opts.now, intervalMs).values()];
  const { concurrency } = config.settings.collector;
  try {
    const startedAtMs = Date.now();
    await pollRound(pollers, concurrency);
    const waitMs = Math.max(0, startedAtMs + intervalMs - Date.now());
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return await pollRound(pollers, concurrency);
  } finally {
    for (const p of pollers) p.close();
  }
}
