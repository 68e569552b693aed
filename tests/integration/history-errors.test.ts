// History when InfluxDB cannot answer, against a real influxd: stopped (connection refused),
// silent (timeout) or failing (5xx) is a StorageUnavailableError, answered 503 with
// Retry-After by the one error handler, never naming InfluxDB's address or credentials; a
// range reaching InfluxDB's last representable time is refused before it gets there.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { InfluxDB } from 'influx';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import {
  queryHistory,
  StorageUnavailableError,
  storageRetryAfterSeconds,
  type HistoryPoint,
  type HistoryQuery,
} from '../../server/history/query-history.ts';
import { maxTimeMs } from '../../server/history/time-param.ts';
import { installErrorHandler } from '../../server/routes/errors.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';

const database = 'lw_history_errors';
const nowMs = Date.now();
const query: HistoryQuery = { links: ['hn-01'], dirs: ['down'], classes: ['total'], fromMs: nowMs - 3_600_000, toMs: nowMs };
/** A week: answered from the 5-minute rollup (its policy is missing here: then raw per step). */
const weekQuery: HistoryQuery = { ...query, fromMs: nowMs - 7 * 86_400_000 };

/** The points of the query's only series. */
async function queryLinkHistory(influx: InfluxDB, q: HistoryQuery): Promise<HistoryPoint[]> {
  return (await queryHistory(influx, q)).series[0]?.points ?? [];
}

const influxd = sharedInfluxd();

beforeAll(async () => {
  const influx = createInfluxClient({ url: influxd.url, database });
  await influx.createDatabase(database);
  await influx.writePoints([
    { measurement: 'traffic', tags: { link: 'hn-01', dir: 'down' }, fields: { bps_total: 1_000, util_total: 0.001 }, timestamp: new Date(nowMs - 60_000) },
  ]);
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function listening(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closed(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('queryLinkHistory against a real influxd', () => {
  it('answers while influxd runs, up to the last time the API accepts', async () => {
    const influx = createInfluxClient({ url: influxd.url, database });
    expect(await queryLinkHistory(influx, query)).toHaveLength(1);
    expect(await queryLinkHistory(influx, { ...query, toMs: maxTimeMs, maxPoints: 10 })).toHaveLength(1);
    await expect(queryLinkHistory(influx, { ...query, toMs: Date.UTC(2262, 3, 12) })).rejects.toThrow(RangeError);
  });

  it('a query influxd refuses (not an outage) stays what it was', async () => {
    const influx = createInfluxClient({ url: influxd.url, database: 'no_such_database' });
    const err = await rejection(queryLinkHistory(influx, query));
    expect(err).not.toBeInstanceOf(StorageUnavailableError);
    expect(String(err)).toMatch(/database not found/);
  });

  it('a stopped influxd is StorageUnavailableError (connection refused, or reset while it stops), without its address', async () => {
    const influx: InfluxDB = createInfluxClient({ url: influxd.url, database });
    await influxd.stop();
    try {
      const err = await rejection(queryLinkHistory(influx, query));
      expect(err).toBeInstanceOf(StorageUnavailableError);
      const unavailable = err as StorageUnavailableError;
      // A socket accepted just before influxd closed is reset rather than refused.
      expect(unavailable.message).toMatch(/^InfluxDB is unreachable \(connection (refused|reset)\)$/);
      expect(unavailable.retryAfterSeconds).toBe(storageRetryAfterSeconds);
      expect(unavailable.message).not.toContain(String(influxd.port));
      // The cause is the socket's own error: refused, or (as the message allows) reset.
      expect(String((unavailable.cause as Error).message)).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
      expect(await rejection(queryHistory(influx, weekQuery))).toBeInstanceOf(StorageUnavailableError);
    } finally {
      await influxd.start();
    }
    // Back up: the same client answers again.
    expect(await queryLinkHistory(influx, query)).toHaveLength(1);
    expect(await queryLinkHistory(influx, weekQuery)).toHaveLength(1);
  });

  it('an influxd that never answers is StorageUnavailableError (timed out)', async () => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await listening(silent);
    try {
      const influx = createInfluxClient({ url: `http://127.0.0.1:${port}`, database, requestTimeoutMs: 300 });
      const err = await rejection(queryLinkHistory(influx, query));
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect((err as Error).message).toBe('InfluxDB is unreachable (timed out)');
    } finally {
      for (const socket of sockets) socket.destroy();
      await closed(silent);
    }
  });

  it('a 5xx in front of influxd is StorageUnavailableError', async () => {
    const failing = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded');
    });
    const port = await listening(failing);
    try {
      const influx = createInfluxClient({ url: `http://127.0.0.1:${port}`, database });
      const err = await rejection(queryLinkHistory(influx, query));
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect((err as Error).message).toBe('InfluxDB is unreachable (server error)');
    } finally {
      failing.closeAllConnections();
      await closed(failing);
    }
  });
});

describe('installErrorHandler', () => {
  it('answers a stopped influxd with 503, Retry-After and the usual body, never its URL or credentials', async () => {
    const url = new URL(influxd.url);
    url.username = 'lanewatch';
    url.password = 's3cret-pass';
    const influx = createInfluxClient({ url: url.toString(), database });
    const app = Fastify({ logger: false });
    installErrorHandler(app);
    app.get('/history', async () => ({ points: await queryLinkHistory(influx, query) }));
    await app.ready();
    await influxd.stop();
    try {
      const res = await app.inject({ method: 'GET', url: '/history' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe(String(storageRetryAfterSeconds));
      expect(res.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        code: 'storage-unavailable',
        params: { retryAfterSeconds: storageRetryAfterSeconds },
        message: `InfluxDB is unreachable; try again in ${storageRetryAfterSeconds} s`,
      });
      for (const secret of ['s3cret-pass', 'lanewatch', String(influxd.port), '127.0.0.1']) expect(res.body).not.toContain(secret);
    } finally {
      await influxd.start();
      await app.close();
    }
  });

  it('other failures stay 500 without internals', async () => {
    const app = Fastify({ logger: false });
    installErrorHandler(app);
    app.get('/boom', async () => {
      throw new Error('connect to http://admin:pw@influx:8086 failed');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', code: 'internal-error', params: {}, message: 'internal server error' });
    await app.close();
  });
});
