// GET /api/v1/live/snapshot and the WebSocket /api/v1/live.
import type { FastifyInstance } from 'fastify';
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LiveSnapshot } from '../live/snapshot.ts';
import type { KnownIds } from '../live/filter.ts';
import { LiveConnection, type LiveSocket } from '../live/connection.ts';
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
  known: KnownIds;
  maxBufferedBytes: number;
}

export async function liveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  app.get('/live/snapshot', { schema: snapshotSchema }, async () => options.snapshot.snapshot());

  app.get('/live', { websocket: true }, (socket: LiveSocket, request) => {
    const log = request.log.child({ component: 'live' });
    log.info('live client connected');
    socket.on('close', () => log.info('live client disconnected'));
    new LiveConnection({
      socket,
      bus: options.bus,
      snapshot: options.snapshot,
      known: options.known,
      maxBufferedBytes: options.maxBufferedBytes,
      log,
    }).start();
  });
}
