// The fastify application: REST under /api/v1, the live WebSocket, and the built UI.
// Built separately from listening, so tests can `inject()` or listen on port 0.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import fastifyCookie from '@fastify/cookie';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { apiPrefix } from '../api/routes.ts';
import { open as openAccess, type AccessRule } from '../api/access.ts';
import type { InfluxDB } from 'influx';
import type { Logger } from 'pino';
import type { LanewatchConfig } from '../config/schema.ts';
import type { LiveBus } from '../collector/live-bus.ts';
import type { StoreHealth } from '../collector/store/influx-store.ts';
import type { CollectorHealth } from '../collector/collector.ts';
import type { QosView } from '../collector/samples.ts';
import { pingInflux } from './history/query-history.ts';
import { createRedactor, redactUrl, secretValues } from '../config/secrets.ts';
import { topologyView } from './topology-view.ts';
import { LiveSnapshot } from './live/snapshot.ts';
import { LiveHub } from './live/hub.ts';
import { said } from '../api/messages.ts';
import { answerFrameworkError, errorBody, installErrorHandler } from './routes/errors.ts';
import { healthRoutes, InfluxProbe } from './routes/health.ts';
import { topologyRoutes } from './routes/topology.ts';
import { liveRoutes } from './routes/live.ts';
import { historyRoutes } from './routes/history.ts';
import { retentionOf } from '../collector/store/rollups.ts';
import { reportRoutes } from './routes/report.ts';
import { qosRoutes } from './routes/qos.ts';
import { policiesRoutes } from './routes/policies.ts';
import { statesRoutes } from './routes/states.ts';
import { driftRoutes } from './routes/drift.ts';
import type { PolicyStore } from './policies/store.ts';
import type { StatesSource } from './analysis/analyzer.ts';
import { alertRoutes, type AlertsSource } from './routes/alerts.ts';
import { authRoutes, loggingAuditSink } from './routes/auth.ts';
import { userRoutes } from './routes/users.ts';
import { auditRoutes } from './routes/audit.ts';
import { installGuard } from './auth/guard.ts';
import { TopologyScope } from './auth/scope.ts';
import { installBrowserDefences } from './security/browser.ts';
import type { AuthServices } from './auth/services.ts';
import { Registry } from 'prom-client';
import { metricsRoutes } from './metrics/routes.ts';
import { LiveMetrics } from './live/metrics.ts';

export interface AppDeps {
  config: LanewatchConfig;
  /** Batches from the collector (same process) or from an InfluxTail (split deployment). */
  bus: LiveBus;
  /** For history queries. */
  influx: InfluxDB;
  /** For the utilization report, which reads a month of every link: a client with a long request timeout (default `influx`). */
  reportInflux?: InfluxDB;
  /** Users, sessions, the audit log and login throttling: every route but the open ones needs a session. */
  auth: Omit<AuthServices, 'close'>;
  /** Present when the collector and store run in this process. */
  storeHealth?: () => StoreHealth;
  collectorHealth?: () => CollectorHealth;
  /** The collector's discovered QoS classes and their service classes (same process only). */
  qosView?: () => QosView;
  /** Reservation policies (revisioned); enables the policies and drift routes. */
  policies?: PolicyStore;
  /** The analyzer's link and province states; enables `GET states` and the WebSocket `states` messages. */
  analyzer?: StatesSource;
  /** Alert episodes; enables the alerts routes. */
  alerts?: AlertsSource;
  /** The built UI (web/dist), served at / with an index.html fallback. */
  webDir?: string;
  /**
   * The process's metrics registry (server/metrics/registry.ts), served at GET /metrics; the
   * live stream adds its metrics to it. Default: a registry of this app's own metrics only.
   */
  metrics?: Registry;
  logger?: FastifyServerOptions['logger'] | Logger;
}

/** WebSocket messages from clients are subscribe requests (up to thousands of link ids). */
const maxClientMessageBytes = 1024 * 1024;

export interface RegisteredRoute {
  method: string;
  url: string;
  /** Undefined for a route registered without a rule: the guard refuses it (403). */
  access: AccessRule | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route fastify registered, with its access rule. */
    routeRules(): RegisteredRoute[];
    /** Live WebSocket clients connected now. */
    liveClients(): number;
  }
}

function isLoggerInstance(value: AppDeps['logger']): value is Logger {
  return typeof value === 'object' && value !== null && 'child' in value && typeof value.child === 'function';
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, bus, influx, auth } = deps;
  const { server: serverSettings } = config.settings;
  const intervalMs = config.settings.collector.intervalMs;
  const tls = serverSettings.tls;
  const common = {
    // No per-request lines (routes log what matters); the option itself, not the deprecated flag.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: answerFrameworkError,
    ...(serverSettings.trustProxy.length > 0 ? { trustProxy: serverSettings.trustProxy } : {}),
    ...(tls ? { https: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } } : {}),
  };
  const app: FastifyInstance = isLoggerInstance(deps.logger)
    ? (Fastify({ ...common, loggerInstance: deps.logger }) as unknown as FastifyInstance)
    : (Fastify({ ...common, logger: deps.logger ?? false }) as unknown as FastifyInstance);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Routes outside the API table (the UI's static files) are open; API routes carry their rule.
  // Every route fastify registers is listed with its rule, for `routeRules()`.
  const registered: RegisteredRoute[] = [];
  app.addHook('onRoute', (options) => {
    const url = options.url ?? '';
    if (options.config?.access === undefined && !url.startsWith('/api')) {
      options.config = { ...options.config, access: openAccess };
    }
    for (const method of [options.method].flat()) registered.push({ method, url, access: options.config?.access });
  });
  app.decorate('routeRules', () => [...registered]);

  const metrics = deps.metrics ?? new Registry();
  const topology = topologyView(config);
  const scope = new TopologyScope(topology);
  const linkIds = new Set(topology.links.map((l) => l.id));
  const provinceIds = new Set(topology.provinces.map((p) => p.id));

  const hub = new LiveHub({ bus, maxClients: serverSettings.maxLiveClients, coalesceMs: serverSettings.liveCoalesceMs, ...(deps.analyzer ? { states: deps.analyzer } : {}) });
  hub.start();
  app.addHook('onClose', async () => hub.stop());
  app.decorate('liveClients', () => hub.size);
  const snapshot = new LiveSnapshot({ bus, maxAgeMs: serverSettings.liveSnapshotIntervals * intervalMs });
  snapshot.start();
  app.addHook('onClose', async () => snapshot.stop());

  // Health is open (probes): an InfluxDB error text there must not carry a credential.
  const redact = createRedactor(secretValues(config));
  const probe = new InfluxProbe({
    url: config.settings.influx.url,
    ping: async (url, timeoutMs) => {
      const result = await pingInflux(url, timeoutMs);
      return result.error === undefined ? result : { ...result, error: redact(redactUrl(result.error)) };
    },
    timeoutMs: serverSettings.healthPingTimeoutMs,
    cacheMs: serverSettings.healthPingCacheMs,
  });

  installErrorHandler(app);
  const auditSink = loggingAuditSink(auth.audit, app.log);
  // Before the defences and the guard: the plugin's own onRequest hook marks a WebSocket
  // handshake, so a refused one (401/403/421) still has its connection released.
  await app.register(fastifyWebsocket, { options: { maxPayload: maxClientMessageBytes } });
  await installBrowserDefences(app, {
    listenHost: serverSettings.host,
    allowedHosts: serverSettings.allowedHosts,
    allowedOrigins: serverSettings.allowedOrigins,
    tls: tls !== undefined,
  });
  await app.register(fastifyCookie);
  installGuard(app, auth.sessions);

  await app.register(authRoutes, {
    prefix: apiPrefix,
    users: auth.users,
    sessions: auth.sessions,
    throttle: auth.throttle,
    audit: auditSink,
    sessionMaxMs: config.settings.auth.sessionMaxMs,
    secureCookie: tls !== undefined,
  });
  await app.register(userRoutes, { prefix: apiPrefix, users: auth.users, sessions: auth.sessions, audit: auditSink });
  await app.register(auditRoutes, { prefix: apiPrefix, audit: auth.audit });

  await app.register(healthRoutes, {
    prefix: apiPrefix,
    probe,
    intervalMs,
    ...(deps.storeHealth ? { storeHealth: deps.storeHealth } : {}),
    ...(deps.collectorHealth ? { collectorHealth: deps.collectorHealth } : {}),
  });
  await app.register(topologyRoutes, { prefix: apiPrefix, scope });
  // At the root (Prometheus convention), not under the API prefix.
  await app.register(metricsRoutes, { registry: metrics, allowFrom: config.settings.metrics.allowFrom });
  await app.register(liveRoutes, {
    prefix: apiPrefix,
    bus,
    snapshot,
    known: { links: linkIds, provinces: provinceIds },
    maxBufferedBytes: serverSettings.maxLiveBufferedBytes,
    hub,
    scope,
    metrics: new LiveMetrics(metrics),
    ...(deps.analyzer ? { states: deps.analyzer } : {}),
  });
  await app.register(historyRoutes, {
    prefix: apiPrefix,
    influx,
    linkIds,
    scope,
    retention: retentionOf(config.settings.influx),
    rawIntervalMs: intervalMs,
  });
  await app.register(reportRoutes, {
    prefix: apiPrefix,
    influx: deps.reportInflux ?? influx,
    scope,
    intervalMs,
    retention: retentionOf(config.settings.influx),
    ...(deps.policies ? { policies: deps.policies } : {}),
  });
  await app.register(qosRoutes, {
    prefix: apiPrefix,
    scope,
    linkIds,
    deviceIds: new Set(topology.routers.map((r) => r.id)),
    ...(deps.qosView ? { qosView: deps.qosView } : {}),
  });

  if (deps.policies) {
    await app.register(policiesRoutes, {
      prefix: apiPrefix,
      policies: deps.policies,
      scope,
      audit: auditSink,
      backtest: { influx, topology: config.topology, limits: config.settings.backtest, retention: retentionOf(config.settings.influx) },
    });
    await app.register(driftRoutes, {
      prefix: apiPrefix,
      scope,
      policies: deps.policies,
      config,
      ...(deps.qosView ? { qosView: deps.qosView } : {}),
    });
  }
  if (deps.analyzer) await app.register(statesRoutes, { prefix: apiPrefix, analyzer: deps.analyzer, scope });
  if (deps.alerts) await app.register(alertRoutes, { prefix: apiPrefix, book: deps.alerts, provinceIds, scope, audit: auditSink });

  const webDir = deps.webDir ? resolve(deps.webDir) : undefined;
  const serveUi = webDir !== undefined && existsSync(join(webDir, 'index.html'));
  if (serveUi) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/' });
  } else if (webDir !== undefined) {
    app.log.warn({ webDir }, 'web dir has no index.html, not serving the ui');
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isApi = path === '/api' || path.startsWith('/api/');
    const lastSegment = path.slice(path.lastIndexOf('/') + 1);
    if (serveUi && !isApi && (request.method === 'GET' || request.method === 'HEAD') && !lastSegment.includes('.')) {
      // Client-side routes of the single-page app.
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.status(404).send(errorBody(404, said('no-route', { method: request.method, path: path.slice(0, 200) }), `no route ${request.method} ${path}`));
  });

  return app;
}
