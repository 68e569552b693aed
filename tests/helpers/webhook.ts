// A webhook receiver for tests: a node:http server on loopback that captures every POST
// (JSON body parsed) and can fail the first N requests or answer slowly.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (`unknown`: the test checks its shape). */
  body: unknown;
  /** The status this receiver answered. */
  status: number;
}

export interface WebhookReceiverOptions {
  /** The first N requests are answered with `failStatus` (default 0). */
  failFirst?: number;
  /** Default 503. */
  failStatus?: number;
  /** Each answer waits this long (default 0). */
  delayMs?: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order, including the failed ones. */
  requests: CapturedRequest[];
  /** Only the requests answered 2xx. */
  delivered(): CapturedRequest[];
  /** Resolves once `count` requests were answered 2xx (rejects after `timeoutMs`). */
  waitForDelivered(count: number, timeoutMs?: number): Promise<CapturedRequest[]>;
  /** Fail the next N requests. */
  failNext(count: number): void;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  let failLeft = options.failFirst ?? 0;
  const failStatus = options.failStatus ?? 503;
  const requests: CapturedRequest[] = [];
  const waiters = new Set<() => void>();
  const delivered = (): CapturedRequest[] => requests.filter((r) => r.status >= 200 && r.status < 300);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        body = text;
      }
      const status = failLeft > 0 ? failStatus : 204;
      if (failLeft > 0) failLeft -= 1;
      const answer = (): void => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, status });
        res.statusCode = status;
        res.end();
        for (const wake of waiters) wake();
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    delivered,
    failNext(count: number) {
      failLeft = count;
    },
    waitForDelivered(count: number, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (delivered().length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(delivered());
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook: ${delivered().length} of ${count} deliveries after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
