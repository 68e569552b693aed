// GET /metrics: the process's registry in the Prometheus text format, for a signed-in viewer,
// engineer or admin, or for an address in settings.metrics.allowFrom (403 otherwise). Registered
// by the server's app and by `lanewatch collector`'s own listener (./listener.ts).
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { route } from '../routes/contract.ts';
import { said } from '../../api/messages.ts';
import { errorBody } from '../routes/errors.ts';
import { AddressAllowList, metricsAccess } from './access.ts';

export interface MetricsRoutesOptions {
  registry: Registry;
  /** settings.metrics.allowFrom */
  allowFrom: readonly string[];
  /** Whether the app signs users in (default true); `lanewatch collector`'s listener does not. */
  signIn?: boolean;
}

/** Registered without a prefix: the path is at the root (Prometheus convention). */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  const allowList = new AddressAllowList(options.allowFrom);
  const { registry } = options;
  const signIn = options.signIn ?? true;
  route(app, 'metrics', async (request, reply) => {
    // Without sign-in nothing can have set a principal; none is looked at either way.
    const role = signIn ? request.principal?.role : undefined;
    const access = metricsAccess({ role, address: request.ip, allowList, signIn });
    if (!access.allowed) {
      request.log.info({ address: request.ip, role }, 'metrics refused');
      const what = role === undefined ? said('metrics-address', { address: request.ip }) : said('metrics-role', { role, address: request.ip });
      return reply.code(403).send(errorBody(403, what, access.message));
    }
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(text);
  });
}
