// The live client's connection (web/src/lib/live-connection.ts, which the LiveClient of
// live.svelte.ts wraps) against a real fastify WebSocket server on a loopback port, with the
// `ws` client standing in for the browser's WebSocket: watches counted up and down send the
// right subscribe messages; when the server goes away the client retries with growing delays,
// says it is refused after failed attempts in a row, and once the server is back it
// reconnects, subscribes again with the watches of the moment, and starts its delays afresh.
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import {
  LiveConnection,
  subscriptionFor,
  type ConnectionState,
  type SocketLike,
} from '../../web/src/lib/live-connection.ts';
import { pause, waitFor } from '../helpers/wait.ts';

/** A live endpoint that records its connections and what each one was sent. */
interface FakeLiveServer {
  app: FastifyInstance;
  /** Messages received, per connection in the order they opened. */
  connections: string[][];
}

async function startServer(port = 0): Promise<FakeLiveServer & { port: number }> {
  const app = Fastify();
  await app.register(websocket);
  const connections: string[][] = [];
  app.get('/api/v1/live', { websocket: true }, (socket) => {
    const received: string[] = [];
    connections.push(received);
    socket.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    socket.send(JSON.stringify({ type: 'snapshot', atMs: Date.now(), samples: [] }));
  });
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no TCP address');
  return { app, connections, port: address.port };
}

interface Recorder {
  connection: LiveConnection;
  states: ConnectionState[];
  texts: string[];
  retries: { attempt: number; delayMs: number }[];
  /** When each socket was created (ms). */
  attemptsAtMs: number[];
  refused: number;
}

function connect(url: string, backoff = { initialMs: 100, maxMs: 800 }): Recorder {
  const recorder: Omit<Recorder, 'connection'> = { states: [], texts: [], retries: [], attemptsAtMs: [], refused: 0 };
  const connection = new LiveConnection({
    url,
    backoff,
    // Jitter at its top: every delay is exactly its ceiling.
    random: () => 1,
    // `ws` has the browser WebSocket's onopen/onmessage/onclose/readyState/send/close; its
    // TypeScript types are its own, hence the cast.
    createSocket: (socketUrl) => {
      recorder.attemptsAtMs.push(Date.now());
      return new WebSocket(socketUrl) as unknown as SocketLike;
    },
    onText: (text) => recorder.texts.push(text),
    onState: (state) => recorder.states.push(state),
    onRetry: (attempt, delayMs) => recorder.retries.push({ attempt, delayMs }),
    onRefused: () => {
      recorder.refused += 1;
    },
  });
  // The same object the callbacks write to (a copy would freeze `refused`).
  return Object.assign(recorder, { connection });
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe('subscriptions (pure)', () => {
  it.each([
    [[], { type: 'subscribe' }],
    [['t2-b', 't1-a'], { type: 'subscribe', links: ['t1-a', 't2-b'] }],
  ])('watching %j subscribes %j', (links, message) => {
    expect(subscriptionFor(links)).toEqual(message);
  });
});

describe('the live connection against a real WebSocket server', () => {
  it('sends one subscribe message per change of the watched links, counting watches', async () => {
    const server = await startServer();
    cleanup.push(() => server.app.close());
    const client = connect(`ws://127.0.0.1:${server.port}/api/v1/live`);
    cleanup.push(async () => client.connection.stop());
    client.connection.start();
    await waitFor('the first connection', () => server.connections.length === 1 && client.connection.state === 'open');
    await waitFor('the snapshot', () => client.texts.length === 1);
    expect(JSON.parse(client.texts[0] ?? '{}')).toMatchObject({ type: 'snapshot', samples: [] });
    const received = server.connections[0] ?? [];

    // Nothing watched: the server's default (everything) stands; nothing is sent.
    await pause(100);
    expect(received).toEqual([]);

    // Three watches in one turn, two of the same link: one message, the links sorted.
    const releaseA1 = client.connection.watch('t1-a');
    const releaseB = client.connection.watch('t2-b');
    const releaseA2 = client.connection.watch('t1-a');
    await waitFor('the first subscription', () => received.length === 1);
    expect(JSON.parse(received[0] ?? '')).toEqual({ type: 'subscribe', links: ['t1-a', 't2-b'] });

    // One of two watches of t1-a goes: t1-a is still watched, nothing to say.
    releaseA1();
    releaseA1();
    await pause(100);
    expect(received).toHaveLength(1);

    releaseB();
    await waitFor('t2-b unwatched', () => received.length === 2);
    expect(JSON.parse(received[1] ?? '')).toEqual({ type: 'subscribe', links: ['t1-a'] });

    // The last watch goes: back to everything.
    releaseA2();
    await waitFor('everything again', () => received.length === 3);
    expect(JSON.parse(received[2] ?? '')).toEqual({ type: 'subscribe' });

    // Up and down within one turn: no change, no message.
    client.connection.watch('t1-c')();
    await pause(100);
    expect(received).toHaveLength(3);
    expect(client.connection.watched).toEqual([]);
  });

  it('reconnects with growing delays when the server goes, and resubscribes with the current watches', async () => {
    let server = await startServer();
    const port = server.port;
    cleanup.push(() => server.app.close());
    const client = connect(`ws://127.0.0.1:${port}/api/v1/live`, { initialMs: 100, maxMs: 800 });
    cleanup.push(async () => client.connection.stop());
    client.connection.start();
    await waitFor('the first connection', () => client.connection.state === 'open');
    const releaseA = client.connection.watch('t1-a');
    client.connection.watch('t1-b');
    await waitFor('the first subscription', () => (server.connections[0] ?? []).length === 1);
    expect(client.retries).toEqual([]);

    // The server goes away: the socket closes, then every attempt is refused.
    await server.app.close();
    await waitFor('five attempts while the server is down', () => client.retries.length >= 5, { timeoutMs: 8_000 });
    expect(client.states).toContain('closed');
    // 100, 200, 400, 800 ms, then capped at 800.
    expect(client.retries.slice(0, 5)).toEqual([
      { attempt: 0, delayMs: 100 },
      { attempt: 1, delayMs: 200 },
      { attempt: 2, delayMs: 400 },
      { attempt: 3, delayMs: 800 },
      { attempt: 4, delayMs: 800 },
    ]);
    // The attempts really were that far apart (timers fire no earlier than asked).
    const gaps = client.attemptsAtMs.slice(1).map((atMs, index) => atMs - (client.attemptsAtMs[index] ?? 0));
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    for (const [index, gapMs] of gaps.slice(0, 4).entries()) {
      expect(gapMs).toBeGreaterThanOrEqual((client.retries[index]?.delayMs ?? Infinity) - 5);
    }
    // Two closes in a row without an open: the caller is told (it checks the session).
    expect(client.refused).toBeGreaterThanOrEqual(1);

    // The watches change while down: nothing can be sent, the next open says it all.
    releaseA();
    client.connection.watch('t2-c');

    server = await startServer(port);
    await waitFor('the reconnection', () => server.connections.length === 1 && client.connection.state === 'open', { timeoutMs: 5_000 });
    const received = server.connections[0] ?? [];
    await waitFor('the resubscription', () => received.length === 1);
    expect(JSON.parse(received[0] ?? '')).toEqual({ type: 'subscribe', links: ['t1-b', 't2-c'] });
    await pause(100);
    expect(received).toHaveLength(1);

    // An open starts the delays afresh.
    const retriesBefore = client.retries.length;
    await server.app.close();
    await waitFor('a retry after the second outage', () => client.retries.length > retriesBefore);
    expect(client.retries[retriesBefore]).toEqual({ attempt: 0, delayMs: 100 });
  }, 20_000);

  it('stops retrying when stopped', async () => {
    const server = await startServer();
    const client = connect(`ws://127.0.0.1:${server.port}/api/v1/live`);
    client.connection.start();
    await waitFor('the connection', () => client.connection.state === 'open');
    await server.app.close();
    await waitFor('a retry', () => client.retries.length >= 1);
    client.connection.stop();
    const attempts = client.attemptsAtMs.length;
    await pause(500);
    expect(client.attemptsAtMs).toHaveLength(attempts);
    expect(client.connection.state).toBe('closed');
  });
});
