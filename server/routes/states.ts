// GET /api/v1/states: every link and direction's state after hysteresis, and each province's
// worst state. The WebSocket /api/v1/live sends the same picture as one `states` message (on
// connect and on every subscription), then `stateChanges` messages with what changed since.
import type { FastifyInstance } from 'fastify';
import type { StatesSource } from '../analysis/analyzer.ts';
import { route } from './contract.ts';
import { principalOf } from '../auth/guard.ts';
import type { TopologyScope } from '../auth/scope.ts';

export interface StatesRoutesOptions {
  analyzer: Pick<StatesSource, 'view'>;
  scope: TopologyScope;
}

export async function statesRoutes(app: FastifyInstance, options: StatesRoutesOptions): Promise<void> {
  route(app, 'states', async (request) => {
    const principal = principalOf(request);
    const view = options.analyzer.view();
    return { atMs: view.atMs, links: options.scope.filter(principal, view.links), provinces: options.scope.filter(principal, view.provinces) };
  });
}
