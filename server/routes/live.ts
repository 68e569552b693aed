// GET /api/v1/live/snapshot and the WebSocket /api/v1/live.
import type { FastifyInstance } from 'fastify';
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LiveSnapshot } from '../live/snapshot.ts';
import type { KnownIds } from '../live/filter.ts';
import type { StatesSource } from '../analysis/analyzer.ts';
import { LiveConnection, type LiveSocket } from '../live/connection.ts';
import type { LiveHub } from '../live/hub.ts';
import { said } from '../../api/messages.ts';
import { errorBody } from './errors.ts';
import { route } from './contract.ts';
import { principalOf } from '../auth/guard.ts';
import type { TopologyScope } from '../auth/scope.ts';
import type { LiveMetrics } from '../live/metrics.ts';

export interface LiveRoutesOptions {
  bus: LiveBus;
  snapshot: LiveSnapshot;
  /** The analyzer: `states` messages after the snapshot and on every state change. */
  states?: StatesSource;
  known: KnownIds;
  maxBufferedBytes: number;
  /** Fans batches out to the clients, and caps their number. */
  hub: LiveHub;
  scope: TopologyScope;
  /** Clients connected, messages and bytes sent. */
  metrics?: LiveMetrics;
}

export async function liveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  const { hub } = options;

  route(app, 'snapshot', async (request) => {
    const { atMs, samples } = options.snapshot.snapshot();
    return { atMs, samples: options.scope.filter(principalOf(request), samples) };
  });

  route(
    app,
    'live',
    // A plain HTTP request to the stream: say how to use it.
    async (_request, reply) =>
      reply.status(426).header('upgrade', 'websocket').send(errorBody(426, said('websocket-required', {}), 'the live stream is a WebSocket: connect with Upgrade: websocket')),
    {
      wsHandler: (socket: LiveSocket, request) => {
      const log = request.log.child({ stream: 'live' });
      log.info('live client connected');
      options.metrics?.connected();
      socket.on('close', () => {
        log.info('live client disconnected');
        options.metrics?.disconnected();
      });
      const connection = new LiveConnection({
        socket,
        snapshot: options.snapshot,
        ...(options.states ? { states: options.states } : {}),
        known: options.known,
        maxBufferedBytes: options.maxBufferedBytes,
        log,
        principal: principalOf(request),
        scope: options.scope,
        ...(options.metrics ? { metrics: options.metrics } : {}),
      });
      if (!hub.admit(connection)) {
        log.warn({ maxClients: hub.maxClients }, 'live client refused: too many clients');
        // 1013 "try again later".
        socket.close(1013, `too many live clients (at most ${hub.maxClients})`);
        return;
      }
      connection.start(() => hub.remove(connection));
      },
    },
  );
}
