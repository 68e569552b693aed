// The collector: one DevicePoller per configured router, run by the Scheduler; every
// PollBatch is published on the live bus (the store and the server subscribe).
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LanewatchConfig } from '../config/schema.ts';
import type { LiveBus } from './live-bus.ts';
import { compileClassRules } from './classify.ts';
import { DevicePoller } from './poller.ts';
import { linkEndsByRouter } from './link-ends.ts';
import type { QosView } from './samples.ts';
import { Scheduler, type DeviceState } from './scheduler.ts';
import { CollectorMetrics, type PollerMetrics } from './metrics.ts';
import { V2cTransport } from './snmp/index.ts';
import { TablePool } from './snmp/read.ts';

export interface CollectorHealth {
  running: boolean;
  devices: number;
  devicesUp: number;
  /** Devices whose last poll failed (not those never polled yet). */
  devicesDown: number;
  lastPollAtMs?: number;
}

export interface CollectorOptions {
  config: LanewatchConfig;
  bus: LiveBus;
  log: Logger;
  now?: () => number;
  /** Where the collector's metrics go (the process's registry); default: a private one. */
  registry?: Registry;
}

/**
 * One DevicePoller per router of the topology, each with the links on that router; the class
 * rules are compiled once for all of them, and the interface walks' tables shared (as many as
 * polls run at once).
 */
export function createPollers(
  config: LanewatchConfig,
  log: Logger,
  now?: () => number,
  intervalMs?: number,
  metrics?: PollerMetrics,
  transport?: V2cTransport,
  tables: TablePool = new TablePool(),
): Map<string, DevicePoller> {
  const pollers = new Map<string, DevicePoller>();
  const classifier = compileClassRules(config.classRules);
  const collector = { ...config.settings.collector, intervalMs: intervalMs ?? config.settings.collector.intervalMs };
  // Each router polls its links and the far ends of two-ended links ending on it (collector/link-ends.ts).
  const linksByRouter = linkEndsByRouter(config.topology);
  for (const router of config.topology.routers) {
    const links = linksByRouter.get(router.id) ?? [];
    pollers.set(router.id, new DevicePoller({ router, links, collector, classifier, log, now, tables, ...(metrics ? { metrics } : {}), ...(transport ? { transport } : {}) }));
  }
  return pollers;
}

/** v2c sockets for `concurrency` polls in flight: about 4 polls' answers per socket buffer. Pure. */
export function socketsFor(concurrency: number): number {
  return Math.min(64, Math.max(1, Math.ceil(concurrency / 4)));
}

export class Collector {
  readonly #bus: LiveBus;
  readonly #log: Logger;
  readonly #pollers: Map<string, DevicePoller>;
  readonly #scheduler: Scheduler;
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #metrics: CollectorMetrics;
  /** Every v2c poll's sockets (answers matched by request-id): a few for the fleet, not one per router. */
  readonly #transport: V2cTransport;
  #lastPollAtMs: number | undefined;
  #stopping = false;

  constructor(opts: CollectorOptions) {
    this.#bus = opts.bus;
    this.#log = opts.log;
    this.#now = opts.now ?? Date.now;
    this.#metrics = new CollectorMetrics(opts.registry, {
      devicesByState: () => this.#devicesByState(),
      pollsInFlight: () => this.#scheduler.inFlight,
      pollsWaiting: () => this.#scheduler.waiting,
    });
    const { intervalMs, concurrency, timeoutMs } = opts.config.settings.collector;
    this.#transport = new V2cTransport({ sockets: socketsFor(concurrency), ...(opts.now ? { now: opts.now } : {}) });
    this.#pollers = createPollers(opts.config, opts.log, opts.now, undefined, this.#metrics, this.#transport);
    this.#graceMs = timeoutMs;
    this.#scheduler = new Scheduler({
      devices: [...this.#pollers.keys()],
      intervalMs,
      concurrency,
      run: (device) => this.#pollDevice(device),
      log: opts.log,
      now: opts.now,
      metrics: this.#metrics,
    });
  }

  async #pollDevice(device: string): Promise<{ ok: boolean; error?: string }> {
    const poller = this.#pollers.get(device);
    if (!poller) return { ok: false, error: 'unknown device' };
    const startedAtMs = this.#now();
    const batch = await poller.poll();
    // A poll cut short by stop() is not a device failure: publish nothing.
    if (this.#stopping && !batch.poll.ok) return { ok: batch.poll.ok, error: batch.poll.error };
    this.#metrics.pollDone(batch.poll, this.#now() - startedAtMs);
    this.#lastPollAtMs = batch.poll.atMs;
    this.#bus.publish(batch);
    return { ok: batch.poll.ok, error: batch.poll.error };
  }

  /** Begins scheduling; returns at once. */
  start(): void {
    this.#stopping = false;
    this.#log.info({ devices: this.#pollers.size }, 'collector starting');
    this.#scheduler.start();
  }

  /**
   * Stops scheduling and waits for the polls in flight; those still waiting for an answer
   * after one request timeout are aborted (their sessions closed).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const stopped = this.#scheduler.stop();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'grace'>((resolve) => {
      timer = setTimeout(() => resolve('grace'), this.#graceMs);
    });
    try {
      if ((await Promise.race([stopped.then(() => 'stopped' as const), grace])) === 'grace') {
        for (const poller of this.#pollers.values()) poller.abort();
        await stopped;
      }
      // Background QoS discoveries end within their own timeouts; wait for them too.
      await Promise.all([...this.#pollers.values()].map((p) => p.idle()));
    } finally {
      clearTimeout(timer);
      // Every device's session and the shared sockets are closed; a later start() opens new ones.
      for (const poller of this.#pollers.values()) poller.close();
      this.#transport.close();
    }
    this.#log.info('collector stopped');
  }

  /**
   * Every discovered QoS class and per-service sub-interface on a configured link, device by
   * device, with the service class it counts as (`rule` absent: matched no rule, counted as other).
   */
  qos(): QosView {
    return { atMs: this.#now(), classes: [...this.#pollers.values()].flatMap((p) => p.qosMappings()) };
  }

  #devicesByState(): Record<DeviceState, number> {
    const counts: Record<DeviceState, number> = { unknown: 0, up: 0, down: 0 };
    for (const device of this.#pollers.keys()) counts[this.#scheduler.stateOf(device)]++;
    return counts;
  }

  health(): CollectorHealth {
    const { up: devicesUp, down: devicesDown } = this.#devicesByState();
    const health: CollectorHealth = { running: this.#scheduler.running, devices: this.#pollers.size, devicesUp, devicesDown };
    if (this.#lastPollAtMs !== undefined) health.lastPollAtMs = this.#lastPollAtMs;
    return health;
  }
}
