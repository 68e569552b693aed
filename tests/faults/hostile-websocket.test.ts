// Hostile input on the live WebSocket: over a real listening socket, generated bad messages
// (fast-check: wrong types, unknown fields, huge subscriptions, deep JSON, invalid UTF-8 and
// binary frames, frames near and above the 1 MiB limit) from a signed-in user of each role;
// an anonymous handshake is refused with 401. Expected: no handshake answered 5xx, the server
// closes what it refuses and stays up, and a good client still gets its snapshot afterwards.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deepJson } from './hostile-requests.ts';
import { WebSocketClient } from '../helpers/ws-client.ts';
import { hostileSeed, sharedHostileApp } from './hostile-harness.ts';

const app = sharedHostileApp();

describe('hostile input on the live WebSocket', () => {
  it('the live WebSocket survives generated bad messages from every role, and still serves a good client', async () => {
    const origin = await app().t.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${origin.replace(/^http/, 'ws')}/api/v1/live`;
    const messages = fc.sample(
      fc.oneof(
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
        fc.record({ type: fc.constantFrom('subscribe', 'SUBSCRIBE', 'unsubscribe', '', 'ping'), province: fc.oneof(fc.string(), fc.constantFrom('thanh-hoa', 'hue', '__proto__')), links: fc.oneof(fc.array(fc.string(), { maxLength: 50 }), fc.string(), fc.integer()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
        fc.nat({ max: 20_000 }).map((n) => JSON.stringify({ type: 'subscribe', links: Array.from({ length: n }, (_, i) => `link-${i}`) })),
        fc.integer({ min: 100, max: 50_000 }).map((depth) => deepJson(depth, 'array')),
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        fc.constant(Buffer.from([0xc3, 0x28, 0xff, 0xfe])),
        fc.integer({ min: 512 * 1024, max: 1_200_000 }).map((n) => 'x'.repeat(n)),
      ),
      { seed: hostileSeed, numRuns: 2_000 },
    );
    const connect = async (cookie: string | undefined) => {
      const ws = new WebSocketClient(url, { headers: { origin, ...(cookie ? { cookie } : {}) } });
      const state = { status: 0, closed: false, received: 0 };
      ws.on('message', () => {
        state.received += 1;
      });
      ws.on('error', () => undefined);
      const opened = await new Promise<boolean>((resolve) => {
        // A refused handshake: note its status and drop the request (ws leaves it to us).
        ws.on('unexpected-response', (req, res) => {
          state.status = (res as { statusCode: number }).statusCode;
          state.closed = true;
          (req as { destroy(): void }).destroy();
          resolve(false);
        });
        ws.on('open', () => resolve(true));
        ws.on('close', () => {
          state.closed = true;
          resolve(false);
        });
      });
      return { ws, state, opened };
    };
    const handshakeStatuses: number[] = [];
    let closedByServer = 0;
    let sentMessages = 0;
    const signedIn = app().principals.filter((p) => p.cookie !== undefined);
    // Anonymous: refused at the handshake (401), never a 5xx.
    const anonymous = await connect(undefined);
    expect(anonymous.opened).toBe(false);
    expect(anonymous.state.status).toBe(401);
    for (const [k, principal] of signedIn.entries()) {
      let client = await connect(principal.cookie);
      for (const message of messages.slice(k * 400, (k + 1) * 400)) {
        if (!client.opened || client.state.closed || client.ws.readyState !== 1) {
          closedByServer += 1;
          if (client.state.status >= 500) handshakeStatuses.push(client.state.status);
          client = await connect(principal.cookie);
          if (client.state.status >= 500) handshakeStatuses.push(client.state.status);
        }
        await new Promise<void>((resolve) => {
          client.ws.send(message, () => resolve());
        });
        sentMessages += 1;
      }
      client.ws.terminate();
    }
    // Still standing: a good client gets its snapshot and states.
    const good = await connect(app().principals.find((p) => p.name === 'viewer')?.cookie);
    expect(good.opened).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(good.state.received).toBeGreaterThanOrEqual(1);
    good.ws.close();
    console.log(`[hostile input] websocket: ${sentMessages} messages, ${closedByServer} connections closed by the server and reopened`);
    expect(handshakeStatuses).toEqual([]);
    expect(sentMessages).toBe(Math.min(messages.length, signedIn.length * 400));
    const health = await app().t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(health.statusCode).toBe(200);
  }, 180_000);
});
