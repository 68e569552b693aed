// The process's metrics registry: every component registers its own metrics into it (collector,
// store, alerts, live stream), and GET /metrics serves it. Tests build their own, isolated ones.
import { collectDefaultMetrics, Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Node process metrics: CPU, memory, heap, event loop delay, handles, GC (default true). */
  processMetrics?: boolean;
}

export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
