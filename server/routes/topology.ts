// GET /api/v1/topology: provinces, routers and links, without any SNMP credential or address;
// a province user gets its own province only.
import type { FastifyInstance } from 'fastify';
import type { TopologyScope } from '../auth/scope.ts';
import { principalOf } from '../auth/guard.ts';
import { route } from './contract.ts';

export interface TopologyRoutesOptions {
  scope: TopologyScope;
}

export async function topologyRoutes(app: FastifyInstance, options: TopologyRoutesOptions): Promise<void> {
  route(app, 'topology', async (request) => options.scope.topologyFor(principalOf(request)));
}
