// Stores on a test influxd for the store tests: each on a database of its own, retrying fast
// (100–400 ms) with a 2 s request timeout so an outage shows within a test, and closed after
// the test that made it.
import type { InfluxDB } from 'influx';
import type { Registry } from 'prom-client';
import { afterEach } from 'vitest';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { createTestStore, type TestStore } from './store.ts';

export interface InfluxdStoreOptions {
  /** Default 100. */
  batchSize?: number;
  /** The spool's bound; default createTestStore's. */
  maxBytes?: number;
  /** An existing spool directory (the caller removes it); default a temporary one. */
  spoolDir?: string;
  /** Default a new database named from the prefix given to `influxdStores`. */
  database?: string;
  spoolMaxQueuedPoints?: number;
  registry?: Registry;
}

export interface InfluxdStore extends TestStore {
  /** A client on the store's database, to read back what it wrote. */
  query: InfluxDB;
}

/**
 * Returns the function that makes such stores, on databases `<databasePrefix>_1`, `_2`, …;
 * call it at the top of a test file, after `sharedInfluxd()`, so that the stores are closed
 * before influxd is started again for the next test.
 */
export function influxdStores(influxd: { readonly url: string }, databasePrefix: string): (options?: InfluxdStoreOptions) => InfluxdStore {
  let databases = 0;
  const open: TestStore[] = [];
  afterEach(async () => {
    for (const test of open.splice(0).reverse()) await test.close();
  });
  return (options = {}) => {
    databases += 1;
    const database = options.database ?? `${databasePrefix}_${databases}`;
    const test = createTestStore({
      influx: { url: influxd.url, database, retentionDays: 30, batchSize: options.batchSize ?? 100 },
      spool: {
        ...(options.spoolDir !== undefined ? { dir: options.spoolDir } : {}),
        ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
      },
      retry: { initialMs: 100, maxMs: 400 },
      requestTimeoutMs: 2_000,
      ...(options.spoolMaxQueuedPoints !== undefined ? { spoolMaxQueuedPoints: options.spoolMaxQueuedPoints } : {}),
      ...(options.registry !== undefined ? { registry: options.registry } : {}),
    });
    open.push(test);
    return { ...test, query: createInfluxClient({ url: influxd.url, database }) };
  };
}
