// The live WebSocket's connection: opened on start, reopened with growing, jittered delays
// when it drops, and told which links the pages watch. No reactive state: the LiveClient
// (live.svelte.ts) wraps it and folds its messages into the UI's state.
//
// Watches are counted per link. While some page watches links, the stream is narrowed to them
// (`{"type":"subscribe","links":[…]}`, sorted); when the last watch goes, it is widened back to
// everything the user may see (`{"type":"subscribe"}`). Changes within one turn of the event
// loop are sent as one message, and every reconnect sends the current subscription again.
import { backoffDelayMs, jitteredDelayMs, type Backoff } from '../../../config/backoff.ts';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** Reconnects back off exponentially with jitter (config/backoff.ts, the server's formula too). */
export type BackoffOptions = Backoff;
// Re-exported for live.svelte.ts, which re-exports it in turn.
export { backoffDelayMs };

/** What the live stream is asked for: the watched links, or (none watched) everything. */
export interface LiveSubscriptionMessage {
  type: 'subscribe';
  links?: string[];
}

/** The subscription for a set of watched links. Pure. */
export function subscriptionFor(watched: Iterable<string>): LiveSubscriptionMessage {
  const links = [...watched].sort();
  return links.length === 0 ? { type: 'subscribe' } : { type: 'subscribe', links };
}

/** The part of the browser's WebSocket used here (tests give `ws`'s, which behaves the same). */
export type SocketLike = Pick<WebSocket, 'readyState' | 'onopen' | 'onmessage' | 'onclose' | 'onerror' | 'send' | 'close'>;

/** WebSocket.OPEN, without needing a global WebSocket (Node 20 has none). */
const socketOpen = 1;

export interface LiveConnectionOptions {
  url: string;
  backoff?: Partial<BackoffOptions>;
  createSocket: (url: string) => SocketLike;
  random?: () => number;
  /** A text frame from the server. */
  onText: (text: string) => void;
  /** A frame that is not text. */
  onBinary?: () => void;
  onState?: (state: ConnectionState) => void;
  /** The socket opened (after a reconnect too). */
  onOpen?: () => void;
  /** A reconnect attempt starts after `delayMs`. */
  onRetry?: (attempt: number, delayMs: number) => void;
  /** The subscription changed (sent now, or at the next open). */
  onSubscription?: (message: LiveSubscriptionMessage) => void;
  /** Called after `refusedAfter` closes in a row without an open (no session, or the server down). */
  onRefused?: () => void;
  refusedAfter?: number;
}

export class LiveConnection {
  readonly #options: LiveConnectionOptions;
  readonly #backoff: BackoffOptions;
  readonly #random: () => number;
  readonly #refusedAfter: number;
  readonly #watched = new Map<string, number>();
  #state: ConnectionState = 'closed';
  #socket: SocketLike | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #attempt = 0;
  #refusals = 0;
  #running = false;
  /** The subscription last sent on the open socket (JSON), to send only changes. */
  #sent: string | null = null;
  #flushQueued = false;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
    this.#backoff = { initialMs: 500, maxMs: 15_000, ...options.backoff };
    this.#random = options.random ?? Math.random;
    this.#refusedAfter = options.refusedAfter ?? 2;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Links watched now, sorted. */
  get watched(): string[] {
    return [...this.#watched.keys()].sort();
  }

  isWatched(linkId: string): boolean {
    return this.#watched.has(linkId);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close(1000, 'client stopped');
    }
    this.#setState('closed');
  }

  /**
   * Counts a watch of `linkId` until the returned function is called (once; later calls do
   * nothing). `onRelease` runs when the link's last watch goes.
   */
  watch(linkId: string, onRelease?: () => void): () => void {
    const before = this.#watched.get(linkId) ?? 0;
    this.#watched.set(linkId, before + 1);
    if (before === 0) this.#subscriptionChanged();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.#watched.get(linkId) ?? 1) - 1;
      if (count > 0) {
        this.#watched.set(linkId, count);
        return;
      }
      this.#watched.delete(linkId);
      this.#subscriptionChanged();
      onRelease?.();
    };
  }

  /**
   * Sends the current subscription again, changed or not: the server answers every subscribe
   * with its whole picture (snapshot and states). Nothing while the socket is not open: the
   * next open brings the whole picture anyway.
   */
  resubscribe(): void {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== socketOpen) return;
    const text = JSON.stringify(subscriptionFor(this.#watched.keys()));
    try {
      socket.send(text);
      this.#sent = text;
    } catch {
      // The socket is closing; the next open brings the whole picture.
    }
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onState?.(state);
  }

  #subscriptionChanged(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      const message = subscriptionFor(this.#watched.keys());
      if (JSON.stringify(message) === this.#sent) return;
      this.#options.onSubscription?.(message);
      this.#sendSubscription();
    });
  }

  #sendSubscription(): void {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== socketOpen) return;
    const text = JSON.stringify(subscriptionFor(this.#watched.keys()));
    // The server's default on a fresh socket is everything: nothing to say when nothing is watched.
    if (this.#sent === null && this.#watched.size === 0) {
      this.#sent = text;
      return;
    }
    if (text === this.#sent) return;
    try {
      socket.send(text);
      this.#sent = text;
    } catch {
      // The socket is closing; the subscription is sent again on the next open.
    }
  }

  #connect(): void {
    if (!this.#running) return;
    this.#setState('connecting');
    let socket: SocketLike;
    try {
      socket = this.#options.createSocket(this.#options.url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#sent = null;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#attempt = 0;
      this.#refusals = 0;
      this.#setState('open');
      this.#options.onOpen?.();
      this.#sendSubscription();
    };
    socket.onmessage = (event: MessageEvent<unknown>) => {
      if (this.#socket !== socket) return;
      if (typeof event.data !== 'string') {
        this.#options.onBinary?.();
        return;
      }
      this.#options.onText(event.data);
    };
    socket.onerror = () => {
      // A close event follows every error; reconnecting is done there.
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.#socket !== socket) return;
      // Never opened, or closed by the server for a policy reason (1008) or an application code.
      const refused = this.#state !== 'open' || event.code === 1008 || (event.code >= 4000 && event.code < 5000);
      this.#socket = null;
      this.#sent = null;
      this.#setState('closed');
      this.#scheduleReconnect();
      this.#refusals = refused ? this.#refusals + 1 : 0;
      if (this.#refusals >= this.#refusedAfter) this.#options.onRefused?.();
    };
  }

  #scheduleReconnect(): void {
    if (!this.#running || this.#retryTimer !== null) return;
    const attempt = this.#attempt;
    const delayMs = jitteredDelayMs(backoffDelayMs(this.#backoff, attempt + 1), this.#random());
    this.#attempt += 1;
    this.#options.onRetry?.(attempt, delayMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect();
    }, delayMs);
  }
}
