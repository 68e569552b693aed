// The live stream's fan-out: one bus subscription for every client. The batches of a short
// window (`coalesceMs`: at national size hundreds of routers answer each second) go out as
// one `samples` message, and the state changes of that window as one `stateChanges` message
// (the statuses they moved, never the whole picture again), each serialised once per distinct
// filter and the same text handed to every connection with that filter; the number of clients
// is capped.
import type { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample } from '../../collector/samples.ts';
import type { LinkDir, StatesSource } from '../analysis/analyzer.ts';
import type { LinkStateChange } from '../analysis/model.ts';
import { applyFilter } from './filter.ts';
import { frameOf, stateChangesMessage, type Frame, type LiveConnection, type ServerMessage } from './connection.ts';

export interface LiveHubOptions {
  bus: LiveBus;
  states?: StatesSource;
  /** Clients beyond this are refused at connect. */
  maxClients: number;
  /** Batches (and state changes) within this window are sent as one message of each (0: each batch at once). */
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
  /** Link directions whose state moved, and the changes, waiting for the end of the coalescing window. */
  #pendingMoved: LinkDir[] = [];
  #pendingChanges: LinkStateChange[] = [];
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
      for (const sample of batch.links) this.#pending.push(sample);
      this.#schedule();
    });
    this.#unsubscribeStates = this.#options.states?.onBatchStates((moved, changes) => {
      if (this.#connections.size === 0) return;
      for (const entry of moved) this.#pendingMoved.push(entry);
      for (const change of changes) this.#pendingChanges.push(change);
      this.#schedule();
    });
  }

  /** Flushes at the end of the coalescing window (at once without one). */
  #schedule(): void {
    if (this.#options.coalesceMs <= 0) {
      this.#flush();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#options.coalesceMs);
  }

  #flush(): void {
    const samples = this.#pending;
    const moved = this.#pendingMoved;
    const changes = this.#pendingChanges;
    this.#pending = [];
    this.#pendingMoved = [];
    this.#pendingChanges = [];
    let serialisations = 0;
    if (samples.length > 0) {
      serialisations += this.#fanOut('samples', (connection) => {
        const mine = connection.filter ? applyFilter(samples, connection.filter) : samples;
        return mine.length > 0 ? { type: 'samples', samples: mine } : undefined;
      });
    }
    const states = this.#options.states;
    if (moved.length > 0 && states) {
      // The statuses as they are now: a window that moved a link twice sends where it ended.
      const now = states.changed(moved);
      serialisations += this.#fanOut('stateChanges', (connection) => stateChangesMessage(now, changes, connection.filter));
      this.#refreshLeft(moved);
    }
    this.#lastSerialisations = serialisations;
  }

  /**
   * A link sampled under another province leaves the picture of the clients watching the province
   * it left: they get their whole picture again (rare: a collector restarted with the link moved).
   */
  #refreshLeft(moved: readonly LinkDir[]): void {
    const left = new Set<string>();
    for (const entry of moved) if (entry.leftProvince !== undefined) left.add(entry.leftProvince);
    if (left.size === 0) return;
    for (const connection of this.#connections) {
      const province = connection.filter?.province;
      if (province !== undefined && left.has(province)) connection.refresh();
    }
  }

  /** Sends each connection its filter's message, serialised once per filter; returns how many were. */
  #fanOut(type: ServerMessage['type'], messageFor: (connection: LiveConnection) => ServerMessage | undefined): number {
    const texts = new Map<string, Frame | null>();
    let serialisations = 0;
    for (const connection of this.#connections) {
      let text = texts.get(connection.filterKey);
      if (text === undefined) {
        const message = messageFor(connection);
        text = message ? frameOf(message) : null;
        if (text !== null) serialisations += 1;
        texts.set(connection.filterKey, text);
      }
      if (text !== null) connection.sendText(text, type);
    }
    return serialisations;
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
    this.#pendingMoved = [];
    this.#pendingChanges = [];
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
