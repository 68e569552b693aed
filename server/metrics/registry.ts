// The process's metrics registry: every component registers its own metrics into it (collector,
// store, alerts, live stream), and GET /metrics serves it. Tests build their own, isolated ones.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { addEventLoopDelayMetrics, eventLoopGaugeNames } from './event-loop.ts';

export interface MetricsRegistryOptions {
  /** Node process metrics: CPU, memory, heap, event loop delay, handles, GC (default true). */
  processMetrics?: boolean;
}

/**
 * prom-client samples the event loop every 10 ms and offers no way to turn that off alone: its
 * sampler is slowed to once a minute and its delay gauges are replaced by event-loop.ts's
 * (`nodejs_eventloop_lag_seconds`, measured at each scrape, stays prom-client's).
 */
const PROM_CLIENT_LOOP_SAMPLE_MS = 60_000;

export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: PROM_CLIENT_LOOP_SAMPLE_MS });
    for (const name of eventLoopGaugeNames) registry.removeSingleMetric(name);
    addEventLoopDelayMetrics(registry);
  }
  return registry;
}
