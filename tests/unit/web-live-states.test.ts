// The live client's states (web/src/lib/live.svelte.ts) against a real fastify WebSocket
// server on a loopback port, the `ws` client standing in for the browser's WebSocket:
// `statesVersion` (what the Alerts page refetches on) moves for a whole picture and for real
// changes, not for a `stateChanges` that only brings link directions new to the picture; a
// states message the client cannot read makes it ask for the whole picture again, at most once
// per `statesResyncMinMs`.
import { afterEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import type { LinkStatus, StatesView } from '../../web/src/lib/api.ts';
import type { SocketLike } from '../../web/src/lib/live-connection.ts';
import type * as LiveModule from '../../web/src/lib/live.svelte.ts';
import { importSvelteModule } from '../helpers/svelte-module.ts';
import { pause, waitFor } from '../helpers/wait.ts';
import { linkStatus, statesView } from './web-fixtures.ts';

const { LiveClient, statesResyncMinMs } = await importSvelteModule<typeof LiveModule>('web/src/lib/live.svelte.ts');

/** A live endpoint that sends what the test says to its latest client and records what it hears. */
async function startServer(): Promise<{ url: string; received: string[]; send: (message: object) => void; close: () => Promise<void> }> {
  const app = Fastify();
  await app.register(websocket);
  const received: string[] = [];
  let latest: { send: (text: string) => void } | null = null;
  app.get('/api/v1/live', { websocket: true }, (socket) => {
    latest = socket;
    socket.on('message', (data: Buffer) => received.push(data.toString('utf8')));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no TCP address');
  return {
    url: `ws://127.0.0.1:${address.port}/api/v1/live`,
    received,
    send: (message) => {
      if (latest === null) throw new Error('no client connected');
      latest.send(JSON.stringify(message));
    },
    close: () => app.close(),
  };
}

const hueDown = linkStatus({ link: 't1-hue', province: 'hue', tier: 1, dir: 'down', level: 'ok', sinceMs: 0 });
const hueUp: LinkStatus = linkStatus({ link: 't1-hue', province: 'hue', tier: 1, dir: 'up', level: 'ok', sinceMs: 0 });
/** A link state no client can read: a level outside the vocabulary. */
const purpleUp: Record<string, unknown> = { ...hueUp, level: 'purple' };
const picture: StatesView = statesView({ atMs: 1_000, links: [hueDown], provinces: [{ province: 'hue', level: 'ok', worst: [] }] });

function changesMessage(links: (LinkStatus | Record<string, unknown>)[], changes: object[]): object {
  return { type: 'stateChanges', atMs: 2_000, links, provinces: [{ province: 'hue', level: 'ok', worst: [] }], changes };
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function connectedClient(): Promise<{ server: Awaited<ReturnType<typeof startServer>>; client: InstanceType<typeof LiveClient> }> {
  const server = await startServer();
  cleanup.push(() => server.close());
  const client = new LiveClient({ url: server.url, createSocket: (url) => new WebSocket(url) as unknown as SocketLike });
  cleanup.push(() => client.stop());
  client.start();
  await waitFor('the connection', () => client.connection === 'open');
  return { server, client };
}

describe('the live client states', () => {
  it('counts a whole picture and real changes in statesVersion; directions new to the picture only in its states', async () => {
    const { server, client } = await connectedClient();
    server.send({ type: 'states', ...picture });
    await waitFor('the picture', () => client.states?.links.length === 1);
    expect(client.statesVersion).toBe(1);

    // A direction seen for the first time: in the states, but nothing changed state.
    server.send(changesMessage([hueUp], []));
    await waitFor('the new direction', () => client.states?.links.length === 2);
    expect(client.statesVersion).toBe(1);
    expect(client.linkState('t1-hue', 'up')).toBe('ok');

    const warning = linkStatus({ link: 't1-hue', province: 'hue', tier: 1, dir: 'up', level: 'warning', sinceMs: 2_000 });
    const change = { atMs: 2_000, link: 't1-hue', province: 'hue', tier: 1, dir: 'up', from: 'ok', to: 'warning', verdict: warning.last };
    server.send(changesMessage([warning], [change]));
    await waitFor('the change', () => client.statesVersion === 2);
    expect(client.linkState('t1-hue', 'up')).toBe('warning');
  });

  it('asks for the whole picture again when a states message cannot be read, at most once per statesResyncMinMs', async () => {
    const { server, client } = await connectedClient();
    server.send({ type: 'states', ...picture });
    await waitFor('the picture', () => client.states !== null);
    // Nothing watched: the server's default stands, nothing was sent yet.
    expect(server.received).toEqual([]);

    server.send(changesMessage([purpleUp], []));
    await waitFor('the subscription again', () => server.received.length === 1);
    expect(JSON.parse(server.received[0] ?? '')).toEqual({ type: 'subscribe' });
    expect(client.lastIgnored).toMatch(/^malformed stateChanges: links\[0\]\.level: /);

    // More unreadable states within statesResyncMinMs: not asked again.
    server.send({ type: 'states', atMs: 3_000, links: 'nothing', provinces: [] });
    server.send(changesMessage([purpleUp], []));
    await waitFor('both ignored', () => client.ignoredMessages === 3);
    await pause(100);
    expect(server.received).toHaveLength(1);
    expect(client.lastIgnored).toMatch(/^malformed stateChanges: /);
    expect(statesResyncMinMs).toBeGreaterThanOrEqual(2_000 * 2);
  });
});
