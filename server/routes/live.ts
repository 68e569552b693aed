// GET /api/v1/live/snapshot and the WebSocket /api/v1/live.
import type { FastifyInstance } from 'fastify';
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LiveSnapshot } from '../live/snapshot.ts';
import type { KnownIds } from '../live/filter.ts';
import type { StatesSource } from '../analysis/analyzer.ts';
import { LiveConnection, type LiveSocket } from '../live/connection.ts';
import { errorBody } from './errors.ts';
import { errorResponses, linkSampleSchema } from './schemas.ts';

const snapshotSchema = {
  response: {
    200: {
      type: 'object',
      properties: {
        atMs: { type: 'number' },
        samples: { type: 'array', items: linkSampleSchema },
      },
      required: ['atMs', 'samples'],
    },
    ...errorResponses,
  },
} as const;

export interface LiveRoutesOptions {
  bus: LiveBus;
  snapshot: LiveSnapshot;
  /** The analyzer: `states` messages after the snapshot and on every state change. */
  states?: StatesSource;
  known: KnownIds;
  maxBufferedBytes: number;
}

export async function liveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  app.get('/live/snapshot', { schema: snapshotSchema }, async () => options.snapshot.snapshot());

  app.route({
    method: 'GET',
    url: '/live',
    schema: { response: errorResponses },
    // A plain HTTP request to the stream: say how to use it.
    handler: async (_request, reply) =>
      reply.status(426).header('upgrade', 'websocket').send(errorBody(426, 'the live stream is a WebSocket: connect with Upgrade: websocket')),
    wsHandler: (socket: LiveSocket, request) => {
      const log = request.log.child({ component: 'live' });
      log.info('live client connected');
      socket.on('close', () => log.info('live client disconnected'));
      new LiveConnection({
        socket,
        bus: options.bus,
        snapshot: options.snapshot,
        ...(options.states ? { states: options.states } : {}),
        known: options.known,
        maxBufferedBytes: options.maxBufferedBytes,
        log,
      }).start();
    },
  });
}
