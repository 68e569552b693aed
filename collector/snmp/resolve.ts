// Router addresses given as host names are resolved once (and again after `ttlMs`), not on
// every datagram: net-snmp would look the name up for each send, outside its own timeout, and
// a session closed during that lookup never settles its request.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseHostPort } from './session.ts';

export class AddressResolver {
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { address: string; atMs: number }>();
  /** Addresses whose host is an IP literal (they resolve to themselves: parsed once, not at each poll). */
  readonly #literals = new Set<string>();

  constructor(opts: { ttlMs?: number; timeoutMs: number; now?: () => number }) {
    this.#ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.#timeoutMs = opts.timeoutMs;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * What `resolve` would give at once, without waiting: the address itself when its host is an
   * IP literal, a name's address resolved less than `ttlMs` ago; else undefined (call `resolve`).
   */
  known(address: string): string | undefined {
    if (this.#literals.has(address)) return address;
    const cached = this.#cache.get(address);
    if (cached && this.#now() - cached.atMs < this.#ttlMs) return cached.address;
    return undefined;
  }

  /** `host:port` with the host as an IP address; rejects naming the address when it cannot be resolved. */
  async resolve(address: string): Promise<string> {
    const known = this.known(address);
    if (known !== undefined) return known;
    const hp = parseHostPort(address);
    if (!hp) throw new Error(`not a host:port address: "${address}"`);
    if (isIP(hp.host) !== 0) {
      this.#literals.add(address);
      return address;
    }
    const cached = this.#cache.get(address);
    let timer: NodeJS.Timeout | undefined;
    try {
      const found = await Promise.race([
        lookup(hp.host, { family: hp.transport === 'udp6' ? 6 : 4 }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`name lookup timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
        }),
      ]);
      const resolved = found.family === 6 ? `[${found.address}]:${hp.port}` : `${found.address}:${hp.port}`;
      this.#cache.set(address, { address: resolved, atMs: this.#now() });
      return resolved;
    } catch (err) {
      // A name that stops resolving keeps its last address until it resolves again.
      if (cached) return cached.address;
      throw new Error(`cannot resolve "${hp.host}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}
