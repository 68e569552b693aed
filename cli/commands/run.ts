// `lanewatch run | collector | server`: wires the parts in dependency order
// (store → collector → server), starts them in that order and stops them in reverse.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../logger.ts';
import { installFatalHandlers, ListenSettingError, listenOn, runUntilSignal, stopInReverse, type StoppablePart } from '../lifecycle.ts';
import { secretValues } from '../../config/secrets.ts';
import type { CliCommand } from '../command.ts';
import { defineCommand, loadConfigOrReport } from '../args.ts';
import { settingsSchema, type LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import { Collector } from '../../collector/collector.ts';
import { InfluxStore } from '../../collector/store/influx-store.ts';
import { createInfluxClient, defaultInfluxRequestTimeoutMs } from '../../collector/store/influx-client.ts';
import { buildApp } from '../../server/app.ts';
import { InfluxTail } from '../../server/live/influx-tail.ts';
import { PolicyStore } from '../../server/policies/store.ts';
import { loadPolicySeed } from '../../server/policies/seed.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import { Notifier } from '../../server/notify/notifier.ts';
import { openAuthServices } from '../../server/auth/services.ts';
import { createMetricsRegistry } from '../../server/metrics/registry.ts';
import { buildMetricsListener, healthzPath } from '../../server/metrics/listener.ts';

export const webDistDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));

type Part = StoppablePart;


/**
 * A stop (signal or crash) finishes within this: the store's last write to a hung InfluxDB
 * times out after its own 10 s request timeout, then what it holds goes to the spool. 25 s, the
 * most the units' TimeoutStopSec (30 s) leaves room for: 15 s was shared six ways, and a large
 * network's collector (polls in flight) and store (the last cycle's points) each need more.
 */
export const stopDeadlineMs = 25_000;

/**
 * Pure: how long the collector's and the store's stops may take by their own timeouts, their
 * weights when the stop deadline is shared (cli/lifecycle.ts). The collector waits one request
 * timeout for the polls in flight, then for QoS discoveries, which end within their own retries;
 * the store waits for the write in flight, then writes (or spools) its buffer: two requests.
 */
export function stopBoundsMs(settings: Pick<LanewatchConfig['settings'], 'collector'>): { collector: number; store: number } {
  return {
    collector: settings.collector.timeoutMs * (settings.collector.retries + 2),
    store: 2 * defaultInfluxRequestTimeoutMs,
  };
}

type Mode = 'run' | 'collector' | 'server';

async function start(mode: Mode, config: LanewatchConfig): Promise<number> {
  const log = createLogger({ secrets: secretValues(config) });
  const parts: Part[] = [];
  // A crash still stops the parts in reverse, so what the store holds in memory is written or spooled.
  installFatalHandlers(
    log,
    async () => {
      await stopInReverse(parts, log, { deadlineMs: stopDeadlineMs });
    },
    // The same bound as the stop it runs (else the store, stopped last, is cut off at 10 s).
    { deadlineMs: stopDeadlineMs },
  );
  const bus = new LiveBus((err) => log.error({ err }, 'live bus subscriber failed'));
  const { settings } = config;
  // One registry per process: each part adds its own metrics; the server serves them at GET /metrics,
  // the collector alone on a listener of its own (metrics.collectorListen).
  const metrics = createMetricsRegistry();
  const bounds = stopBoundsMs(settings);
  try {
    let store: InfluxStore | undefined;
    let collector: Collector | undefined;
    if (mode !== 'server') {
      store = new InfluxStore({ influx: settings.influx, spool: settings.collector.spool, log: log.child({ component: 'store' }), registry: metrics });
      await store.start();
      parts.push({ name: 'store', stop: () => store!.stop(), stopBoundMs: bounds.store });
      bus.subscribe((batch) => store!.write(batch));
      collector = new Collector({ config, bus, log: log.child({ component: 'collector' }), registry: metrics });
    }
    if (mode !== 'collector') {
      const influx = createInfluxClient(settings.influx);
      if (!store) {
        // The split server writes only the analyzer's linkState points: its own spool.
        const spool = { ...settings.collector.spool, dir: join(settings.collector.spool.dir, 'server') };
        store = new InfluxStore({ influx: settings.influx, spool, log: log.child({ component: 'store' }), registry: metrics });
        await store.start();
        parts.push({ name: 'store', stop: () => store!.stop(), stopBoundMs: bounds.store });
      }
      const stateStore = store;
      // Policies → analyzer → alerts, all fed by the live bus before the first poll.
      const policies = await PolicyStore.open({
        dir: join(settings.state.dir, 'policies'),
        seed: loadPolicySeed(config.dir),
        topology: config.topology,
        log: log.child({ component: 'policies' }),
      });
      const notifier = new Notifier({
        notify: settings.notify,
        log: log.child({ component: 'notify' }),
        provinceName: (id) => config.provinces.get(id)?.name ?? id,
      });
      const alerts = await AlertBook.open({
        dir: join(settings.state.dir, 'alerts'),
        config,
        notifier,
        log: log.child({ component: 'alerts' }),
        registry: metrics,
      });
      parts.push({ name: 'alerts', stop: () => alerts.stop() });
      // Episodes still open from before a restart: their links resume in that state.
      const resumeLevels = new Map(alerts.list().filter((e) => e.state !== 'resolved').map((e) => [`${e.link}|${e.dir}`, e.level] as const));
      const analyzer = new Analyzer({
        config,
        bus,
        policies,
        log: log.child({ component: 'analyzer' }),
        writePoints: (points) => stateStore.writePoints(points),
        resumeLevels,
      });
      analyzer.onStateChange((change) => alerts.onStateChange(change));
      analyzer.start();
      parts.push({ name: 'analyzer', stop: async () => analyzer.stop() });
      if (mode === 'server') {
        const tail = new InfluxTail({ influx, bus, config, intervalMs: settings.collector.intervalMs, log: log.child({ component: 'influx-tail' }) });
        tail.start();
        parts.push({ name: 'influx-tail', stop: async () => tail.stop() });
      }
      const auth = await openAuthServices({
        stateDir: settings.state.dir,
        auth: settings.auth,
        provinceIds: new Set(config.topology.provinces.map((p) => p.id)),
        log: log.child({ component: 'auth' }),
      });
      parts.push({ name: 'auth', stop: () => auth.close() });
      if (auth.users.list().length === 0) {
        log.warn('no users yet: every API route but health and login answers 401; add one with `lanewatch user add NAME --role admin`');
      }
      const webDir = existsSync(webDistDir) ? webDistDir : undefined;
      if (!webDir) log.warn({ webDistDir }, 'web ui not built: run `npm run build:web`; serving the api only');
      const app = await buildApp({
        config,
        bus,
        influx,
        storeHealth: () => stateStore.health(),
        ...(collector ? { collectorHealth: () => collector.health(), qosView: () => collector.qos() } : {}),
        policies,
        analyzer,
        alerts,
        auth,
        // The monthly report reads a month of rollups: it gets its own, longer request timeout.
        reportInflux: createInfluxClient({ ...settings.influx, requestTimeoutMs: 120_000 }),
        ...(webDir ? { webDir } : {}),
        logger: log.child({ component: 'server' }),
        metrics,
      });
      await listenOn((at) => app.listen(at), { host: settings.server.host, port: settings.server.port, setting: 'server', portEnv: 'PORT' });
      parts.push({ name: 'server', stop: () => app.close() });
      log.info({ url: `http://${settings.server.host}:${settings.server.port}/` }, 'server listening');
    }
    if (mode === 'collector') {
      const listener = await buildMetricsListener({
        registry: metrics,
        allowFrom: settings.metrics.allowFrom,
        listenHost: settings.metrics.collectorListen.host,
        allowedHosts: settings.server.allowedHosts,
        logger: log.child({ component: 'metrics' }),
      });
      parts.push({ name: 'metrics', stop: () => listener.app.close() });
      await listenOn((at) => listener.app.listen(at), { ...settings.metrics.collectorListen, setting: 'metrics.collectorListen' });
      log.info({ addresses: listener.app.addresses(), paths: ['/metrics', healthzPath] }, 'metrics listening');
    }
    if (collector) {
      collector.start();
      parts.push({ name: 'collector', stop: () => collector.stop(), stopBoundMs: bounds.collector });
      log.info({ devices: config.topology.routers.length, intervalMs: settings.collector.intervalMs }, 'collector started');
    }
  } catch (err) {
    // Where to listen is configuration: the message names the setting; a stack would only hide it.
    if (err instanceof ListenSettingError) log.error({ setting: err.setting, address: err.address, code: err.code }, err.message);
    else log.error({ err }, 'start failed');
    await stopInReverse(parts, log, { deadlineMs: stopDeadlineMs });
    return 1;
  }
  return runUntilSignal(parts, log, { deadlineMs: stopDeadlineMs });
}

function makeCommand(mode: Mode, summary: string, what: string): CliCommand {
  const usage = `Usage: lanewatch ${mode} [--config DIR]

${what}

Options:
  --config DIR   config directory with settings.yaml and topology.yaml
                 (default: the embedded example, config/example)
  -h, --help     this text

Environment: PORT overrides server.port; LANEWATCH_INFLUX_URL overrides influx.url;
LOG_LEVEL sets the log level (default info). Logs are JSON lines on stdout.
Stops cleanly on SIGINT or SIGTERM within 25 s (parts in reverse order; the store flushes
or spools what it holds); an uncaught error is logged, then the same stop, then exit 1.`;
  return defineCommand({
    name: mode,
    summary,
    usage,
    options: { config: { type: 'string' } },
    run: async ({ values }) => {
      const config = loadConfigOrReport(values.config);
      if (!config) return 2;
      return start(mode, config);
    },
  });
}

export const runCommand = makeCommand(
  'run',
  'collector, store and server in one process (the embedded default)',
  'Polls every router of the topology, writes to InfluxDB (spooling to disk while it is\ndown), holds every link against its reservation policy (policies.yaml seeds the\nrevisioned policy kept in settings.state.dir), raises alerts to the provinces\' contacts,\nand serves the API, the live WebSocket and the web UI.',
);
/** The schema's default, for --help. */
const defaultCollectorListen = settingsSchema.parse({}).metrics.collectorListen;
export const collectorCommand = makeCommand(
  'collector',
  'only the collector and the InfluxDB writer (with its own /metrics)',
  `Polls every router of the topology and writes rates to InfluxDB (spooling to disk
while it is down). Run \`lanewatch server\` beside it for the API and UI.

Serves its own GET /metrics (Prometheus text format) and GET /healthz on
metrics.collectorListen (default ${defaultCollectorListen.host}:${defaultCollectorListen.port}); /metrics answers only the
addresses in metrics.allowFrom (default loopback). A port already taken is an error
naming that setting, with exit 1.`,
);
export const serverCommand = makeCommand(
  'server',
  'only the API, live WebSocket and web UI, reading InfluxDB',
  'Serves the API and the web UI, analyzes and alerts. The live stream follows the samples\nthat a separate `lanewatch collector` writes to InfluxDB.',
);
