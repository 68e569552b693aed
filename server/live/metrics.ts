// The live stream's metrics (Prometheus): WebSocket clients connected, messages and bytes sent,
// clients dropped for being too slow. Registered into the registry the caller gives, or a
// private one nobody reads.
import { Counter, Gauge, Registry } from 'prom-client';
import type { ServerMessage } from './connection.ts';

type MessageType = ServerMessage['type'];
const messageTypes: readonly MessageType[] = ['snapshot', 'samples', 'states', 'stateChanges', 'error'];

export class LiveMetrics {
  readonly #clients: Gauge;
  readonly #messages: Counter<'type'>;
  readonly #bytes: Counter;
  readonly #slowDropped: Counter;

  constructor(registry?: Registry) {
    const registers = [registry ?? new Registry()];
    this.#clients = new Gauge({ name: 'lanewatch_live_clients', help: 'WebSocket clients of the live stream connected now.', registers });
    this.#messages = new Counter({
      name: 'lanewatch_live_messages_sent_total',
      help: 'Messages sent to live stream clients, by type (snapshot, samples, states, stateChanges, error).',
      labelNames: ['type'],
      registers,
    });
    for (const type of messageTypes) this.#messages.inc({ type }, 0);
    this.#bytes = new Counter({ name: 'lanewatch_live_bytes_sent_total', help: 'Bytes (UTF-8 JSON) sent to live stream clients.', registers });
    this.#slowDropped = new Counter({
      name: 'lanewatch_live_clients_dropped_total',
      help: 'Live stream clients disconnected because they could not keep up (more than maxBufferedBytes waiting).',
      registers,
    });
  }

  connected(): void {
    this.#clients.inc();
  }

  disconnected(): void {
    this.#clients.dec();
  }

  /** One message sent, `bytes` long in UTF-8 (`frameOf` measures it once per message). */
  sent(type: MessageType, bytes: number): void {
    this.#messages.inc({ type });
    this.#bytes.inc(bytes);
  }

  droppedSlow(): void {
    this.#slowDropped.inc();
  }
}
