// A UDP socket on one loopback address that hands every datagram to a handler and sends back
// what it returns. Handler faults are logged, never thrown out of the socket's callbacks.
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import type { HostPort } from '../address.ts';

export type DatagramHandler = (request: Buffer) => Buffer | undefined;

export class UdpEndpoint {
  readonly #address: HostPort;
  readonly #handler: DatagramHandler;
  readonly #log: Logger;
  #socket: Socket | undefined;
  #faults = 0;

  constructor(address: HostPort, handler: DatagramHandler, log: Logger) {
    this.#address = address;
    this.#handler = handler;
    this.#log = log;
  }

  /** Binds; rejects with the socket error (EADDRINUSE, EACCES, …). */
  start(): Promise<void> {
    const socket = createSocket({ type: this.#address.family === 6 ? 'udp6' : 'udp4' });
    this.#socket = socket;
    return new Promise((resolve, reject) => {
      const onBindError = (err: Error): void => {
        this.#socket = undefined;
        socket.close();
        reject(err);
      };
      socket.once('error', onBindError);
      socket.on('message', (msg, rinfo) => {
        let response: Buffer | undefined;
        try {
          response = this.#handler(msg);
        } catch (err) {
          this.#faults++;
          // Rate-limited: the first fault and then every 1000th.
          if (this.#faults === 1 || this.#faults % 1000 === 0) this.#log.error({ err, faults: this.#faults }, 'request handling failed');
          return;
        }
        // Without a callback a send error reaches the socket's 'error' listener (logged there).
        if (response) socket.send(response, rinfo.port, rinfo.address);
      });
      socket.bind({ address: this.#address.host, port: this.#address.port, exclusive: true }, () => {
        socket.off('error', onBindError);
        socket.on('error', (err) => this.#log.warn({ err }, 'socket error'));
        resolve();
      });
    });
  }

  /** The bound port (useful when configured with port 0). */
  port(): number | undefined {
    return this.#socket?.address().port;
  }

  stop(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}
