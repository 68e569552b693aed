// `lanewatch collector`'s own small HTTP listener (settings.metrics.collectorListen): the collector
// alone has no server app, yet its polls, store spool and event-loop lag are what an operator
// alerts on. Two routes: GET /metrics (./routes.ts, the same handler and allowFrom rule as the
// server's, without sessions: this process signs no one in) and GET /healthz (liveness).
// The server's Host check (../security/browser.ts) runs first: allowFrom sees the socket's peer,
// which for a browser page that DNS-rebinds its name to 127.0.0.1 is 127.0.0.1 itself.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { anyone, open, type AccessRule } from '../../api/access.ts';
import { answerFrameworkError, installErrorHandler } from '../routes/errors.ts';
import { installHostCheck } from '../security/browser.ts';
import { metricsRoutes } from './routes.ts';

export interface MetricsListenerOptions {
  registry: Registry;
  /** settings.metrics.allowFrom */
  allowFrom: readonly string[];
  /** settings.metrics.collectorListen.host: a name the Host header may carry, beside loopback. */
  listenHost: string;
  /** settings.server.allowedHosts: the other names it answers to (the server's list: one source). */
  allowedHosts: readonly string[];
  logger?: Logger;
}

/** A route of the listener and who may use it. */
export interface ListenerRoute {
  method: string;
  url: string;
  access: AccessRule;
}

/** Liveness: the process answers; what it polls and stores is in /metrics. */
export const healthzPath = '/healthz';

/**
 * Slow or idle clients are cut off: the listener may face the network (collectorListen.host)
 * and a scrape takes milliseconds.
 */
const requestTimeoutMs = 10_000;

/**
 * Builds the listener (not listening yet). Every route must declare an open rule: with no
 * sessions here, a route for signed-in roles could never be used, so one is refused when added.
 */
export async function buildMetricsListener(options: MetricsListenerOptions): Promise<{ app: FastifyInstance; routes: () => ListenerRoute[] }> {
  // A scrape every 15 s is not news: no per-request lines (a refusal is still logged by the route).
  const logController = new LogController({ disableRequestLogging: true });
  const common = { logController, requestTimeout: requestTimeoutMs, frameworkErrors: answerFrameworkError };
  // No trustProxy: the allowFrom rule reads the socket's peer, never X-Forwarded-For.
  const app: FastifyInstance = options.logger
    ? (Fastify({ ...common, loggerInstance: options.logger }) as unknown as FastifyInstance)
    : (Fastify({ ...common, logger: false }) as unknown as FastifyInstance);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const registered: ListenerRoute[] = [];
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access?.roles !== anyone) {
      throw new Error(`${route.url}: a route of the collector's metrics listener must be open (no sessions here), it declares ${JSON.stringify(access)}`);
    }
    for (const method of [route.method].flat()) registered.push({ method, url: route.url ?? '', access });
  });
  installErrorHandler(app);
  installHostCheck(app, { listenHost: options.listenHost, allowedHosts: options.allowedHosts });
  await app.register(metricsRoutes, { registry: options.registry, allowFrom: options.allowFrom, signIn: false });
  app.get(healthzPath, { config: { access: open } }, async () => ({ status: 'ok' }));
  return { app, routes: () => [...registered] };
}
