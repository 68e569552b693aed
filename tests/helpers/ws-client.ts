// The WebSocket client of the tests that talk to the live stream over a real socket: `ws`, the
// library the server's @fastify/websocket runs on, typed by @types/ws.
import { createRequire } from 'node:module';
import type WebSocket from 'ws';

export type WsClient = WebSocket;
export const WebSocketClient = createRequire(import.meta.url)('ws') as typeof WebSocket;
