// Writes line protocol to InfluxDB 1.x (`POST /write?db=&precision=ms`) over one kept-alive
// connection: the body is the store's own text (collector/store/line-protocol.ts), sent as it
// is. A refused write rejects with InfluxWriteError carrying the HTTP status (as node-influx's
// errors do, in `res.statusCode`) and InfluxDB's own message; the URL's credentials go in a
// Basic authorization header and never into a message.
import http from 'node:http';
import https from 'node:https';
import { defaultInfluxRequestTimeoutMs } from './influx-client.ts';

export class InfluxWriteError extends Error {
  override name = 'InfluxWriteError';
  /** The answer's status, where node-influx errors keep it. */
  readonly res: { statusCode: number };

  constructor(statusCode: number, message: string) {
    super(message);
    this.res = { statusCode };
  }
}

export interface InfluxLineWriterOptions {
  url: string;
  database: string;
  /** Per-request timeout (default 10 s). */
  requestTimeoutMs?: number;
}

/** The longest part of an error answer kept in a message. */
const maxErrorChars = 1_000;

export class InfluxLineWriter {
  readonly #url: URL;
  readonly #auth: string | undefined;
  readonly #timeoutMs: number;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;

  constructor(opts: InfluxLineWriterOptions) {
    const base = new URL(opts.url);
    const path = base.pathname.replace(/\/$/, '');
    this.#url = new URL(`${base.protocol}//${base.host}${path}/write`);
    this.#url.searchParams.set('db', opts.database);
    this.#url.searchParams.set('precision', 'ms');
    this.#auth = base.username ? `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}` : undefined;
    this.#timeoutMs = opts.requestTimeoutMs ?? defaultInfluxRequestTimeoutMs;
    const https_ = base.protocol === 'https:';
    this.#agent = new (https_ ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 2 });
    this.#request = https_ ? https.request : http.request;
  }

  /** Sends one body of lines; resolves when InfluxDB took it (204). */
  write(text: string): Promise<void> {
    // Encoded once: its length and its bytes (measuring the text, then sending it, encodes it twice).
    const body = Buffer.from(text, 'utf8');
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length };
      if (this.#auth !== undefined) headers.authorization = `Basic ${Buffer.from(this.#auth).toString('base64')}`;
      const req = this.#request(this.#url, { method: 'POST', agent: this.#agent, headers, timeout: this.#timeoutMs }, (res) => {
        const status = res.statusCode ?? 0;
        if (status === 204 || status === 200) {
          res.resume();
          res.once('end', () => resolve());
          res.once('error', reject);
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < maxErrorChars) text += chunk;
        });
        res.once('end', () => reject(new InfluxWriteError(status, `influxdb answered ${status}: ${errorOf(text)}`)));
        res.once('error', reject);
      });
      req.once('timeout', () => req.destroy(new Error(`influxdb write timed out after ${this.#timeoutMs} ms`)));
      req.once('error', reject);
      req.end(body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }
}

/** InfluxDB's `{"error":"…"}` message, else the answer's text (shortened). */
function errorOf(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') return (parsed as { error: string }).error;
  } catch {
    // not JSON
  }
  return text.slice(0, maxErrorChars).trim() || 'no message';
}
