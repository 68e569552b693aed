// The collector's own SNMPv2c client: GET and GETBULK over a small pool of UDP sockets shared
// by every v2c device (answers matched by request-id), with net-snmp's timeout, retry and
// backoff rules. Requests are built from OIDs encoded once (cached); answers are read in place
// (collector/snmp/ber.ts). SNMPv3 stays with net-snmp (collector/snmp/session.ts).
// Failures reject with an SnmpError; socket callbacks never throw.
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { BerError, encodeOid, encodeRequest, readResponseHead, requestVarbind, Tag, type ResponseHead } from './ber.ts';
import { SnmpError } from './errors.ts';
import type { SessionTiming } from './session.ts';

/** An answer: the datagram, its head, and when it arrived. */
export interface V2cAnswer {
  buf: Buffer;
  head: ResponseHead;
  atMs: number;
}

/** A request waiting for its answer: what a resend needs, and how to settle it (one object per request, no closures). */
interface Pending {
  id: number;
  session: V2cSession;
  message: Buffer;
  socket: Socket;
  /** Sends so far (the first one included). */
  sent: number;
  resolve: (answer: V2cAnswer) => void;
  reject: (err: SnmpError) => void;
  timer: NodeJS.Timeout | undefined;
}

export interface V2cTransportOptions {
  /** UDP sockets per address family (answers of many devices spread over them); default 1. */
  sockets?: number;
  /** Receive buffer asked of the kernel per socket (capped by net.core.rmem_max); default 1 MiB. */
  recvBufferBytes?: number;
  now?: () => number;
}

/**
 * Encoded OIDs kept, up to this many (then the cache starts over): the interface columns and the
 * hottest policies; a large fleet's class columns are encoded as they are walked (cheap), not
 * kept for every router.
 */
const maxCachedVarbinds = 4_096;

/**
 * The sockets' host lookup: an IP literal (what a session holds: the poller resolves names
 * first, collector/snmp/resolve.ts) is its own address, answered at once: no DNS call and no
 * deferred tick per datagram; a name goes to dns.lookup.
 */
export function lookupLiteral(
  host: string,
  options: LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(host);
  if (family !== 0) callback(null, host, family);
  else dnsLookup(host, typeof options === 'number' ? { family: options } : options, callback);
}

/** RFC 3416 error-status names. */
const errorStatusNames = [
  'noError', 'tooBig', 'noSuchName', 'badValue', 'readOnly', 'genErr', 'noAccess', 'wrongType', 'wrongLength', 'wrongEncoding',
  'wrongValue', 'noCreation', 'inconsistentValue', 'resourceUnavailable', 'commitFailed', 'undoFailed', 'authorizationError',
  'notWritable', 'inconsistentName',
];

export function errorStatusName(status: number): string {
  return errorStatusNames[status] ?? `error-status ${status}`;
}

export class V2cTransport {
  readonly #count: number;
  readonly #recvBufferBytes: number;
  readonly #now: () => number;
  readonly #sockets = new Map<4 | 6, Socket[]>();
  readonly #pending = new Map<number, Pending>();
  readonly #varbinds = new Map<string, Buffer>();
  readonly #contents = new Map<string, Buffer>();
  #turn = 0;

  constructor(opts: V2cTransportOptions = {}) {
    this.#count = Math.max(1, Math.floor(opts.sockets ?? 1));
    this.#recvBufferBytes = opts.recvBufferBytes ?? 1 << 20;
    this.#now = opts.now ?? Date.now;
  }

  /** Requests waiting for an answer. */
  get pending(): number {
    return this.#pending.size;
  }

  /** The request varbind (SEQUENCE { OID, NULL }) of an OID, encoded once. Throws BerError for a bad OID. */
  varbindOf(oid: string): Buffer {
    let vb = this.#varbinds.get(oid);
    if (!vb) {
      vb = requestVarbind(this.oidOf(oid));
      if (this.#varbinds.size >= maxCachedVarbinds) this.#varbinds.clear();
      this.#varbinds.set(oid, vb);
    }
    return vb;
  }

  /** The content bytes of an OID, encoded once. Throws BerError for a bad OID. */
  oidOf(oid: string): Buffer {
    let content = this.#contents.get(oid);
    if (!content) {
      content = encodeOid(oid);
      if (this.#contents.size >= maxCachedVarbinds) this.#contents.clear();
      this.#contents.set(oid, content);
    }
    return content;
  }

  #socket(family: 4 | 6): Socket {
    let pool = this.#sockets.get(family);
    if (!pool) {
      pool = [];
      this.#sockets.set(family, pool);
    }
    if (pool.length < this.#count) {
      const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: lookupLiteral });
      socket.on('message', (msg) => this.#onMessage(msg));
      socket.on('error', (err) => this.#onSocketError(socket, err));
      socket.on('listening', () => {
        try {
          socket.setRecvBufferSize(this.#recvBufferBytes);
        } catch {
          // the kernel keeps its default
        }
      });
      // Idle sockets do not keep the process alive; a request's timer does.
      socket.unref();
      pool.push(socket);
      return socket;
    }
    this.#turn = (this.#turn + 1) % pool.length;
    return pool[this.#turn]!;
  }

  #onMessage(msg: Buffer): void {
    let head: ResponseHead;
    try {
      head = readResponseHead(msg);
    } catch (err) {
      if (err instanceof BerError) return; // not an answer of ours
      throw err;
    }
    const pending = this.#pending.get(head.requestId);
    if (!pending) return; // late: already answered, timed out or cancelled
    this.#settle(head.requestId, pending);
    const { errorStatus, errorIndex } = head;
    if (errorStatus !== 0) {
      pending.reject(
        new SnmpError('request', pending.session.target, `agent error: ${errorStatusName(errorStatus)}${errorIndex > 0 ? ` at varbind ${errorIndex}` : ''}`),
      );
      return;
    }
    pending.resolve({ buf: msg, head, atMs: this.#now() });
  }

  #onSocketError(socket: Socket, err: Error): void {
    // A socket that failed is dropped; its requests fail now rather than time out.
    for (const pool of this.#sockets.values()) {
      const i = pool.indexOf(socket);
      if (i >= 0) pool.splice(i, 1);
    }
    try {
      socket.close();
    } catch {
      // already closed
    }
    for (const [id, pending] of [...this.#pending]) {
      this.#settle(id, pending);
      pending.reject(new SnmpError('socket', pending.session.target, `socket error: ${err.message}`, { cause: err }));
    }
  }

  #settle(id: number, pending: Pending): void {
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    pending.session.inFlight.delete(id);
  }

  #requestId(): number {
    for (;;) {
      const id = 1 + Math.floor(Math.random() * 0x7fff_fffe);
      if (!this.#pending.has(id)) return id;
    }
  }

  /**
   * Sends a request (`pduTag` GetRequest or GetBulkRequest; `a`/`b` as encodeRequest takes them)
   * with a fresh request-id and resolves with the answer; rejects with a `request` SnmpError
   * when the agent answers with an error status. Resends the same message after each timeout
   * (timeout × backoff^attempt), `retries` times.
   */
  request(session: V2cSession, pduTag: number, a: number, b: number, varbinds: readonly Buffer[]): Promise<V2cAnswer> {
    return new Promise<V2cAnswer>((resolve, reject) => {
      if (session.closed) {
        reject(new SnmpError('socket', session.target, 'session closed'));
        return;
      }
      let message: Buffer;
      const id = this.#requestId();
      try {
        message = encodeRequest(pduTag, session.community, id, a, b, varbinds);
      } catch (err) {
        reject(new SnmpError('request', session.target, `cannot encode the request: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        return;
      }
      const pending: Pending = { id, session, message, socket: this.#socket(session.family), sent: 0, resolve, reject, timer: undefined };
      this.#pending.set(id, pending);
      session.inFlight.add(id);
      this.#send(pending);
    });
  }

  /** Sends (or resends) a request and arms its timeout. */
  #send(pending: Pending): void {
    const { id, session } = pending;
    const { timeoutMs, backoff = 1 } = session.timing;
    pending.socket.send(pending.message, session.port, session.host, (err) => {
      if (!err || this.#pending.get(id) !== pending) return;
      this.#settle(id, pending);
      pending.reject(new SnmpError('socket', session.target, `send failed: ${err.message}`, { cause: err }));
    });
    pending.timer = setTimeout(this.#onTimeout, Math.round(timeoutMs * backoff ** pending.sent), pending);
    pending.sent++;
  }

  /** A request's timeout passed: resent while retries remain, else failed. One function for every request. */
  readonly #onTimeout = (pending: Pending): void => {
    if (this.#pending.get(pending.id) !== pending) return;
    if (pending.sent <= pending.session.timing.retries) {
      this.#send(pending);
      return;
    }
    this.#settle(pending.id, pending);
    pending.reject(new SnmpError('timeout', pending.session.target, 'request timed out'));
  };

  /** Fails a session's requests in flight (its poll ends at once). */
  cancel(session: V2cSession, why: string): void {
    for (const id of [...session.inFlight]) {
      const pending = this.#pending.get(id);
      if (!pending) continue;
      this.#settle(id, pending);
      pending.reject(new SnmpError('socket', session.target, why));
    }
  }

  /** Fails every request in flight and closes the sockets; a later request opens new ones. */
  close(): void {
    for (const [id, pending] of [...this.#pending]) {
      this.#settle(id, pending);
      pending.reject(new SnmpError('socket', pending.session.target, 'transport closed'));
    }
    for (const pool of this.#sockets.values()) {
      for (const socket of pool) {
        try {
          socket.close();
        } catch {
          // never bound
        }
      }
    }
    this.#sockets.clear();
  }
}

export interface V2cSessionOptions {
  host: string;
  port: number;
  family: 4 | 6;
  community: string;
  timing: SessionTiming;
  /** `host:port` as configured, for messages. */
  target: string;
  /** Shared by many sessions; without one the session has its own (closed with it). */
  transport?: V2cTransport;
}

/** One v2c agent: where it is, its community, the request timing. */
export class V2cSession {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly community: Buffer;
  readonly timing: SessionTiming;
  readonly target: string;
  readonly transport: V2cTransport;
  readonly #ownsTransport: boolean;
  /** Request-ids of this session waiting for an answer. */
  readonly inFlight = new Set<number>();
  #closed = false;

  constructor(opts: V2cSessionOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.family = opts.family;
    // A buffer of its own: Buffer.from of a short string is a slice of node's shared 8 KB pool
    // block, which one long-lived session would keep alive whole (thousands of sessions: MBs).
    const community = Buffer.allocUnsafeSlow(Buffer.byteLength(opts.community, 'utf8'));
    community.write(opts.community, 'utf8');
    this.community = community;
    this.timing = opts.timing;
    this.target = opts.target;
    this.#ownsTransport = opts.transport === undefined;
    this.transport = opts.transport ?? new V2cTransport();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** GETBULK of request varbinds (from `varbindOf`); resolves with the answer, rejects on an error status. */
  getBulk(varbinds: readonly Buffer[], nonRepeaters: number, maxRepetitions: number): Promise<V2cAnswer> {
    return this.transport.request(this, Tag.getBulkRequest, nonRepeaters, maxRepetitions, varbinds);
  }

  /** GET of request varbinds; resolves with the answer, rejects on an error status. */
  get(varbinds: readonly Buffer[]): Promise<V2cAnswer> {
    return this.transport.request(this, Tag.getRequest, 0, 0, varbinds);
  }

  /** Fails the requests in flight; a session with its own transport closes it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.transport.cancel(this, 'session closed');
    if (this.#ownsTransport) this.transport.close();
  }
}
