// The live stream's fan-out: one bus subscription for every client. The batches of a short
// window (`coalesceMs`: at national size hundreds of routers answer each second) go out as
// one message, serialised once per distinct filter and the same text handed to every
// connection with that filter; state changes go out at once; the number of clients is capped.
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample } from '../../collector/samples.ts';
import type { StatesSource } from '../analysis/analyzer.ts';
import { applyFilter, matchesFilter } from './filter.ts';
import type { LiveConnection } from './connection.ts';

export interface LiveHubOptions {
  bus: LiveBus;
  states?: StatesSource;
  /** Clients beyond this are refused at connect. */
  maxClients: number;
  /** Batches within this window are sent as one `samples` message (0: each batch at once). */
  coalesceMs: number;
}

export class LiveHub {
  readonly #options: LiveHubOptions;
  readonly #connections = new Set<LiveConnection>();
  #unsubscribe: (() => void) | undefined;
  #unsubscribeStates: (() => void) | undefined;
  /** Serialisations in the last flush, for tests and metrics: distinct filters, not clients. */
  #lastSerialisations = 0;
  /** Samples waiting for the end of the coalescing window. */
  #pending: LinkSample[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LiveHubOptions) {
    this.#options = options;
  }

  get maxClients(): number {
    return this.#options.maxClients;
  }

  get size(): number {
    return this.#connections.size;
  }

  get lastSerialisations(): number {
    return this.#lastSerialisations;
  }

  start(): void {
    this.#unsubscribe = this.#options.bus.subscribe((batch) => {
      if (batch.links.length === 0 || this.#connections.size === 0) return;
      if (this.#options.coalesceMs <= 0) {
        this.#flush(batch.links);
        return;
      }
      for (const sample of batch.links) this.#pending.push(sample);
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        const samples = this.#pending;
        this.#pending = [];
        this.#flush(samples);
      }, this.#options.coalesceMs);
    });
    this.#unsubscribeStates = this.#options.states?.onBatchChanges((changes) => {
      const texts = new Map<string, string | null>();
      for (const connection of this.#connections) {
        let text = texts.get(connection.filterKey);
        if (text === undefined) {
          const mine = changes.filter((c) => matchesFilter(c, connection.filter));
          const message = mine.length > 0 ? connection.statesMessage(mine) : undefined;
          text = message ? JSON.stringify(message) : null;
          texts.set(connection.filterKey, text);
        }
        if (text !== null) connection.sendText(text, 'states');
      }
    });
  }

  #flush(links: readonly LinkSample[]): void {
    const texts = new Map<string, string | null>();
    for (const connection of this.#connections) {
      let text = texts.get(connection.filterKey);
      if (text === undefined) {
        const samples = applyFilter(links, connection.filter);
        text = samples.length > 0 ? JSON.stringify({ type: 'samples', samples }) : null;
        texts.set(connection.filterKey, text);
      }
      if (text !== null) connection.sendText(text, 'samples');
    }
    this.#lastSerialisations = [...texts.values()].filter((t) => t !== null).length;
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
    this.#unsubscribe?.();
    this.#unsubscribeStates?.();
    this.#unsubscribe = undefined;
    this.#unsubscribeStates = undefined;
  }

  /** Admits a new client, or false when the cap is reached. */
  admit(connection: LiveConnection): boolean {
    if (this.#connections.size >= this.#options.maxClients) return false;
    this.#connections.add(connection);
    return true;
  }

  remove(connection: LiveConnection): void {
    this.#connections.delete(connection);
  }
}
