// One way to reach InfluxDB 1.x from a settings URL, shared by the store and the server.
import { InfluxDB, type IPoolOptions } from 'influx';
import type { Settings } from '../../config/schema.ts';
import { redactUrl } from '../../config/secrets.ts';

/**
 * node-influx disables a host for a growing backoff after a network error and then fails
 * every request with "No host available" even when InfluxDB is back. The store has its own
 * retry loop, so the pool never disables its host (a delay of 0 means "stay enabled").
 */
type BackoffStrategy = NonNullable<IPoolOptions['backoff']>;

const noHostBackoff: BackoffStrategy = {
  getDelay: () => 0,
  next: () => noHostBackoff,
  reset: () => noHostBackoff,
};


/** One request's timeout to InfluxDB unless a caller sets its own (the store, its writer and the stop bounds read it). */
export const defaultInfluxRequestTimeoutMs = 10_000;
export interface InfluxClientOptions {
  url: string;
  database: string;
  /** Per-request timeout (default 10 s). */
  requestTimeoutMs?: number;
  /**
   * Aborts every request of this client, in flight or later, when it fires: for work a stop
   * abandons (InfluxDB ends a query whose connection closed).
   */
  signal?: AbortSignal;
}

/**
 * The URL parsed, or an Error naming it without its credentials (a URL TypeError keeps the
 * whole input, password included, and would carry it into a log).
 */
function parseInfluxUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new Error(`bad influx url: ${redactUrl(text)}`);
  }
}

/**
 * A client whose default database is `database`; user:password may ride in the URL. The
 * credentials go to node-influx, which sends them in an Authorization header: its errors keep
 * the request, so log them with the `err` serializer of `cli/logger.ts`, never whole.
 */
export function createInfluxClient(opts: InfluxClientOptions | Settings['influx']): InfluxDB {
  const url = parseInfluxUrl(opts.url);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 8086;
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const requestTimeoutMs = 'requestTimeoutMs' in opts && opts.requestTimeoutMs !== undefined ? opts.requestTimeoutMs : defaultInfluxRequestTimeoutMs;
  return new InfluxDB({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    protocol,
    path,
    database: opts.database,
    ...(url.username ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : {}),
    // Host options go to every http.request of the client (node-influx's IHostConfig.options).
    ...('signal' in opts && opts.signal !== undefined ? { options: { signal: opts.signal } } : {}),
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs, backoff: noHostBackoff },
  });
}

/** GET /ping: 204 means InfluxDB is up. Never throws; its error never holds the URL's credentials. */
export async function pingInflux(url: string, timeoutMs: number): Promise<{ reachable: boolean; error?: string }> {
  let pingUrl: URL;
  try {
    pingUrl = new URL('ping', url.endsWith('/') ? url : `${url}/`);
    // fetch refuses URLs with credentials; /ping needs none.
    pingUrl.username = '';
    pingUrl.password = '';
  } catch {
    return { reachable: false, error: `bad influx url: ${redactUrl(url)}` };
  }
  try {
    const res = await fetch(pingUrl, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    if (res.status === 204 || res.status === 200) return { reachable: true };
    return { reachable: false, error: `influx ping answered ${res.status}` };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
    const message = err instanceof Error ? err.message : String(err);
    return { reachable: false, error: cause ? `${message}: ${cause}` : message };
  }
}
